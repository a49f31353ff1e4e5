/* Decoding the simple move forms straight into a fast move (emul/fastmov.h),
 * inline: the MMIO fast path (vmx/mmio_fast.h) decodes every new move with
 * it, and a call's register saves are a good part of a decode's cost.
 * emul_fastmov_decode() (emul/fastmov.c) is the same, out of line.
 *
 * Host-buildable: plain C, no VMX.
 */
#ifndef SHADE_EMUL_FASTMOV_DECODE_H
#define SHADE_EMUL_FASTMOV_DECODE_H

#include "emul/fastmov.h"

/* ---- decoding the move forms directly ------------------------------------
 *
 * emul_decode() handles every instruction, so it clears a large struct,
 * classifies each prefix through a table and resolves operands generically.
 * A driver's first access to a register, and every access no cache holds,
 * pays for that. The forms a fast move can be are few; this decodes just
 * them, straight from the bytes into the digest, and says "no" to anything
 * else (the caller then asks emul_decode() and emul_fastmov_from(), which
 * give the same digest for every form this accepts: tests/unit checks it).
 *
 * What a form and its operand size fix - the access, the extension, the
 * masks - is copied from a template (fm_tmpl, the digest's leading part,
 * exactly as finish() in emul/fastmov.c computes it); only the operand's
 * parts are decoded. */

enum { R_G = 1, R_A, R_IMM };             /* where the register operand is */

/* The forms (index into fm_info and fm_tmpl). */
enum {
	FM_NONE, FM_ST8, FM_ST, FM_LD8, FM_LD, FM_LDA8, FM_LDA, FM_STA8, FM_STA, FM_STI8, FM_STI,
	FM_SXD, FM_ZX8, FM_ZX16, FM_SX8, FM_SX16, FM_COUNT
};

struct fm_info {
	uint8_t reg;      /* R_G, R_A (with moffs), R_IMM */
	uint8_t imm8;     /* R_IMM: imm8 (C6), else imm16/32 by operand size (C7) */
	uint8_t byte_reg; /* the register operand is 8 bits (AH..BH without REX) */
};

static const struct fm_info fm_info[FM_COUNT] = {
	[FM_ST8] = { R_G, 0, 1 },   [FM_ST] = { R_G, 0, 0 },   [FM_LD8] = { R_G, 0, 1 },  [FM_LD] = { R_G, 0, 0 },
	[FM_LDA8] = { R_A, 0, 0 },  [FM_LDA] = { R_A, 0, 0 },  [FM_STA8] = { R_A, 0, 0 }, [FM_STA] = { R_A, 0, 0 },
	[FM_STI8] = { R_IMM, 1, 0 }, [FM_STI] = { R_IMM, 0, 0 }, [FM_SXD] = { R_G, 0, 0 },
	[FM_ZX8] = { R_G, 0, 0 },   [FM_ZX16] = { R_G, 0, 0 }, [FM_SX8] = { R_G, 0, 0 },  [FM_SX16] = { R_G, 0, 0 },
};

/* One-byte map (SDM Vol. 2D Table A-2); 63 is MOVSXD in 64-bit mode only. */
static const uint8_t fm_map1[256] = {
	[0x88] = FM_ST8, [0x89] = FM_ST, [0x8a] = FM_LD8, [0x8b] = FM_LD,
	[0xa0] = FM_LDA8, [0xa1] = FM_LDA, [0xa2] = FM_STA8, [0xa3] = FM_STA,
	[0xc6] = FM_STI8, [0xc7] = FM_STI, [0x63] = FM_SXD,
};

/* Two-byte map 0F B6/B7/BE/BF: MOVZX/MOVSX from a byte or a word. */
static const uint8_t fm_map0f_b6[10] = {
	[0] = FM_ZX8, [1] = FM_ZX16, [8] = FM_SX8, [9] = FM_SX16,
};

/* The digest's leading part for a form at operand size 16, 32, 64. */
struct fm_tmpl {
	uint8_t op, size, dst_size, sext, sext_shift, shift, high8, pad;
	uint64_t value_mask, dst_mask, keep_mask;
};
_Static_assert(__builtin_offsetof(struct emul_fastmov, op) == 0 &&
	       __builtin_offsetof(struct emul_fastmov, size) == 1 &&
	       __builtin_offsetof(struct emul_fastmov, dst_size) == 2 &&
	       __builtin_offsetof(struct emul_fastmov, sext) == 3 &&
	       __builtin_offsetof(struct emul_fastmov, sext_shift) == 4 &&
	       __builtin_offsetof(struct emul_fastmov, shift) == 5 &&
	       __builtin_offsetof(struct emul_fastmov, high8) == 6 &&
	       __builtin_offsetof(struct emul_fastmov, value_mask) == 8 &&
	       __builtin_offsetof(struct emul_fastmov, dst_mask) == 16 &&
	       __builtin_offsetof(struct emul_fastmov, keep_mask) == 24,
	       "fm_tmpl is the leading part of struct emul_fastmov");

