/* Far JMP / CALL through a memory pointer and far RET (SDM Vol. 2A JMP,
 * CALL, Vol. 2B RET; Vol. 3A 5.8 "privilege level checking when
 * transferring program control").
 *
 * Real mode: CS = selector << 4.  Protected, compatibility and 64-bit
 * mode: same-privilege transfers to code-segment descriptors in the GDT
 * (conforming or not).  Call gates, task gates/TSS, LDT selectors and
 * privilege-changing returns are EMUL_UNSUPPORTED.  The descriptor's
 * accessed bit is not written back (Shade's guests load CS descriptors
 * with it set; a guest relying on the CPU setting it is unsupported). */
#include <string.h>

#include "emul/alu.h"
#include "emul/exec.h"

static int unsupported(struct ex *ex, const char *why)
{
	ex->res->why = why;
	return EMUL_UNSUPPORTED;
}

/* Read the far pointer m16:16 / m16:32 / m16:64 at the ModRM operand. */
static int far_pointer(struct ex *ex, uint64_t *off, uint16_t *sel)
{
	unsigned sz = ex->in->opsize;
	uint64_t ea = ex_ea(ex), s;
	int e;

	if ((e = mem_read_val(ex, ex->in->seg, ea, sz, off)) ||
	    (e = mem_read_val(ex, ex->in->seg, (ea + sz) & ex_addr_mask(ex), 2, &s)))
		return e;
	*sel = (uint16_t)s;
	return 0;
}

/* Descriptor -> VMX-format segment state (SDM Vol. 3A 3.4.5). */
static void desc_to_seg(const uint8_t *d, uint16_t sel, struct emul_seg *s)
{
	uint32_t limit = d[0] | (uint32_t)d[1] << 8 | (uint32_t)(d[6] & 0xf) << 16;

	s->sel = sel;
	s->base = d[2] | (uint64_t)d[3] << 8 | (uint64_t)d[4] << 16 | (uint64_t)d[7] << 24;
	s->ar = d[5] | (uint32_t)(d[6] & 0xf0) << 8;
	s->limit = (s->ar & EMUL_AR_G) ? (limit << 12) | 0xfff : limit;
}

/* Load and check the code-segment descriptor for a same-privilege far
 * transfer to `sel` with privilege `rpl_cpl` (CPL for JMP/CALL, the
 * selector's RPL for RET). */
static int load_code_desc(struct ex *ex, uint16_t sel, struct emul_seg *out)
{
	struct emul_ctx *c = ex->ctx;
	unsigned cpl = c->cpl, rpl = sel & 3, dpl, type;
	uint8_t d[8];
	int e;

	if ((sel & ~3u) == 0)
		return ex_gp0(ex);
	if (sel & 4)
		return unsupported(ex, "far transfer through the LDT");
	if ((uint32_t)(sel | 7) > c->gdtr_limit)
		return ex_raise(ex, EMUL_GP, true, sel & 0xfffc);
	if ((e = mem_read_linear(ex, c->gdtr_base + (sel & ~7u), d, 8)))
		return e;
	desc_to_seg(d, sel, out);
	type = out->ar & EMUL_AR_TYPE_MASK;
	dpl = (out->ar >> 5) & 3;
	if (!(out->ar & EMUL_AR_S))
		return unsupported(ex, "far transfer through a gate or TSS");
	if (!(type & EMUL_AR_TYPE_CODE))
		return ex_raise(ex, EMUL_GP, true, sel & 0xfffc);
	if (type & EMUL_AR_TYPE_E) {             /* conforming: DPL <= CPL */
		if (dpl > cpl)
			return ex_raise(ex, EMUL_GP, true, sel & 0xfffc);
	} else if (rpl > cpl || dpl != cpl) {   /* non-conforming: DPL == CPL */
		return ex_raise(ex, EMUL_GP, true, sel & 0xfffc);
	}
	if ((c->efer & EMUL_EFER_LMA) && (out->ar & EMUL_AR_L) && (out->ar & EMUL_AR_DB))
		return ex_raise(ex, EMUL_GP, true, sel & 0xfffc);
	if (!(out->ar & EMUL_AR_P))
		return ex_raise(ex, EMUL_NP, true, sel & 0xfffc);
	out->sel = (uint16_t)((sel & ~3u) | cpl);   /* RPL := CPL */
	return 0;
}

