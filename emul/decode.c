/* Instruction decoder: prefixes, opcode maps (tables.c), ModRM/SIB,
 * displacement and immediates (SDM Vol. 2A chapter 2).
 *
 * The decoder never reads bytes[15] or beyond, nor past `avail`: an
 * instruction that would need a 16th byte is EMUL_DEC_TOO_LONG (#GP(0),
 * SDM Vol. 2A 2.3.11), one that runs past `avail` is EMUL_DEC_NEED_MORE. */
#include <string.h>

#include "emul/emul.h"
#include "emul/tables.h"

#define MAX_LEN 15

extern const struct emul_opinfo emul_movsxd;

/* Legacy prefix classes (SDM Vol. 2A 2.1.1). */
enum { P_NONE, P_SEG_ES, P_SEG_CS, P_SEG_SS, P_SEG_DS, P_SEG_FS, P_SEG_GS,
       P_OPSZ, P_ADSZ, P_LOCK, P_REP };

static const uint8_t prefix_class[256] = {
	[0x26] = P_SEG_ES, [0x2e] = P_SEG_CS, [0x36] = P_SEG_SS, [0x3e] = P_SEG_DS,
	[0x64] = P_SEG_FS, [0x65] = P_SEG_GS, [0x66] = P_OPSZ, [0x67] = P_ADSZ,
	[0xf0] = P_LOCK, [0xf2] = P_REP, [0xf3] = P_REP,
};

struct cursor {
	const uint8_t *bytes;
	unsigned avail;
	unsigned pos;
};

/* Take n bytes (little-endian) at the cursor. */
static int take(struct cursor *c, unsigned n, uint64_t *out)
{
	uint64_t v = 0;

	if (c->pos + n > MAX_LEN)
		return EMUL_DEC_TOO_LONG;
	if (c->pos + n > c->avail)
		return EMUL_DEC_NEED_MORE;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)c->bytes[c->pos + i] << (8 * i);
	c->pos += n;
	*out = v;
	return EMUL_DEC_OK;
}

static inline int take1(struct cursor *c, uint8_t *out)
{
	if (c->pos < c->avail) {        /* avail <= 15 */
		*out = c->bytes[c->pos++];
		return EMUL_DEC_OK;
	}
	return c->pos >= MAX_LEN ? EMUL_DEC_TOO_LONG : EMUL_DEC_NEED_MORE;
}

static int64_t sext(uint64_t v, unsigned bytes)
{
	unsigned sh = 64 - 8 * bytes;

	return bytes >= 8 ? (int64_t)v : (int64_t)(v << sh) >> sh;
}

static bool mode_is64(enum emul_mode m)
{
	return m == EMUL_MODE_LONG64;
}

static unsigned mode_default_size(enum emul_mode m)
{
	return (m == EMUL_MODE_REAL || m == EMUL_MODE_PROT16 ||
		m == EMUL_MODE_COMPAT16) ? 2 : 4;
}

static void put_entry(struct emul_insn *in, const struct emul_opinfo *e)
{
	in->kind = e->kind;
	in->sub = e->sub;
	in->dst = e->dst;
	in->src = e->src;
	in->immtype = e->imm;
	in->flags = e->flags;
}

/* A group or mandatory-prefix entry refines its parent: its non-zero
 * fields win, flags add up. */
static void refine(struct emul_insn *in, const struct emul_opinfo *e)
{
	in->kind = e->kind;
	in->sub = e->sub;
	if (e->dst)
		in->dst = e->dst;
	if (e->src)
		in->src = e->src;
	if (e->imm)
		in->immtype = e->imm;
	in->flags = (uint16_t)((in->flags & ~(F_GROUP | F_SSE)) | e->flags);
}

struct prefixes {
	bool opsz, adsz;
	uint8_t last_rep;     /* F2/F3, last one */
	uint8_t seg;          /* EMUL_NO_REG or enum emul_sreg */
};

