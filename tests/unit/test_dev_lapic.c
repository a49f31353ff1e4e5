/* Host tests for the local APIC model (emul/dev/lapic.c): priorities,
 * EOI, IPIs, errors, LVT masking, the timer in every mode, the x2APIC MSR
 * interface and the IA32_APIC_BASE state machine (SDM Vol. 3A ch. 11). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "emul/dev/lapic.h"

/* xAPIC register offsets */
enum {
	ID = 0x20, VER = 0x30, TPR = 0x80, APR = 0x90, PPR = 0xa0, EOI = 0xb0,
	LDR = 0xd0, DFR = 0xe0, SVR = 0xf0, ISR = 0x100, TMR = 0x180, IRR = 0x200,
	ESR = 0x280, ICR_LO = 0x300, ICR_HI = 0x310, LVT_T = 0x320, LVT_TH = 0x330,
	LVT_PMC = 0x340, LINT0 = 0x350, LINT1 = 0x360, LVT_ERR = 0x370,
	TICR = 0x380, TCCR = 0x390, TDCR = 0x3e0,
};
#define MASKED (1u << 16)
#define PERIODIC (1u << 17)
#define TSCDL (2u << 17)
#define SELF (1u << 18)
#define ALL_INCL (2u << 18)
#define ALL_EXCL (3u << 18)

struct rig {
	struct lapic a;
	uint64_t now;
	uint8_t eoi_vec[16];
	unsigned neoi;
};

static uint64_t clock_now(void *ctx) { return ((struct rig *)ctx)->now; }
static void on_eoi(void *ctx, uint8_t v)
{
	struct rig *r = ctx;
	if (r->neoi < 16)
		r->eoi_vec[r->neoi++] = v;
}
/* A 2 GHz guest TSC: ns = tsc / 2. */
static uint64_t tsc_to_ns(void *ctx, uint64_t tsc) { (void)ctx; return tsc / 2; }

static struct rig *rig_new(uint32_t id, bool vw)
{
	static struct rig r;
	memset(&r, 0, sizeof(r));
	struct lapic_params p = {
		.apic_id = id, .bsp = true, .phys_addr_bits = 39, .virtual_wire = vw,
		.clock = { clock_now, &r }, .tsc = { tsc_to_ns, NULL },
		.eoi = on_eoi, .eoi_ctx = &r,
	};
	lapic_init(&r.a, &p);
	return &r;
}

/* An enabled xAPIC (software enable, spurious vector 0xff). */
static struct rig *rig_on(void)
{
	struct rig *r = rig_new(0, false);
	lapic_reg_write(&r->a, SVR, 0x1ff);
	return r;
}

static uint32_t rd(struct rig *r, uint32_t off)
{
	return (uint32_t)lapic_mmio_ops.read(&r->a, off, 4);
}

static void wr(struct rig *r, uint32_t off, uint32_t v)
{
	lapic_mmio_ops.write(&r->a, off, 4, v);
}

static bool irr_has(struct rig *r, uint8_t v)
{
	return rd(r, IRR + (v >> 5) * 0x10) >> (v & 31) & 1;
}

static bool isr_has(struct rig *r, uint8_t v)
{
	return rd(r, ISR + (v >> 5) * 0x10) >> (v & 31) & 1;
}

static uint32_t esr(struct rig *r)
{
	wr(r, ESR, 0);		/* write-then-read (SDM 11.5.3) */
	return rd(r, ESR);
}

/* ---- reset state ---- */

static void power_up_state(void **state)
{
	(void)state;
	struct rig *r = rig_new(5, false);
	assert_int_equal(lapic_get_base(&r->a), 0xfee00000ull | APIC_BASE_EN | APIC_BASE_BSP);
	assert_true(lapic_mmio_enabled(&r->a));
	assert_int_equal(lapic_mmio_base(&r->a), 0xfee00000ull);
	assert_int_equal(rd(r, ID), 5u << 24);
	assert_int_equal(rd(r, VER), 0x00050014);	/* max LVT entry 5 */
	assert_int_equal(rd(r, SVR), 0xff);
	assert_int_equal(rd(r, DFR), 0xffffffff);
	assert_int_equal(rd(r, TPR), 0);
	assert_int_equal(rd(r, LDR), 0);
	for (uint32_t o = LVT_T; o <= LVT_ERR; o += 0x10)
		assert_int_equal(rd(r, o), MASKED);
	assert_int_equal(rd(r, TDCR), 0);
	assert_int_equal(lapic_next_event_ns(&r->a), UINT64_MAX);
	assert_false(lapic_accepts_pic(&r->a));	/* LINT0 masked */
}

static void virtual_wire_start(void **state)
{
	(void)state;
	struct rig *r = rig_new(0, true);
	assert_int_equal(rd(r, SVR), 0x1ff);
	assert_int_equal(rd(r, LINT0), 0x700);		/* ExtINT, unmasked */
	assert_int_equal(rd(r, LINT1), 0x400);		/* NMI */
	assert_true(lapic_accepts_pic(&r->a));
	wr(r, LINT0, 0x700 | MASKED);
	assert_false(lapic_accepts_pic(&r->a));
}

/* ---- priorities ---- */

static void tpr_sets_ppr(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, TPR, 0x35);
	assert_int_equal(rd(r, TPR), 0x35);
	assert_int_equal(rd(r, PPR), 0x35);		/* no ISR: PPR = TPR */
	wr(r, TPR, 0x1ff);
	assert_int_equal(rd(r, TPR), 0xff);		/* 8 bits */
}

static void ppr_from_isr(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, TPR, 0x20);
	lapic_accept(&r->a, 0x51, false);
	assert_int_equal(lapic_pending_vector(&r->a), 0x51);
	lapic_ack(&r->a, 0x51);
	assert_true(isr_has(r, 0x51));
	assert_false(irr_has(r, 0x51));
	assert_int_equal(rd(r, PPR), 0x50);		/* ISRV[7:4] > TPR[7:4] */
	wr(r, TPR, 0x57);
	assert_int_equal(rd(r, PPR), 0x57);		/* equal class: TPR wins */
	wr(r, TPR, 0x70);
	assert_int_equal(rd(r, PPR), 0x70);
}

