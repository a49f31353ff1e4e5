/* The executor: fetch, decode, then one operation function per kind of
 * instruction (struct emul_insn.kind), shared by every opcode of that kind.
 * Registers are snapshotted on entry and restored when the instruction
 * faults, so an exception leaves the state the CPU would (fault semantics,
 * SDM Vol. 3A 6.5); REP strings move the snapshot after each iteration. */
#include <string.h>

#include "emul/alu.h"
#include "emul/exec.h"

#define MAX_LEN 15
#define PAGE 4096u

int ex_raise(struct ex *ex, unsigned vector, bool has_err, uint32_t err)
{
	ex->res->vector = (uint8_t)vector;
	ex->res->has_error_code = has_err;
	ex->res->error_code = err;
	ex->res->cr2 = 0;
	ex->res->why = "exception";
	return EMUL_EXCEPTION;
}

static int ex_unsupported(struct ex *ex, const char *why)
{
	ex->res->why = why;
	return EMUL_UNSUPPORTED;
}

bool ex_is64(const struct ex *ex)
{
	return ex->ctx->mode == EMUL_MODE_LONG64;
}

/* ---- registers -------------------------------------------------------- */

uint64_t reg_read(const struct ex *ex, unsigned r, unsigned size)
{
	const uint64_t *g = ex->ctx->gpr;

	/* Without REX, byte registers 4..7 are AH CH DH BH (SDM Vol. 2A 2.1.5). */
	if (size == 1 && !ex->in->rex && r >= 4 && r < 8)
		return (g[r - 4] >> 8) & 0xff;
	return g[r & 15] & alu_mask(size);
}

void reg_write(struct ex *ex, unsigned r, unsigned size, uint64_t v)
{
	uint64_t *g = ex->ctx->gpr;

	if (size == 1 && !ex->in->rex && r >= 4 && r < 8) {
		g[r - 4] = (g[r - 4] & ~0xff00ull) | ((v & 0xff) << 8);
		return;
	}
	r &= 15;
	if (size == 4)        /* 32-bit results zero-extend (Vol. 1 3.4.1.1) */
		g[r] = v & 0xffffffffull;
	else if (size == 8)
		g[r] = v;
	else
		g[r] = (g[r] & ~alu_mask(size)) | (v & alu_mask(size));
}

/* ---- addressing ------------------------------------------------------- */

uint64_t ex_addr_mask(const struct ex *ex)
{
	return alu_mask(ex->in->addrsize);
}

uint64_t ex_ea(const struct ex *ex)
{
	const struct emul_insn *in = ex->in;
	uint64_t ea = (uint64_t)in->disp;

	if (in->base != EMUL_NO_REG)
		ea += ex->ctx->gpr[in->base];
	if (in->index != EMUL_NO_REG)
		ea += ex->ctx->gpr[in->index] << in->scale;
	if (in->rip_rel)
		ea += ex->next_rip;
	return ea & ex_addr_mask(ex);
}

/* Resolve an operand without reading it (destinations). */
static void opnd_resolve(struct ex *ex, unsigned kind, unsigned size, struct opnd *o)
{
	const struct emul_insn *in = ex->in;

	o->kind = OPK_NONE;
	o->reg = o->seg = 0;
	o->off = o->val = 0;
	o->size = (uint8_t)size;
	switch (kind) {
	case O_E:
	case O_M:
		if (in->mod == 3) {
			o->kind = OPK_REG;
			o->reg = in->rm;
		} else {
			o->kind = OPK_MEM;
			o->seg = in->seg;
			o->off = ex_ea(ex);
		}
		break;
	case O_G:
		o->kind = OPK_REG;
		o->reg = in->reg;
		break;
	case O_A:
		o->kind = OPK_REG;
		o->reg = EMUL_RAX;
		break;
	case O_Z:
		o->kind = OPK_REG;
		o->reg = (uint8_t)((in->opcode & 7) | ((in->rex & 1) << 3));
		break;
	case O_O:
		o->kind = OPK_MEM;
		o->seg = in->seg;
		o->off = in->imm & ex_addr_mask(ex);
		break;
	case O_I:
		o->kind = OPK_IMM;
		o->val = (uint64_t)alu_sext(in->imm, in->imm_size) & alu_mask(size);
		break;
	case O_ONE:
		o->kind = OPK_IMM;
		o->val = 1;
		break;
	case O_CL:
		o->kind = OPK_IMM;
		o->val = ex->ctx->gpr[EMUL_RCX] & 0xff;
		break;
	case O_DX:
		o->kind = OPK_IMM;
		o->val = ex->ctx->gpr[EMUL_RDX] & 0xffff;
		break;
	default:
		o->kind = OPK_NONE;
		break;
	}
}

int opnd_load(struct ex *ex, unsigned kind, unsigned size, struct opnd *o)
{
	opnd_resolve(ex, kind, size, o);
	if (o->kind == OPK_REG)
		o->val = reg_read(ex, o->reg, size);
	else if (o->kind == OPK_MEM)
		return mem_read_val(ex, o->seg, o->off, size, &o->val);
	return 0;
}

