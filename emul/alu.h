/* Integer operations and their flags, shared by every opcode that does
 * them (SDM Vol. 1 3.4.3 and Appendix A "EFLAGS cross-reference").
 *
 * Each function takes operands already truncated to `size` bytes (1, 2, 4,
 * 8) and the current RFLAGS, returns the result (truncated) and updates
 * *flags.  Flags the SDM leaves undefined are set as documented per
 * function: the differential tests compare only the defined ones. */
#ifndef SHADE_EMUL_ALU_H
#define SHADE_EMUL_ALU_H

#include <stdbool.h>
#include <stdint.h>

static inline uint64_t alu_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static inline uint64_t alu_sign(unsigned size)
{
	return 1ull << (8 * size - 1);
}

static inline int64_t alu_sext(uint64_t v, unsigned size)
{
	unsigned sh = 64 - 8 * size;

	return (int64_t)(v << sh) >> sh;
}

/* ADD OR ADC SBB AND SUB XOR CMP (enum alu_op).  Logic ops: CF=OF=0,
 * AF (undefined) = 0.  CMP returns the difference (not stored). */
uint64_t alu_binop(unsigned op, uint64_t a, uint64_t b, unsigned size, uint64_t *flags);

/* INC DEC NEG NOT (enum unary_op); INC/DEC keep CF, NOT keeps all. */
uint64_t alu_unary(unsigned op, uint64_t a, unsigned size, uint64_t *flags);

/* ROL ROR RCL RCR SHL SHR SAL SAR (enum shift_op) by `count` (not yet
 * masked).  Masked count 0: nothing changes.  OF is computed with the
 * count-1 formula for every count (undefined for count > 1); AF (undefined
 * for shifts with count != 0) = 0; CF for SHL/SHR by >= the width is
 * undefined (Shade: the bit the formula yields, 0 past the width). */
uint64_t alu_shift(unsigned op, uint64_t a, unsigned count, unsigned size, uint64_t *flags);

/* SHLD / SHRD: dst, src, count.  Count (masked) 0: unchanged.  For a
 * 16-bit operand and count > 16 the result and flags are undefined: Shade
 * shifts through the 32-bit pattern src:dst (what Intel CPUs do).
 * OF undefined for count > 1 (count-1 formula used), AF undefined = 0. */
uint64_t alu_shd(bool right, uint64_t dst, uint64_t src, unsigned count,
		 unsigned size, uint64_t *flags);

/* Set SF, ZF, PF from a result (helper for ops defining only those). */
uint64_t alu_szp(uint64_t r, unsigned size);

/* Condition code cc (0..15, the low nibble of Jcc/SETcc/CMOVcc). */
bool alu_cond(unsigned cc, uint64_t flags);

#endif