static void pending_needs_higher_class(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, TPR, 0x50);
	lapic_accept(&r->a, 0x5f, false);
	assert_int_equal(lapic_pending_vector(&r->a), -1);	/* same class as TPR */
	lapic_accept(&r->a, 0x60, false);
	assert_int_equal(lapic_pending_vector(&r->a), 0x60);
	wr(r, TPR, 0x60);
	assert_int_equal(lapic_pending_vector(&r->a), -1);
	wr(r, TPR, 0);
	assert_int_equal(lapic_pending_vector(&r->a), 0x60);	/* highest first */
	lapic_ack(&r->a, 0x60);
	assert_int_equal(lapic_pending_vector(&r->a), -1);	/* 0x5f: lower class than ISR */
	wr(r, EOI, 0);
	assert_int_equal(lapic_pending_vector(&r->a), 0x5f);
}

static void nested_in_service(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	lapic_accept(&r->a, 0x40, false);
	lapic_ack(&r->a, 0x40);
	lapic_accept(&r->a, 0x30, false);
	assert_int_equal(lapic_pending_vector(&r->a), -1);
	lapic_accept(&r->a, 0x80, false);
	assert_int_equal(lapic_pending_vector(&r->a), 0x80);	/* nests */
	lapic_ack(&r->a, 0x80);
	assert_int_equal(rd(r, PPR), 0x80);
	wr(r, EOI, 0);					/* retires 0x80, the highest */
	assert_false(isr_has(r, 0x80));
	assert_true(isr_has(r, 0x40));
	assert_int_equal(lapic_pending_vector(&r->a), -1);
	wr(r, EOI, 0);
	assert_int_equal(lapic_pending_vector(&r->a), 0x30);
	wr(r, EOI, 0);					/* empty ISR: harmless */
	assert_int_equal(r->neoi, 0);
}

static void same_vector_twice_is_one(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	lapic_accept(&r->a, 0x41, false);
	lapic_accept(&r->a, 0x41, false);		/* IRR is a bit, not a count */
	lapic_ack(&r->a, 0x41);
	assert_int_equal(lapic_pending_vector(&r->a), -1);
	lapic_accept(&r->a, 0x41, false);		/* arrives while in service */
	assert_int_equal(lapic_pending_vector(&r->a), -1);	/* same class as ISR */
	wr(r, EOI, 0);
	assert_int_equal(lapic_pending_vector(&r->a), 0x41);
	lapic_ack(&r->a, 0x99);				/* not pending: ignored */
	assert_false(isr_has(r, 0x99));
}

static void apr_register(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, TPR, 0x35);
	assert_int_equal(rd(r, APR), 0x35);
	lapic_accept(&r->a, 0x62, false);
	assert_int_equal(rd(r, APR), 0x60);
}

/* ---- EOI ---- */

static void eoi_broadcast_for_level_only(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	lapic_accept(&r->a, 0x60, true);
	assert_true(rd(r, TMR + 0x30) & 1);		/* TMR bit 0x60 */
	lapic_ack(&r->a, 0x60);
	wr(r, EOI, 0);
	assert_int_equal(r->neoi, 1);
	assert_int_equal(r->eoi_vec[0], 0x60);
	lapic_accept(&r->a, 0x60, false);		/* same vector, now edge */
	assert_false(rd(r, TMR + 0x30) & 1);
	lapic_ack(&r->a, 0x60);
	wr(r, EOI, 0);
	assert_int_equal(r->neoi, 1);
}

/* ---- IPIs through the ICR ---- */

static void self_ipi_shorthands(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, ICR_LO, SELF | 0x40);
	assert_true(irr_has(r, 0x40));
	assert_int_equal(rd(r, ICR_LO), SELF | 0x40);	/* delivery status idle */
	wr(r, ICR_LO, ALL_INCL | 0x41);
	assert_true(irr_has(r, 0x41));
	wr(r, ICR_LO, ALL_EXCL | 0x42);
	assert_false(irr_has(r, 0x42));			/* nobody else */
	assert_false(lapic_take_nmi(&r->a));
}

static void ipi_destinations(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, ICR_HI, 0u << 24);
	wr(r, ICR_LO, 0x50);				/* physical, to APIC ID 0: me */
	assert_true(irr_has(r, 0x50));
	wr(r, ICR_HI, 3u << 24);
	wr(r, ICR_LO, 0x51);				/* another CPU: dropped */
	assert_false(irr_has(r, 0x51));
	wr(r, ICR_HI, 0xffu << 24);
	wr(r, ICR_LO, 0x52);				/* broadcast */
	assert_true(irr_has(r, 0x52));
	/* Logical, flat model: LDR bit 2. */
	wr(r, LDR, 0x04u << 24);
	wr(r, ICR_HI, 0x06u << 24);
	wr(r, ICR_LO, (1u << 11) | 0x53);
	assert_true(irr_has(r, 0x53));
	wr(r, ICR_HI, 0x08u << 24);
	wr(r, ICR_LO, (1u << 11) | 0x54);
	assert_false(irr_has(r, 0x54));
	/* Cluster model: cluster 1, member bit 0. */
	wr(r, DFR, 0x0fffffff);
	assert_int_equal(rd(r, DFR), 0x0fffffff);
	wr(r, LDR, 0x11u << 24);
	wr(r, ICR_HI, 0x13u << 24);
	wr(r, ICR_LO, (1u << 11) | 0x55);
	assert_true(irr_has(r, 0x55));
	wr(r, ICR_HI, 0x21u << 24);
	wr(r, ICR_LO, (1u << 11) | 0x56);
	assert_false(irr_has(r, 0x56));
	assert_int_equal(rd(r, ICR_HI), 0x21u << 24);
}