int opnd_store(struct ex *ex, const struct opnd *o, uint64_t v)
{
	if (o->kind == OPK_REG) {
		reg_write(ex, o->reg, o->size, v);
		return 0;
	}
	if (o->kind == OPK_MEM)
		return mem_write_val(ex, o->seg, o->off, o->size, v);
	return ex_ud(ex);
}

/* ---- operation functions ---------------------------------------------- */

static int h_alu(struct ex *ex)
{
	const struct emul_insn *in = ex->in;
	struct opnd d, s;
	uint64_t r;
	int e;

	if ((e = opnd_load(ex, in->dst, in->opsize, &d)) ||
	    (e = opnd_load(ex, in->src, in->opsize, &s)))
		return e;
	r = alu_binop(in->sub, d.val, s.val, in->opsize, &ex->ctx->rflags);
	return in->sub == ALU_CMP ? 0 : opnd_store(ex, &d, r);
}

static int h_test(struct ex *ex)
{
	const struct emul_insn *in = ex->in;
	struct opnd d, s;
	int e;

	if ((e = opnd_load(ex, in->dst, in->opsize, &d)) ||
	    (e = opnd_load(ex, in->src, in->opsize, &s)))
		return e;
	alu_binop(ALU_AND, d.val, s.val, in->opsize, &ex->ctx->rflags);
	return 0;
}

static int h_mov(struct ex *ex)
{
	const struct emul_insn *in = ex->in;
	struct opnd d, s;
	int e;

	/* The MMIO workhorse (88-8B, C6/C7 with a memory operand) without the
	 * generic operand layers; same semantics. */
	if (in->mod != 3 && in->has_modrm) {
		unsigned sz = in->opsize;
		uint64_t v;

		if (in->dst == O_E) {
			v = in->src == O_G ? reg_read(ex, in->reg, sz) :
			    (uint64_t)alu_sext(in->imm, in->imm_size) & alu_mask(sz);
			return mem_write_val(ex, in->seg, ex_ea(ex), sz, v);
		}
		if (in->src == O_E) {
			if ((e = mem_read_val(ex, in->seg, ex_ea(ex), sz, &v)))
				return e;
			reg_write(ex, in->reg, sz, v);
			return 0;
		}
	}

	if ((e = opnd_load(ex, in->src, in->opsize, &s)))
		return e;
	opnd_resolve(ex, in->dst, in->opsize, &d);
	return opnd_store(ex, &d, s.val);
}

static int h_movx(struct ex *ex)
{
	const struct emul_insn *in = ex->in;
	unsigned ssize = in->kind == K_MOVSXD ? (in->opsize == 8 ? 4 : in->opsize) : in->sub;
	struct opnd d, s;
	uint64_t v;
	int e;

	if ((e = opnd_load(ex, in->src, ssize, &s)))
		return e;
	v = s.val;
	if (in->kind != K_MOVZX)
		v = (uint64_t)alu_sext(v, ssize);
	opnd_resolve(ex, in->dst, in->opsize, &d);
	return opnd_store(ex, &d, v & alu_mask(in->opsize));
}

static int h_xchg(struct ex *ex)
{
	const struct emul_insn *in = ex->in;
	struct opnd d, s;
	int e;

	/* 90 without REX.B is NOP, not XCHG eAX, eAX (which would zero the
	 * upper half of RAX in 64-bit mode). */
	if (in->map == 0 && in->opcode == 0x90 && !(in->rex & 1))
		return 0;
	if ((e = opnd_load(ex, in->dst, in->opsize, &d)) ||
	    (e = opnd_load(ex, in->src, in->opsize, &s)))
		return e;
	if ((e = opnd_store(ex, &d, s.val)))
		return e;
	return opnd_store(ex, &s, d.val);
}

static int h_cmpxchg(struct ex *ex)
{
	const struct emul_insn *in = ex->in;
	unsigned sz = in->opsize;
	uint64_t acc = reg_read(ex, EMUL_RAX, sz);
	struct opnd d, s;
	int e;

	if ((e = opnd_load(ex, in->dst, sz, &d)) || (e = opnd_load(ex, in->src, sz, &s)))
		return e;
	alu_binop(ALU_CMP, acc, d.val, sz, &ex->ctx->rflags);
	if (acc == d.val)
		return opnd_store(ex, &d, s.val);
	/* Not equal: memory is written back unchanged (the locked cycle
	 * always writes, SDM Vol. 2A CMPXCHG), the accumulator loaded. */
	if (d.kind == OPK_MEM && (e = opnd_store(ex, &d, d.val)))
		return e;
	reg_write(ex, EMUL_RAX, sz, d.val);
	return 0;
}

