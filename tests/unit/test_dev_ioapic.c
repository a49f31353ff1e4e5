/* Host tests for the I/O APIC model (emul/dev/ioapic.c; Intel 82093AA data
 * sheet): registers, redirection entries, edge and level delivery, remote
 * IRR and re-delivery at EOI, and the wiring to the local APIC model. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "emul/dev/ioapic.h"
#include "emul/dev/lapic.h"

#define MASKED (1u << 16)
#define LEVEL (1u << 15)
#define REMOTE_IRR (1u << 14)

struct sink { struct apic_msg m[16]; unsigned n; };

static void collect(void *ctx, const struct apic_msg *m)
{
	struct sink *s = ctx;
	if (s->n < 16)
		s->m[s->n] = *m;
	s->n++;
}

struct rig { struct ioapic io; struct sink s; };

static struct rig *rig_new(void)
{
	static struct rig r;
	memset(&r, 0, sizeof(r));
	ioapic_init(&r.io, 0, (struct ioapic_sink){ collect, &r.s });
	return &r;
}

/* Guest-style access: select, then 32-bit IOWIN. */
static uint32_t rd(struct rig *r, uint8_t reg)
{
	ioapic_mmio_ops.write(&r->io, 0x00, 4, reg);
	return (uint32_t)ioapic_mmio_ops.read(&r->io, 0x10, 4);
}

static void wr(struct rig *r, uint8_t reg, uint32_t v)
{
	ioapic_mmio_ops.write(&r->io, 0x00, 4, reg);
	ioapic_mmio_ops.write(&r->io, 0x10, 4, v);
}

static void route(struct rig *r, unsigned pin, uint32_t lo, uint8_t dest)
{
	wr(r, (uint8_t)(0x11 + 2 * pin), (uint32_t)dest << 24);
	wr(r, (uint8_t)(0x10 + 2 * pin), lo);
}

static void reset_state(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	assert_int_equal(rd(r, 0x01), 0x00170011);	/* 24 entries, version 0x11 */
	assert_int_equal(rd(r, 0x00), 0);
	for (unsigned p = 0; p < 24; p++) {
		assert_int_equal(rd(r, (uint8_t)(0x10 + 2 * p)), MASKED);
		assert_int_equal(rd(r, (uint8_t)(0x11 + 2 * p)), 0);
	}
	ioapic_set_irq(&r->io, 4, true);		/* masked: nothing */
	assert_int_equal(r->s.n, 0);
}

static void id_and_arbitration(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	wr(r, 0x00, 0xffffffff);
	assert_int_equal(rd(r, 0x00), 0x0f000000);	/* bits 27:24 */
	assert_int_equal(rd(r, 0x02), 0x0f000000);
	wr(r, 0x01, 0);					/* version is read-only */
	wr(r, 0x02, 0);
	assert_int_equal(rd(r, 0x01), 0x00170011);
	assert_int_equal(rd(r, 0x02), 0x0f000000);
	struct ioapic io2;
	ioapic_init(&io2, 0x12, (struct ioapic_sink){ 0 });
	assert_int_equal(ioapic_reg_read(&io2, 0), 0x02000000);	/* 4-bit ID */
}

static void redirection_readback(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	wr(r, 0x10 + 2 * 23, 0xffffffff);
	assert_int_equal(rd(r, 0x10 + 2 * 23), 0x1afff);	/* no delivery status / remote IRR */
	wr(r, 0x11 + 2 * 23, 0xffffffff);
	assert_int_equal(rd(r, 0x11 + 2 * 23), 0xff000000);
	wr(r, 0x10 + 2 * 5, 0x0000a9f3);
	assert_int_equal(rd(r, 0x10 + 2 * 5), 0x0000a9f3);
	assert_int_equal(rd(r, 0x10 + 2 * 24), 0);		/* past the table */
	assert_int_equal(rd(r, 0x03), 0);
	assert_int_equal(rd(r, 0xff), 0);
	wr(r, 0x10 + 2 * 24, 0x1234);
	wr(r, 0xff, 0x1234);
	assert_int_equal(rd(r, 0x10 + 2 * 24), 0);
}