static void ipi_nmi_to_self(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, ICR_LO, SELF | (4u << 8));
	assert_true(lapic_take_nmi(&r->a));
	assert_false(lapic_take_nmi(&r->a));
	assert_int_equal(lapic_pending_vector(&r->a), -1);
	wr(r, ICR_LO, ALL_EXCL | (4u << 8));
	assert_false(lapic_take_nmi(&r->a));
	wr(r, ICR_LO, SELF | (5u << 8));		/* INIT to self: not modelled, harmless */
	assert_int_equal(lapic_pending_vector(&r->a), -1);
}

/* ---- errors ---- */

static void esr_write_then_read(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, ICR_LO, SELF | 0x05);			/* illegal vector */
	assert_false(irr_has(r, 0x05));
	assert_int_equal(rd(r, ESR), 0);		/* not latched yet */
	assert_int_equal(esr(r), 0x20);			/* send illegal vector */
	assert_int_equal(esr(r), 0);			/* the write cleared it */
	lapic_accept(&r->a, 0x0f, false);
	assert_int_equal(esr(r), 0x40);			/* receive illegal vector */
	lapic_accept(&r->a, 0x10, false);		/* 16 is legal */
	assert_int_equal(esr(r), 0);
	assert_true(irr_has(r, 0x10));
	(void)rd(r, 0x040);				/* reserved offset */
	assert_int_equal(esr(r), 0x80);			/* illegal register address */
	wr(r, 0x3f0, 1);				/* SELF IPI is x2APIC-only */
	assert_int_equal(esr(r), 0x80);
}

static void error_lvt_interrupt(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, LVT_ERR, 0xe3);
	lapic_accept(&r->a, 0x02, false);
	assert_true(irr_has(r, 0xe3));
	/* The same error again (not yet cleared by an ESR write) signals once. */
	lapic_ack(&r->a, 0xe3);
	lapic_accept(&r->a, 0x03, false);
	assert_false(irr_has(r, 0xe3));
	/* An illegal error vector cannot loop. */
	assert_int_equal(esr(r), 0x40);
	wr(r, LVT_ERR, 0x01);
	lapic_accept(&r->a, 0x02, false);
	assert_int_equal(esr(r), 0x40);
}

/* ---- software enable and LVT masking ---- */

static void software_disable_masks_lvts(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, LVT_T, 0x40);
	wr(r, LINT1, 0x400);
	assert_int_equal(rd(r, LVT_T), 0x40);
	wr(r, SVR, 0xff);				/* software-disable */
	assert_int_equal(rd(r, LVT_T), 0x40 | MASKED);
	assert_int_equal(rd(r, LINT1), 0x400 | MASKED);
	wr(r, LVT_T, 0x41);				/* can't unmask while disabled */
	assert_int_equal(rd(r, LVT_T), 0x41 | MASKED);
	lapic_accept(&r->a, 0x80, false);		/* fixed interrupts not taken */
	assert_int_equal(lapic_pending_vector(&r->a), -1);
	struct apic_msg nmi = { .delivery_mode = APIC_DM_NMI };
	lapic_receive(&r->a, &nmi);			/* NMI still is */
	assert_true(lapic_take_nmi(&r->a));
	wr(r, SVR, 0x1ff);
	assert_int_equal(rd(r, LVT_T), 0x41 | MASKED);	/* stays masked until rewritten */
	wr(r, LVT_T, 0x41);
	assert_int_equal(rd(r, LVT_T), 0x41);
}

static void lvt_read_only_and_reserved_bits(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, LINT0, 0xffffffff);
	assert_int_equal(rd(r, LINT0), 0x0001a7ff);	/* no delivery status / remote IRR */
	wr(r, LVT_T, 0xffffffff);
	assert_int_equal(rd(r, LVT_T), 0x000700ff);
	wr(r, LVT_ERR, 0xffffffff);
	assert_int_equal(rd(r, LVT_ERR), 0x000100ff);
	wr(r, LVT_TH, 0xffffffff);
	assert_int_equal(rd(r, LVT_TH), 0x000107ff);
	wr(r, SVR, 0xffffffff);
	assert_int_equal(rd(r, SVR), 0x3ff);
	wr(r, PPR, 0x77);				/* read-only: ignored, no error */
	wr(r, VER, 0);
	assert_int_equal(rd(r, VER), 0x00050014);
	assert_int_equal(esr(r), 0);
}

static void masked_timer_counts_silently(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, TDCR, 0xb);				/* divide by 1 */
	wr(r, LVT_T, MASKED | 0x40);
	r->now = 1000;
	wr(r, TICR, 500);
	assert_int_equal(lapic_next_event_ns(&r->a), UINT64_MAX);
	r->now = 1200;
	assert_int_equal(rd(r, TCCR), 300);
	lapic_advance(&r->a, 2000);
	assert_int_equal(lapic_pending_vector(&r->a), -1);
	r->now = 2000;
	assert_int_equal(rd(r, TCCR), 0);
	wr(r, LVT_T, 0x40);				/* unmasking later: no late shot */
	lapic_advance(&r->a, 3000);
	assert_int_equal(lapic_pending_vector(&r->a), -1);
}

/* ---- timer ---- */

static void timer_one_shot(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, TDCR, 0x3);				/* divide by 16 */
	wr(r, LVT_T, 0x40);
	r->now = 100;
	wr(r, TICR, 1000);
	assert_int_equal(rd(r, TICR), 1000);
	assert_int_equal(rd(r, TCCR), 1000);
	r->now = 100 + 16 * 250;
	assert_int_equal(rd(r, TCCR), 750);
	r->now = 100 + 16 * 250 + 15;
	assert_int_equal(rd(r, TCCR), 750);		/* whole counts only */
	assert_int_equal(lapic_next_event_ns(&r->a), 100 + 16000);
	lapic_advance(&r->a, 100 + 16000 - 1);
	assert_false(irr_has(r, 0x40));
	lapic_advance(&r->a, 100 + 16000);
	assert_true(irr_has(r, 0x40));
	r->now = 100 + 16000;
	assert_int_equal(rd(r, TCCR), 0);
	assert_int_equal(lapic_next_event_ns(&r->a), UINT64_MAX);
	lapic_ack(&r->a, 0x40);
	lapic_advance(&r->a, 1000000);			/* idempotent: no second shot */
	assert_false(irr_has(r, 0x40));
	assert_int_equal(r->a.timer_fired, 1);
}

