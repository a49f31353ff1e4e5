/* Integer operations with the flags the SDM defines (see alu.h). */
#include "emul/alu.h"
#include "emul/emul.h"
#include "emul/tables.h"

#define FL_STATUS EMUL_FL_ARITH

static unsigned parity8(uint64_t r)
{
	uint8_t b = (uint8_t)r;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

uint64_t alu_szp(uint64_t r, unsigned size)
{
	uint64_t f = 0;

	r &= alu_mask(size);
	if (!r)
		f |= EMUL_FL_ZF;
	if (r & alu_sign(size))
		f |= EMUL_FL_SF;
	if (parity8(r))
		f |= EMUL_FL_PF;
	return f;
}

static void set_status(uint64_t *flags, uint64_t mask, uint64_t val)
{
	*flags = (*flags & ~mask) | (val & mask);
}

/* Flags of r = a + b + c (c = carry in). */
static uint64_t add_flags(uint64_t a, uint64_t b, uint64_t r, bool carry, unsigned size)
{
	uint64_t f = alu_szp(r, size);

	if (carry)
		f |= EMUL_FL_CF;
	if (((a ^ r) & (b ^ r)) & alu_sign(size))
		f |= EMUL_FL_OF;
	if ((a ^ b ^ r) & 0x10)
		f |= EMUL_FL_AF;
	return f;
}

/* Flags of r = a - b - c. */
static uint64_t sub_flags(uint64_t a, uint64_t b, uint64_t r, bool borrow, unsigned size)
{
	uint64_t f = alu_szp(r, size);

	if (borrow)
		f |= EMUL_FL_CF;
	if (((a ^ b) & (a ^ r)) & alu_sign(size))
		f |= EMUL_FL_OF;
	if ((a ^ b ^ r) & 0x10)
		f |= EMUL_FL_AF;
	return f;
}

static uint64_t do_add(uint64_t a, uint64_t b, unsigned c, unsigned size, uint64_t *flags)
{
	uint64_t m = alu_mask(size), r = (a + b + c) & m;
	bool carry = c ? r <= a : r < a;

	set_status(flags, FL_STATUS, add_flags(a, b, r, carry, size));
	return r;
}

static uint64_t do_sub(uint64_t a, uint64_t b, unsigned c, unsigned size, uint64_t *flags)
{
	uint64_t m = alu_mask(size), r = (a - b - c) & m;
	bool borrow = c ? a <= b : a < b;

	set_status(flags, FL_STATUS, sub_flags(a, b, r, borrow, size));
	return r;
}

static uint64_t do_logic(uint64_t r, unsigned size, uint64_t *flags)
{
	r &= alu_mask(size);
	set_status(flags, FL_STATUS, alu_szp(r, size));
	return r;
}

uint64_t alu_binop(unsigned op, uint64_t a, uint64_t b, unsigned size, uint64_t *flags)
{
	unsigned cf = (*flags & EMUL_FL_CF) ? 1 : 0;

	switch (op) {
	case ALU_ADD: return do_add(a, b, 0, size, flags);
	case ALU_ADC: return do_add(a, b, cf, size, flags);
	case ALU_SUB:
	case ALU_CMP: return do_sub(a, b, 0, size, flags);
	case ALU_SBB: return do_sub(a, b, cf, size, flags);
	case ALU_OR:  return do_logic(a | b, size, flags);
	case ALU_AND: return do_logic(a & b, size, flags);
	default:      return do_logic(a ^ b, size, flags);
	}
}

uint64_t alu_unary(unsigned op, uint64_t a, unsigned size, uint64_t *flags)
{
	uint64_t m = alu_mask(size), keep_cf = *flags & EMUL_FL_CF, r;

	switch (op) {
	case UN_NOT:
		return ~a & m;
	case UN_NEG:
		r = do_sub(0, a, 0, size, flags);
		return r;
	case UN_INC:
		r = do_add(a, 1, 0, size, flags);
		break;
	default:
		r = do_sub(a, 1, 0, size, flags);
		break;
	}
	*flags = (*flags & ~EMUL_FL_CF) | keep_cf;
	return r;
}

/* Rotates: only CF and OF change (SDM Vol. 2B RCL/RCR/ROL/ROR). */
static uint64_t rotate(unsigned op, uint64_t a, unsigned count, unsigned size,
		       uint64_t *flags)
{
	unsigned bits = 8 * size;
	uint64_t m = alu_mask(size), sign = alu_sign(size), r, cf, of = 0;

	if (op == SH_ROL || op == SH_ROR) {
		unsigned n = count % bits;

		if (op == SH_ROL) {
			r = n ? ((a << n) | (a >> (bits - n))) & m : a;
			cf = r & 1;
			of = (!!(r & sign)) ^ cf;
		} else {
			r = n ? ((a >> n) | (a << (bits - n))) & m : a;
			cf = !!(r & sign);
			of = (!!(r & sign)) ^ (!!(r & (sign >> 1)));
		}
	} else {
		/* Through CF: a (bits+1)-bit rotation, one bit at a time
		 * keeps it simple and obviously right; count <= 64. */
		unsigned n = size <= 2 ? count % (bits + 1) : count;
		uint64_t c = (*flags & EMUL_FL_CF) ? 1 : 0;

		if (n == 0)
			return a;
		r = a;
		if (op == SH_RCR)
			of = (!!(r & sign)) ^ c;   /* before rotating */
		for (unsigned i = 0; i < n; i++) {
			uint64_t out;

			if (op == SH_RCL) {
				out = !!(r & sign);
				r = ((r << 1) | c) & m;
			} else {
				out = r & 1;
				r = (r >> 1) | (c << (bits - 1));
			}
			c = out;
		}
		cf = c;
		if (op == SH_RCL)
			of = (!!(r & sign)) ^ cf;
	}
	*flags &= ~(uint64_t)(EMUL_FL_CF | EMUL_FL_OF);
	*flags |= (cf ? EMUL_FL_CF : 0) | (of ? EMUL_FL_OF : 0);
	return r;
}

uint64_t alu_shift(unsigned op, uint64_t a, unsigned count, unsigned size, uint64_t *flags)
{
	unsigned bits = 8 * size;
	uint64_t m = alu_mask(size), sign = alu_sign(size), r, f, cf, of;

	count &= size == 8 ? 0x3f : 0x1f;
	a &= m;
	if (count == 0)
		return a;
	if (op < SH_SHL)
		return rotate(op, a, count, size, flags);
	switch (op) {
	case SH_SHL:
	case SH_SAL:
		r = count < bits ? (a << count) & m : 0;
		cf = count <= bits ? (a >> (bits - count)) & 1 : 0;
		of = (!!(r & sign)) ^ cf;
		break;
	case SH_SHR:
		r = count < bits ? a >> count : 0;
		cf = count <= bits ? (a >> (count - 1)) & 1 : 0;
		of = !!(a & sign);
		break;
	default: { /* SAR */
		int64_t s = alu_sext(a, size);

		r = (uint64_t)(s >> (count < bits ? count : bits - 1)) & m;
		cf = ((uint64_t)(s >> (count <= bits ? count - 1 : bits - 1))) & 1;
		of = 0;
		break;
	}
	}
	f = alu_szp(r, size) | (cf ? EMUL_FL_CF : 0) | (of ? EMUL_FL_OF : 0);
	set_status(flags, FL_STATUS, f);
	return r;
}

uint64_t alu_shd(bool right, uint64_t dst, uint64_t src, unsigned count,
		 unsigned size, uint64_t *flags)
{
	unsigned bits = 8 * size;
	uint64_t m = alu_mask(size), sign = alu_sign(size), r, cf, f;

	count &= size == 8 ? 0x3f : 0x1f;
	dst &= m;
	src &= m;
	if (count == 0)
		return dst;
	if (size == 2) {
		/* 16-bit: shift the 32-bit src:dst (left) / dst:src (right)
		 * pattern, repeated so counts 17..31 follow Intel. */
		uint64_t pat = right ? ((src << 16) | dst) : ((dst << 16) | src);

		pat |= pat << 32;
		if (right) {
			r = (pat >> count) & m;
			cf = (pat >> (count - 1)) & 1;
		} else {
			r = ((pat << count) >> 48) & m;
			cf = (pat >> (32 - count)) & 1;
		}
	} else if (right) {
		r = ((dst >> count) | (count < bits ? src << (bits - count) : 0)) & m;
		cf = (dst >> (count - 1)) & 1;
	} else {
		r = ((dst << count) | (count < bits ? src >> (bits - count) : 0)) & m;
		cf = (dst >> (bits - count)) & 1;
	}
	f = alu_szp(r, size) | (cf ? EMUL_FL_CF : 0);
	if ((r ^ dst) & sign)
		f |= EMUL_FL_OF;
	set_status(flags, FL_STATUS, f);
	return r;
}

bool alu_cond(unsigned cc, uint64_t fl)
{
	bool cf = fl & EMUL_FL_CF, zf = fl & EMUL_FL_ZF, sf = fl & EMUL_FL_SF,
	     of = fl & EMUL_FL_OF, pf = fl & EMUL_FL_PF, r;

	switch (cc >> 1) {
	case 0: r = of; break;
	case 1: r = cf; break;
	case 2: r = zf; break;
	case 3: r = cf || zf; break;
	case 4: r = sf; break;
	case 5: r = pf; break;
	case 6: r = sf != of; break;
	default: r = zf || (sf != of); break;
	}
	return (cc & 1) ? !r : r;
}