#define FM_MASK(s) (~0ull >> (64 - 8 * (s)))      /* s: 1, 2, 4, 8 */
/* @sz bytes read or written, extended (@sx) into @dsz bytes: finish()'s masks. */
#define FM_T(op, sz, dsz, sx)                                                                   \
	{ op, sz, dsz, sx, (sx) && (sz) < 8 ? 64 - 8 * (sz) : 0, 0, 0, 0, FM_MASK(sz), FM_MASK(dsz), \
	  (dsz) <= 2 ? ~FM_MASK(dsz) : 0 }
#define FM_SAME(op, sz) { FM_T(op, sz, sz, 0), FM_T(op, sz, sz, 0), FM_T(op, sz, sz, 0) }
#define FM_SIZED(op) { FM_T(op, 2, 2, 0), FM_T(op, 4, 4, 0), FM_T(op, 8, 8, 0) }
#define FM_EXT(sz, sx) { FM_T(FASTMOV_LOAD, sz, 2, sx), FM_T(FASTMOV_LOAD, sz, 4, sx), FM_T(FASTMOV_LOAD, sz, 8, sx) }
static const struct fm_tmpl fm_tmpl[FM_COUNT][3] = {
	[FM_ST8] = FM_SAME(FASTMOV_STORE, 1),  [FM_ST] = FM_SIZED(FASTMOV_STORE),
	[FM_LD8] = FM_SAME(FASTMOV_LOAD, 1),   [FM_LD] = FM_SIZED(FASTMOV_LOAD),
	[FM_LDA8] = FM_SAME(FASTMOV_LOAD, 1),  [FM_LDA] = FM_SIZED(FASTMOV_LOAD),
	[FM_STA8] = FM_SAME(FASTMOV_STORE, 1), [FM_STA] = FM_SIZED(FASTMOV_STORE),
	[FM_STI8] = FM_SAME(FASTMOV_STORE, 1), [FM_STI] = FM_SIZED(FASTMOV_STORE),
	/* MOVSXD: from a dword with REX.W, else a move of the operand size */
	[FM_SXD] = { FM_T(FASTMOV_LOAD, 2, 2, 1), FM_T(FASTMOV_LOAD, 4, 4, 1), FM_T(FASTMOV_LOAD, 4, 8, 1) },
	[FM_ZX8] = FM_EXT(1, 0), [FM_ZX16] = FM_EXT(2, 0), [FM_SX8] = FM_EXT(1, 1), [FM_SX16] = FM_EXT(2, 1),
};
#undef FM_T
#undef FM_SAME
#undef FM_SIZED
#undef FM_EXT

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

/* The legacy prefixes at @p (at least one): their count (bits 2:0), the
 * operand size left (bit 3: 0 with 66), 67 (bit 4) and the segment
 * override (bits 15:8, EMUL_NO_REG if none); 0 for more than three. Apart
 * from the decoder, so that the common case keeps no prefix state. */
static __attribute__((noinline)) unsigned fm_prefixes(const uint8_t *p)
{
	unsigned n = 0, osz = 1, adsz = 0, seg = EMUL_NO_REG;

	for (unsigned k; (k = prefix_of[p[n]]) != PF_NONE; ) {
		if (k == PF_OPSZ)
			osz = 0;
		else if (k == PF_ADSZ)
			adsz = 1;
		else if (k >= PF_ES)
			seg = k - PF_ES;          /* enum emul_sreg order */
		/* REP on a move: ignored */
		if (++n == 4)
			return 0;
	}
	return n | osz << 3 | adsz << 4 | seg << 8;
}

/* Displacement bytes by ModRM.mod for 32/64-bit addressing (mod 3 is a
 * register operand, refused before). */
static const uint8_t fm_disp_of_mod[4] = { 0, 1, 4, 0 };

/*
 * emul_fastmov_decode() for 64-bit code (@m64) or 32-bit code (protected
 * or compatibility mode; the decoder can't tell them apart).
 */
