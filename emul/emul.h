/* Shade's x86 instruction emulator: public interface.
 *
 * The emulator decodes and executes ONE guest instruction against a register
 * file the caller hands it (struct emul_ctx) and guest memory / ports reached
 * only through the caller's callbacks (struct emul_ops).  It is plain C with
 * no VMX and no assembly, so the same code runs inside Shade (MMIO exits,
 * writes to shadowed page tables, forced emulation) and natively on the host
 * (unit tests, differential tests against the host CPU, fuzzing).
 *
 * How the caller uses it (e.g. the MMIO path of the #PF exit handler):
 *
 *     struct emul_ctx ctx;            // once per vCPU, or per exit
 *     emul_ctx_init(&ctx, &my_ops, vcpu);
 *     ...fill ctx.gpr[], ctx.rip, ctx.rflags, ctx.mode, ctx.seg[],
 *        ctx.cr0, ctx.cr4, ctx.efer, ctx.cpl from the VMCS / saved GPRs...
 *     (SSE/MMX moves: fill ctx.xmm / ctx.mm, or give ops->fpu_get to
 *      provide them only when such a move runs, or set ctx.no_fpu_state so
 *      such instructions return EMUL_UNSUPPORTED)
 *     struct emul_result res;
 *     switch (emul_step(&ctx, &res)) {   // or emul_step_cached(&ctx, &ic, &res)
 *     case EMUL_DONE:        write back gpr/rip/rflags (and xmm/mm if
 *                            ctx.dirty says so); resume the guest.
 *     case EMUL_RESTART:     a REP string instruction did a bounded chunk:
 *                            write back gpr/rflags, RIP is unchanged; resume
 *                            the guest (it re-executes the instruction).
 *     case EMUL_EXCEPTION:   inject res.vector (res.error_code if
 *                            res.has_error_code; res.cr2 for #PF). Registers
 *                            in ctx are as the CPU leaves them for a fault
 *                            (the pre-instruction state, except completed
 *                            REP iterations); write them back and inject.
 *     case EMUL_UNSUPPORTED: log res.insn[0..res.insn_len) and stop the VM.
 *     case EMUL_ABORT:       a callback returned EMUL_CB_ABORT: stop the VM.
 *     }
 *
 * Guarantees: the emulator never touches memory other than ctx, res and what
 * the callbacks hand it; every emul_step is bounded (REP strings stop after
 * ctx->rep_chunk iterations); no more than 15 instruction bytes are ever
 * fetched per decode (a stale emul_step_cached entry adds one re-fetch of
 * its length); the emulator does not handle RFLAGS.TF/RF, interrupt
 * shadows or cross-vCPU atomicity of LOCKed RMWs (the caller's job); and
 * NO callback ever receives an access that crosses a 4 KiB
 * linear page boundary: such accesses are split, and the caller translates
 * each part once (one part may be RAM and the other MMIO).
 *
 * Straddling accesses (SDM Vol. 3A 4.10 does not promise atomicity here
 * either): before touching the first part, the emulator asks ops->check()
 * whether the SECOND part is accessible (if ops->check is non-NULL), so a
 * fault on the second page is reported before any side effect on the first:
 * no half-done write, no MMIO read whose result is then thrown away.  Only if
 * the second part's write callback itself fails after check() said yes (a
 * device refusing) can a half-done access remain.
 */
#ifndef SHADE_EMUL_H
#define SHADE_EMUL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------------- */
/* CPU state                                                               */

/* Register numbers, in the encoding's order (SDM Vol. 2A 2.1.5). */
enum emul_gpr {
	EMUL_RAX, EMUL_RCX, EMUL_RDX, EMUL_RBX,
	EMUL_RSP, EMUL_RBP, EMUL_RSI, EMUL_RDI,
	EMUL_R8, EMUL_R9, EMUL_R10, EMUL_R11,
	EMUL_R12, EMUL_R13, EMUL_R14, EMUL_R15,
};