static void edge_fires_on_rising_edge(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	route(r, 2, 0x30, 0);
	ioapic_set_irq(&r->io, 2, true);
	assert_int_equal(r->s.n, 1);
	assert_int_equal(r->s.m[0].vector, 0x30);
	assert_int_equal(r->s.m[0].delivery_mode, APIC_DM_FIXED);
	assert_false(r->s.m[0].level);
	assert_false(r->s.m[0].logical);
	assert_int_equal(r->s.m[0].dest, 0);
	ioapic_set_irq(&r->io, 2, true);		/* held high: no edge */
	assert_int_equal(r->s.n, 1);
	ioapic_set_irq(&r->io, 2, false);
	assert_int_equal(r->s.n, 1);
	ioapic_set_irq(&r->io, 2, true);
	assert_int_equal(r->s.n, 2);
	assert_false(rd(r, 0x10 + 2 * 2) & REMOTE_IRR);	/* edge: no remote IRR */
	ioapic_eoi(&r->io, 0x30);			/* harmless */
	assert_int_equal(r->s.n, 2);
}

static void masked_edge_is_lost(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	route(r, 3, MASKED | 0x31, 0);
	ioapic_set_irq(&r->io, 3, true);
	assert_int_equal(r->s.n, 0);
	route(r, 3, 0x31, 0);				/* unmask while high: no edge */
	assert_int_equal(r->s.n, 0);
	ioapic_set_irq(&r->io, 3, false);
	ioapic_set_irq(&r->io, 3, true);
	assert_int_equal(r->s.n, 1);
}

static void level_remote_irr_and_redelivery(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	route(r, 9, LEVEL | 0x49, 0);
	ioapic_set_irq(&r->io, 9, true);
	assert_int_equal(r->s.n, 1);
	assert_true(r->s.m[0].level);
	assert_true(rd(r, 0x10 + 2 * 9) & REMOTE_IRR);
	ioapic_set_irq(&r->io, 9, true);		/* still asserted: waits for EOI */
	assert_int_equal(r->s.n, 1);
	ioapic_eoi(&r->io, 0x48);			/* other vector */
	assert_int_equal(r->s.n, 1);
	assert_true(rd(r, 0x10 + 2 * 9) & REMOTE_IRR);
	ioapic_eoi(&r->io, 0x49);			/* line still high: again */
	assert_int_equal(r->s.n, 2);
	assert_true(rd(r, 0x10 + 2 * 9) & REMOTE_IRR);
	ioapic_set_irq(&r->io, 9, false);		/* device deasserts */
	ioapic_eoi(&r->io, 0x49);
	assert_int_equal(r->s.n, 2);
	assert_false(rd(r, 0x10 + 2 * 9) & REMOTE_IRR);
	ioapic_set_irq(&r->io, 9, true);
	assert_int_equal(r->s.n, 3);
}

static void level_unmask_delivers_pending(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	route(r, 10, MASKED | LEVEL | 0x4a, 0);
	ioapic_set_irq(&r->io, 10, true);
	assert_int_equal(r->s.n, 0);
	route(r, 10, LEVEL | 0x4a, 0);
	assert_int_equal(r->s.n, 1);
	/* Masking keeps remote IRR; the EOI then finds the line masked. */
	route(r, 10, MASKED | LEVEL | 0x4a, 0);
	assert_true(rd(r, 0x10 + 2 * 10) & REMOTE_IRR);
	ioapic_eoi(&r->io, 0x4a);
	assert_int_equal(r->s.n, 1);
	assert_false(rd(r, 0x10 + 2 * 10) & REMOTE_IRR);
	route(r, 10, LEVEL | 0x4a, 0);
	assert_int_equal(r->s.n, 2);
}

static void eoi_reaches_all_pins_with_vector(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	route(r, 16, LEVEL | 0x50, 0);
	route(r, 17, LEVEL | 0x50, 0);			/* shared vector */
	ioapic_set_irq(&r->io, 16, true);
	ioapic_set_irq(&r->io, 17, true);
	assert_int_equal(r->s.n, 2);
	ioapic_set_irq(&r->io, 16, false);
	ioapic_eoi(&r->io, 0x50);
	assert_int_equal(r->s.n, 3);			/* pin 17 re-delivered */
	assert_false(rd(r, 0x10 + 2 * 16) & REMOTE_IRR);
	assert_true(rd(r, 0x10 + 2 * 17) & REMOTE_IRR);
}