static void timer_divide_values(void **state)
{
	(void)state;
	/* SDM Figure 11-10: DCR bits 3,1,0. */
	static const struct { uint32_t dcr, div; } t[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct rig *r = rig_on();
		wr(r, TDCR, t[i].dcr | 0xf4);		/* bit 2 and above are ignored */
		assert_int_equal(rd(r, TDCR), t[i].dcr);
		wr(r, LVT_T, 0x40);
		r->now = 5000;
		wr(r, TICR, 100);
		assert_int_equal(lapic_next_event_ns(&r->a), 5000 + 100 * t[i].div);
		r->now = 5000 + 37 * t[i].div;
		assert_int_equal(rd(r, TCCR), 63);
	}
}

static void timer_periodic_coalesces(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, TDCR, 0xb);				/* divide by 1: 1 count per ns */
	wr(r, LVT_T, PERIODIC | 0x41);
	wr(r, TICR, 100);
	assert_int_equal(lapic_next_event_ns(&r->a), 100);
	lapic_advance(&r->a, 100);
	assert_true(irr_has(r, 0x41));
	assert_int_equal(lapic_next_event_ns(&r->a), 200);
	r->now = 150;
	assert_int_equal(rd(r, TCCR), 50);
	r->now = 200;
	assert_int_equal(rd(r, TCCR), 100);		/* reloaded */
	lapic_ack(&r->a, 0x41);
	wr(r, EOI, 0);
	lapic_advance(&r->a, 1050);			/* 9 periods late */
	assert_true(irr_has(r, 0x41));			/* one interrupt */
	assert_int_equal(r->a.timer_fired, 10);
	assert_int_equal(lapic_next_event_ns(&r->a), 1100);
	r->now = 1050;
	assert_int_equal(rd(r, TCCR), 50);
	/* Very far behind: still one step, no loop. */
	lapic_advance(&r->a, 100000000000ull);
	assert_int_equal(lapic_next_event_ns(&r->a), 100000000100ull);
}

static void timer_zero_count_stops(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, LVT_T, PERIODIC | 0x41);
	wr(r, TICR, 10);
	assert_true(lapic_next_event_ns(&r->a) != UINT64_MAX);
	wr(r, TICR, 0);
	assert_int_equal(lapic_next_event_ns(&r->a), UINT64_MAX);
	assert_int_equal(rd(r, TCCR), 0);
	lapic_advance(&r->a, 1u << 30);
	assert_false(irr_has(r, 0x41));
}

static void timer_divide_change_keeps_count(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, TDCR, 0xb);				/* by 1 */
	wr(r, LVT_T, 0x42);
	wr(r, TICR, 1000);
	r->now = 400;
	assert_int_equal(rd(r, TCCR), 600);
	wr(r, TDCR, 0x1);				/* by 4 */
	assert_int_equal(rd(r, TCCR), 600);
	assert_int_equal(lapic_next_event_ns(&r->a), 400 + 600 * 4);
	r->now = 800;
	assert_int_equal(rd(r, TCCR), 500);
	lapic_advance(&r->a, 400 + 2400);
	assert_true(irr_has(r, 0x42));
}

static void timer_mode_switch_oneshot_periodic(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, TDCR, 0xb);
	wr(r, LVT_T, 0x43);
	wr(r, TICR, 100);
	r->now = 30;
	wr(r, LVT_T, PERIODIC | 0x43);			/* keeps counting */
	assert_int_equal(rd(r, TCCR), 70);
	assert_int_equal(lapic_next_event_ns(&r->a), 100);
	lapic_advance(&r->a, 100);
	assert_int_equal(lapic_next_event_ns(&r->a), 200);
	r->now = 150;
	wr(r, LVT_T, 0x43);				/* back to one-shot: 50 left */
	assert_int_equal(rd(r, TCCR), 50);
	assert_int_equal(lapic_next_event_ns(&r->a), 200);
	r->now = 199;
	assert_int_equal(rd(r, TCCR), 1);
	lapic_advance(&r->a, 200);
	r->now = 250;
	assert_int_equal(rd(r, TCCR), 0);		/* one-shot: stays at 0 */
	assert_int_equal(lapic_next_event_ns(&r->a), UINT64_MAX);
}

static void tsc_deadline_mode(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	lapic_tsc_deadline_write(&r->a, 5000);		/* not in TSC mode: ignored */
	assert_int_equal(lapic_tsc_deadline_read(&r->a), 0);
	wr(r, TDCR, 0xb);
	wr(r, LVT_T, 0x44);
	wr(r, TICR, 100);
	wr(r, LVT_T, TSCDL | 0x44);			/* switch disarms */
	assert_int_equal(rd(r, TICR), 0);
	assert_int_equal(lapic_next_event_ns(&r->a), UINT64_MAX);
	wr(r, TICR, 100);				/* ignored in TSC-deadline mode */
	assert_int_equal(rd(r, TICR), 0);
	assert_int_equal(rd(r, TCCR), 0);
	lapic_tsc_deadline_write(&r->a, 8000);		/* 2 GHz TSC: 4000 ns */
	assert_int_equal(lapic_tsc_deadline_read(&r->a), 8000);
	assert_int_equal(lapic_next_event_ns(&r->a), 4000);
	lapic_advance(&r->a, 3999);
	assert_false(irr_has(r, 0x44));
	lapic_advance(&r->a, 4000);
	assert_true(irr_has(r, 0x44));
	assert_int_equal(lapic_tsc_deadline_read(&r->a), 0);	/* reads 0 once fired */
	assert_int_equal(lapic_next_event_ns(&r->a), UINT64_MAX);
	/* Writing 0 disarms; leaving the mode disarms too. */
	lapic_tsc_deadline_write(&r->a, 20000);
	lapic_tsc_deadline_write(&r->a, 0);
	assert_int_equal(lapic_next_event_ns(&r->a), UINT64_MAX);
	lapic_tsc_deadline_write(&r->a, 20000);
	wr(r, LVT_T, 0x44);
	assert_int_equal(lapic_next_event_ns(&r->a), UINT64_MAX);
	assert_int_equal(lapic_tsc_deadline_read(&r->a), 0);
}