/* Segment registers, in the encoding's order (Sreg field, SDM Vol. 2A 3.1.1.3). */
enum emul_sreg { EMUL_ES, EMUL_CS, EMUL_SS, EMUL_DS, EMUL_FS, EMUL_GS, EMUL_NSEG };

/* The operating mode decides default operand/address size and which
 * segmentation rules apply.  The caller derives it from CR0.PE, RFLAGS.VM,
 * EFER.LMA and CS.L/CS.D (emul_mode_of() does exactly that). */
enum emul_mode {
	EMUL_MODE_REAL,    /* CR0.PE=0 (also used for virtual-8086 semantics: not supported) */
	EMUL_MODE_PROT16,  /* protected mode, CS.D=0 */
	EMUL_MODE_PROT32,  /* protected mode, CS.D=1 */
	EMUL_MODE_COMPAT16,/* IA-32e compatibility mode, CS.D=0 */
	EMUL_MODE_COMPAT32,/* IA-32e compatibility mode, CS.D=1 */
	EMUL_MODE_LONG64,  /* 64-bit mode: EFER.LMA=1, CS.L=1 */
};

/* Segment register state, as the VMCS holds it (SDM Vol. 3C 24.4.1):
 * `limit` is the byte-granular limit (G already applied), `ar` is the
 * VMX access-rights word: bits 3:0 type, 4 S, 6:5 DPL, 7 P, 12 AVL, 13 L,
 * 14 D/B, 15 G, 16 "unusable" (a null selector was loaded). */
struct emul_seg {
	uint16_t sel;
	uint64_t base;
	uint32_t limit;
	uint32_t ar;
};
#define EMUL_AR_TYPE_MASK   0xfu
#define EMUL_AR_TYPE_A      0x1u    /* accessed */
#define EMUL_AR_TYPE_W      0x2u    /* data: writable; code: readable */
#define EMUL_AR_TYPE_E      0x4u    /* data: expand-down; code: conforming */
#define EMUL_AR_TYPE_CODE   0x8u
#define EMUL_AR_S           (1u << 4)
#define EMUL_AR_P           (1u << 7)
#define EMUL_AR_L           (1u << 13)
#define EMUL_AR_DB          (1u << 14)
#define EMUL_AR_G           (1u << 15)
#define EMUL_AR_UNUSABLE    (1u << 16)

/* RFLAGS bits the emulator reads or writes. */
#define EMUL_FL_CF   (1u << 0)
#define EMUL_FL_PF   (1u << 2)
#define EMUL_FL_AF   (1u << 4)
#define EMUL_FL_ZF   (1u << 6)
#define EMUL_FL_SF   (1u << 7)
#define EMUL_FL_TF   (1u << 8)
#define EMUL_FL_IF   (1u << 9)
#define EMUL_FL_DF   (1u << 10)
#define EMUL_FL_OF   (1u << 11)
#define EMUL_FL_RF   (1u << 16)
#define EMUL_FL_VM   (1u << 17)
#define EMUL_FL_AC   (1u << 18)
#define EMUL_FL_ARITH (EMUL_FL_CF | EMUL_FL_PF | EMUL_FL_AF | EMUL_FL_ZF | \
		       EMUL_FL_SF | EMUL_FL_OF)

/* Control-register / EFER bits that matter to the emulator. */
#define EMUL_CR0_PE  (1ull << 0)
#define EMUL_CR0_MP  (1ull << 1)
#define EMUL_CR0_EM  (1ull << 2)
#define EMUL_CR0_TS  (1ull << 3)
#define EMUL_CR0_AM  (1ull << 18)
#define EMUL_CR4_OSFXSR (1ull << 9)
#define EMUL_EFER_LMA   (1ull << 10)