static int h_cmpxchg8b(struct ex *ex)
{
	struct emul_ctx *c = ex->ctx;
	unsigned half = ex->in->opsize == 8 ? 8 : 4;   /* 16B with REX.W */
	uint64_t m = alu_mask(half), ea = ex_ea(ex);
	uint8_t buf[16], nb[16];
	uint64_t lo = 0, hi = 0;
	int e;

	if (half == 8 && (ea & 15))
		return ex_gp0(ex);       /* CMPXCHG16B needs 16-byte alignment */
	if ((e = mem_read(ex, ex->in->seg, ea, buf, 2 * half)))
		return e;
	for (unsigned i = 0; i < half; i++) {
		lo |= (uint64_t)buf[i] << (8 * i);
		hi |= (uint64_t)buf[half + i] << (8 * i);
	}
	if (lo == (c->gpr[EMUL_RAX] & m) && hi == (c->gpr[EMUL_RDX] & m)) {
		for (unsigned i = 0; i < half; i++) {
			nb[i] = (uint8_t)(c->gpr[EMUL_RBX] >> (8 * i));
			nb[half + i] = (uint8_t)(c->gpr[EMUL_RCX] >> (8 * i));
		}
		c->rflags |= EMUL_FL_ZF;
		return mem_write(ex, ex->in->seg, ea, nb, 2 * half);
	}
	if ((e = mem_write(ex, ex->in->seg, ea, buf, 2 * half)))
		return e;
	c->rflags &= ~(uint64_t)EMUL_FL_ZF;
	reg_write(ex, EMUL_RAX, half, lo);
	reg_write(ex, EMUL_RDX, half, hi);
	return 0;
}

static int h_xadd(struct ex *ex)
{
	const struct emul_insn *in = ex->in;
	struct opnd d, s;
	uint64_t sum;
	int e;

	if ((e = opnd_load(ex, in->dst, in->opsize, &d)) ||
	    (e = opnd_load(ex, in->src, in->opsize, &s)))
		return e;
	sum = alu_binop(ALU_ADD, d.val, s.val, in->opsize, &ex->ctx->rflags);
	if (d.kind == OPK_MEM) {
		if ((e = opnd_store(ex, &d, sum)))
			return e;
		return opnd_store(ex, &s, d.val);
	}
	/* TEMP = SRC + DEST; SRC = DEST; DEST = TEMP (same register: sum). */
	opnd_store(ex, &s, d.val);
	return opnd_store(ex, &d, sum);
}

static int h_unary(struct ex *ex)
{
	const struct emul_insn *in = ex->in;
	struct opnd d;
	uint64_t r;
	int e;

	if ((e = opnd_load(ex, in->dst, in->opsize, &d)))
		return e;
	r = alu_unary(in->sub, d.val, in->opsize, &ex->ctx->rflags);
	return opnd_store(ex, &d, r);
}

/* 128-by-64 unsigned division by shift and subtract (no libgcc in the
 * hypervisor).  Caller guarantees d != 0 and hi < d (quotient fits). */
static uint64_t udiv128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0;

	for (int i = 0; i < 64; i++) {
		uint64_t top = hi >> 63;

		hi = (hi << 1) | (lo >> 63);
		lo <<= 1;
		q <<= 1;
		if (top || hi >= d) {
			hi -= d;
			q |= 1;
		}
	}
	*rem = hi;
	return q;
}

static void mul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
	unsigned __int128 p = (unsigned __int128)a * b;

	*lo = (uint64_t)p;
	*hi = (uint64_t)(p >> 64);
}

/* MUL/IMUL/DIV/IDIV r/m: rDX:rAX (AX for bytes) op r/m (SDM Vol. 2A).
 * MUL/IMUL: CF=OF (high half significant); SF ZF AF PF undefined: left
 * unchanged.  DIV/IDIV: all flags undefined: left unchanged. */