/* The new CS: check the target offset against it, then switch. */
static int enter_cs(struct ex *ex, const struct emul_seg *cs, uint64_t off)
{
	struct emul_ctx *c = ex->ctx;
	bool to64 = (c->efer & EMUL_EFER_LMA) && (cs->ar & EMUL_AR_L);

	if (to64) {
		if ((uint64_t)((int64_t)(off << 16) >> 16) != off)
			return ex_gp0(ex);
	} else {
		off &= 0xffffffffull;
		if (off > cs->limit)
			return ex_gp0(ex);
	}
	c->seg[EMUL_CS] = *cs;
	c->mode = emul_mode_of(c->cr0, c->efer, cs->ar);
	c->dirty |= EMUL_DIRTY_SEG;
	ex->next_rip = off;
	return 0;
}

static int real_target(struct ex *ex, uint16_t sel, uint64_t off, struct emul_seg *cs)
{
	if (off > ex->ctx->seg[EMUL_CS].limit)
		return ex_gp0(ex);
	*cs = ex->ctx->seg[EMUL_CS];
	cs->sel = sel;
	cs->base = (uint64_t)sel << 4;
	return 0;
}

/* Resolve the new CS for JMP/CALL; real mode is simple. */
static int target_cs(struct ex *ex, uint16_t sel, uint64_t off, struct emul_seg *cs)
{
	if (ex->ctx->mode == EMUL_MODE_REAL)
		return real_target(ex, sel, off & 0xffff, cs);
	return load_code_desc(ex, sel, cs);
}

static int switch_cs(struct ex *ex, const struct emul_seg *cs, uint64_t off)
{
	if (ex->ctx->mode == EMUL_MODE_REAL) {
		ex->ctx->seg[EMUL_CS] = *cs;
		ex->ctx->dirty |= EMUL_DIRTY_SEG;
		ex->next_rip = off & 0xffff;
		return 0;
	}
	return enter_cs(ex, cs, off);
}

int h_jmpf(struct ex *ex)
{
	struct emul_seg cs;
	uint64_t off;
	uint16_t sel;
	int e;

	if ((e = far_pointer(ex, &off, &sel)) || (e = target_cs(ex, sel, off, &cs)))
		return e;
	return switch_cs(ex, &cs, off);
}

int h_callf(struct ex *ex)
{
	unsigned sz = ex->in->opsize;
	struct emul_seg cs;
	uint64_t off, old_sp = stack_sp(ex);
	uint16_t sel;
	int e;

	if ((e = far_pointer(ex, &off, &sel)) || (e = target_cs(ex, sel, off, &cs)))
		return e;
	if ((e = stack_push(ex, sz, ex->ctx->seg[EMUL_CS].sel)) ||
	    (e = stack_push(ex, sz, ex->next_rip)))
		return e;
	if ((e = switch_cs(ex, &cs, off))) {
		stack_set_sp(ex, old_sp);
		return e;
	}
	return 0;
}

int h_retf(struct ex *ex)
{
	unsigned sz = ex->in->opsize;
	struct emul_seg cs;
	uint64_t off, sel;
	int e;

	if ((e = stack_pop(ex, sz, &off)) || (e = stack_pop(ex, sz, &sel)))
		return e;
	if (ex->ctx->mode == EMUL_MODE_REAL) {
		if ((e = real_target(ex, (uint16_t)sel, off & 0xffff, &cs)))
			return e;
	} else {
		if ((sel & 3) != ex->ctx->cpl)
			return unsupported(ex, "far return to another privilege level");
		if ((e = load_code_desc(ex, (uint16_t)sel, &cs)))
			return e;
	}
	if ((e = switch_cs(ex, &cs, off)))
		return e;
	if (ex->in->immtype)
		stack_set_sp(ex, stack_sp(ex) + (ex->in->imm & 0xffff));
	return 0;
}