static void tsc_deadline_in_the_past(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, LVT_T, TSCDL | 0x45);
	r->now = 10000;
	lapic_tsc_deadline_write(&r->a, 2);		/* 1 ns: long gone */
	assert_true(lapic_next_event_ns(&r->a) <= r->now);
	lapic_advance(&r->a, r->now);
	assert_true(irr_has(r, 0x45));
}

/* ---- IA32_APIC_BASE ---- */

static void base_transitions(void **state)
{
	(void)state;
	const uint64_t B = 0xfee00000ull, EN = APIC_BASE_EN, X2 = APIC_BASE_EXTD;
	struct rig *r = rig_new(0, false);
	assert_false(lapic_set_base(&r->a, B | X2));		/* EXTD without EN */
	assert_true(lapic_set_base(&r->a, B | EN | X2));	/* xAPIC -> x2APIC */
	assert_true(lapic_x2apic_enabled(&r->a));
	assert_false(lapic_mmio_enabled(&r->a));
	assert_false(lapic_set_base(&r->a, B | EN));		/* x2APIC -> xAPIC */
	assert_true(lapic_set_base(&r->a, B | EN | X2));	/* same state: fine */
	assert_true(lapic_set_base(&r->a, B));			/* x2APIC -> disabled */
	assert_false(lapic_set_base(&r->a, B | EN | X2));	/* disabled -> x2APIC */
	assert_true(lapic_set_base(&r->a, B | EN));		/* disabled -> xAPIC */
	assert_true(lapic_set_base(&r->a, B));			/* xAPIC -> disabled */
	assert_true(lapic_set_base(&r->a, B));
	assert_int_equal(lapic_get_base(&r->a), B | APIC_BASE_BSP);	/* BSP kept */
}

static void base_reserved_bits(void **state)
{
	(void)state;
	struct rig *r = rig_new(0, false);		/* MAXPHYADDR 39 */
	const uint64_t EN = APIC_BASE_EN;
	assert_false(lapic_set_base(&r->a, 0xfee00000ull | EN | 1));
	assert_false(lapic_set_base(&r->a, 0xfee00000ull | EN | (1u << 9)));
	assert_false(lapic_set_base(&r->a, (1ull << 39) | EN));
	assert_true(lapic_set_base(&r->a, (1ull << 38) | 0xfed00000ull | EN));	/* moved */
	assert_int_equal(lapic_mmio_base(&r->a), (1ull << 38) | 0xfed00000ull);
	assert_true(lapic_set_base(&r->a, 0xfee00000ull | EN));
	assert_int_equal(lapic_get_base(&r->a), 0xfee00000ull | EN | APIC_BASE_BSP);
	assert_true(lapic_set_base(&r->a, 0xfee00000ull | EN));	/* writing BSP=0: ignored */
}

static void disabling_resets_state(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, TPR, 0x40);
	wr(r, ID, 7u << 24);
	wr(r, LVT_T, PERIODIC | 0x40);
	wr(r, TICR, 100);
	lapic_accept(&r->a, 0x90, false);
	assert_true(lapic_set_base(&r->a, 0xfee00000ull));
	assert_int_equal(lapic_pending_vector(&r->a), -1);
	assert_int_equal(lapic_mmio_ops.read(&r->a, TPR, 4), ~0ull);	/* not decoded */
	lapic_mmio_ops.write(&r->a, TPR, 4, 0x20);			/* dropped */
	assert_int_equal(lapic_next_event_ns(&r->a), UINT64_MAX);
	lapic_accept(&r->a, 0x90, false);
	assert_true(lapic_accepts_pic(&r->a));		/* INTR straight to the CPU */
	assert_true(lapic_set_base(&r->a, 0xfee00000ull | APIC_BASE_EN));
	assert_int_equal(rd(r, TPR), 0);
	assert_int_equal(rd(r, ID), 0);			/* back to the initial ID */
	assert_int_equal(rd(r, SVR), 0xff);
	assert_int_equal(rd(r, LVT_T), MASKED);
	assert_int_equal(rd(r, TICR), 0);
	assert_false(irr_has(r, 0x90));
}

/* ---- x2APIC ---- */

static struct rig *rig_x2(uint32_t id)
{
	struct rig *r = rig_new(id, false);
	assert_true(lapic_set_base(&r->a, 0xfee00000ull | APIC_BASE_EN | APIC_BASE_EXTD));
	assert_true(lapic_msr_write(&r->a, 0x80f, 0x1ff));
	return r;
}

static void x2apic_needs_mode(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	uint64_t v;
	assert_false(lapic_msr_read(&r->a, 0x802, &v));		/* xAPIC mode: #GP */
	assert_false(lapic_msr_write(&r->a, 0x808, 0));
}

static void x2apic_id_ldr(void **state)
{
	(void)state;
	struct rig *r = rig_x2(0x23);
	uint64_t v;
	assert_true(lapic_msr_read(&r->a, 0x802, &v));
	assert_int_equal(v, 0x23);
	assert_true(lapic_msr_read(&r->a, 0x80d, &v));
	assert_int_equal(v, (0x2u << 16) | (1u << 3));		/* cluster 2, bit 3 */
	assert_true(lapic_msr_read(&r->a, 0x803, &v));
	assert_int_equal(v, 0x00050014);
	assert_true(lapic_msr_read(&r->a, 0x80f, &v));
	assert_int_equal(v, 0x1ff);
	assert_int_equal(lapic_mmio_ops.read(&r->a, ID, 4), ~0ull);	/* MMIO off */
}