static int h_muldiv(struct ex *ex)
{
	struct emul_ctx *c = ex->ctx;
	unsigned sz = ex->in->opsize, bits = 8 * sz, op = ex->in->sub;
	uint64_t m = alu_mask(sz), a, d, lo, hi, q, r;
	bool ovf;
	struct opnd s;
	int e;

	if ((e = opnd_load(ex, O_E, sz, &s)))
		return e;
	a = c->gpr[EMUL_RAX] & m;
	d = sz == 1 ? (c->gpr[EMUL_RAX] >> 8) & 0xff : c->gpr[EMUL_RDX] & m;
	if (op == MD_MUL || op == MD_IMUL) {
		if (op == MD_MUL) {
			mul128(a, s.val, &hi, &lo);
			if (sz < 8) {
				hi = lo >> bits;
				lo &= m;
			}
			ovf = hi != 0;
		} else {
			__int128 p = (__int128)alu_sext(a, sz) * alu_sext(s.val, sz);

			lo = (uint64_t)p & m;
			hi = (uint64_t)(p >> bits) & m;
			ovf = p != (__int128)alu_sext(lo, sz);
		}
		if (sz == 1) {
			reg_write(ex, EMUL_RAX, 2, lo | (hi << 8));
		} else {
			reg_write(ex, EMUL_RAX, sz, lo);
			reg_write(ex, EMUL_RDX, sz, hi);
		}
		c->rflags &= ~(uint64_t)(EMUL_FL_CF | EMUL_FL_OF);
		if (ovf)
			c->rflags |= EMUL_FL_CF | EMUL_FL_OF;
		return 0;
	}
	if (s.val == 0)
		return ex_raise(ex, EMUL_DE, false, 0);
	if (op == MD_DIV) {
		uint64_t nhi = sz == 8 ? d : 0, nlo = sz == 8 ? a : (d << bits) | a;

		if (nhi >= s.val)
			return ex_raise(ex, EMUL_DE, false, 0);
		q = udiv128(nhi, nlo, s.val, &r);
		if (q > m)
			return ex_raise(ex, EMUL_DE, false, 0);
	} else {
		/* Signed: divide magnitudes, then fix signs; the quotient must
		 * fit the signed range (else #DE). */
		bool nneg = (d & alu_sign(sz)) != 0, dneg = (s.val & alu_sign(sz)) != 0;
		uint64_t nhi, nlo, dv = dneg ? 0 - (uint64_t)alu_sext(s.val, sz) : s.val;

		if (sz == 8) {
			nhi = d;
			nlo = a;
		} else {
			uint64_t n = (uint64_t)alu_sext((d << bits) | a, 2 * sz);

			nhi = (int64_t)n < 0 ? ~0ull : 0;
			nlo = n;
		}
		if (nneg) {                  /* negate the 128-bit dividend */
			nlo = ~nlo + 1;
			nhi = ~nhi + (nlo == 0);
		}
		if (nhi >= dv)
			return ex_raise(ex, EMUL_DE, false, 0);
		q = udiv128(nhi, nlo, dv, &r);
		if (nneg != dneg) {
			if (q > alu_sign(sz))
				return ex_raise(ex, EMUL_DE, false, 0);
			q = -q;
		} else if (q >= alu_sign(sz)) {
			return ex_raise(ex, EMUL_DE, false, 0);
		}
		if (nneg)
			r = -r;
	}
	if (sz == 1) {
		reg_write(ex, EMUL_RAX, 2, (q & 0xff) | ((r & 0xff) << 8));
	} else {
		reg_write(ex, EMUL_RAX, sz, q);
		reg_write(ex, EMUL_RDX, sz, r);
	}
	return 0;
}

/* IMUL r, r/m and IMUL r, r/m, imm: CF=OF when the product is truncated;
 * SF ZF AF PF undefined: left unchanged. */
static int h_imul(struct ex *ex)
{
	const struct emul_insn *in = ex->in;
	unsigned sz = in->opsize;
	struct opnd d, s, i;
	__int128 p;
	uint64_t lo;
	int e;

	if ((e = opnd_load(ex, O_E, sz, &s)))
		return e;
	if (in->immtype)
		opnd_resolve(ex, O_I, sz, &i);
	else
		opnd_load(ex, O_G, sz, &i);
	p = (__int128)alu_sext(s.val, sz) * alu_sext(i.val, sz);
	lo = (uint64_t)p & alu_mask(sz);
	ex->ctx->rflags &= ~(uint64_t)(EMUL_FL_CF | EMUL_FL_OF);
	if (p != (__int128)alu_sext(lo, sz))
		ex->ctx->rflags |= EMUL_FL_CF | EMUL_FL_OF;
	opnd_resolve(ex, O_G, sz, &d);
	return opnd_store(ex, &d, lo);
}

/* BT/BTS/BTR/BTC.  A register bit offset with a memory operand is a
 * signed offset that can reach outside the addressed operand (SDM Vol. 2A
 * BT, "bit base"); an immediate offset is taken modulo the width.
 * CF = the bit; ZF unchanged; OF SF AF PF undefined: left unchanged. */
static int h_bt(struct ex *ex)
{
	const struct emul_insn *in = ex->in;
	unsigned sz = in->opsize, bits = 8 * sz;
	struct opnd d, s;
	int64_t off;
	uint64_t bit, v;
	int e;

	if ((e = opnd_load(ex, in->src, sz, &s)))
		return e;
	opnd_resolve(ex, in->dst, sz, &d);
	off = s.kind == OPK_IMM ? (int64_t)(s.val & (bits - 1)) : alu_sext(s.val, sz);
	if (d.kind == OPK_MEM && s.kind != OPK_IMM) {
		int64_t word = off >> (sz == 2 ? 4 : sz == 4 ? 5 : 6);

		d.off = (d.off + (uint64_t)word * sz) & ex_addr_mask(ex);
	}
	bit = (uint64_t)off & (bits - 1);
	if (d.kind == OPK_MEM) {
		if ((e = mem_read_val(ex, d.seg, d.off, sz, &d.val)))
			return e;
	} else {
		d.val = reg_read(ex, d.reg, sz);
	}
	ex->ctx->rflags &= ~(uint64_t)EMUL_FL_CF;
	if ((d.val >> bit) & 1)
		ex->ctx->rflags |= EMUL_FL_CF;
	switch (in->sub) {
	case BT_BTS: v = d.val | (1ull << bit); break;
	case BT_BTR: v = d.val & ~(1ull << bit); break;
	case BT_BTC: v = d.val ^ (1ull << bit); break;
	default: return 0;
	}
	return opnd_store(ex, &d, v);
}