static int decode_prefixes(struct cursor *c, enum emul_mode mode,
			   struct emul_insn *in, struct prefixes *p)
{
	p->seg = EMUL_NO_REG;
	for (;;) {
		uint8_t b;
		int r;

		if (c->pos >= MAX_LEN)
			return EMUL_DEC_TOO_LONG;
		if (c->pos >= c->avail)
			return EMUL_DEC_NEED_MORE;
		b = c->bytes[c->pos];
		if (mode_is64(mode) && (b & 0xf0) == 0x40) {
			/* REX counts only if it is the last prefix (2.2.1). */
			in->rex = b;
			c->pos++;
			continue;
		}
		switch (prefix_class[b]) {
		case P_NONE:
			in->npfx = (uint8_t)c->pos;
			return EMUL_DEC_OK;
		case P_OPSZ:
			p->opsz = true;
			break;
		case P_ADSZ:
			p->adsz = true;
			break;
		case P_LOCK:
			in->lock = 1;
			break;
		case P_REP:
			p->last_rep = b;
			break;
		default:
			p->seg = (uint8_t)(prefix_class[b] - P_SEG_ES);
			break;
		}
		in->rex = 0;
		r = take1(c, &b);
		if (r)
			return r;
	}
}

/* Select the opcode-table entry: map, special encodings, groups and
 * mandatory prefixes.  Reads the ModRM byte when the entry has one. */
static int decode_opcode(struct cursor *c, enum emul_mode mode,
			 struct emul_insn *in, const struct prefixes *p)
{
	const struct emul_opinfo *e;
	uint8_t b;
	int r;

	if ((r = take1(c, &b)))
		return r;
	if (b == 0x0f) {
		if ((r = take1(c, &b)))
			return r;
		if (b == 0x38 || b == 0x3a) {
			in->map = b == 0x38 ? 2 : 3;
			if ((r = take1(c, &b)))
				return r;
			e = (in->map == 2 ? emul_map0f38 : emul_map0f3a) + b;
			if (e->kind == K_INVALID && !(e->flags & F_SSE))
				return EMUL_DEC_UNSUPPORTED;
		} else {
			in->map = 1;
			e = &emul_map0f[b];
		}
	} else {
		in->map = 0;
		e = &emul_map1[b];
		if (b == 0x63 && mode_is64(mode))
			e = &emul_movsxd;
		/* VEX (C4/C5) and EVEX (62): always in 64-bit mode, and
		 * elsewhere when the next byte looks like ModRM mod=3. */
		if (b == 0xc4 || b == 0xc5 || b == 0x62) {
			if (mode_is64(mode))
				return EMUL_DEC_UNSUPPORTED;
			if (c->pos >= MAX_LEN)
				return EMUL_DEC_TOO_LONG;
			if (c->pos >= c->avail)
				return EMUL_DEC_NEED_MORE;
			if (c->bytes[c->pos] >= 0xc0 && mode != EMUL_MODE_REAL)
				return EMUL_DEC_UNSUPPORTED;
		}
	}
	in->opcode = b;
	put_entry(in, e);

	if (in->flags & F_SSE) {
		/* F2/F3 win over 66 (SDM Vol. 2A 2.1.2). */
		unsigned col = p->last_rep == 0xf3 ? 2 : p->last_rep == 0xf2 ? 3 :
			       p->opsz ? 1 : 0;
		const struct emul_opinfo *s = &emul_sse[e->sub][col];

		/* 66 together with F2/F3 on an SSE opcode: reserved
		 * combinations whose meaning varies; not claimed. */
		if (p->opsz && p->last_rep)
			return EMUL_DEC_UNSUPPORTED;
		refine(in, s);
		in->mandatory = (uint8_t)(col == 1 ? 0x66 : col == 2 ? 0xf3 :
					  col == 3 ? 0xf2 : 0);
	}
	if (in->flags & F_MODRM) {
		if ((r = take1(c, &in->modrm)))
			return r;
		in->has_modrm = 1;
		in->mod = (in->flags & F_FORCEREG) ? 3 : in->modrm >> 6;
		in->reg = (uint8_t)(((in->modrm >> 3) & 7) | ((in->rex & 4) << 1));
		in->rm = (uint8_t)((in->modrm & 7) | ((in->rex & 1) << 3));
		if (in->flags & F_GROUP)
			refine(in, &emul_groups[e->sub][(in->modrm >> 3) & 7]);
	}
	if (in->kind == K_UNSUP ||
	    (in->has_modrm && in->mod == 3 && (in->flags & F_UNSUPREG)))
		return EMUL_DEC_UNSUPPORTED;
	if (in->kind == K_INVALID)
		return EMUL_DEC_INVALID;
	if ((in->flags & F_INV64) && mode_is64(mode))
		return EMUL_DEC_INVALID;
	/* LOCK only on lockable instructions with a memory destination
	 * (SDM Vol. 2A "LOCK"): #UD otherwise. */
	if (in->lock && (!(in->flags & F_LOCK) || !in->has_modrm || in->mod == 3))
		return EMUL_DEC_INVALID;
	if (in->has_modrm) {
		if (in->mod == 3 && (in->flags & F_UNSUPREG))
			return EMUL_DEC_UNSUPPORTED;
		if (in->mod == 3 && (in->flags & F_MEM))
			return EMUL_DEC_INVALID;
		if (in->mod != 3 && (in->flags & F_REG))
			return EMUL_DEC_INVALID;
	}
	return EMUL_DEC_OK;
}