/* Exception vectors the emulator can report (SDM Vol. 3A 6.3.1). */
enum emul_vector {
	EMUL_DE = 0, EMUL_UD = 6, EMUL_NM = 7, EMUL_TS = 10, EMUL_NP = 11,
	EMUL_SS_VEC = 12, EMUL_GP = 13, EMUL_PF = 14, EMUL_MF = 16, EMUL_AC = 17,
};

/* A fault a callback reports (e.g. the guest walk failed: #PF with the
 * guest's error code and CR2 = the faulting linear address). */
struct emul_fault {
	uint8_t vector;
	bool has_error_code;
	uint32_t error_code;
	uint64_t cr2;
};

/* Callback return values. */
enum emul_cb_status {
	EMUL_CB_OK = 0,     /* access done */
	EMUL_CB_FAULT = 1,  /* *fault filled: emul_step returns EMUL_EXCEPTION */
	EMUL_CB_ABORT = 2,  /* give up (device error...): emul_step returns EMUL_ABORT */
};

/* What an access is for (check(), and so the caller can tell a fetch from a
 * data read for #PF error codes: I/D bit). */
enum emul_access { EMUL_ACC_READ, EMUL_ACC_WRITE, EMUL_ACC_FETCH };

/* Callbacks.  `la` is a linear address (segmentation already applied and
 * checked by the emulator; paging is the caller's job).  1 <= len <= 16 for
 * fetch/read/write (fetch: up to 15) and [la, la+len) never crosses a 4 KiB
 * boundary.  Data accesses come in the order the CPU performs them.
 * `opaque` is ctx->opaque.  `supervisor` in check() is true for implicit
 * supervisor accesses; for data accesses use ctx->cpl. */
struct emul_ctx;

struct emul_ops {
	int (*fetch)(void *opaque, uint64_t la, void *buf, unsigned len,
		     struct emul_fault *fault);
	int (*read)(void *opaque, uint64_t la, void *buf, unsigned len,
		    struct emul_fault *fault);
	int (*write)(void *opaque, uint64_t la, const void *buf, unsigned len,
		     struct emul_fault *fault);
	/* Optional (may be NULL): would [la, la+len) be accessible for `acc`?
	 * Must not have side effects.  Used on the second page of a straddling
	 * access before the first page is touched. */
	int (*check)(void *opaque, uint64_t la, unsigned len, enum emul_access acc,
		     struct emul_fault *fault);
	/* Port I/O, size 1, 2 or 4.  The emulator has already applied the
	 * IOPL/CPL check (SDM Vol. 1 19.5.1); the I/O permission bitmap
	 * (TSS) is the caller's business (io_allowed, may be NULL = allowed). */
	int (*pio_in)(void *opaque, uint16_t port, unsigned size, uint32_t *val);
	int (*pio_out)(void *opaque, uint16_t port, unsigned size, uint32_t val);
	bool (*io_allowed)(void *opaque, uint16_t port, unsigned size);
	/* Optional: fill ctx->xmm / ctx->mm on demand.  Called at most once
	 * per step, just before an SSE/MMX move touches them, so a caller
	 * can skip saving and copying the FPU state on every exit.  When set,
	 * ctx->no_fpu_state is ignored. */
	void (*fpu_get)(void *opaque, struct emul_ctx *ctx);
};

/* ctx->dirty bits: which optional state the last emul_step modified. */
#define EMUL_DIRTY_XMM  (1u << 0)   /* some xmm[] changed */
#define EMUL_DIRTY_MMX  (1u << 1)   /* an MMX instruction ran: mm[] may have
				      * changed AND the caller must set the
				      * x87 TOS to 0 and every tag to valid
				      * (SDM Vol. 1 9.5.1) */
#define EMUL_DIRTY_CR0  (1u << 2)   /* LMSW changed ctx->cr0 */
#define EMUL_DIRTY_SEG  (1u << 3)   /* a far transfer changed ctx->seg[CS] */

#define EMUL_REP_CHUNK_DEFAULT 256u