static int count0_store(struct ex *ex, const struct opnd *d)
{
	if (d->kind == OPK_REG)
		return opnd_store(ex, d, d->val);
	return mem_probe_write(ex, d->seg, d->off, d->size);
}

/* Shifts and rotates by 1, CL or an immediate. */
static int h_shift(struct ex *ex)
{
	const struct emul_insn *in = ex->in;
	unsigned sz = in->opsize, count;
	struct opnd d, s;
	uint64_t r;
	int e;

	opnd_resolve(ex, in->src, 1, &s);
	count = (unsigned)s.val & (sz == 8 ? 0x3f : 0x1f);
	if ((e = opnd_load(ex, in->dst, sz, &d)))
		return e;
	/* Count 0: flags and value untouched, but the CPU still treats the
	 * destination as written: a 32-bit register is zero-extended, and a
	 * memory operand gets the write checks (segment, page) without a
	 * write callback, so MMIO sees no access. */
	if (count == 0)
		return count0_store(ex, &d);
	r = alu_shift(in->sub, d.val, count, sz, &ex->ctx->rflags);
	return opnd_store(ex, &d, r);
}

static int h_shd(struct ex *ex)
{
	const struct emul_insn *in = ex->in;
	unsigned sz = in->opsize, count;
	struct opnd d, s;
	uint64_t r;
	int e;

	count = (in->sub & 2) ? (unsigned)ex->ctx->gpr[EMUL_RCX] : (unsigned)in->imm;
	count &= sz == 8 ? 0x3f : 0x1f;
	if ((e = opnd_load(ex, O_E, sz, &d)) || (e = opnd_load(ex, O_G, sz, &s)))
		return e;
	if (count == 0)
		return count0_store(ex, &d);
	r = alu_shd(in->sub & 1, d.val, s.val, count, sz, &ex->ctx->rflags);
	return opnd_store(ex, &d, r);
}

/* BSF/BSR: zero source sets ZF and leaves the destination unchanged;
 * CF OF SF AF PF undefined: left unchanged. */
static int h_bsf(struct ex *ex)
{
	const struct emul_insn *in = ex->in;
	unsigned sz = in->opsize;
	struct opnd d, s;
	unsigned idx;
	int e;

	if ((e = opnd_load(ex, O_E, sz, &s)))
		return e;
	if (s.val == 0) {
		ex->ctx->rflags |= EMUL_FL_ZF;
		return 0;
	}
	ex->ctx->rflags &= ~(uint64_t)EMUL_FL_ZF;
	idx = in->sub ? 63u - (unsigned)__builtin_clzll(s.val) : (unsigned)__builtin_ctzll(s.val);
	opnd_resolve(ex, O_G, sz, &d);
	return opnd_store(ex, &d, idx);
}

static int h_setcc(struct ex *ex)
{
	struct opnd d;

	opnd_resolve(ex, O_E, 1, &d);
	return opnd_store(ex, &d, alu_cond(ex->in->opcode & 15, ex->ctx->rflags));
}

/* CMOVcc reads its source whatever the condition, and a 32-bit
 * destination is zero-extended even when nothing moves. */
static int h_cmov(struct ex *ex)
{
	const struct emul_insn *in = ex->in;
	unsigned sz = in->opsize;
	struct opnd s;
	int e;

	if ((e = opnd_load(ex, O_E, sz, &s)))
		return e;
	if (alu_cond(in->opcode & 15, ex->ctx->rflags))
		reg_write(ex, in->reg, sz, s.val);
	else if (sz == 4)
		reg_write(ex, in->reg, 4, reg_read(ex, in->reg, 4));
	return 0;
}

static int h_lea(struct ex *ex)
{
	reg_write(ex, ex->in->reg, ex->in->opsize, ex_ea(ex));
	return 0;
}

static int h_nop(struct ex *ex)
{
	(void)ex;
	return 0;
}

static int h_ud(struct ex *ex)
{
	return ex_ud(ex);
}

static int h_flag(struct ex *ex)
{
	uint64_t *f = &ex->ctx->rflags;

	switch (ex->in->sub) {
	case FL_CLC: *f &= ~(uint64_t)EMUL_FL_CF; break;
	case FL_STC: *f |= EMUL_FL_CF; break;
	case FL_CMC: *f ^= EMUL_FL_CF; break;
	case FL_CLD: *f &= ~(uint64_t)EMUL_FL_DF; break;
	default:     *f |= EMUL_FL_DF; break;
	}
	return 0;
}

static int h_movbe(struct ex *ex)
{
	const struct emul_insn *in = ex->in;
	unsigned sz = in->opsize;
	struct opnd d, s;
	uint64_t v;
	int e;

	if ((e = opnd_load(ex, in->src, sz, &s)))
		return e;
	v = __builtin_bswap64(s.val) >> (64 - 8 * sz);
	opnd_resolve(ex, in->dst, sz, &d);
	return opnd_store(ex, &d, v);
}

