/* Local APIC register model (Intel SDM Vol. 3A chapter 11), one vCPU.
 * Both interfaces share one register file indexed by the xAPIC offset / 16
 * (the x2APIC MSR number is 0x800 + that index, SDM 11.12.1.2). */
#include <string.h>
#include "emul/dev/lapic.h"

/* Register indices (xAPIC MMIO offset >> 4; SDM Table 11-1 / 11-6). */
enum {
	R_ID = 0x02, R_VER = 0x03, R_TPR = 0x08, R_APR = 0x09, R_PPR = 0x0a,
	R_EOI = 0x0b, R_RRD = 0x0c, R_LDR = 0x0d, R_DFR = 0x0e, R_SVR = 0x0f,
	R_ISR = 0x10, R_TMR = 0x18, R_IRR = 0x20, R_ESR = 0x28,
	R_ICR_LO = 0x30, R_ICR_HI = 0x31, R_LVT0 = 0x32,	/* 0x32..0x37 */
	R_TIMER_ICR = 0x38, R_TIMER_CCR = 0x39, R_TIMER_DCR = 0x3e, R_SELF_IPI = 0x3f,
	R_COUNT = 0x40,
};

/* Access rules per register. */
#define RD	0x01	/* readable */
#define WR	0x02	/* writable */
#define XAPIC	0x04	/* exists only in xAPIC mode (x2APIC: #GP) */
#define X2APIC	0x08	/* exists only in x2APIC mode */
#define X2RO	0x10	/* writable in xAPIC mode, read-only in x2APIC mode */
#define ZERO	0x20	/* x2APIC: a write of anything but 0 is #GP */

struct reg_info { uint8_t flags; uint32_t wmask; };

#define LVT_MASKED	(1u << 16)
#define LVT_LEVEL	(1u << 15)
#define LVT_REMOTE_IRR	(1u << 14)

#define SVR_ENABLE	(1u << 8)
#define ICR_LO_WMASK	0x000ccfffu	/* vector, DM, dest mode, level, trigger, shorthand */
#define ESR_SEND_ILLEGAL_VEC	(1u << 5)
#define ESR_RECV_ILLEGAL_VEC	(1u << 6)
#define ESR_ILLEGAL_REG		(1u << 7)

static const struct reg_info regs[R_COUNT] = {
	[R_ID]  = { RD | WR | X2RO, 0xff000000 },
	[R_VER] = { RD, 0 },
	[R_TPR] = { RD | WR, 0xff },
	[R_APR] = { RD | XAPIC, 0 },
	[R_PPR] = { RD, 0 },
	[R_EOI] = { WR | ZERO, 0 },
	[R_RRD] = { RD | XAPIC, 0 },
	[R_LDR] = { RD | WR | X2RO, 0xff000000 },
	[R_DFR] = { RD | WR | XAPIC, 0xf0000000 },
	[R_SVR] = { RD | WR, 0x3ff },	/* no EOI-broadcast suppression (VER bit 24 clear) */
	[R_ISR ... R_ISR + 7] = { RD, 0 },
	[R_TMR ... R_TMR + 7] = { RD, 0 },
	[R_IRR ... R_IRR + 7] = { RD, 0 },
	[R_ESR] = { RD | WR | ZERO, 0 },
	[R_ICR_LO] = { RD | WR, ICR_LO_WMASK },
	[R_ICR_HI] = { RD | WR | XAPIC, 0xff000000 },
	/* LVTs (SDM Figure 11-8): vector, delivery mode, polarity, trigger,
	 * mask, timer mode; delivery status and remote IRR are read-only. */
	[R_LVT0 + LVT_TIMER]   = { RD | WR, 0x000700ff },
	[R_LVT0 + LVT_THERMAL] = { RD | WR, 0x000107ff },
	[R_LVT0 + LVT_PERF]    = { RD | WR, 0x000107ff },
	[R_LVT0 + LVT_LINT0]   = { RD | WR, 0x0001a7ff },
	[R_LVT0 + LVT_LINT1]   = { RD | WR, 0x0001a7ff },
	[R_LVT0 + LVT_ERROR]   = { RD | WR, 0x000100ff },
	[R_TIMER_ICR] = { RD | WR, 0xffffffff },
	[R_TIMER_CCR] = { RD, 0 },
	[R_TIMER_DCR] = { RD | WR, 0x0b },
	[R_SELF_IPI]  = { WR | X2APIC, 0xff },
};

