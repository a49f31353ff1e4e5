/* Guest-state checks of VM entry (SDM Vol. 3C 27.3.1.1 - 27.3.1.5), the ones
 * a hypervisor bug is likely to break. Each rule is one line of a table-like
 * sequence; the first that fails is reported. */
#include "vmx/guest_check.h"
#include "vmx/vmx_defs.h"
#include "lib/print.h"

static const char *const seg_names[SEG_COUNT] = { "ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR" };

#define AR_TYPE(ar)	((ar) & 0xf)
#define AR_S(ar)	(((ar) >> 4) & 1)
#define AR_DPL(ar)	(((ar) >> 5) & 3)
#define AR_P(ar)	(((ar) >> 7) & 1)
#define AR_L(ar)	(((ar) >> 13) & 1)
#define AR_DB(ar)	(((ar) >> 14) & 1)
#define AR_G(ar)	(((ar) >> 15) & 1)
#define AR_UNUSABLE(ar)	(((ar) >> 16) & 1)
#define AR_RESERVED	0xfffe0f00u

/* Limit and granularity must agree (27.3.1.2: "if any bit in the limit
 * field in the range 11:0 is 0, G must be 0; if any bit in 31:20 is 1, G
 * must be 1"). */
static bool limit_ok(const struct seg_state *s)
{
	if ((s->limit & 0xfff) != 0xfff && AR_G(s->ar))
		return false;
	if ((s->limit & 0xfff00000) && !AR_G(s->ar))
		return false;
	return true;
}

static const char *fail(char *buf, size_t size, const char *fmt, uint64_t a, uint64_t b)
{
	snprintf(buf, size, fmt, a, b);
	return buf;
}

static const char *check_control_regs(const struct guest_state *g, char *buf, size_t n)
{
	if ((g->cr0 & g->cr0_fixed0) != g->cr0_fixed0 || (g->cr0 & ~g->cr0_fixed1))
		return fail(buf, n, "GUEST_CR0 %lx breaks the CR0 fixed bits (fixed0 %lx)", g->cr0, g->cr0_fixed0);
	if ((g->cr0 & CR0_PG) && !(g->cr0 & CR0_PE))
		return fail(buf, n, "GUEST_CR0 %lx has PG without PE", g->cr0, 0);
	if ((g->cr4 & g->cr4_fixed0) != g->cr4_fixed0 || (g->cr4 & ~g->cr4_fixed1))
		return fail(buf, n, "GUEST_CR4 %lx breaks the CR4 fixed bits (fixed1 %lx)", g->cr4, g->cr4_fixed1);
	if (g->ia32e && (!(g->cr0 & CR0_PG) || !(g->cr4 & CR4_PAE)))
		return fail(buf, n, "IA-32e mode guest needs CR0.PG and CR4.PAE (CR0 %lx, CR4 %lx)", g->cr0, g->cr4);
	if (!g->ia32e && (g->cr4 & CR4_PCIDE))
		return fail(buf, n, "GUEST_CR4 %lx has PCIDE outside IA-32e mode", g->cr4, 0);
	if (g->dr7 >> 32)
		return fail(buf, n, "GUEST_DR7 %lx has bits 63:32 set", g->dr7, 0);
	if (g->load_efer && (!!(g->efer & EFER_LMA) != g->ia32e ||
			     ((g->cr0 & CR0_PG) && !!(g->efer & EFER_LME) != !!(g->efer & EFER_LMA))))
		return fail(buf, n, "GUEST_IA32_EFER %lx disagrees with the IA-32e mode guest control (%lu)",
			    g->efer, g->ia32e);
	return 0;
}

static const char *check_rflags_rip(const struct guest_state *g, char *buf, size_t n)
{
	/* Reserved bits 63:22, 15, 5, 3 must be 0 and bit 1 must be 1. */
	if ((g->rflags & 0xffffffffffc08028ull) || !(g->rflags & RFLAGS_FIXED))
		return fail(buf, n, "GUEST_RFLAGS %lx has reserved bits wrong", g->rflags, 0);
	if (g->rflags & RFLAGS_VM)
		return fail(buf, n, "GUEST_RFLAGS %lx: virtual-8086 mode is not used by Shade", g->rflags, 0);
	if ((!g->ia32e || !AR_L(g->seg[SEG_CS].ar)) && (g->rip >> 32))
		return fail(buf, n, "GUEST_RIP %lx above 4 GiB outside 64-bit mode", g->rip, 0);
	if (g->activity > 3)
		return fail(buf, n, "GUEST_ACTIVITY_STATE %lu is not 0-3", g->activity, 0);
	return 0;
}