static void x2apic_gp_cases(void **state)
{
	(void)state;
	struct rig *r = rig_x2(0);
	uint64_t v;
	/* reserved / xAPIC-only registers */
	static const uint32_t nx[] = { 0x800, 0x801, 0x804, 0x807, 0x809, 0x80c, 0x80e,
				       0x82f, 0x831, 0x83a, 0x83d, 0x840, 0x8ff, 0x7ff, 0x900 };
	for (unsigned i = 0; i < sizeof(nx) / sizeof(nx[0]); i++) {
		assert_false(lapic_msr_read(&r->a, nx[i], &v));
		assert_false(lapic_msr_write(&r->a, nx[i], 0));
	}
	/* write-only registers cannot be read */
	assert_false(lapic_msr_read(&r->a, 0x80b, &v));	/* EOI */
	assert_false(lapic_msr_read(&r->a, 0x83f, &v));	/* SELF IPI */
	/* read-only registers cannot be written */
	static const uint32_t ro[] = { 0x802, 0x803, 0x80a, 0x80d, 0x810, 0x817, 0x818,
				       0x820, 0x827, 0x839 };
	for (unsigned i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		assert_true(lapic_msr_read(&r->a, ro[i], &v));
		assert_false(lapic_msr_write(&r->a, ro[i], 0));
	}
	assert_false(lapic_msr_write(&r->a, 0x80b, 1));		/* EOI: non-zero */
	assert_true(lapic_msr_write(&r->a, 0x80b, 0));
	assert_false(lapic_msr_write(&r->a, 0x828, 1));		/* ESR: non-zero */
	assert_true(lapic_msr_write(&r->a, 0x828, 0));
	assert_false(lapic_msr_write(&r->a, 0x808, 1ull << 32));	/* upper half */
	assert_false(lapic_msr_write(&r->a, 0x832, 1ull << 40));
	assert_false(lapic_msr_write(&r->a, 0x83f, 0x140));	/* SELF IPI reserved */
	assert_false(lapic_msr_write(&r->a, 0x830, (1u << 13) | 0x40));	/* ICR reserved */
	assert_false(lapic_msr_write(&r->a, 0x830, (1u << 16) | 0x40));
	assert_false(lapic_msr_write(&r->a, 0x830, (1u << 20) | 0x40));
	assert_true(lapic_msr_read(&r->a, 0x823, &v));
	assert_int_equal(v, 0);					/* no IPI went out */
	assert_true(lapic_msr_write(&r->a, 0x808, 0x20));
	assert_true(lapic_msr_read(&r->a, 0x808, &v));
	assert_int_equal(v, 0x20);				/* failed writes changed nothing */
	/* Other reserved bits are dropped, not faulted: read-modify-write of
	 * an LVT with read-only bits set works. */
	assert_true(lapic_msr_write(&r->a, 0x808, 0x130));
	assert_true(lapic_msr_read(&r->a, 0x808, &v));
	assert_int_equal(v, 0x30);
	assert_true(lapic_msr_write(&r->a, 0x835, (1u << 15) | (1u << 14) | (1u << 12) | 0x66));
	assert_true(lapic_msr_read(&r->a, 0x835, &v));
	assert_int_equal(v, (1u << 15) | 0x66);
}

static void x2apic_icr_is_64bit(void **state)
{
	(void)state;
	struct rig *r = rig_x2(0x105);
	uint64_t v;
	assert_true(lapic_msr_write(&r->a, 0x830, (0x105ull << 32) | 0x60));
	assert_true(lapic_msr_read(&r->a, 0x830, &v));
	assert_int_equal(v, (0x105ull << 32) | 0x60);
	assert_true(lapic_msr_write(&r->a, 0x830, (0x105ull << 32) | (1u << 12) | 0x60));
	assert_true(lapic_msr_read(&r->a, 0x830, &v));
	assert_int_equal(v, (0x105ull << 32) | 0x60);		/* bit 12 dropped */
	assert_true(lapic_msr_read(&r->a, 0x823, &v));		/* IRR[127:96] */
	assert_true(v & 1);					/* vector 0x60 */
	assert_true(lapic_msr_write(&r->a, 0x830, (0x5ull << 32) | 0x61));	/* other CPU */
	assert_true(lapic_msr_read(&r->a, 0x823, &v));
	assert_false(v & 2);
	assert_true(lapic_msr_write(&r->a, 0x830, (0xffffffffull << 32) | 0x62));	/* broadcast */
	assert_true(lapic_msr_read(&r->a, 0x823, &v));
	assert_true(v & 4);
	/* logical: cluster 0x10, bit 5 */
	assert_true(lapic_msr_write(&r->a, 0x830, (((0x10ull << 16) | 0x20) << 32) | (1u << 11) | 0x63));
	assert_true(lapic_msr_read(&r->a, 0x823, &v));
	assert_true(v & 8);
}

static void x2apic_self_ipi_msr(void **state)
{
	(void)state;
	struct rig *r = rig_x2(1);
	uint64_t v;
	assert_true(lapic_msr_write(&r->a, 0x83f, 0x71));
	assert_true(lapic_msr_read(&r->a, 0x823, &v));
	assert_true(v & (1u << 17));				/* vector 0x71 */
	assert_true(lapic_msr_read(&r->a, 0x830, &v));
	assert_int_equal(v, 0);					/* ICR untouched */
	assert_int_equal(lapic_pending_vector(&r->a), 0x71);
	lapic_ack(&r->a, 0x71);
	assert_true(lapic_msr_read(&r->a, 0x80a, &v));
	assert_int_equal(v, 0x70);				/* PPR */
	assert_true(lapic_msr_write(&r->a, 0x80b, 0));
	assert_true(lapic_msr_read(&r->a, 0x80a, &v));
	assert_int_equal(v, 0);
}