/* ---- small helpers ---------------------------------------------------- */

static uint64_t now(const struct lapic *a)
{
	return dev_clock_now(&a->p.clock);
}

static bool hw_enabled(const struct lapic *a)
{
	return a->base & APIC_BASE_EN;
}

static bool sw_enabled(const struct lapic *a)
{
	return hw_enabled(a) && (a->svr & SVR_ENABLE);
}

bool lapic_x2apic_enabled(const struct lapic *a)
{
	return (a->base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
}

bool lapic_mmio_enabled(const struct lapic *a)
{
	return (a->base & (APIC_BASE_EN | APIC_BASE_EXTD)) == APIC_BASE_EN;
}

static void set_bit256(uint32_t *v, uint8_t n)   { v[n >> 5] |= 1u << (n & 31); }
static void clear_bit256(uint32_t *v, uint8_t n) { v[n >> 5] &= ~(1u << (n & 31)); }
static bool test_bit256(const uint32_t *v, uint8_t n) { return v[n >> 5] >> (n & 31) & 1; }

/* Highest set bit of a 256-bit register (ISR/IRR), or -1. */
static int highest256(const uint32_t *v)
{
	for (int i = 7; i >= 0; i--)
		if (v[i])
			return i * 32 + 31 - __builtin_clz(v[i]);
	return -1;
}

static uint32_t x2apic_ldr(uint32_t id)
{
	/* SDM 11.12.10.2: cluster ID = id[19:4], bit (id[3:0]) in the low 16. */
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

static unsigned phys_bits(const struct lapic *a)
{
	unsigned b = a->p.phys_addr_bits ? a->p.phys_addr_bits : 36;
	return b > 52 ? 52 : b;
}

/* ---- reset and IA32_APIC_BASE ----------------------------------------- */

/* Power-up / INIT state of the registers (SDM 11.4.7.1). */
static void reset_registers(struct lapic *a)
{
	a->xapic_id = a->p.apic_id << 24;
	a->tpr = a->ldr = a->esr = a->esr_pending = a->icr_lo = a->icr_hi = 0;
	a->dfr = 0xffffffff;
	a->svr = 0xff;
	for (int i = 0; i < LAPIC_LVT_COUNT; i++)
		a->lvt[i] = LVT_MASKED;
	memset(a->isr, 0, sizeof(a->isr));
	memset(a->tmr, 0, sizeof(a->tmr));
	memset(a->irr, 0, sizeof(a->irr));
	a->timer_icr = a->timer_dcr = 0;
	a->timer_start_ns = 0;
	a->timer_next_ns = UINT64_MAX;
	a->tsc_deadline = 0;
	a->nmi_pending = a->extint_pending = false;
}

void lapic_init(struct lapic *a, const struct lapic_params *p)
{
	memset(a, 0, sizeof(*a));
	a->p = *p;
	a->base = LAPIC_DEFAULT_BASE | APIC_BASE_EN | (p->bsp ? APIC_BASE_BSP : 0);
	reset_registers(a);
	if (p->virtual_wire) {
		/* What a PC BIOS programs (MP spec 3.6.2.2 virtual wire mode). */
		a->svr = SVR_ENABLE | 0xff;
		a->lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;
		a->lvt[LVT_LINT1] = APIC_DM_NMI << 8;
	}
}

uint64_t lapic_get_base(const struct lapic *a)
{
	return a->base;
}

uint64_t lapic_mmio_base(const struct lapic *a)
{
	return a->base & ~0xfffull & ((1ull << phys_bits(a)) - 1);
}

bool lapic_set_base(struct lapic *a, uint64_t v)
{
	uint64_t reserved = 0x2ffull | ~((1ull << phys_bits(a)) - 1);
	bool en = v & APIC_BASE_EN, x2 = v & APIC_BASE_EXTD;
	bool was_en = hw_enabled(a), was_x2 = lapic_x2apic_enabled(a);

	if (v & reserved)
		return false;
	/* SDM 11.12.5, Figure 11-27: EXTD without EN is invalid; x2APIC can
	 * only be left through "disabled", and entered only from xAPIC. */
	if (x2 && !en)
		return false;
	if (was_x2 && en && !x2)
		return false;
	if (!was_en && x2)
		return false;
	/* The BSP flag is the platform's, not the guest's. */
	v = (v & ~APIC_BASE_BSP) | (a->base & APIC_BASE_BSP);
	a->base = v;
	if (!en)
		reset_registers(a);	/* SDM 11.4.3: disabling resets the APIC */
	else if (x2 && !was_x2)
		a->ldr = x2apic_ldr(a->p.apic_id);	/* SDM 11.12.5.1 */
	return true;
}

/* ---- priorities (SDM 11.8.3.1) ---------------------------------------- */

uint32_t lapic_ppr(const struct lapic *a)
{
	int isrv = highest256(a->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (a->tpr & 0xf0) >= isr_class ? a->tpr & 0xff : isr_class;
}

/* Arbitration priority (SDM Vol. 3A 11.6.2.4 in older editions). */
static uint32_t apr(const struct lapic *a)
{
	int irrv = highest256(a->irr), isrv = highest256(a->isr);
	uint32_t tp = a->tpr >> 4, ir = irrv < 0 ? 0 : (uint32_t)irrv >> 4;
	uint32_t is = isrv < 0 ? 0 : (uint32_t)isrv >> 4;

	if (tp >= ir && tp > is)
		return a->tpr & 0xff;
	uint32_t m = tp > ir ? tp : ir;
	return (m > is ? m : is) << 4;
}

int lapic_pending_vector(const struct lapic *a)
{
	int v = highest256(a->irr);

	if (v < 0 || !hw_enabled(a))
		return -1;
	return ((uint32_t)v & 0xf0) > (lapic_ppr(a) & 0xf0) ? v : -1;
}

void lapic_ack(struct lapic *a, uint8_t vector)
{
	if (!test_bit256(a->irr, vector))
		return;
	clear_bit256(a->irr, vector);
	set_bit256(a->isr, vector);
}

bool lapic_take_nmi(struct lapic *a)
{
	bool n = a->nmi_pending;
	a->nmi_pending = false;
	return n;
}

bool lapic_take_extint(struct lapic *a)
{
	bool e = a->extint_pending;
	a->extint_pending = false;
	return e;
}

bool lapic_accepts_pic(const struct lapic *a)
{
	uint32_t l = a->lvt[LVT_LINT0];

	/* Globally disabled: LINT0 is the CPU's INTR pin (SDM 11.4.3). */
	if (!hw_enabled(a))
		return true;
	return !(l & LVT_MASKED) && ((l >> 8) & 7) == APIC_DM_EXTINT;
}

/* ---- acceptance, errors, local vectors -------------------------------- */

static void lvt_deliver(struct lapic *a, int lvt);

/* An APIC error (SDM 11.5.3): latched internally until the next ESR write,
 * signalled through LVT Error once per newly set bit (bounds recursion). */
static void apic_error(struct lapic *a, uint32_t bit)
{
	if (a->esr_pending & bit)
		return;
	a->esr_pending |= bit;
	lvt_deliver(a, LVT_ERROR);
}

void lapic_accept(struct lapic *a, uint8_t vector, bool level_triggered)
{
	/* A software-disabled APIC takes only NMI/SMI/INIT/SIPI (SDM 11.4.7.2). */
	if (!sw_enabled(a))
		return;
	if (vector < 16) {		/* vectors 0-15 are illegal (SDM 11.5.2) */
		apic_error(a, ESR_RECV_ILLEGAL_VEC);
		return;
	}
	set_bit256(a->irr, vector);
	if (level_triggered)
		set_bit256(a->tmr, vector);
	else
		clear_bit256(a->tmr, vector);
}

/* A local interrupt source fires through its LVT entry (SDM 11.5.1). */
static void lvt_deliver(struct lapic *a, int lvt)
{
	uint32_t l = a->lvt[lvt];

	if ((l & LVT_MASKED) || !sw_enabled(a))
		return;
	switch ((l >> 8) & 7) {
	case APIC_DM_FIXED:
		lapic_accept(a, (uint8_t)l, lvt != LVT_TIMER && lvt != LVT_ERROR && (l & LVT_LEVEL));
		break;
	case APIC_DM_NMI:
		a->nmi_pending = true;
		break;
	case APIC_DM_EXTINT:
		a->extint_pending = true;
		break;
	default:
		break;		/* SMI, INIT: not modelled for local sources */
	}
}

/* A level-triggered fixed LINT entry delivers while its pin is asserted and
 * its remote IRR is clear; remote IRR holds it until the EOI of its vector
 * (SDM 11.5.1). */
static void lint_level_check(struct lapic *a, int lvt)
{
	uint32_t l = a->lvt[lvt];

	if (a->lint_level[lvt - LVT_LINT0] && !(l & (LVT_REMOTE_IRR | LVT_MASKED)) && sw_enabled(a)) {
		a->lvt[lvt] |= LVT_REMOTE_IRR;
		lvt_deliver(a, lvt);
	}
}

static bool lint_is_level_fixed(uint32_t l)
{
	return ((l >> 8) & 7) == APIC_DM_FIXED && (l & LVT_LEVEL);
}

void lapic_set_lint(struct lapic *a, unsigned pin, bool level)
{
	if (pin > 1)
		return;
	bool rising = level && !a->lint_level[pin];
	a->lint_level[pin] = level;
	if (!hw_enabled(a)) {
		/* Disabled APIC: LINT1 is the NMI pin, LINT0 the INTR pin (the
		 * VMX side asks lapic_accepts_pic for that). */
		if (pin == 1 && rising)
			a->nmi_pending = true;
		return;
	}
	int lvt = LVT_LINT0 + (int)pin;
	uint32_t l = a->lvt[lvt];
	if (lint_is_level_fixed(l))
		lint_level_check(a, lvt);
	else if (rising && ((l >> 8) & 7) != APIC_DM_EXTINT)
		lvt_deliver(a, lvt);	/* edge (NMI is always edge) */
}

/* EOI (SDM 11.8.5): retire the highest in-service vector; a level-triggered
 * one is broadcast to the IOAPIC. */
static void eoi(struct lapic *a)
{
	int v = highest256(a->isr);

	if (v < 0)
		return;
	clear_bit256(a->isr, (uint8_t)v);
	for (int lvt = LVT_LINT0; lvt <= LVT_LINT1; lvt++) {
		if ((a->lvt[lvt] & 0xff) != (uint32_t)v || !(a->lvt[lvt] & LVT_REMOTE_IRR))
			continue;
		a->lvt[lvt] &= ~LVT_REMOTE_IRR;
		if (lint_is_level_fixed(a->lvt[lvt]))
			lint_level_check(a, lvt);	/* still asserted: again */
	}
	if (test_bit256(a->tmr, (uint8_t)v) && a->p.eoi)
		a->p.eoi(a->p.eoi_ctx, (uint8_t)v);
}

bool lapic_match_dest(const struct lapic *a, uint32_t dest, bool logical)
{
	if (lapic_x2apic_enabled(a)) {
		if (dest == 0xffffffffu)
			return true;
		if (!logical)
			return dest == a->p.apic_id;
		/* SDM 11.12.10.2: cluster in [31:16], member bitmap in [15:0]. */
		return (dest >> 16) == (a->ldr >> 16) && (dest & a->ldr & 0xffff);
	}
	uint8_t d = (uint8_t)dest, ldr = (uint8_t)(a->ldr >> 24);
	if (d == 0xff)
		return true;		/* broadcast, physical or logical */
	if (!logical)
		return d == (uint8_t)(a->xapic_id >> 24);
	if ((a->dfr >> 28) == 0xf)	/* flat model (SDM 11.6.2.2) */
		return d & ldr;
	/* cluster model: cluster ID in [7:4], member bits in [3:0] */
	return (d >> 4) == (ldr >> 4) && (d & ldr & 0xf);
}

void lapic_receive(struct lapic *a, const struct apic_msg *m)
{
	uint32_t dest = m->dest;

	if (!hw_enabled(a))
		return;
	/* IOAPIC messages carry an 8-bit destination; in x2APIC mode its
	 * broadcast 0xff is the x2APIC broadcast. */
	if (lapic_x2apic_enabled(a) && dest == 0xff)
		dest = 0xffffffffu;
	if (!lapic_match_dest(a, dest, m->logical))
		return;
	switch (m->delivery_mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:		/* one CPU: it is the lowest */
		lapic_accept(a, m->vector, m->level);
		break;
	case APIC_DM_NMI:
		a->nmi_pending = true;
		break;
	case APIC_DM_EXTINT:
		a->extint_pending = true;
		break;
	default:
		break;		/* SMI, INIT, SIPI: not modelled */
	}
}

void lapic_receive_cb(void *apic, const struct apic_msg *m)
{
	lapic_receive(apic, m);
}

/* ICR (SDM 11.6.1): only the self-directed part of an IPI has a target. */
static void send_ipi(struct lapic *a, uint32_t lo, uint32_t dest)
{
	uint8_t vector = (uint8_t)lo;
	unsigned dm = (lo >> 8) & 7, shorthand = (lo >> 18) & 3;
	bool logical = lo & (1u << 11);
	bool self;

	switch (shorthand) {
	case 1: case 2: self = true; break;		/* self, all including self */
	case 3: self = false; break;			/* all excluding self */
	default:
		if (lapic_x2apic_enabled(a) ? dest == 0xffffffffu : dest == 0xff)
			self = true;
		else
			self = lapic_match_dest(a, dest, logical);
		break;
	}
	if ((dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST) && vector < 16) {
		apic_error(a, ESR_SEND_ILLEGAL_VEC);
		return;
	}
	if (!self)
		return;		/* one vCPU: other destinations do not exist */
	switch (dm) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		lapic_accept(a, vector, false);
		break;
	case APIC_DM_NMI:
		a->nmi_pending = true;
		break;
	default:
		break;		/* INIT/SIPI/SMI to itself: not modelled */
	}
}

/* ---- timer (SDM 11.5.4) ----------------------------------------------- */

enum { TIMER_ONESHOT = 0, TIMER_PERIODIC = 1, TIMER_TSC_DEADLINE = 2 };

static unsigned timer_mode(const struct lapic *a)
{
	unsigned m = (a->lvt[LVT_TIMER] >> 17) & 3;
	return m == 3 ? TIMER_ONESHOT : m;	/* 3 is reserved */
}

/* Divide configuration (SDM Figure 11-10): bits 0,1,3 -> 2,4,...,128,1. */
static unsigned div_shift(uint32_t dcr)
{
	unsigned v = (dcr & 3) | ((dcr >> 1) & 4);
	return (v + 1) & 7;
}

static uint64_t elapsed_counts(const struct lapic *a, uint64_t t)
{
	int64_t d = (int64_t)(t - a->timer_start_ns);	/* start may be virtual */
	return d <= 0 ? 0 : (uint64_t)d >> div_shift(a->timer_dcr);
}

uint32_t lapic_timer_current(const struct lapic *a, uint64_t t)
{
	if (timer_mode(a) == TIMER_TSC_DEADLINE || !a->timer_icr)
		return 0;
	uint64_t e = elapsed_counts(a, t);
	if (timer_mode(a) == TIMER_PERIODIC)
		return a->timer_icr - (uint32_t)(e % a->timer_icr);
	return e >= a->timer_icr ? 0 : a->timer_icr - (uint32_t)e;
}

static uint64_t period_ns(const struct lapic *a)
{
	return (uint64_t)a->timer_icr << div_shift(a->timer_dcr);
}

static void timer_start(struct lapic *a, uint64_t t)
{
	a->timer_start_ns = t;
	a->timer_next_ns = a->timer_icr ? t + period_ns(a) : UINT64_MAX;
}

/* Continue from count @cur at time @t with the current mode and divider
 * (after a divide or one-shot/periodic change, SDM 11.5.4): the count is
 * preserved, the next expiry is when it reaches 0. A one-shot that already
 * ran out stays idle. */
static void timer_keep_count(struct lapic *a, uint64_t t, uint32_t cur)
{
	unsigned sh = div_shift(a->timer_dcr);

	if (!a->timer_icr || timer_mode(a) == TIMER_TSC_DEADLINE)
		return;
	a->timer_start_ns = t - ((uint64_t)(a->timer_icr - cur) << sh);
	a->timer_next_ns = cur ? t + ((uint64_t)cur << sh) : UINT64_MAX;
}

uint64_t lapic_next_event_ns(const struct lapic *a)
{
	if ((a->lvt[LVT_TIMER] & LVT_MASKED) || !sw_enabled(a))
		return UINT64_MAX;	/* expiries would change nothing visible now */
	return a->timer_next_ns;
}

void lapic_advance(struct lapic *a, uint64_t t)
{
	if (a->timer_next_ns == UINT64_MAX || t < a->timer_next_ns)
		return;
	switch (timer_mode(a)) {
	case TIMER_PERIODIC: {
		uint64_t p = period_ns(a);
		uint64_t missed = (t - a->timer_next_ns) / p + 1;	/* coalesced */
		a->timer_next_ns += missed * p;
		a->timer_fired += missed;
		break;
	}
	case TIMER_TSC_DEADLINE:
		a->tsc_deadline = 0;	/* SDM 11.5.4.1: the MSR reads 0 once fired */
		/* fall through */
	default:
		a->timer_next_ns = UINT64_MAX;
		a->timer_fired++;
		break;
	}
	lvt_deliver(a, LVT_TIMER);
}

static void write_lvt_timer(struct lapic *a, uint32_t v)
{
	uint64_t t = now(a);
	unsigned old = timer_mode(a);

	lapic_advance(a, t);		/* expiries under the old setting first */
	uint32_t cur = lapic_timer_current(a, t);
	a->lvt[LVT_TIMER] = v;
	unsigned mode = timer_mode(a);
	if (mode == old)
		return;
	if (mode == TIMER_TSC_DEADLINE || old == TIMER_TSC_DEADLINE) {
		/* Switching to or from TSC-deadline mode disarms the timer. */
		a->timer_icr = 0;
		a->tsc_deadline = 0;
		a->timer_next_ns = UINT64_MAX;
		return;
	}
	timer_keep_count(a, t, cur);
}

static void write_dcr(struct lapic *a, uint32_t v)
{
	uint64_t t = now(a);

	lapic_advance(a, t);
	uint32_t cur = lapic_timer_current(a, t);
	a->timer_dcr = v;
	timer_keep_count(a, t, cur);	/* the count continues at the new rate */
}

uint64_t lapic_tsc_deadline_read(const struct lapic *a)
{
	return timer_mode(a) == TIMER_TSC_DEADLINE ? a->tsc_deadline : 0;
}

void lapic_tsc_deadline_write(struct lapic *a, uint64_t tsc)
{
	if (timer_mode(a) != TIMER_TSC_DEADLINE)
		return;
	a->tsc_deadline = tsc;
	if (!tsc)
		a->timer_next_ns = UINT64_MAX;
	else
		a->timer_next_ns = a->p.tsc.to_ns ? a->p.tsc.to_ns(a->p.tsc.ctx, tsc) : tsc;
	/* A deadline already past: next_event <= now, the next advance fires. */
}

/* ---- register file ---------------------------------------------------- */

uint32_t lapic_reg_read(struct lapic *a, uint32_t off)
{
	unsigned r = off >> 4;

	if (r >= R_COUNT)
		return 0;
	switch (r) {
	case R_ID:	return lapic_x2apic_enabled(a) ? a->p.apic_id : a->xapic_id;
	case R_VER:	return LAPIC_VERSION | (LAPIC_LVT_COUNT - 1) << 16;
	case R_TPR:	return a->tpr;
	case R_APR:	return apr(a);
	case R_PPR:	return lapic_ppr(a);
	case R_LDR:	return a->ldr;
	case R_DFR:	return a->dfr;
	case R_SVR:	return a->svr;
	case R_ESR:	return a->esr;
	case R_ICR_LO:	return a->icr_lo;	/* delivery status: always idle */
	case R_ICR_HI:	return a->icr_hi;
	case R_TIMER_ICR: return a->timer_icr;
	case R_TIMER_CCR: return lapic_timer_current(a, now(a));
	case R_TIMER_DCR: return a->timer_dcr;
	default:
		break;
	}
	if (r >= R_ISR && r < R_ISR + 8)
		return a->isr[r - R_ISR];
	if (r >= R_TMR && r < R_TMR + 8)
		return a->tmr[r - R_TMR];
	if (r >= R_IRR && r < R_IRR + 8)
		return a->irr[r - R_IRR];
	if (r >= R_LVT0 && r < R_LVT0 + LAPIC_LVT_COUNT)
		return a->lvt[r - R_LVT0];
	return 0;
}

static void write_lvt(struct lapic *a, int lvt, uint32_t v)
{
	/* Keep the read-only remote IRR; a disabled APIC keeps LVTs masked
	 * (SDM 11.4.7.2). */
	v = (v & regs[R_LVT0 + lvt].wmask) | (a->lvt[lvt] & LVT_REMOTE_IRR);
	if (!(a->svr & SVR_ENABLE))
		v |= LVT_MASKED;
	if (lvt == LVT_TIMER)
		write_lvt_timer(a, v);
	else
		a->lvt[lvt] = v;
}

static void write_svr(struct lapic *a, uint32_t v)
{
	a->svr = v & regs[R_SVR].wmask;
	if (!(a->svr & SVR_ENABLE))
		for (int i = 0; i < LAPIC_LVT_COUNT; i++)
			a->lvt[i] |= LVT_MASKED;
}

/* A write with the access rules already checked. @hi is the upper half of
 * the x2APIC ICR (the destination). */
static void reg_write(struct lapic *a, unsigned r, uint32_t v, uint32_t hi)
{
	uint32_t m = regs[r].wmask;

	switch (r) {
	case R_ID:	a->xapic_id = v & m; return;
	case R_TPR:	a->tpr = v & m; return;
	case R_EOI:	eoi(a); return;
	case R_LDR:	a->ldr = v & m; return;
	case R_DFR:	a->dfr = (v & m) | 0x0fffffff; return;
	case R_SVR:	write_svr(a, v); return;
	case R_ESR:	a->esr = a->esr_pending; a->esr_pending = 0; return;
	case R_ICR_HI:	a->icr_hi = v & m; return;
	case R_ICR_LO:
		a->icr_lo = v & m;
		if (lapic_x2apic_enabled(a))
			a->icr_hi = hi;
		send_ipi(a, a->icr_lo, lapic_x2apic_enabled(a) ? a->icr_hi : a->icr_hi >> 24);
		return;
	case R_TIMER_ICR:
		if (timer_mode(a) == TIMER_TSC_DEADLINE)
			return;		/* ignored in TSC-deadline mode */
		a->timer_icr = v;
		timer_start(a, now(a));
		return;
	case R_TIMER_DCR: write_dcr(a, v & m); return;
	case R_SELF_IPI:	/* SDM 11.12.11: a fixed, edge self-IPI */
		send_ipi(a, (1u << 18) | (v & 0xff), 0);
		return;
	default:
		break;
	}
	if (r >= R_LVT0 && r < R_LVT0 + LAPIC_LVT_COUNT)
		write_lvt(a, (int)(r - R_LVT0), v);
}

void lapic_reg_write(struct lapic *a, uint32_t off, uint32_t val)
{
	unsigned r = off >> 4;

	if (r < R_COUNT && (regs[r].flags & WR))
		reg_write(a, r, val, 0);
}

/* ---- xAPIC MMIO (SDM 11.4.1) ------------------------------------------ */

/* Register index usable in xAPIC mode for the access @need (RD or WR):
 * true, or false after flagging an illegal register address (SDM 11.5.3). */
static bool xapic_reg_ok(struct lapic *a, unsigned r, uint8_t need)
{
	uint8_t f = r < R_COUNT ? regs[r].flags : 0;

	if (!f || (f & X2APIC)) {
		apic_error(a, ESR_ILLEGAL_REG);
		return false;
	}
	return f & need;	/* writes to read-only registers are ignored */
}

/* Registers are 32 bits wide at 16-byte aligned offsets; other bytes of a
 * 16-byte slot read 0. A narrower aligned write is merged into the value. */
static uint64_t mmio_read(void *dev, uint64_t off, unsigned size)
{
	struct lapic *a = dev;
	unsigned within = off & 0xf;
	(void)size;

	if (!lapic_mmio_enabled(a) || off >= LAPIC_MMIO_LEN)
		return ~0ull;
	if (within >= 4 || !xapic_reg_ok(a, (unsigned)(off >> 4), RD))
		return 0;
	return (uint64_t)lapic_reg_read(a, (uint32_t)off & ~0xfu) >> (8 * within);
}

static void mmio_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct lapic *a = dev;
	unsigned within = off & 0xf, r = (unsigned)(off >> 4);

	if (!lapic_mmio_enabled(a) || off >= LAPIC_MMIO_LEN || within >= 4)
		return;
	if (!xapic_reg_ok(a, r, WR))
		return;
	uint32_t v = (uint32_t)(val << (8 * within));
	if (within + size < 4) {
		uint32_t m = ((1u << (8 * size)) - 1) << (8 * within);
		v = (lapic_reg_read(a, r << 4) & ~m) | (v & m);
	} else if (within) {
		uint32_t m = ~0u << (8 * within);
		v = (lapic_reg_read(a, r << 4) & ~m) | (v & m);
	}
	reg_write(a, r, v, 0);
}

const struct io_dev_ops lapic_mmio_ops = { mmio_read, mmio_write };

/* ---- x2APIC MSRs (SDM 11.12.1.2, Table 11-6) -------------------------- */

static int x2apic_index(const struct lapic *a, uint32_t msr)
{
	if (!lapic_x2apic_enabled(a) || msr < 0x800 || msr >= 0x800 + R_COUNT)
		return -1;
	unsigned r = msr - 0x800;
	uint8_t f = regs[r].flags;
	if (!f || (f & XAPIC))
		return -1;
	return (int)r;
}

bool lapic_msr_read(struct lapic *a, uint32_t msr, uint64_t *val)
{
	int r = x2apic_index(a, msr);

	if (r < 0 || !(regs[r].flags & RD))
		return false;
	*val = lapic_reg_read(a, (uint32_t)r << 4);
	if (r == R_ICR_LO)
		*val |= (uint64_t)a->icr_hi << 32;
	return true;
}

bool lapic_msr_write(struct lapic *a, uint32_t msr, uint64_t val)
{
	int r = x2apic_index(a, msr);

	if (r < 0)
		return false;
	uint8_t f = regs[r].flags;
	if (!(f & WR) || (f & X2RO))
		return false;
	if (r == R_ICR_LO) {
		/* One 64-bit register, destination in [63:32]; setting reserved
		 * bits 13, 16-17 or 20-31 is #GP, the old delivery-status bit 12
		 * is ignored. */
		if ((uint32_t)val & (0xfff30000u | (1u << 13)))
			return false;
		reg_write(a, R_ICR_LO, (uint32_t)val, (uint32_t)(val >> 32));
		return true;
	}
	/* #GP (SDM 11.12.1.2, Table 11-6): bits 63:32 of a 32-bit register, a
	 * non-zero write to EOI or ESR, reserved bits of SELF IPI. Reserved
	 * bits of the other registers are dropped, as in xAPIC mode, so a
	 * guest's read-modify-write of an LVT (read-only delivery status and
	 * remote IRR included) works. */
	if ((val >> 32) || ((f & ZERO) && val) || (r == R_SELF_IPI && (val & ~regs[r].wmask)))
		return false;
	reg_write(a, (unsigned)r, (uint32_t)val, 0);
	return true;
}
