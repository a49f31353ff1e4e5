/* Digesting a decoded move for replay (see emul/fastmov.h). */
#include "emul/fastmov.h"
#include "emul/tables.h"
#include "emul/alu.h"

/* Without REX, byte registers 4..7 are AH CH DH BH (SDM Vol. 2A 2.1.5). */
static void set_reg(struct emul_fastmov *f, const struct emul_insn *in, unsigned r, unsigned size)
{
	f->high8 = size == 1 && !in->rex && r >= 4 && r < 8;
	f->reg = (uint8_t)(f->high8 ? r - 4 : r & 15);
}

/* The register operand: ModRM.reg (G) or the accumulator (A, moffs). */
static bool set_gpr_operand(struct emul_fastmov *f, const struct emul_insn *in, unsigned opnd,
			    unsigned size)
{
	if (opnd == O_G)
		set_reg(f, in, in->reg, size);
	else if (opnd == O_A)
		set_reg(f, in, EMUL_RAX, size);
	else
		return false;
	return true;
}

/* The memory operand: ModRM's, or moffs (A0-A3: the immediate is the
 * offset). */
static bool set_mem(struct emul_fastmov *f, const struct emul_insn *in, unsigned opnd)
{
	if (opnd == O_O) {
		f->base = f->index = EMUL_NO_REG;
		f->scale = 0;
		f->rip_rel = 0;
		f->disp = (int64_t)in->imm;
	} else if (opnd == O_E && in->has_modrm && in->mod != 3) {
		f->base = in->base;
		f->index = in->index;
		f->scale = in->scale;
		f->rip_rel = in->rip_rel;
		f->disp = in->disp;
	} else {
		return false;
	}
	f->seg = in->seg;
	f->addr_mask = alu_mask(in->addrsize);
	return true;
}

static bool mov_forms(struct emul_fastmov *f, const struct emul_insn *in)
{
	unsigned sz = in->opsize;

	f->size = f->dst_size = (uint8_t)sz;
	f->sext = 0;
	if (in->dst == O_E || in->dst == O_O) {   /* store */
		f->op = FASTMOV_STORE;
		if (!set_mem(f, in, in->dst))
			return false;
		if (in->src == O_I) {
			f->reg = EMUL_NO_REG;
			f->high8 = 0;
			f->imm = (uint64_t)alu_sext(in->imm, in->imm_size) & alu_mask(sz);
			return true;
		}
		return set_gpr_operand(f, in, in->src, sz);
	}
	f->op = FASTMOV_LOAD;                     /* load */
	return set_mem(f, in, in->src) && set_gpr_operand(f, in, in->dst, sz);
}

/* MOVZX/MOVSX/MOVSXD r, m: a narrower load, extended. */
static bool extend_forms(struct emul_fastmov *f, const struct emul_insn *in)
{
	unsigned ssize = in->kind == K_MOVSXD ? (in->opsize == 8 ? 4 : in->opsize) : in->sub;

	if (in->dst != O_G || !set_mem(f, in, in->src))
		return false;
	f->op = FASTMOV_LOAD;
	f->size = (uint8_t)ssize;
	f->dst_size = in->opsize;
	f->sext = in->kind != K_MOVZX;
	set_reg(f, in, in->reg, in->opsize);
	return true;
}

/* What every digest ends with: the length and the masks derived from the
 * sizes and the register. */
static const uint64_t size_mask[9] = {
	[1] = 0xff, [2] = 0xffff, [4] = 0xffffffffull, [8] = ~0ull,
};