static void x2apic_timer_msrs(void **state)
{
	(void)state;
	struct rig *r = rig_x2(0);
	uint64_t v;
	assert_true(lapic_msr_write(&r->a, 0x83e, 0x0));	/* divide by 2 */
	assert_true(lapic_msr_write(&r->a, 0x832, 0x50));
	assert_true(lapic_msr_write(&r->a, 0x838, 500));
	r->now = 200;
	assert_true(lapic_msr_read(&r->a, 0x839, &v));
	assert_int_equal(v, 400);
	lapic_advance(&r->a, 1000);
	assert_int_equal(lapic_pending_vector(&r->a), 0x50);
}

/* ---- messages and pins ---- */

static void receive_messages(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	struct apic_msg m = { .vector = 0x70, .delivery_mode = APIC_DM_FIXED, .level = true, .dest = 0 };
	lapic_receive_cb(&r->a, &m);
	assert_true(irr_has(r, 0x70));
	assert_true(rd(r, TMR + 0x30) >> 16 & 1);
	m.vector = 0x71, m.dest = 2;				/* physical, not me */
	lapic_receive(&r->a, &m);
	assert_false(irr_has(r, 0x71));
	m.dest = 0xff, m.delivery_mode = APIC_DM_LOWEST, m.level = false;
	lapic_receive(&r->a, &m);
	assert_true(irr_has(r, 0x71));
	m.delivery_mode = APIC_DM_NMI;
	lapic_receive(&r->a, &m);
	assert_true(lapic_take_nmi(&r->a));
	m.delivery_mode = APIC_DM_EXTINT;
	lapic_receive(&r->a, &m);
	assert_true(lapic_take_extint(&r->a));
	assert_false(lapic_take_extint(&r->a));
	m.delivery_mode = APIC_DM_SMI;
	lapic_receive(&r->a, &m);
	assert_false(lapic_take_nmi(&r->a));
	m.delivery_mode = APIC_DM_FIXED, m.vector = 3;		/* illegal */
	lapic_receive(&r->a, &m);
	assert_int_equal(esr(r), 0x40);
}

static void lint_pins(void **state)
{
	(void)state;
	struct rig *r = rig_new(0, true);
	lapic_set_lint(&r->a, 1, true);				/* LINT1 = NMI */
	assert_true(lapic_take_nmi(&r->a));
	lapic_set_lint(&r->a, 1, true);				/* held: no new edge */
	assert_false(lapic_take_nmi(&r->a));
	lapic_set_lint(&r->a, 1, false);
	lapic_set_lint(&r->a, 1, true);
	assert_true(lapic_take_nmi(&r->a));
	/* LINT0 as a level-triggered fixed source: once per assertion. */
	wr(r, LINT0, (1u << 15) | 0x66);
	lapic_set_lint(&r->a, 0, true);
	assert_true(irr_has(r, 0x66));
	assert_true(rd(r, LINT0) & (1u << 14));			/* remote IRR */
	lapic_ack(&r->a, 0x66);
	lapic_set_lint(&r->a, 0, false);
	lapic_set_lint(&r->a, 0, true);
	assert_false(irr_has(r, 0x66));				/* until the EOI */
	lapic_set_lint(&r->a, 0, false);
	wr(r, EOI, 0);
	assert_false(rd(r, LINT0) & (1u << 14));
	assert_false(irr_has(r, 0x66));				/* low at EOI: nothing */
	lapic_set_lint(&r->a, 0, true);
	assert_true(irr_has(r, 0x66));
	lapic_ack(&r->a, 0x66);
	wr(r, EOI, 0);						/* still high at EOI: again */
	assert_true(irr_has(r, 0x66));
	assert_true(rd(r, LINT0) & (1u << 14));
	lapic_set_lint(&r->a, 7, true);				/* no such pin */
	/* Globally disabled: LINT1 is the NMI pin. */
	assert_true(lapic_set_base(&r->a, 0xfee00000ull));
	lapic_set_lint(&r->a, 1, false);
	lapic_set_lint(&r->a, 1, true);
	assert_true(lapic_take_nmi(&r->a));
}

/* ---- MMIO access shapes and hostile input ---- */

static void mmio_access_sizes(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	wr(r, TPR, 0x5a);
	assert_int_equal(lapic_mmio_ops.read(&r->a, TPR, 1), 0x5a);
	assert_int_equal(lapic_mmio_ops.read(&r->a, TPR, 8), 0x5a);	/* bytes 4-7 read 0 */
	assert_int_equal(lapic_mmio_ops.read(&r->a, TPR + 4, 4), 0);
	assert_int_equal(lapic_mmio_ops.read(&r->a, VER + 2, 1), 0x05);
	lapic_mmio_ops.write(&r->a, TPR, 1, 0x33);			/* merged */
	assert_int_equal(rd(r, TPR), 0x33);
	lapic_mmio_ops.write(&r->a, TPR + 4, 4, 0x77);			/* dropped */
	assert_int_equal(rd(r, TPR), 0x33);
	lapic_mmio_ops.write(&r->a, LDR + 3, 1, 0x81);
	assert_int_equal(rd(r, LDR), 0x81000000);
	lapic_mmio_ops.write(&r->a, ICR_HI + 2, 2, 0x1200);		/* bytes 2-3 */
	assert_int_equal(rd(r, ICR_HI), 0x12000000);
	assert_int_equal(esr(r), 0);
}

