/* Executor internals shared by exec.c, mem.c, stack.c, strops.c, sse.c. */
#ifndef SHADE_EMUL_EXEC_H
#define SHADE_EMUL_EXEC_H

#include "emul/emul.h"
#include "emul/tables.h"

/* Registers as they were before the instruction (or after the last
 * completed REP iteration): restored when the instruction faults. */
struct emul_snap {
	uint64_t gpr[16];
	uint64_t rip, rflags;
};

/* Copy 16 GPRs without a memcpy call (the hypervisor's memcpy is a byte
 * loop, and this is the hot path). */
static inline void gpr_copy(uint64_t *d, const uint64_t *s)
{
	d[0] = s[0]; d[1] = s[1]; d[2] = s[2]; d[3] = s[3];
	d[4] = s[4]; d[5] = s[5]; d[6] = s[6]; d[7] = s[7];
	d[8] = s[8]; d[9] = s[9]; d[10] = s[10]; d[11] = s[11];
	d[12] = s[12]; d[13] = s[13]; d[14] = s[14]; d[15] = s[15];
}

static inline void fault_clear(struct emul_fault *f)
{
	f->vector = 0;
	f->has_error_code = false;
	f->error_code = 0;
	f->cr2 = 0;
}

/* Reset a result (only the fields callers read). */
static inline void res_clear(struct emul_result *res)
{
	res->status = 0;
	res->vector = 0;
	res->has_error_code = false;
	res->error_code = 0;
	res->cr2 = 0;
	res->insn_len = 0;
	res->why = "";
}

struct ex {
	struct emul_ctx *ctx;
	const struct emul_insn *in;
	struct emul_result *res;
	struct emul_snap snap;
	uint64_t next_rip;       /* RIP after the instruction (branches change it) */
	bool restart;            /* REP chunk ended early: leave RIP */
	bool gpr_snap;           /* snap.gpr holds the GPRs (see emul_execute) */
};

/* A resolved operand. */
enum { OPK_NONE, OPK_REG, OPK_MEM, OPK_IMM };
struct opnd {
	uint8_t kind, size, reg, seg;
	uint64_t off;            /* memory: effective address (offset in seg) */
	uint64_t val;
};

/* Status codes inside the executor: 0 = go on, else an enum emul_status. */
int ex_raise(struct ex *ex, unsigned vector, bool has_err, uint32_t err);
static inline int ex_gp0(struct ex *ex) { return ex_raise(ex, EMUL_GP, true, 0); }
static inline int ex_ud(struct ex *ex) { return ex_raise(ex, EMUL_UD, false, 0); }

/* Instruction fetch (exec.c), shared with the decoded-instruction cache. */
int ex_code_la(const struct emul_ctx *c, uint64_t *la, unsigned *avail,
	       struct emul_result *res);
int ex_fetch(const struct emul_ctx *c, uint64_t la, uint8_t *buf, unsigned have,
	     unsigned n, struct emul_result *res);
int ex_fetch_decode(struct emul_ctx *c, struct emul_insn *in, struct emul_result *res,
		    const struct emul_insn *cached, const struct emul_insn **out);

/* Registers. */
uint64_t reg_read(const struct ex *ex, unsigned r, unsigned size);
void reg_write(struct ex *ex, unsigned r, unsigned size, uint64_t v);
bool ex_is64(const struct ex *ex);

/* Memory (mem.c): segmentation checks then split, page-bounded accesses
 * through the callbacks.  `off` is the offset within segment `seg`. */
int mem_read(struct ex *ex, unsigned seg, uint64_t off, void *buf, unsigned len);
int mem_write(struct ex *ex, unsigned seg, uint64_t off, const void *buf, unsigned len);
int mem_read_val(struct ex *ex, unsigned seg, uint64_t off, unsigned size, uint64_t *v);
int mem_write_val(struct ex *ex, unsigned seg, uint64_t off, unsigned size, uint64_t v);
/* Segment checks only (e.g. before a write whose value is not known yet). */
int mem_linear(struct ex *ex, unsigned seg, uint64_t off, unsigned len, bool write,
	       uint64_t *la);
int mem_probe_write(struct ex *ex, unsigned seg, uint64_t off, unsigned len);
/* Linear-address access without segmentation (descriptor tables). */
int mem_read_linear(struct ex *ex, uint64_t la, void *buf, unsigned len);

/* Effective address of the ModRM memory operand. */
uint64_t ex_ea(const struct ex *ex);
uint64_t ex_addr_mask(const struct ex *ex);

/* Operand helpers (exec.c). */
int opnd_load(struct ex *ex, unsigned kind, unsigned size, struct opnd *o);
int opnd_store(struct ex *ex, const struct opnd *o, uint64_t v);

/* Stack (stack.c). */
unsigned stack_addr_size(const struct ex *ex);
uint64_t stack_sp(const struct ex *ex);
void stack_set_sp(struct ex *ex, uint64_t v);
int stack_push(struct ex *ex, unsigned size, uint64_t v);
int stack_pop(struct ex *ex, unsigned size, uint64_t *v);
int ex_branch(struct ex *ex, uint64_t target, unsigned opsize);

int h_push(struct ex *ex);
int h_pop(struct ex *ex);
int h_call(struct ex *ex);
int h_jmp(struct ex *ex);
int h_ret(struct ex *ex);
int h_callf(struct ex *ex);
int h_jmpf(struct ex *ex);
int h_retf(struct ex *ex);
int h_leave(struct ex *ex);
int h_enter(struct ex *ex);
int h_str(struct ex *ex);
int h_in(struct ex *ex);
int h_out(struct ex *ex);
int h_ssemov(struct ex *ex);
bool ex_io_allowed(struct ex *ex, uint16_t port, unsigned size);

#endif