static inline __attribute__((always_inline)) bool finish(struct emul_fastmov *f, unsigned len)
{
	unsigned size = f->size;

	if (size > 8 || !size_mask[size])
		return false;
	f->len = (uint8_t)len;
	f->uses_rsp = f->base == EMUL_RSP || f->index == EMUL_RSP ||
		      (f->reg == EMUL_RSP && !f->high8);
	f->shift = f->high8 ? 8 : 0;
	f->value_mask = size_mask[size];
	f->sext_shift = f->sext && size < 8 ? (uint8_t)(64 - 8 * size) : 0;
	/* What a load leaves of the old register: 8- and 16-bit destinations
	 * merge (AH..BH: bits 15:8), 32- and 64-bit ones replace it all. */
	f->dst_mask = size_mask[f->dst_size];
	f->keep_mask = f->dst_size <= 2 ? ~(f->dst_mask << f->shift) : 0;
	return true;
}

bool emul_fastmov_from(const struct emul_insn *in, struct emul_fastmov *f)
{
	bool ok;

	if (in->lock)
		return false;
	f->imm = 0;
	if (in->kind == K_MOV)
		ok = mov_forms(f, in);
	else if (in->kind == K_MOVZX || in->kind == K_MOVSX || in->kind == K_MOVSXD)
		ok = extend_forms(f, in);
	else
		return false;
	return ok && finish(f, in->len);
}

/* ---- decoding the move forms directly ------------------------------------
 *
 * emul_decode() handles every instruction, so it clears a large struct,
 * classifies each prefix through a table and resolves operands generically.
 * A driver's first access to a register, and every access no cache holds,
 * pays for that. The forms a fast move can be are few; this decodes just
 * them, straight from the bytes into the digest, and says "no" to anything
 * else (the caller then asks emul_decode() and emul_fastmov_from(), which
 * give the same digest for every form this accepts: tests/unit checks it). */

enum { R_G = 1, R_A, R_IMM };             /* where the register operand is */
enum { X_NONE, X_ZX, X_SX, X_SXD };       /* how a load is extended */

struct fm_form {
	uint8_t ok;       /* a move form */
	uint8_t store;
	uint8_t byte;     /* 8-bit operand (F_BYTE) */
	uint8_t reg;      /* R_G, R_A (with moffs), R_IMM */
	uint8_t ext;      /* X_*: MOVZX/MOVSX (source size in `src`), MOVSXD */
	uint8_t src;      /* MOVZX/MOVSX: bytes read */
	uint8_t imm;      /* R_IMM: 1 (imm8) or 0 (imm16/32 by operand size) */
};

/* One-byte map (SDM Vol. 2D Table A-2); 63 is MOVSXD in 64-bit mode only. */
static const struct fm_form map1[256] = {
	[0x88] = { 1, 1, 1, R_G, X_NONE, 0, 0 },   [0x89] = { 1, 1, 0, R_G, X_NONE, 0, 0 },
	[0x8a] = { 1, 0, 1, R_G, X_NONE, 0, 0 },   [0x8b] = { 1, 0, 0, R_G, X_NONE, 0, 0 },
	[0xa0] = { 1, 0, 1, R_A, X_NONE, 0, 0 },   [0xa1] = { 1, 0, 0, R_A, X_NONE, 0, 0 },
	[0xa2] = { 1, 1, 1, R_A, X_NONE, 0, 0 },   [0xa3] = { 1, 1, 0, R_A, X_NONE, 0, 0 },
	[0xc6] = { 1, 1, 1, R_IMM, X_NONE, 0, 1 }, [0xc7] = { 1, 1, 0, R_IMM, X_NONE, 0, 0 },
	[0x63] = { 1, 0, 0, R_G, X_SXD, 0, 0 },
};

/* Two-byte map 0F B6/B7/BE/BF: MOVZX/MOVSX from a byte or a word. */
static const struct fm_form map0f_b6[10] = {
	[0] = { 1, 0, 0, R_G, X_ZX, 1, 0 }, [1] = { 1, 0, 0, R_G, X_ZX, 2, 0 },
	[8] = { 1, 0, 0, R_G, X_SX, 1, 0 }, [9] = { 1, 0, 0, R_G, X_SX, 2, 0 },
};