/* Operand and address size (SDM Vol. 1 3.6, Vol. 2A 2.2.1.2). */
static void decode_sizes(enum emul_mode mode, struct emul_insn *in,
			 const struct prefixes *p)
{
	unsigned def = mode_default_size(mode);
	/* 66 used as a mandatory SSE prefix does not change the size. */
	bool opsz = p->opsz && !(in->mandatory == 0x66 && in->kind == K_SSEMOV);

	if (mode_is64(mode)) {
		in->addrsize = p->adsz ? 4 : 8;
		if (in->flags & F_BYTE)
			in->opsize = 1;
		else if (in->rex & 8)
			in->opsize = 8;
		else if (in->flags & F_F64)
			in->opsize = 8;   /* Intel ignores 66 on near branches */
		else if (in->flags & F_DEF64)
			in->opsize = opsz ? 2 : 8;
		else
			in->opsize = opsz ? 2 : 4;
	} else {
		in->addrsize = (uint8_t)(p->adsz ? 6 - def : def);
		in->opsize = (in->flags & F_BYTE) ? 1 : (uint8_t)(opsz ? 6 - def : def);
	}
}

/* 16-bit ModRM addressing: base and index by r/m (SDM Vol. 2A Table 2-1). */
static const uint8_t modrm16_base[8] = {
	EMUL_RBX, EMUL_RBX, EMUL_RBP, EMUL_RBP, EMUL_RSI, EMUL_RDI, EMUL_RBP, EMUL_RBX };
static const uint8_t modrm16_index[8] = {
	EMUL_RSI, EMUL_RDI, EMUL_RSI, EMUL_RDI, EMUL_NO_REG, EMUL_NO_REG,
	EMUL_NO_REG, EMUL_NO_REG };

static int decode_mem16(struct emul_insn *in)
{
	unsigned rm = in->modrm & 7;

	in->base = modrm16_base[rm];
	in->index = modrm16_index[rm];
	if (in->mod == 0 && rm == 6) {
		in->base = EMUL_NO_REG;
		in->disp_size = 2;
	} else {
		in->disp_size = in->mod == 1 ? 1 : in->mod == 2 ? 2 : 0;
	}
	return EMUL_DEC_OK;
}

static int decode_mem32(struct cursor *c, struct emul_insn *in, bool m64)
{
	unsigned rm = in->modrm & 7;
	int r;

	in->index = EMUL_NO_REG;
	in->disp_size = in->mod == 1 ? 1 : in->mod == 2 ? 4 : 0;
	if (rm == 4) {
		if ((r = take1(c, &in->sib)))
			return r;
		in->has_sib = 1;
		in->scale = in->sib >> 6;
		in->index = (uint8_t)(((in->sib >> 3) & 7) | ((in->rex & 2) << 2));
		if (in->index == EMUL_RSP)
			in->index = EMUL_NO_REG;
		in->base = (uint8_t)((in->sib & 7) | ((in->rex & 1) << 3));
		if ((in->sib & 7) == 5 && in->mod == 0) {
			in->base = EMUL_NO_REG;
			in->disp_size = 4;
		}
	} else if (rm == 5 && in->mod == 0) {
		in->base = EMUL_NO_REG;
		in->disp_size = 4;
		in->rip_rel = m64;
	} else {
		in->base = in->rm;
	}
	return EMUL_DEC_OK;
}

static int decode_modrm_mem(struct cursor *c, enum emul_mode mode,
			    struct emul_insn *in, const struct prefixes *p)
{
	uint64_t d;
	uint8_t def_seg;
	int r;