struct emul_ctx {
	uint64_t gpr[16];            /* enum emul_gpr order */
	uint64_t rip;
	uint64_t rflags;
	enum emul_mode mode;
	struct emul_seg seg[EMUL_NSEG];  /* enum emul_sreg order */
	uint64_t cr0, cr4, efer;
	uint8_t cpl;
	/* GDTR: only needed for far JMP/CALL/RET outside real mode (code
	 * descriptor loads, read with ops->read as implicit supervisor
	 * accesses).  Selectors in the LDT, call gates, task switches and
	 * privilege changes return EMUL_UNSUPPORTED. */
	uint64_t gdtr_base;
	uint16_t gdtr_limit;
	/* SSE / MMX registers as plain bytes, little-endian (the FXSAVE layout
	 * order).  mm[i] is the low 64 bits of x87 register R(i). */
	_Alignas(16) uint8_t xmm[16][16];
	_Alignas(8) uint8_t mm[8][8];
	bool no_fpu_state;           /* xmm/mm not provided: SSE/MMX -> UNSUPPORTED */
	uint32_t dirty;              /* EMUL_DIRTY_* set by emul_step */
	/* Maximum REP iterations per emul_step (0 = EMUL_REP_CHUNK_DEFAULT). */
	uint32_t rep_chunk;
	const struct emul_ops *ops;
	void *opaque;                /* passed to every callback */
};

/* ---------------------------------------------------------------------- */
/* Decoding                                                                */

/* Decoder outcomes. */
enum emul_dec_status {
	EMUL_DEC_OK = 0,
	EMUL_DEC_INVALID,      /* not a valid instruction: #UD */
	EMUL_DEC_TOO_LONG,     /* would exceed 15 bytes: #GP(0) */
	EMUL_DEC_NEED_MORE,    /* `avail` bytes end before the instruction does */
	EMUL_DEC_UNSUPPORTED,  /* an opcode whose format Shade does not decode
				* (VEX/EVEX/XOP, most of 0F38/0F3A...) */
};

#define EMUL_NO_REG 0xff

/* One decoded instruction.  Everything is decoded, nothing evaluated: no
 * register or memory value is in here. */
struct emul_insn {
	uint8_t bytes[15];
	uint8_t len;               /* total length, 1..15 */
	uint8_t map;               /* 0: one-byte, 1: 0F, 2: 0F38, 3: 0F3A */
	uint8_t opcode;            /* the byte within `map` */
	uint8_t npfx;              /* legacy + REX prefix bytes */
	uint8_t opsize;            /* operand size in bytes: 1, 2, 4, 8 (16 for SSE) */
	uint8_t addrsize;          /* address size in bytes: 2, 4, 8 */
	uint8_t rep;               /* 0, 0xf2 or 0xf3 (last one wins) */
	uint8_t lock;              /* F0 seen */
	uint8_t seg_override;      /* enum emul_sreg, or EMUL_NO_REG */
	uint8_t mandatory;         /* SSE mandatory prefix: 0, 0x66, 0xf2, 0xf3 */
	uint8_t rex;               /* REX byte (0 if none / not last) */
	uint8_t has_modrm;
	uint8_t modrm, mod, reg, rm;   /* reg/rm include REX.R/REX.B */
	uint8_t has_sib, sib;
	uint8_t base, index, scale;    /* memory operand: EMUL_NO_REG if absent */
	uint8_t rip_rel;           /* 64-bit RIP-relative (or 32-bit EIP-relative with 67) */
	uint8_t disp_size, imm_size, imm2_size;
	int64_t disp;
	uint64_t imm;              /* zero-extended raw immediate (see imm_size) */
	uint16_t imm2;             /* ENTER's nesting level, far pointer selector */
	uint8_t seg;               /* segment of the memory operand (after
				    * override and 64-bit rules), enum emul_sreg */
	/* The opcode-table entry after group / mandatory-prefix selection
	 * (enum emul_kind, kind-specific sub, operand kinds, immediate kind,
	 * F_* flags: see emul/tables.h). */
	uint8_t kind, sub, dst, src, immtype;
	uint16_t flags;
};

