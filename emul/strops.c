/* String instructions with REP prefixes (SDM Vol. 1 7.3.9, Vol. 2B REP)
 * and port I/O (IN/OUT/INS/OUTS, Vol. 1 chapter 19).
 *
 * A REP instruction runs at most ctx->rep_chunk iterations per emul_step;
 * if the count is not exhausted it stops with RCX/RSI/RDI consistent and
 * RIP on the instruction (EMUL_RESTART), exactly like an interrupted REP
 * on the CPU.  Every completed iteration is committed, so a fault in
 * iteration k leaves the registers as after iteration k-1. */
#include <string.h>

#include "emul/alu.h"
#include "emul/exec.h"

/* IOPL / I/O permission check (SDM Vol. 1 19.5): in protected mode with
 * CPL > IOPL (or in virtual-8086 mode) the TSS bitmap decides, which is
 * the caller's business (ops->io_allowed; NULL = allowed). */
bool ex_io_allowed(struct ex *ex, uint16_t port, unsigned size)
{
	const struct emul_ctx *c = ex->ctx;
	unsigned iopl = (unsigned)(c->rflags >> 12) & 3;

	if (c->mode == EMUL_MODE_REAL)
		return true;
	if (c->cpl <= iopl && !(c->rflags & EMUL_FL_VM))
		return true;
	return !c->ops->io_allowed || c->ops->io_allowed(c->opaque, port, size);
}

static int port_in(struct ex *ex, uint16_t port, unsigned size, uint64_t *v)
{
	uint32_t x = 0;
	int r;

	if (!ex_io_allowed(ex, port, size))
		return ex_gp0(ex);
	r = ex->ctx->ops->pio_in ? ex->ctx->ops->pio_in(ex->ctx->opaque, port, size, &x)
				 : EMUL_CB_ABORT;
	if (r != EMUL_CB_OK) {
		ex->res->why = "port read failed";
		return EMUL_ABORT;
	}
	*v = x & alu_mask(size);
	return 0;
}

static int port_out(struct ex *ex, uint16_t port, unsigned size, uint64_t v)
{
	int r;

	if (!ex_io_allowed(ex, port, size))
		return ex_gp0(ex);
	r = ex->ctx->ops->pio_out ? ex->ctx->ops->pio_out(ex->ctx->opaque, port, size,
							  (uint32_t)(v & alu_mask(size)))
				  : EMUL_CB_ABORT;
	if (r != EMUL_CB_OK) {
		ex->res->why = "port write failed";
		return EMUL_ABORT;
	}
	return 0;
}

static unsigned io_size(const struct ex *ex)
{
	return ex->in->opsize > 4 ? 4 : ex->in->opsize;
}

int h_in(struct ex *ex)
{
	unsigned sz = io_size(ex);
	struct opnd p;
	uint64_t v;
	int e;

	opnd_load(ex, ex->in->src, 1, &p);
	if ((e = port_in(ex, (uint16_t)p.val, sz, &v)))
		return e;
	reg_write(ex, EMUL_RAX, sz, v);
	return 0;
}

int h_out(struct ex *ex)
{
	unsigned sz = io_size(ex);
	struct opnd p;

	opnd_load(ex, ex->in->dst, 1, &p);
	return port_out(ex, (uint16_t)p.val, sz, reg_read(ex, EMUL_RAX, sz));
}

struct strstate {
	unsigned sz, as, srcseg;
	uint64_t si, di;
};

/* One iteration of the string operation; rSI/rDI are advanced by the
 * caller. */