/* SMSW: a memory destination is always 16 bits (SDM Vol. 2B SMSW). */
static int h_smsw(struct ex *ex)
{
	struct opnd d;

	opnd_resolve(ex, O_E, ex->in->opsize, &d);
	if (d.kind == OPK_MEM)
		d.size = 2;
	return opnd_store(ex, &d, ex->ctx->cr0 & alu_mask(d.size));
}

static int h_noexec(struct ex *ex);

/* MOV r/m, Sreg (8C): a memory destination always takes 16 bits; a
 * register gets the selector zero-extended to the operand size (SDM Vol. 2B
 * MOV). 8E (MOV Sreg, r/m) loads a descriptor and is not emulated. */
static int h_movsreg(struct ex *ex)
{
	struct opnd d;

	if (ex->in->opcode != 0x8c)
		return h_noexec(ex);
	opnd_resolve(ex, O_E, ex->in->opsize, &d);
	if (d.kind == OPK_MEM)
		d.size = 2;
	return opnd_store(ex, &d, ex->ctx->seg[ex->in->reg & 7].sel);
}

/* LMSW loads CR0[3:0] from a 16-bit source; it can set PE but never
 * clear it (SDM Vol. 2A LMSW).  CPL 0 only outside real mode. */
static int h_lmsw(struct ex *ex)
{
	struct emul_ctx *c = ex->ctx;
	struct opnd s;
	int e;

	if (c->mode != EMUL_MODE_REAL && c->cpl != 0)
		return ex_gp0(ex);
	if ((e = opnd_load(ex, O_E, 2, &s)))
		return e;
	c->cr0 = (c->cr0 & ~0xeull) | (s.val & 0xe) | ((c->cr0 | s.val) & 1);
	c->dirty |= EMUL_DIRTY_CR0;
	return 0;
}

static int h_noexec(struct ex *ex)
{
	return ex_unsupported(ex, "instruction not emulated");
}

typedef int (*op_fn)(struct ex *ex);

static const op_fn op_table[K_NKINDS] = {
	[K_INVALID] = h_ud,
	[K_UNSUP] = h_noexec,
	[K_NOEXEC] = h_noexec,
	[K_ALU] = h_alu,
	[K_TEST] = h_test,
	[K_MOV] = h_mov,
	[K_MOVZX] = h_movx,
	[K_MOVSX] = h_movx,
	[K_MOVSXD] = h_movx,
	[K_XCHG] = h_xchg,
	[K_CMPXCHG] = h_cmpxchg,
	[K_CMPXCHG8B] = h_cmpxchg8b,
	[K_XADD] = h_xadd,
	[K_UNARY] = h_unary,
	[K_MULDIV] = h_muldiv,
	[K_IMUL] = h_imul,
	[K_BT] = h_bt,
	[K_SHIFT] = h_shift,
	[K_SHD] = h_shd,
	[K_BSF] = h_bsf,
	[K_SETCC] = h_setcc,
	[K_CMOV] = h_cmov,
	[K_PUSH] = h_push,
	[K_POP] = h_pop,
	[K_CALL] = h_call,
	[K_JMP] = h_jmp,
	[K_RET] = h_ret,
	[K_CALLF] = h_callf,
	[K_JMPF] = h_jmpf,
	[K_RETF] = h_retf,
	[K_LEAVE] = h_leave,
	[K_ENTER] = h_enter,
	[K_STR] = h_str,
	[K_MOVBE] = h_movbe,
	[K_SMSW] = h_smsw,
	[K_MOVSREG] = h_movsreg,
	[K_LMSW] = h_lmsw,
	[K_SSEMOV] = h_ssemov,
	[K_IN] = h_in,
	[K_OUT] = h_out,
	[K_LEA] = h_lea,
	[K_NOP] = h_nop,
	[K_FLAG] = h_flag,
	[K_UD] = h_ud,
};

/* ---- entry points ----------------------------------------------------- */

/* Kinds that may change a GPR before a later step faults (rSP moved
 * before a branch check, REP progress, POP to memory...): only these
 * snapshot all GPRs; every other operation writes its registers after
 * its last memory access, so RIP and RFLAGS are all it must restore. */
static const bool needs_gpr_snap[K_NKINDS] = {
	[K_POP] = true, [K_RET] = true, [K_LEAVE] = true, [K_ENTER] = true,
	[K_STR] = true, [K_CALLF] = true, [K_JMPF] = true, [K_RETF] = true,
	[K_CALL] = true, [K_PUSH] = true,
};

static void snap_take(struct ex *ex)
{
	ex->gpr_snap = ex->in->kind < K_NKINDS && needs_gpr_snap[ex->in->kind];
	if (ex->gpr_snap)
		gpr_copy(ex->snap.gpr, ex->ctx->gpr);
	ex->snap.rip = ex->ctx->rip;
	ex->snap.rflags = ex->ctx->rflags;
}