static const char *check_segment(const struct guest_state *g, int i, char *buf, size_t n)
{
	const struct seg_state *s = &g->seg[i];
	const char *name = seg_names[i];
	if (AR_UNUSABLE(s->ar))
		return 0;
	if (s->ar & AR_RESERVED) {
		snprintf(buf, n, "GUEST_%s_AR_BYTES %x has reserved bits set", name, s->ar);
		return buf;
	}
	if (!AR_P(s->ar) || !limit_ok(s)) {
		snprintf(buf, n, "GUEST_%s: not present or limit %x disagrees with G (AR %x)", name, s->limit, s->ar);
		return buf;
	}
	if (i != SEG_TR && i != SEG_LDTR && (!AR_S(s->ar) || !(AR_TYPE(s->ar) & 1) ||
					    ((AR_TYPE(s->ar) & 8) && !(AR_TYPE(s->ar) & 2) && i != SEG_CS))) {
		snprintf(buf, n, "GUEST_%s_AR_BYTES %x: must be an accessed (readable) code/data segment", name, s->ar);
		return buf;
	}
	return 0;
}

static const char *check_segments(const struct guest_state *g, char *buf, size_t n)
{
	const struct seg_state *cs = &g->seg[SEG_CS], *ss = &g->seg[SEG_SS], *tr = &g->seg[SEG_TR];
	const struct seg_state *ldtr = &g->seg[SEG_LDTR];
	if (AR_UNUSABLE(tr->ar) || (tr->sel & 4) || AR_S(tr->ar) ||
	    !(AR_TYPE(tr->ar) == 11 || (!g->ia32e && AR_TYPE(tr->ar) == 3)))
		return fail(buf, n, "GUEST_TR must be a usable busy TSS with TI=0 (selector %lx, AR %lx)", tr->sel, tr->ar);
	if (!AR_UNUSABLE(ldtr->ar) && ((ldtr->sel & 4) || AR_TYPE(ldtr->ar) != 2 || AR_S(ldtr->ar)))
		return fail(buf, n, "GUEST_LDTR usable but not an LDT (selector %lx, AR %lx)", ldtr->sel, ldtr->ar);
	if (AR_UNUSABLE(cs->ar) || !(AR_TYPE(cs->ar) & 8))
		return fail(buf, n, "GUEST_CS_AR_BYTES %lx: CS must be a usable code segment", cs->ar, 0);
	if ((AR_TYPE(cs->ar) & 4) == 0 && AR_DPL(cs->ar) != AR_DPL(ss->ar))
		return fail(buf, n, "non-conforming CS DPL %lu differs from SS DPL %lu", AR_DPL(cs->ar), AR_DPL(ss->ar));
	if ((ss->sel & 3) != (cs->sel & 3))
		return fail(buf, n, "SS.RPL %lu differs from CS.RPL %lu", ss->sel & 3, cs->sel & 3);
	if (g->ia32e && AR_L(cs->ar) && AR_DB(cs->ar))
		return fail(buf, n, "GUEST_CS_AR_BYTES %lx: L and D/B both set", cs->ar, 0);
	if (!AR_UNUSABLE(ss->ar) && AR_TYPE(ss->ar) != 3 && AR_TYPE(ss->ar) != 7)
		return fail(buf, n, "GUEST_SS_AR_BYTES %lx: SS must be a writable data segment", ss->ar, 0);
	for (int i = 0; i < SEG_COUNT; i++) {
		const char *m = check_segment(g, i, buf, n);
		if (m)
			return m;
	}
	if ((g->gdtr_limit >> 16) || (g->idtr_limit >> 16) || !is_canonical(g->gdtr_base) || !is_canonical(g->idtr_base))
		return fail(buf, n, "GDTR/IDTR: limit above 0xffff or base not canonical (GDTR limit %lx, IDTR limit %lx)",
			    g->gdtr_limit, g->idtr_limit);
	return 0;
}

const char *vmx_check_guest(const struct guest_state *g, char *buf, size_t size)
{
	const char *m = check_control_regs(g, buf, size);
	if (!m)
		m = check_rflags_rip(g, buf, size);
	if (!m)
		m = check_segments(g, buf, size);
	return m;
}