static int str_once(struct ex *ex, const struct strstate *s)
{
	uint64_t a, b;
	int e;

	switch (ex->in->sub) {
	case STR_MOVS:
		if ((e = mem_read_val(ex, s->srcseg, s->si, s->sz, &a)))
			return e;
		return mem_write_val(ex, EMUL_ES, s->di, s->sz, a);
	case STR_CMPS:
		if ((e = mem_read_val(ex, s->srcseg, s->si, s->sz, &a)) ||
		    (e = mem_read_val(ex, EMUL_ES, s->di, s->sz, &b)))
			return e;
		alu_binop(ALU_CMP, a, b, s->sz, &ex->ctx->rflags);
		return 0;
	case STR_STOS:
		return mem_write_val(ex, EMUL_ES, s->di, s->sz, reg_read(ex, EMUL_RAX, s->sz));
	case STR_LODS:
		if ((e = mem_read_val(ex, s->srcseg, s->si, s->sz, &a)))
			return e;
		reg_write(ex, EMUL_RAX, s->sz, a);
		return 0;
	case STR_SCAS:
		if ((e = mem_read_val(ex, EMUL_ES, s->di, s->sz, &b)))
			return e;
		alu_binop(ALU_CMP, reg_read(ex, EMUL_RAX, s->sz), b, s->sz, &ex->ctx->rflags);
		return 0;
	case STR_INS: {
		uint64_t la;

		/* Check the destination before consuming the port's data. */
		if ((e = mem_linear(ex, EMUL_ES, s->di, s->sz, true, &la)) ||
		    (e = port_in(ex, (uint16_t)ex->ctx->gpr[EMUL_RDX], s->sz, &a)))
			return e;
		return mem_write_val(ex, EMUL_ES, s->di, s->sz, a);
	}
	default: /* OUTS */
		if ((e = mem_read_val(ex, s->srcseg, s->si, s->sz, &a)))
			return e;
		return port_out(ex, (uint16_t)ex->ctx->gpr[EMUL_RDX], s->sz, a);
	}
}

static bool uses_si(unsigned op)
{
	return op == STR_MOVS || op == STR_CMPS || op == STR_LODS || op == STR_OUTS;
}

static bool uses_di(unsigned op)
{
	return op != STR_LODS && op != STR_OUTS;
}

int h_str(struct ex *ex)
{
	const struct emul_insn *in = ex->in;
	struct emul_ctx *c = ex->ctx;
	unsigned op = in->sub, chunk = c->rep_chunk ? c->rep_chunk : EMUL_REP_CHUNK_DEFAULT;
	bool rep = in->rep != 0;
	struct strstate s;
	uint64_t m, cnt, delta;

	s.sz = (op == STR_INS || op == STR_OUTS) ? io_size(ex) : in->opsize;
	s.as = in->addrsize;
	s.srcseg = in->seg_override != EMUL_NO_REG ? in->seg_override : EMUL_DS;
	m = alu_mask(s.as);
	delta = (c->rflags & EMUL_FL_DF) ? (uint64_t)-(int64_t)s.sz : s.sz;
	cnt = c->gpr[EMUL_RCX] & m;
	if (rep && cnt == 0)
		return 0;
	for (unsigned i = 0;; i++) {
		int e;

		s.si = c->gpr[EMUL_RSI] & m;
		s.di = c->gpr[EMUL_RDI] & m;
		if ((e = str_once(ex, &s)))
			return e;
		if (uses_si(op))
			reg_write(ex, EMUL_RSI, s.as, s.si + delta);
		if (uses_di(op))
			reg_write(ex, EMUL_RDI, s.as, s.di + delta);
		if (!rep)
			return 0;
		reg_write(ex, EMUL_RCX, s.as, --cnt);
		/* Commit the iteration: a later fault restores to here. */
		gpr_copy(ex->snap.gpr, c->gpr);
		ex->snap.rflags = c->rflags;
		if (cnt == 0)
			return 0;
		if (op == STR_CMPS || op == STR_SCAS) {
			bool zf = c->rflags & EMUL_FL_ZF;

			if ((in->rep == 0xf3 && !zf) || (in->rep == 0xf2 && zf))
				return 0;
		}
		if (i + 1 >= chunk) {
			ex->restart = true;
			return 0;
		}
	}
}