static void hostile_sweep(void **state)
{
	(void)state;
	struct rig *r = rig_on();
	uint64_t v;
	/* Every offset and size, and every MSR in and around the range, in both
	 * modes: nothing out of bounds (ASan), nothing loops. */
	for (uint64_t off = 0; off < 0x1010; off++)
		for (unsigned s = 1; s <= 8; s <<= 1) {
			(void)lapic_mmio_ops.read(&r->a, off, s);
			if ((off & 0xf0) != 0xb0 && off != ICR_LO && off != 0x280)
				lapic_mmio_ops.write(&r->a, off, s, 0xffffffffffffffffull);
		}
	lapic_mmio_ops.read(&r->a, ~0ull, 8);
	lapic_mmio_ops.write(&r->a, ~0ull - 3, 8, 0);
	assert_true(lapic_set_base(&r->a, 0xfee00000ull | APIC_BASE_EN | APIC_BASE_EXTD));
	for (uint32_t msr = 0x7f0; msr < 0x910; msr++) {
		(void)lapic_msr_read(&r->a, msr, &v);
		(void)lapic_msr_write(&r->a, msr, msr == 0x830 ? 0x40 : 0);
	}
	lapic_advance(&r->a, ~0ull);
	(void)lapic_next_event_ns(&r->a);
}


/* ---- random operation sequences against invariants ---- */

static uint64_t rng_state;
static uint32_t rnd(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

static void check_invariants(struct rig *r)
{
	uint32_t ppr = lapic_ppr(&r->a), tpr = rd(r, TPR);
	int v = lapic_pending_vector(&r->a), top = -1, top_isr = -1;
	for (int i = 255; i >= 0 && top < 0; i--)
		if (irr_has(r, (uint8_t)i))
			top = i;
	for (int i = 255; i >= 0 && top_isr < 0; i--)
		if (isr_has(r, (uint8_t)i))
			top_isr = i;
	/* SDM 11.8.3.1 */
	assert_true((ppr & 0xf0) >= (tpr & 0xf0));
	assert_true(top_isr < 0 || (ppr & 0xf0) >= ((uint32_t)top_isr & 0xf0));
	if (v >= 0) {
		assert_int_equal(v, top);
		assert_true(((uint32_t)v & 0xf0) > (ppr & 0xf0));
	} else {
		assert_true(top < 0 || ((uint32_t)top & 0xf0) <= (ppr & 0xf0));
	}
	/* Nesting only into higher classes: at most one in-service vector per class. */
	for (int c = 0; c < 16; c++) {
		int n = 0;
		for (int i = 0; i < 16; i++)
			n += isr_has(r, (uint8_t)(c * 16 + i));
		assert_true(n <= 1);
	}
	/* After advance(now) nothing is due any more. */
	assert_true(r->a.timer_next_ns == UINT64_MAX || r->a.timer_next_ns > r->now);
}

static void random_operations_keep_invariants(void **state)
{
	(void)state;
	rng_state = 12345;
	for (int run = 0; run < 20; run++) {
		struct rig *r = rig_on();
		wr(r, LVT_T, PERIODIC | 0xc0);
		wr(r, LVT_ERR, 0xfe);
		for (int step = 0; step < 2000; step++) {
			uint32_t op = rnd() % 10, x = rnd();
			switch (op) {
			case 0: lapic_accept(&r->a, (uint8_t)x, x & 0x100); break;
			case 1: case 2: {
				int v = lapic_pending_vector(&r->a);
				if (v >= 0)
					lapic_ack(&r->a, (uint8_t)v);
				break;
			}
			case 3: wr(r, EOI, 0); break;
			case 4: wr(r, TPR, x & 0xff); break;
			case 5: wr(r, ICR_LO, SELF | (x & 0xff)); break;
			case 6: wr(r, TICR, x % 5000); break;
			case 7: wr(r, TDCR, x & 0xb); break;
			case 8: wr(r, ESR, 0); break;
			default:
				r->now += x % 3000;
				lapic_advance(&r->a, r->now);
				break;
			}
			lapic_advance(&r->a, r->now);
			check_invariants(r);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(power_up_state),
		cmocka_unit_test(virtual_wire_start),
		cmocka_unit_test(tpr_sets_ppr),
		cmocka_unit_test(ppr_from_isr),
		cmocka_unit_test(pending_needs_higher_class),
		cmocka_unit_test(nested_in_service),
		cmocka_unit_test(same_vector_twice_is_one),
		cmocka_unit_test(apr_register),
		cmocka_unit_test(eoi_broadcast_for_level_only),
		cmocka_unit_test(self_ipi_shorthands),
		cmocka_unit_test(ipi_destinations),
		cmocka_unit_test(ipi_nmi_to_self),
		cmocka_unit_test(esr_write_then_read),
		cmocka_unit_test(error_lvt_interrupt),
		cmocka_unit_test(software_disable_masks_lvts),
		cmocka_unit_test(lvt_read_only_and_reserved_bits),
		cmocka_unit_test(masked_timer_counts_silently),
		cmocka_unit_test(timer_one_shot),
		cmocka_unit_test(timer_divide_values),
		cmocka_unit_test(timer_periodic_coalesces),
		cmocka_unit_test(timer_zero_count_stops),
		cmocka_unit_test(timer_divide_change_keeps_count),
		cmocka_unit_test(timer_mode_switch_oneshot_periodic),
		cmocka_unit_test(tsc_deadline_mode),
		cmocka_unit_test(tsc_deadline_in_the_past),
		cmocka_unit_test(base_transitions),
		cmocka_unit_test(base_reserved_bits),
		cmocka_unit_test(disabling_resets_state),
		cmocka_unit_test(x2apic_needs_mode),
		cmocka_unit_test(x2apic_id_ldr),
		cmocka_unit_test(x2apic_gp_cases),
		cmocka_unit_test(x2apic_icr_is_64bit),
		cmocka_unit_test(x2apic_self_ipi_msr),
		cmocka_unit_test(x2apic_timer_msrs),
		cmocka_unit_test(receive_messages),
		cmocka_unit_test(lint_pins),
		cmocka_unit_test(mmio_access_sizes),
		cmocka_unit_test(hostile_sweep),
		cmocka_unit_test(random_operations_keep_invariants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