static void snap_restore(struct ex *ex)
{
	if (ex->gpr_snap)
		gpr_copy(ex->ctx->gpr, ex->snap.gpr);
	ex->ctx->rip = ex->snap.rip;
	ex->ctx->rflags = ex->snap.rflags;
}

/* IP/EIP wrap with the code segment's operand size outside 64-bit mode. */
static uint64_t ip_mask(const struct emul_ctx *c)
{
	switch (c->mode) {
	case EMUL_MODE_LONG64: return ~0ull;
	case EMUL_MODE_PROT32:
	case EMUL_MODE_COMPAT32: return 0xffffffffull;
	default: return 0xffff;
	}
}

static int finish(struct emul_ctx *c, struct emul_result *res, int st)
{
	res->status = st;
	(void)c;
	return st;
}

int emul_execute(struct emul_ctx *c, const struct emul_insn *in, struct emul_result *res)
{
	struct ex ex;
	int st;

	/* no aggregate initialiser: it would zero the whole struct */
	ex.ctx = c;
	ex.in = in;
	ex.res = res;
	ex.restart = false;
	c->dirty = 0;
	snap_take(&ex);
	if (c->rflags & EMUL_FL_VM) {
		/* Virtual-8086 mode has its own segmentation and IOPL rules
		 * (SDM Vol. 3B 20.2); Shade's guests never use it. */
		memcpy(res->insn, in->bytes, in->len);
		res->insn_len = in->len;
		res->why = "virtual-8086 mode";
		return finish(c, res, EMUL_UNSUPPORTED);
	}
	ex.next_rip = (c->rip + in->len) & ip_mask(c);
	st = in->kind < K_NKINDS && op_table[in->kind] ? op_table[in->kind](&ex) :
		ex_unsupported(&ex, "no operation function");
	if (st == 0) {
		c->rip = ex.restart ? ex.snap.rip : ex.next_rip;
		res->why = ex.restart ? "rep chunk" : "done";
		return finish(c, res, ex.restart ? EMUL_RESTART : EMUL_DONE);
	}
	snap_restore(&ex);
	if (st == EMUL_UNSUPPORTED) {
		memcpy(res->insn, in->bytes, in->len);
		res->insn_len = in->len;
	}
	return finish(c, res, st);
}

static int fetch_gp(struct emul_result *res)
{
	res->vector = EMUL_GP;
	res->has_error_code = true;
	res->error_code = 0;
	res->why = "instruction fetch #GP";
	return EMUL_EXCEPTION;
}

/* Linear address of CS:RIP and how many bytes the CS limit allows there
 * (at most 15); #GP(0) if RIP is already past the limit. */
int ex_code_la(const struct emul_ctx *c, uint64_t *la, unsigned *avail,
	       struct emul_result *res)
{
	*avail = MAX_LEN;
	if (c->mode == EMUL_MODE_LONG64) {
		*la = c->rip;
		return 0;
	}
	uint64_t eip = c->rip & ip_mask(c);

	if (eip > c->seg[EMUL_CS].limit)
		return fetch_gp(res);
	if (c->seg[EMUL_CS].limit - eip + 1 < *avail)
		*avail = (unsigned)(c->seg[EMUL_CS].limit - eip + 1);
	*la = (c->seg[EMUL_CS].base + eip) & 0xffffffffull;
	return 0;
}

/* Fetch buf[have, have+n) from la+have, split at a page boundary. */
int ex_fetch(const struct emul_ctx *c, uint64_t la, uint8_t *buf, unsigned have,
	     unsigned n, struct emul_result *res)
{
	while (n) {
		uint64_t pla = la + have;
		unsigned part;
		struct emul_fault f;
		int r;

		fault_clear(&f);
		if (c->mode != EMUL_MODE_LONG64)
			pla &= 0xffffffffull;
		part = PAGE - (unsigned)(pla & (PAGE - 1));
		if (part > n)
			part = n;
		if (!c->ops->fetch) {
			res->why = "no fetch callback";
			return EMUL_ABORT;
		}
		r = c->ops->fetch(c->opaque, pla, buf + have, part, &f);
		if (r == EMUL_CB_FAULT) {
			res->vector = f.vector;
			res->has_error_code = f.has_error_code;
			res->error_code = f.error_code;
			res->cr2 = f.cr2;
			res->why = "fault on instruction fetch";
			return EMUL_EXCEPTION;
		}
		if (r != EMUL_CB_OK) {
			res->why = "fetch aborted";
			return EMUL_ABORT;
		}
		have += part;
		n -= part;
	}
	return 0;
}