	in->base = in->index = EMUL_NO_REG;
	if (in->mod == 3) {
		in->rm = (uint8_t)((in->modrm & 7) | ((in->rex & 1) << 3));
		return EMUL_DEC_OK;
	}
	r = in->addrsize == 2 ? decode_mem16(in) :
			       decode_mem32(c, in, mode_is64(mode));
	if (r)
		return r;
	if (in->disp_size) {
		if ((r = take(c, in->disp_size, &d)))
			return r;
		in->disp = sext(d, in->disp_size);
	}
	/* rSP/rBP-based addressing defaults to SS (SDM Vol. 1 3.7.4). */
	def_seg = (in->base == EMUL_RSP || in->base == EMUL_RBP) ? EMUL_SS : EMUL_DS;
	in->seg = def_seg;
	if (p->seg != EMUL_NO_REG && !(mode_is64(mode) && p->seg < EMUL_FS))
		in->seg = p->seg;
	return EMUL_DEC_OK;
}

static int decode_imm(struct cursor *c, enum emul_mode mode, struct emul_insn *in)
{
	unsigned n = 0, n2 = 0;
	uint64_t v = 0, v2 = 0;
	int r;

	switch (in->immtype) {
	case I_NONE:
		return EMUL_DEC_OK;
	case I_B:
		n = 1;
		break;
	case I_W:
		n = 2;
		break;
	case I_Z:
		n = in->opsize == 2 ? 2 : 4;
		break;
	case I_V:
		n = in->opsize;
		break;
	case I_ENTER:
		n = 2;
		n2 = 1;
		break;
	case I_FAR:
		n = in->opsize == 2 ? 2 : 4;
		n2 = 2;
		break;
	case I_MOFFS:
		n = in->addrsize;
		break;
	case I_JZ:
		n = (mode_is64(mode) || in->opsize != 2) ? 4 : 2;
		break;
	}
	if ((r = take(c, n, &v)))
		return r;
	if (n2 && (r = take(c, n2, &v2)))
		return r;
	in->imm = v;
	in->imm_size = (uint8_t)n;
	in->imm2 = (uint16_t)v2;
	in->imm2_size = (uint8_t)n2;
	return EMUL_DEC_OK;
}

/* Every field but bytes[] (copied at the end) starts at zero.  Written
 * out field by field: this is the hot path, and the hypervisor's memset
 * is a byte loop. */
static void insn_clear(struct emul_insn *in)
{
	in->len = in->map = in->opcode = in->npfx = 0;
	in->opsize = in->addrsize = in->rep = in->lock = 0;
	in->seg_override = EMUL_NO_REG;
	in->mandatory = in->rex = in->has_modrm = in->modrm = 0;
	in->mod = in->reg = in->rm = in->has_sib = in->sib = 0;
	in->base = in->index = in->scale = in->rip_rel = 0;
	in->disp_size = in->imm_size = in->imm2_size = 0;
	in->disp = 0;
	in->imm = 0;
	in->imm2 = 0;
	in->seg = 0;
	in->kind = in->sub = in->dst = in->src = in->immtype = 0;
	in->flags = 0;
}

int emul_decode(enum emul_mode mode, const uint8_t *bytes, size_t avail,
		struct emul_insn *in)
{
	struct cursor c = { .bytes = bytes, .avail = avail > MAX_LEN ? MAX_LEN : (unsigned)avail };
	struct prefixes p = { 0 };
	int r;

	insn_clear(in);
	r = decode_prefixes(&c, mode, in, &p);
	if (!r)
		r = decode_opcode(&c, mode, in, &p);
	if (r == EMUL_DEC_INVALID)
		in->len = (uint8_t)c.pos;
	if (r)
		return r;
	in->rep = p.last_rep;
	in->seg_override = p.seg;
	if (mode_is64(mode) && p.seg != EMUL_NO_REG && p.seg < EMUL_FS)
		in->seg_override = EMUL_NO_REG;   /* ignored in 64-bit mode */
	decode_sizes(mode, in, &p);
	in->seg = in->seg_override != EMUL_NO_REG ? in->seg_override : EMUL_DS;
	if (in->has_modrm && (r = decode_modrm_mem(&c, mode, in, &p)))
		return r;
	if ((r = decode_imm(&c, mode, in)))
		return r;
	in->len = (uint8_t)c.pos;
	for (unsigned i = 0; i < c.pos; i++)
		in->bytes[i] = bytes[i];
	return EMUL_DEC_OK;
}

bool emul_insn_executable(const struct emul_insn *in)
{
	return in->kind > K_NOEXEC && in->kind < K_NKINDS &&
	       !(in->kind == K_MOVSREG && in->opcode == 0x8e);
}