static inline __attribute__((always_inline)) bool
emul_fastmov_decode_m(bool m64, const uint8_t *p, struct emul_fastmov *f)
{
	unsigned n = 0, rex = 0, seg = EMUL_NO_REG, osz = 1, adsz = 0, id, b = p[0];
	unsigned disp_size, imm_size = 0;

	/* Legacy prefixes, any order, the last segment override winning
	 * (as emul_decode()); REX only as the last prefix. LOCK: #UD on a
	 * move, the full path's. */
	if (__builtin_expect(prefix_of[b] != PF_NONE, 0)) {
		unsigned pf = fm_prefixes(p);

		if (!pf)
			return false;             /* more prefixes than moves use */
		n = pf & 7;
		osz = (pf >> 3) & 1;
		adsz = (pf >> 4) & 1;
		seg = pf >> 8;
		/* 16-bit addressing is the full decoder's */
		if (adsz && !m64)
			return false;
		b = p[n];
	}
	if (m64 && (b & 0xf0) == 0x40) {
		rex = b;
		b = p[++n];
		if (rex & 8)
			osz = 2;                  /* REX.W over 66 (SDM Vol. 1 3.6.1) */
	}
	if (b == 0x0f) {
		unsigned b2 = p[n + 1] - 0xb6u;

		if (b2 > 9 || !(id = fm_map0f_b6[b2]))
			return false;
		n += 2;
	} else {
		id = fm_map1[b];
		if (!id || (id == FM_SXD && !m64))
			return false;   /* 63 outside 64-bit mode is ARPL */
		n++;
	}
	/* Sizes (SDM Vol. 1 3.6, Vol. 2A 2.2.1.2): from the template. */
	const struct fm_info *fi = &fm_info[id];
	/* The bytes as one word, the masks one by one (as one block the
	 * compiler copies it with a string instruction, dearer here). */
	const struct fm_tmpl *t = &fm_tmpl[id][osz];
	__builtin_memcpy(f, t, 8);
	f->value_mask = t->value_mask;
	f->dst_mask = t->dst_mask;
	f->keep_mask = t->keep_mask;
	f->imm = 0;
	f->addr_mask = m64 && !adsz ? ~0ull : 0xffffffffull;
	if (fi->reg == R_A) {
		/* moffs: the offset is an address-sized immediate, DS unless
		 * overridden (64-bit mode ignores ES/CS/SS/DS overrides). */
		unsigned asz = m64 && !adsz ? 8 : 4;
		if (n + asz > 15)
			return false;
		f->base = f->index = EMUL_NO_REG;
		f->scale = 0;
		f->rip_rel = 0;
		f->disp = (int64_t)field(p + n, asz, false);
		f->seg = seg != EMUL_NO_REG && !(m64 && seg < EMUL_FS) ? (uint8_t)seg : EMUL_DS;
		f->reg = EMUL_RAX;      /* AL/AX/EAX/RAX */
		f->len = (uint8_t)(n + asz);
		f->uses_rsp = 0;
		return true;
	}
	unsigned modrm = p[n++], mod = modrm >> 6, rm = modrm & 7, base;
	unsigned reg = ((modrm >> 3) & 7) | ((rex & 4) << 1), index = EMUL_NO_REG, scale = 0, rip_rel = 0;

	if (mod == 3 || (fi->reg == R_IMM && (modrm & 0x38)))
		return false;   /* a register operand; C6/C7 other than /0 */
	/* ModRM, SIB (SDM Vol. 2A 2.1.5, Tables 2-2 and 2-3; 2.2.1.3-6 for
	 * REX and RIP-relative). */
	disp_size = fm_disp_of_mod[mod];
	if (rm == 4) {
		unsigned sib = p[n++];

		index = ((sib >> 3) & 7) | ((rex & 2) << 2);
		if (index == EMUL_RSP)
			index = EMUL_NO_REG;
		scale = sib >> 6;
		base = (sib & 7) | ((rex & 1) << 3);
		if ((sib & 7) == 5 && mod == 0) {
			base = EMUL_NO_REG;
			disp_size = 4;
		}
	} else if (rm == 5 && mod == 0) {
		base = EMUL_NO_REG;
		disp_size = 4;
		rip_rel = m64;
	} else {
		base = rm | ((rex & 1) << 3);
	}
	if (fi->reg == R_IMM)
		imm_size = fi->imm8 ? 1 : osz == 0 ? 2 : 4;
	if (n + disp_size + imm_size > 15)
		return false;
	f->base = (uint8_t)base;
	f->index = (uint8_t)index;
	f->scale = (uint8_t)scale;
	f->rip_rel = (uint8_t)rip_rel;
	f->disp = (int64_t)field(p + n, disp_size, true);
	n += disp_size;
	/* rSP/rBP-based addressing defaults to SS (SDM Vol. 1 3.7.4). */
	f->seg = base == EMUL_RSP || base == EMUL_RBP ? EMUL_SS : EMUL_DS;
	if (seg != EMUL_NO_REG && !(m64 && seg < EMUL_FS))
		f->seg = (uint8_t)seg;
	f->uses_rsp = base == EMUL_RSP || index == EMUL_RSP;
	if (fi->reg == R_IMM) {
		f->reg = EMUL_NO_REG;
		f->imm = field(p + n, imm_size, true) & f->value_mask;
		f->len = (uint8_t)(n + imm_size);
		return true;
	}
	f->len = (uint8_t)n;
	/* Without REX, byte registers 4..7 are AH CH DH BH (SDM Vol. 2A 2.1.5). */
	if (fi->byte_reg && !rex && reg >= 4) {
		f->high8 = 1;
		f->shift = 8;
		f->keep_mask = ~(0xffull << 8);
		reg -= 4;
	} else {
		f->uses_rsp |= reg == EMUL_RSP;
	}
	f->reg = (uint8_t)reg;
	return true;
}

static inline __attribute__((always_inline)) bool
emul_fastmov_decode_inline(enum emul_mode mode, const uint8_t *p, struct emul_fastmov *f)
{
	if (mode == EMUL_MODE_LONG64)
		return emul_fastmov_decode_m(true, p, f);
	if (mode == EMUL_MODE_PROT32 || mode == EMUL_MODE_COMPAT32)
		return emul_fastmov_decode_m(false, p, f);
	return false;
}

#endif