static void delivery_modes_and_destinations(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	route(r, 0, (7u << 8), 0);			/* ExtINT */
	route(r, 1, (4u << 8), 0);			/* NMI */
	route(r, 4, (1u << 8) | (1u << 11) | 0x34, 0x03);	/* lowest, logical */
	route(r, 5, (2u << 8) | 0x35, 0);		/* SMI: dropped */
	route(r, 6, (5u << 8) | 0x36, 0);		/* INIT: dropped */
	route(r, 7, (3u << 8) | 0x37, 0);		/* reserved mode: dropped */
	for (unsigned p = 0; p < 8; p++)
		ioapic_set_irq(&r->io, p, true);
	assert_int_equal(r->s.n, 3);
	assert_int_equal(r->s.m[0].delivery_mode, APIC_DM_EXTINT);
	assert_int_equal(r->s.m[1].delivery_mode, APIC_DM_NMI);
	assert_int_equal(r->s.m[2].delivery_mode, APIC_DM_LOWEST);
	assert_true(r->s.m[2].logical);
	assert_int_equal(r->s.m[2].dest, 3);
	assert_int_equal(r->s.m[2].vector, 0x34);
}

static void hostile_inputs(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	ioapic_set_irq(&r->io, 24, true);
	ioapic_set_irq(&r->io, ~0u, true);
	assert_int_equal(r->s.n, 0);
	for (uint64_t off = 0; off < 0x40; off++)
		for (unsigned s = 1; s <= 8; s <<= 1) {
			(void)ioapic_mmio_ops.read(&r->io, off, s);
			ioapic_mmio_ops.write(&r->io, off, s, off * 0x0101010101010101ull);
		}
	for (unsigned reg = 0; reg < 256; reg++) {
		ioapic_reg_write(&r->io, (uint8_t)reg, 0xffffffff);
		(void)ioapic_reg_read(&r->io, (uint8_t)reg);
	}
	for (unsigned v = 0; v < 256; v++)
		ioapic_eoi(&r->io, (uint8_t)v);
	struct ioapic io2;
	ioapic_init(&io2, 0, (struct ioapic_sink){ 0 });	/* no sink connected */
	ioapic_reg_write(&io2, 0x10, 0x40);
	ioapic_set_irq(&io2, 0, true);
	assert_int_equal(io2.delivered, 1);
}

static void mmio_register_window(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	ioapic_mmio_ops.write(&r->io, 0x00, 1, 0x12);	/* byte write to IOREGSEL */
	assert_int_equal(ioapic_mmio_ops.read(&r->io, 0x00, 4), 0x12);
	ioapic_mmio_ops.write(&r->io, 0x10, 4, 0xab000000);
	assert_int_equal(ioapic_reg_read(&r->io, 0x12), 0);	/* pin 1 low: bits 24+ not writable */
	ioapic_mmio_ops.write(&r->io, 0x00, 4, 0x13);
	ioapic_mmio_ops.write(&r->io, 0x10, 4, 0xab000000);
	assert_int_equal(ioapic_mmio_ops.read(&r->io, 0x10, 4), 0xab000000);
	assert_int_equal(ioapic_mmio_ops.read(&r->io, 0x13, 1), 0xab);	/* byte 3 of IOWIN */
	ioapic_mmio_ops.write(&r->io, 0x10, 1, 0);		/* not a 32-bit write: ignored */
	assert_int_equal(ioapic_mmio_ops.read(&r->io, 0x10, 4), 0xab000000);
	assert_int_equal(ioapic_mmio_ops.read(&r->io, 0x08, 4), 0);
}

static void irq_line_adapter(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	struct irq_line l = ioapic_irq_line(&r->io);
	route(r, 8, 0x38, 0);
	irq_line_set(&l, 8, true);
	assert_int_equal(r->s.n, 1);
	assert_int_equal(r->s.m[0].vector, 0x38);
}

/* ---- with the local APIC model at the other end ---- */

struct both { struct ioapic io; struct lapic a; };