/* A few bytes: an inline loop beats a call to the hypervisor's memcmp. */
static bool bytes_equal(const uint8_t *a, const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* Fetch up to 15 bytes at CS:RIP, never across a page in one callback
 * and only as far as needed: the second page is fetched only when the
 * decoder needs it (so no spurious #PF on a page the instruction does not
 * reach).  `cached` (may be NULL) is a decoded instruction previously
 * found at this address in this mode: if the fetched bytes start with its
 * bytes, *out points to it and no decoding happens; otherwise the bytes
 * are decoded into *in and *out points there. */
int ex_fetch_decode(struct emul_ctx *c, struct emul_insn *in, struct emul_result *res,
		    const struct emul_insn *cached, const struct emul_insn **out)
{
	uint8_t buf[MAX_LEN];
	uint64_t la;
	unsigned have = 0, avail;
	int r;

	if ((r = ex_code_la(c, &la, &avail, res)))
		return r;
	/* Up to three fetches: the cached instruction's length (if any),
	 * the rest of the page, the next page; never more than 15 bytes. */
	for (int part = 0; part < 3; part++) {
		uint64_t pla = c->mode == EMUL_MODE_LONG64 ? la + have : (la + have) & 0xffffffffull;
		unsigned n = PAGE - (unsigned)(pla & (PAGE - 1));

		if (n > avail - have)
			n = avail - have;
		if (cached && cached->len - have < n)
			n = cached->len - have;
		if (n == 0)
			return fetch_gp(res);      /* would run past the CS limit */
		if ((r = ex_fetch(c, la, buf, have, n, res)))
			return r;
		have += n;
		if (cached) {
			if (bytes_equal(buf, cached->bytes, have)) {
				if (have == cached->len) {
					*out = cached;
					return 0;
				}
				continue;  /* may still match: fetch the rest */
			}
			cached = NULL;     /* changed code: decode what we have */
		}
		r = emul_decode(c->mode, buf, have, in);
		if (r == EMUL_DEC_OK) {
			*out = in;
			return 0;
		}
		memcpy(res->insn, buf, have);
		res->insn_len = (uint8_t)have;
		switch (r) {
		case EMUL_DEC_INVALID:
			res->vector = EMUL_UD;
			res->has_error_code = false;
			res->why = "invalid opcode";
			return EMUL_EXCEPTION;
		case EMUL_DEC_TOO_LONG:
			return fetch_gp(res);
		case EMUL_DEC_UNSUPPORTED:
			res->why = "opcode not decoded";
			return EMUL_UNSUPPORTED;
		default:           /* NEED_MORE */
			if (have >= avail)
				return fetch_gp(res);   /* runs past the CS limit */
			break;
		}
	}
	return fetch_gp(res);
}

int emul_step(struct emul_ctx *c, struct emul_result *res)
{
	struct emul_insn in;
	const struct emul_insn *ip;
	int st;

	res_clear(res);
	c->dirty = 0;
	st = ex_fetch_decode(c, &in, res, NULL, &ip);
	if (st)
		return finish(c, res, st);
	return emul_execute(c, ip, res);
}

/* Zero n 64-bit words.  GCC would turn a plain loop into a memset call
 * (a byte loop in the hypervisor): keep it a loop of word stores. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
static void zero_words(uint64_t *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = 0;
}

void emul_ctx_init(struct emul_ctx *c, const struct emul_ops *ops, void *opaque)
{
	/* Field by field: called on every exit, and memset is a byte loop
	 * in the hypervisor. */
	zero_words(c->gpr, 16);
	c->rip = 0;
	c->mode = EMUL_MODE_LONG64;
	c->cpl = 0;
	c->gdtr_base = 0;
	c->gdtr_limit = 0;
	zero_words((uint64_t *)(void *)c->xmm, sizeof(c->xmm) / 8);
	zero_words((uint64_t *)(void *)c->mm, sizeof(c->mm) / 8);
	c->no_fpu_state = false;
	c->dirty = 0;
	c->rep_chunk = 0;
	for (int i = 0; i < EMUL_NSEG; i++) {
		c->seg[i].sel = 0;
		c->seg[i].base = 0;
		c->seg[i].limit = 0xffffffffu;
		c->seg[i].ar = EMUL_AR_P | EMUL_AR_S | EMUL_AR_DB | EMUL_AR_G |
			       EMUL_AR_TYPE_W | EMUL_AR_TYPE_A;
	}
	c->seg[EMUL_CS].ar = EMUL_AR_P | EMUL_AR_S | EMUL_AR_L | EMUL_AR_G |
			     EMUL_AR_TYPE_CODE | EMUL_AR_TYPE_W | EMUL_AR_TYPE_A;
	c->cr0 = EMUL_CR0_PE | (1ull << 31) | (1ull << 5);
	c->cr4 = EMUL_CR4_OSFXSR;
	c->efer = EMUL_EFER_LMA | (1ull << 8);
	c->rflags = 2;
	c->ops = ops;
	c->opaque = opaque;
}

enum emul_mode emul_mode_of(uint64_t cr0, uint64_t efer, uint32_t cs_ar)
{
	if (!(cr0 & EMUL_CR0_PE))
		return EMUL_MODE_REAL;
	if (efer & EMUL_EFER_LMA) {
		if (cs_ar & EMUL_AR_L)
			return EMUL_MODE_LONG64;
		return (cs_ar & EMUL_AR_DB) ? EMUL_MODE_COMPAT32 : EMUL_MODE_COMPAT16;
	}
	return (cs_ar & EMUL_AR_DB) ? EMUL_MODE_PROT32 : EMUL_MODE_PROT16;
}
