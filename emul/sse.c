/* SSE and MMX data moves a driver may aim at MMIO: MOVD/MOVQ, MOVDQA/
 * MOVDQU, MOVAPS/MOVAPD/MOVUPS/MOVUPD, MOVNTDQ/MOVNTPS/MOVNTQ.  The
 * registers are ctx->xmm / ctx->mm byte arrays (no SSE in this C code).
 * Exceptions: CR0.EM -> #UD, CR0.TS -> #NM, SSE without CR4.OSFXSR ->
 * #UD (SDM Vol. 3A 13.1.3, Vol. 1 11.6.2); 16-byte alignment for the
 * aligned forms -> #GP(0). */
#include <string.h>

#include "emul/alu.h"
#include "emul/exec.h"

static int xmm_mem(struct ex *ex, uint8_t *buf, unsigned len, bool store, bool aligned)
{
	uint64_t ea = ex_ea(ex), la;
	int e;

	if (aligned) {
		if ((e = mem_linear(ex, ex->in->seg, ea, len, store, &la)))
			return e;
		if (la & 15)
			return ex_gp0(ex);
	}
	return store ? mem_write(ex, ex->in->seg, ea, buf, len)
		     : mem_read(ex, ex->in->seg, ea, buf, len);
}

static void put_le(uint8_t *b, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *b, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

/* Full 16-byte moves. */
static int move128(struct ex *ex, bool store, bool aligned)
{
	struct emul_ctx *c = ex->ctx;
	const struct emul_insn *in = ex->in;
	uint8_t *reg = c->xmm[in->reg & 15];

	if (in->mod == 3) {
		if (store)
			memcpy(c->xmm[in->rm & 15], reg, 16);
		else
			memcpy(reg, c->xmm[in->rm & 15], 16);
		return 0;
	}
	if (store)
		return xmm_mem(ex, reg, 16, true, aligned);
	uint8_t tmp[16];
	int e = xmm_mem(ex, tmp, 16, false, aligned);

	if (!e)
		memcpy(reg, tmp, 16);
	return e;
}

/* MOVD/MOVQ between a general register / memory and xmm or mm. */
static int movd_to(struct ex *ex, uint8_t *dst, unsigned dstlen)
{
	unsigned n = ex->in->opsize == 8 ? 8 : 4;
	struct opnd s;
	int e;

	if ((e = opnd_load(ex, O_E, n, &s)))
		return e;
	memset(dst, 0, dstlen);
	put_le(dst, s.val, n);
	return 0;
}

static int movd_from(struct ex *ex, const uint8_t *src)
{
	unsigned n = ex->in->opsize == 8 ? 8 : 4;

	if (ex->in->mod == 3) {
		reg_write(ex, ex->in->rm, n, get_le(src, n));
		return 0;
	}
	return mem_write(ex, ex->in->seg, ex_ea(ex), src, n);
}

/* 64-bit moves: `dst`/`src` are 8-byte (mm) or 16-byte (xmm, upper half
 * zeroed on loads) registers. */
static int move64(struct ex *ex, uint8_t *reg, uint8_t *rm_reg, unsigned reglen,
		  unsigned rmlen, bool store)
{
	uint8_t tmp[8];
	int e;

	if (ex->in->mod == 3) {
		if (store) {
			memcpy(tmp, reg, 8);
			memset(rm_reg, 0, rmlen);
			memcpy(rm_reg, tmp, 8);
		} else {
			memcpy(tmp, rm_reg, 8);
			memset(reg, 0, reglen);
			memcpy(reg, tmp, 8);
		}
		return 0;
	}
	if (store)
		return mem_write(ex, ex->in->seg, ex_ea(ex), reg, 8);
	if ((e = mem_read(ex, ex->in->seg, ex_ea(ex), tmp, 8)))
		return e;
	memset(reg, 0, reglen);
	memcpy(reg, tmp, 8);
	return 0;
}

int h_ssemov(struct ex *ex)
{
	struct emul_ctx *c = ex->ctx;
	const struct emul_insn *in = ex->in;
	unsigned sub = in->sub;
	bool mmx = sub >= MMX_MOVD_TO_MM;
	uint8_t *x = c->xmm[in->reg & 15], *xr = c->xmm[in->rm & 15];
	uint8_t *m = c->mm[in->reg & 7], *mr = c->mm[in->rm & 7];
	int e;

	if (c->ops->fpu_get) {
		c->ops->fpu_get(c->opaque, c);     /* lazily, only now */
	} else if (c->no_fpu_state) {
		ex->res->why = "SSE/MMX state not provided";
		return EMUL_UNSUPPORTED;
	}
	if (c->cr0 & EMUL_CR0_EM)
		return ex_ud(ex);
	if (c->cr0 & EMUL_CR0_TS)
		return ex_raise(ex, EMUL_NM, false, 0);
	if (!mmx && !(c->cr4 & EMUL_CR4_OSFXSR))
		return ex_ud(ex);
	switch (sub) {
	case SSE_MOVU_LOAD:  e = move128(ex, false, false); break;
	case SSE_MOVU_STORE: e = move128(ex, true, false); break;
	case SSE_MOVA_LOAD:  e = move128(ex, false, true); break;
	case SSE_MOVA_STORE: e = move128(ex, true, true); break;
	case SSE_MOVD_TO_XMM: e = movd_to(ex, x, 16); break;
	case SSE_MOVD_FROM_XMM: e = movd_from(ex, x); break;
	case SSE_MOVQ_LOAD:  e = move64(ex, x, xr, 16, 16, false); break;
	case SSE_MOVQ_STORE: e = move64(ex, x, xr, 16, 16, true); break;
	case MMX_MOVD_TO_MM: e = movd_to(ex, m, 8); break;
	case MMX_MOVD_FROM_MM: e = movd_from(ex, m); break;
	case MMX_MOVQ_LOAD:  e = move64(ex, m, mr, 8, 8, false); break;
	default:             e = move64(ex, m, mr, 8, 8, true); break;
	}
	if (!e)
		c->dirty |= mmx ? EMUL_DIRTY_MMX : EMUL_DIRTY_XMM;
	return e;
}