static void with_lapic_level_redelivery(void **state)
{
	(void)state;
	static struct both b;
	struct lapic_params p = { .apic_id = 0, .eoi = ioapic_eoi_cb, .eoi_ctx = &b.io };
	lapic_init(&b.a, &p);
	lapic_reg_write(&b.a, 0xf0, 0x1ff);
	ioapic_init(&b.io, 0, (struct ioapic_sink){ lapic_receive_cb, &b.a });
	ioapic_reg_write(&b.io, 0x10 + 2 * 9, (uint32_t)(LEVEL | 0x69));	/* SCI */
	ioapic_reg_write(&b.io, 0x10 + 2 * 2, 0x62);				/* PIT */

	ioapic_set_irq(&b.io, 9, true);
	assert_int_equal(lapic_pending_vector(&b.a), 0x69);
	lapic_ack(&b.a, 0x69);
	assert_int_equal(lapic_pending_vector(&b.a), -1);
	/* The handler EOIs without having quieted the device. */
	lapic_mmio_ops.write(&b.a, 0xb0, 4, 0);
	assert_int_equal(lapic_pending_vector(&b.a), 0x69);	/* delivered again */
	lapic_ack(&b.a, 0x69);
	ioapic_set_irq(&b.io, 9, false);
	lapic_mmio_ops.write(&b.a, 0xb0, 4, 0);
	assert_int_equal(lapic_pending_vector(&b.a), -1);
	assert_false(ioapic_reg_read(&b.io, 0x10 + 2 * 9) & REMOTE_IRR);

	/* Edge PIT: delivered once per edge, its EOI is not broadcast. */
	ioapic_set_irq(&b.io, 2, true);
	assert_int_equal(lapic_pending_vector(&b.a), 0x62);
	lapic_ack(&b.a, 0x62);
	lapic_mmio_ops.write(&b.a, 0xb0, 4, 0);
	assert_int_equal(lapic_pending_vector(&b.a), -1);
	/* Physical destination of another APIC: not ours. */
	ioapic_reg_write(&b.io, 0x11 + 2 * 3, 0x05000000);
	ioapic_reg_write(&b.io, 0x10 + 2 * 3, 0x63);
	ioapic_set_irq(&b.io, 3, true);
	assert_int_equal(lapic_pending_vector(&b.a), -1);
}


/* Random line changes, masks, acks and EOIs: a level entry's remote IRR is
 * set exactly while its vector sits in the local APIC's IRR or ISR. */
static uint64_t rng_state;
static uint32_t rnd(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

static bool lapic_has(struct lapic *a, uint8_t v)
{
	return (a->irr[v >> 5] | a->isr[v >> 5]) >> (v & 31) & 1;
}

static void random_level_edge_consistency(void **state)
{
	(void)state;
	static struct both b;
	rng_state = 99;
	for (int run = 0; run < 10; run++) {
		struct lapic_params p = { .apic_id = 0, .eoi = ioapic_eoi_cb, .eoi_ctx = &b.io };
		lapic_init(&b.a, &p);
		lapic_reg_write(&b.a, 0xf0, 0x1ff);
		ioapic_init(&b.io, 0, (struct ioapic_sink){ lapic_receive_cb, &b.a });
		for (unsigned pin = 0; pin < 24; pin++)	/* distinct vector per pin */
			ioapic_reg_write(&b.io, (uint8_t)(0x10 + 2 * pin),
					 (uint32_t)((pin & 1 ? LEVEL : 0) | (0x20 + pin * 9)));
		for (int step = 0; step < 3000; step++) {
			uint32_t x = rnd(), pin = x % 24;
			switch (rnd() % 6) {
			case 0: case 1: ioapic_set_irq(&b.io, pin, x & 0x100); break;
			case 2: {
				int v = lapic_pending_vector(&b.a);
				if (v >= 0)
					lapic_ack(&b.a, (uint8_t)v);
				break;
			}
			case 3: lapic_mmio_ops.write(&b.a, 0xb0, 4, 0); break;
			case 4: {
				uint32_t lo = ioapic_reg_read(&b.io, (uint8_t)(0x10 + 2 * pin));
				ioapic_reg_write(&b.io, (uint8_t)(0x10 + 2 * pin), lo ^ MASKED);
				break;
			}
			default: lapic_reg_write(&b.a, 0x80, x & 0xf0); break;	/* TPR */
			}
			for (unsigned q = 1; q < 24; q += 2) {
				uint32_t lo = ioapic_reg_read(&b.io, (uint8_t)(0x10 + 2 * q));
				assert_int_equal(!!(lo & REMOTE_IRR), lapic_has(&b.a, (uint8_t)lo));
				/* Asserted, unmasked and idle cannot coexist. */
				assert_false((b.io.level >> q & 1) && !(lo & (MASKED | REMOTE_IRR)));
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reset_state),
		cmocka_unit_test(id_and_arbitration),
		cmocka_unit_test(redirection_readback),
		cmocka_unit_test(edge_fires_on_rising_edge),
		cmocka_unit_test(masked_edge_is_lost),
		cmocka_unit_test(level_remote_irr_and_redelivery),
		cmocka_unit_test(level_unmask_delivers_pending),
		cmocka_unit_test(eoi_reaches_all_pins_with_vector),
		cmocka_unit_test(delivery_modes_and_destinations),
		cmocka_unit_test(hostile_inputs),
		cmocka_unit_test(mmio_register_window),
		cmocka_unit_test(irq_line_adapter),
		cmocka_unit_test(with_lapic_level_redelivery),
		cmocka_unit_test(random_level_edge_consistency),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