/* Decode one instruction from bytes[0..avail) in `mode` (avail > 15 is
 * treated as 15: byte 16 is never read).  Fills *insn on EMUL_DEC_OK;
 * insn->len is also set on EMUL_DEC_INVALID when the length is known. */
int emul_decode(enum emul_mode mode, const uint8_t *bytes, size_t avail,
		struct emul_insn *insn);

/* Whether the decoded instruction is one the executor implements. */
bool emul_insn_executable(const struct emul_insn *insn);

/* ---------------------------------------------------------------------- */
/* Execution                                                               */

enum emul_status {
	EMUL_DONE = 0,         /* executed: registers, RIP, RFLAGS updated */
	EMUL_RESTART,          /* REP chunk done: RCX/RSI/RDI updated, RIP NOT
				* advanced; resume the guest to continue */
	EMUL_EXCEPTION,        /* inject res->vector (see struct emul_result) */
	EMUL_UNSUPPORTED,      /* instruction not emulated; bytes in res->insn */
	EMUL_ABORT,            /* a callback returned EMUL_CB_ABORT */
};

struct emul_result {
	int status;                /* enum emul_status, same as the return value */
	uint8_t vector;            /* EMUL_EXCEPTION */
	bool has_error_code;
	uint32_t error_code;
	uint64_t cr2;              /* for #PF */
	uint8_t insn[15];          /* bytes fetched (EMUL_UNSUPPORTED, for the log) */
	uint8_t insn_len;          /* their number (the length if known) */
	const char *why;           /* static text for the log (never NULL) */
};

/* Fill ctx with defaults: flat 64-bit mode, CPL 0, ops/opaque as given. */
void emul_ctx_init(struct emul_ctx *ctx, const struct emul_ops *ops, void *opaque);

/* The mode from the architectural bits (SDM Vol. 3A 2.2, 9.8.5). */
enum emul_mode emul_mode_of(uint64_t cr0, uint64_t efer, uint32_t cs_ar);

/* Fetch, decode and execute the instruction at CS:RIP. */
int emul_step(struct emul_ctx *ctx, struct emul_result *res);

/* Execute an instruction already decoded by emul_decode() (its bytes are
 * taken as the ones at CS:RIP; the caller vouches for that, e.g. a decode
 * cache that compared the bytes). */
int emul_execute(struct emul_ctx *ctx, const struct emul_insn *insn,
		 struct emul_result *res);

/* ---------------------------------------------------------------------- */
/* Decoded-instruction cache (optional)                                    */

/* A small direct-mapped cache of decoded instructions keyed by the linear
 * address of CS:RIP and the mode.  An entry is only used after the bytes
 * at that address have been fetched again (exactly insn.len of them,
 * through ops->fetch, so the guest's current page tables apply) and
 * compared: modified or remapped code is simply a miss (then the normal
 * fetch follows: a miss on changed code fetches up to 15 + 15 bytes, all
 * on pages the instruction covers).  No invalidation is ever needed for
 * correctness; emul_icache_init() empties it. */
#define EMUL_ICACHE_ENTRIES 16
struct emul_icache {
	struct {
		uint64_t la;
		uint8_t mode;
		uint8_t valid;
		struct emul_insn insn;
	} e[EMUL_ICACHE_ENTRIES];
	uint64_t hits, misses;
};

void emul_icache_init(struct emul_icache *ic);

/* emul_step() through the cache: same results, same callbacks (fewer
 * fetched bytes on a hit). */
int emul_step_cached(struct emul_ctx *ctx, struct emul_icache *ic,
		     struct emul_result *res);

#endif /* SHADE_EMUL_H */