/* The @n-byte (0, 1, 2, 4, 8) little-endian field at @p, sign-extended
 * (@sx) or not; never reads past it. */
static inline __attribute__((always_inline)) uint64_t field(const uint8_t *p, unsigned n, bool sx)
{
	uint8_t b;
	uint16_t w;
	uint32_t d;
	uint64_t q;

	switch (n) {
	case 1:
		b = p[0];
		return sx ? (uint64_t)(int64_t)(int8_t)b : b;
	case 2:
		__builtin_memcpy(&w, p, 2);
		return sx ? (uint64_t)(int64_t)(int16_t)w : w;
	case 4:
		__builtin_memcpy(&d, p, 4);
		return sx ? (uint64_t)(int64_t)(int32_t)d : d;
	case 8:
		__builtin_memcpy(&q, p, 8);
		return q;
	default:
		return 0;
	}
}

/* Legacy prefixes (SDM Vol. 2A 2.1.1): what each does to a move. */
enum { PF_NONE, PF_OPSZ, PF_ADSZ, PF_REP, PF_ES, PF_CS, PF_SS, PF_DS, PF_FS, PF_GS };
static const uint8_t prefix_of[256] = {
	[0x66] = PF_OPSZ, [0x67] = PF_ADSZ, [0xf2] = PF_REP, [0xf3] = PF_REP,
	[0x26] = PF_ES, [0x2e] = PF_CS, [0x36] = PF_SS, [0x3e] = PF_DS, [0x64] = PF_FS, [0x65] = PF_GS,
};

/* ModRM (and SIB, displacement) of a 32/64-bit address (SDM Vol. 2A
 * 2.1.5, Tables 2-2 and 2-3, 2.2.1.3-6 for REX and RIP-relative): the
 * address parts of *f; returns the bytes taken after the ModRM byte. */
static inline __attribute__((always_inline)) unsigned modrm_mem(struct emul_fastmov *f, const uint8_t *p, uint8_t modrm, unsigned rex,
			  bool m64, unsigned *disp_size)
{
	unsigned mod = modrm >> 6, rm = modrm & 7, n = 0;

	f->index = EMUL_NO_REG;
	f->scale = 0;
	f->rip_rel = 0;
	*disp_size = mod == 1 ? 1 : mod == 2 ? 4 : 0;
	if (rm == 4) {
		uint8_t sib = p[n++];
		unsigned index = ((sib >> 3) & 7) | ((rex & 2) << 2);

		f->scale = sib >> 6;
		f->index = index == EMUL_RSP ? EMUL_NO_REG : (uint8_t)index;
		f->base = (uint8_t)((sib & 7) | ((rex & 1) << 3));
		if ((sib & 7) == 5 && mod == 0) {
			f->base = EMUL_NO_REG;
			*disp_size = 4;
		}
	} else if (rm == 5 && mod == 0) {
		f->base = EMUL_NO_REG;
		*disp_size = 4;
		f->rip_rel = m64;
	} else {
		f->base = (uint8_t)(rm | ((rex & 1) << 3));
	}
	return n;
}

