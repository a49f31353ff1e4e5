/* A simple move, digested for replay.
 *
 * Drivers reach a device register with plain moves (readl/writel are MOV;
 * MOVZX/MOVSX for narrow registers), and a busy driver hits the same
 * register from the same instruction again and again. The full emulator
 * re-resolves operands, segments and callbacks every time; a fast move is
 * what is left of such an instruction once decoded: which register, which
 * size, how the loaded value lands, how the address is formed. The MMIO
 * fast path (vmx/mmio_fast.c) keeps one per recently emulated instruction
 * and replays it when the bytes at RIP are still the same.
 *
 * Only forms with exactly one memory access, no flags and no exception of
 * their own beyond what the CPU already checked before it faulted on the
 * page (segmentation, canonical form) qualify. The replay's results are the
 * full emulator's, bit for bit: tests/unit/test_emul_fastmov.c checks it
 * against emul_step on random forms, modes and register values.
 *
 * Host-buildable: plain C, no VMX.
 */
#ifndef SHADE_EMUL_FASTMOV_H
#define SHADE_EMUL_FASTMOV_H

#include <stdbool.h>
#include <stdint.h>
#include "emul/emul.h"

enum { FASTMOV_LOAD, FASTMOV_STORE };

struct emul_fastmov {
	/* Fixed by the form and the operand size (the leading part: the
	 * direct decoder copies it from a template, emul/fastmov_decode.h). */
	uint8_t op;          /* FASTMOV_LOAD / FASTMOV_STORE */
	uint8_t size;        /* bytes accessed: 1, 2, 4, 8 */
	uint8_t dst_size;    /* load: the destination register's size */
	uint8_t sext;        /* load: sign-extend (MOVSX/MOVSXD), else zero */
	uint8_t sext_shift;  /* load with sign extension: 64 - 8 * size, else 0 */
	uint8_t shift;       /* where the value sits in the register: 8 for AH..BH, else 0 */
	uint8_t high8;       /* reg names AH/CH/DH/BH: bits 15:8 of gpr[reg] */
	uint64_t value_mask; /* the bytes accessed */
	uint64_t dst_mask;   /* load: the destination's bits (before the shift) */
	uint64_t keep_mask;  /* load: register bits the load leaves alone */
	/* The instruction's own. */
	uint8_t reg;         /* the GPR loaded or stored; EMUL_NO_REG: store of imm */
	uint8_t base, index, scale;  /* address: EMUL_NO_REG when absent */
	uint8_t rip_rel;
	uint8_t seg;         /* enum emul_sreg of the memory operand */
	uint8_t len;         /* instruction length */
	uint8_t uses_rsp;    /* RSP is read or written (the caller may not keep it in gpr[]) */
	uint64_t addr_mask;  /* address size */
	int64_t disp;
	uint64_t imm;        /* store of an immediate: the value, sized */
};

/* Digest @in into *f. False when the instruction is not a simple move
 * through memory. */
bool emul_fastmov_from(const struct emul_insn *in, struct emul_fastmov *f);

/* Decode the instruction at @code (at least 15 bytes readable) in @mode
 * straight into *f when it is one of the simple move forms in 32-bit or
 * 64-bit code: the same digest as emul_decode() + emul_fastmov_from(), at
 * a fraction of the cost. False for anything else (other instructions,
 * 16-bit code or addressing, LOCK, more than four legacy prefixes): ask
 * those two then. *f is undefined after false. */
bool emul_fastmov_decode(enum emul_mode mode, const uint8_t *code, struct emul_fastmov *f);

/* Effective address (offset within the segment) for registers @gpr, with
 * @rip the address of the instruction itself. */
static inline __attribute__((always_inline)) uint64_t emul_fastmov_ea(const struct emul_fastmov *f, const uint64_t *gpr, uint64_t rip)
{
	uint64_t ea = (uint64_t)f->disp;

	if (f->base != EMUL_NO_REG)
		ea += gpr[f->base];
	if (f->index != EMUL_NO_REG)
		ea += gpr[f->index] << f->scale;
	if (f->rip_rel)
		ea += rip + f->len;
	return ea & f->addr_mask;
}

/* Whether the linear address needs the segment's base: in 64-bit mode
 * only FS and GS have one (SDM Vol. 3A 3.4.4). */
static inline __attribute__((always_inline)) bool emul_fastmov_needs_base(const struct emul_fastmov *f, bool long64)
{
	return !long64 || f->seg == EMUL_FS || f->seg == EMUL_GS;
}

/* The linear address of offset @ea in the operand's segment (@base: its
 * base where emul_fastmov_needs_base says so). Outside 64-bit mode linear
 * addresses wrap at 4 GiB. */
static inline __attribute__((always_inline)) uint64_t emul_fastmov_linear(const struct emul_fastmov *f, bool long64, uint64_t base,
					   uint64_t ea)
{
	if (long64)
		return emul_fastmov_needs_base(f, true) ? base + ea : ea;
	return (base + ea) & 0xffffffffull;
}

/* The value a store writes (its low f->size bytes). */
static inline __attribute__((always_inline)) uint64_t emul_fastmov_value(const struct emul_fastmov *f, const uint64_t *gpr)
{
	if (f->reg == EMUL_NO_REG)
		return f->imm;
	return (gpr[f->reg] >> f->shift) & f->value_mask;
}

/* Land a loaded value @v (f->size bytes) in its register: sign- or
 * zero-extended to the destination size, which merges into the register
 * (8/16-bit destinations, AH..BH) or replaces all of it (32-bit results
 * zero-extend, SDM Vol. 1 3.4.1.1; 64-bit). */
static inline __attribute__((always_inline)) void emul_fastmov_load(const struct emul_fastmov *f, uint64_t *gpr, uint64_t v)
{
	uint64_t *r = &gpr[f->reg];

	v &= f->value_mask;
	if (f->sext_shift)
		v = (uint64_t)((int64_t)(v << f->sext_shift) >> f->sext_shift);
	else if (!f->keep_mask) {
		*r = v;		/* a 32- or 64-bit move: the value is the register */
		return;
	}
	*r = (*r & f->keep_mask) | ((v & f->dst_mask) << f->shift);
}

#endif