bool emul_fastmov_decode(enum emul_mode mode, const uint8_t *p, struct emul_fastmov *f)
{
	bool m64 = mode == EMUL_MODE_LONG64, opsz = false, adsz = false;
	unsigned n = 0, rex = 0, seg = EMUL_NO_REG, opsize, addrsize, disp_size = 0, imm_size = 0;
	const struct fm_form *form;

	if (!m64 && mode != EMUL_MODE_PROT32 && mode != EMUL_MODE_COMPAT32)
		return false;
	/* Legacy prefixes, any order, the last segment override winning
	 * (as emul_decode()); REX only as the last prefix. LOCK: #UD on a
	 * move, the full path's. */
	for (unsigned k; (k = prefix_of[p[n]]) != PF_NONE; ) {
		if (k == PF_OPSZ)
			opsz = true;
		else if (k == PF_ADSZ)
			adsz = true;
		else if (k >= PF_ES)
			seg = k - PF_ES;          /* enum emul_sreg order */
		/* REP on a move: ignored */
		if (++n == 4)
			return false;             /* more prefixes than moves use */
	}
	if (m64 && (p[n] & 0xf0) == 0x40)
		rex = p[n++];
	if (p[n] == 0x0f) {
		uint8_t b = p[n + 1];

		if (b < 0xb6 || b > 0xbf || !map0f_b6[b - 0xb6].ok)
			return false;
		form = &map0f_b6[b - 0xb6];
		n += 2;
	} else {
		form = &map1[p[n]];
		if (!form->ok || (form->ext == X_SXD && !m64))
			return false;   /* 63 outside 64-bit mode is ARPL */
		n++;
	}
	/* Sizes (SDM Vol. 1 3.6, Vol. 2A 2.2.1.2); 16-bit addressing is the
	 * full decoder's. */
	if (form->byte)
		opsize = 1;
	else if (rex & 8)
		opsize = 8;
	else
		opsize = opsz ? 2 : 4;
	addrsize = m64 ? (adsz ? 4 : 8) : (adsz ? 2 : 4);
	if (addrsize == 2)
		return false;

	f->op = form->store ? FASTMOV_STORE : FASTMOV_LOAD;
	f->size = f->dst_size = (uint8_t)opsize;
	f->sext = form->ext == X_SX || form->ext == X_SXD;
	f->imm = 0;
	f->addr_mask = size_mask[addrsize];
	if (form->reg == R_A) {
		/* moffs: the offset is an address-sized immediate, DS unless
		 * overridden (64-bit mode ignores ES/CS/SS/DS overrides). */
		if (n + addrsize > 15)
			return false;
		f->base = f->index = EMUL_NO_REG;
		f->scale = 0;
		f->rip_rel = 0;
		f->disp = (int64_t)field(p + n, addrsize, false);
		n += addrsize;
		f->seg = seg != EMUL_NO_REG && !(m64 && seg < EMUL_FS) ? (uint8_t)seg : EMUL_DS;
		f->high8 = 0;
		f->reg = EMUL_RAX;      /* AL/AX/EAX/RAX */
		return finish(f, n);
	}
	uint8_t modrm = p[n++];
	unsigned reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);

	if ((modrm >> 6) == 3 || (form->reg == R_IMM && (modrm & 0x38)))
		return false;   /* a register operand; C6/C7 other than /0 */
	n += modrm_mem(f, p + n, modrm, rex, m64, &disp_size);
	if (form->reg == R_IMM)
		imm_size = form->imm ? 1 : opsize == 2 ? 2 : 4;
	if (n + disp_size + imm_size > 15)
		return false;
	f->disp = (int64_t)field(p + n, disp_size, true);
	n += disp_size;
	/* rSP/rBP-based addressing defaults to SS (SDM Vol. 1 3.7.4). */
	f->seg = f->base == EMUL_RSP || f->base == EMUL_RBP ? EMUL_SS : EMUL_DS;
	if (seg != EMUL_NO_REG && !(m64 && seg < EMUL_FS))
		f->seg = (uint8_t)seg;
	if (form->reg == R_IMM) {
		f->reg = EMUL_NO_REG;
		f->high8 = 0;
		f->imm = field(p + n, imm_size, true) & size_mask[opsize];
		n += imm_size;
		return finish(f, n);
	}
	if (form->ext == X_ZX || form->ext == X_SX)
		f->size = form->src;
	else if (form->ext == X_SXD && opsize == 8)
		f->size = 4;
	/* Without REX, byte registers 4..7 are AH CH DH BH (SDM Vol. 2A 2.1.5). */
	f->high8 = f->dst_size == 1 && !rex && reg >= 4 && reg < 8;
	f->reg = (uint8_t)(f->high8 ? reg - 4 : reg);
	return finish(f, n);
}
