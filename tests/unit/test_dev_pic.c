/* Host tests for the 8259A PIC pair model (emul/dev/pic8259.c), alone and
 * wired to the PIT, RTC and keyboard controller models as on a PC. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "emul/dev/pic8259.h"
#include "emul/dev/pit8254.h"
#include "emul/dev/rtc_cmos.h"
#include "emul/dev/i8042.h"

struct intr_log { unsigned changes; bool level; };

static void log_intr(void *ctx, unsigned line, bool level)
{
	struct intr_log *l = ctx;
	assert_int_equal(line, 0);
	l->changes++;
	l->level = level;
}

static void out(struct pic *p, unsigned port, uint8_t v)
{
	switch (port) {
	case 0x20: case 0x21: pic_master_ops.write(p, port - 0x20, 1, v); break;
	case 0xa0: case 0xa1: pic_slave_ops.write(p, port - 0xa0, 1, v); break;
	case 0x4d0: case 0x4d1: pic_elcr_ops.write(p, port - 0x4d0, 1, v); break;
	default: fail();
	}
}

static uint8_t in(struct pic *p, unsigned port)
{
	switch (port) {
	case 0x20: case 0x21: return (uint8_t)pic_master_ops.read(p, port - 0x20, 1);
	case 0xa0: case 0xa1: return (uint8_t)pic_slave_ops.read(p, port - 0xa0, 1);
	case 0x4d0: case 0x4d1: return (uint8_t)pic_elcr_ops.read(p, port - 0x4d0, 1);
	default: fail();
	}
	return 0;
}

/* Linux's init_8259A(): vectors 0x30/0x38, ICW4 0x01 (or 0x03 with AEOI). */
static void linux_init(struct pic *p, bool aeoi)
{
	out(p, 0x21, 0xff);
	out(p, 0xa1, 0xff);
	out(p, 0x20, 0x11);
	out(p, 0x21, 0x30);
	out(p, 0x21, 0x04);
	out(p, 0x21, aeoi ? 0x03 : 0x01);
	out(p, 0xa0, 0x11);
	out(p, 0xa1, 0x38);
	out(p, 0xa1, 0x02);
	out(p, 0xa1, 0x01);
	out(p, 0x21, 0x00);
	out(p, 0xa1, 0x00);
}

static void pulse(struct pic *p, unsigned line)
{
	pic_set_irq(p, line, true);
	pic_set_irq(p, line, false);
}

static void eoi_master(struct pic *p) { out(p, 0x20, 0x20); }
static void eoi_slave(struct pic *p) { out(p, 0xa0, 0x20); }
static uint8_t isr(struct pic *p, unsigned cmd) { out(p, cmd, 0x0b); return in(p, cmd); }
static uint8_t irr(struct pic *p, unsigned cmd) { out(p, cmd, 0x0a); return in(p, cmd); }

static void bios_state_after_init(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	assert_int_equal(in(&p, 0x21), 0xfb);
	assert_int_equal(in(&p, 0xa1), 0xff);
	assert_int_equal(in(&p, 0x4d0), 0);
	assert_int_equal(in(&p, 0x4d1), 0);
	assert_false(pic_has_interrupt(&p));
	pulse(&p, 0);		/* masked by the BIOS mask */
	assert_false(pic_has_interrupt(&p));
	out(&p, 0x21, 0xfa);
	assert_true(pic_has_interrupt(&p));
	assert_int_equal(pic_ack(&p), 0x08);
	out(&p, 0xa1, 0xfe);
	pulse(&p, 8);
	eoi_master(&p);
	assert_int_equal(pic_ack(&p), 0x70);
}

static void linux_init_vectors(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	for (unsigned line = 0; line < 16; line++) {
		if (line == 2)
			continue;
		pulse(&p, line);
		assert_true(pic_has_interrupt(&p));
		assert_int_equal(pic_ack(&p), (line < 8 ? 0x30 : 0x38) + (line & 7));
		if (line >= 8)
			eoi_slave(&p);
		eoi_master(&p);
		assert_int_equal(isr(&p, 0x20), 0);
		assert_int_equal(isr(&p, 0xa0), 0);
		assert_false(pic_has_interrupt(&p));
	}
}

static void seabios_init_sequence(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	/* SeaBIOS pic_reset(0x08, 0x70) then pic_irqmask_write(~4). */
	out(&p, 0x20, 0x11); out(&p, 0xa0, 0x11);
	out(&p, 0x21, 0x08); out(&p, 0xa1, 0x70);
	out(&p, 0x21, 0x04); out(&p, 0xa1, 0x02);
	out(&p, 0x21, 0x01); out(&p, 0xa1, 0x01);
	out(&p, 0x21, 0xfb); out(&p, 0xa1, 0xff);
	/* ICW1 cleared IMR; the last writes are OCW1. */
	assert_int_equal(in(&p, 0x21), 0xfb);
	assert_int_equal(in(&p, 0xa1), 0xff);
	out(&p, 0xa1, 0xfe);	/* enable_hwirq(8) */
	pulse(&p, 8);
	assert_int_equal(pic_ack(&p), 0x70);
}

static void icw1_resets_state(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	out(&p, 0x21, 0x55);
	pulse(&p, 1);
	pulse(&p, 3);
	assert_int_equal(pic_ack(&p), 0x31);
	out(&p, 0x20, 0xc4);	/* set priority: IR4 lowest */
	out(&p, 0x20, 0x10);	/* ICW1 without IC4 and SNGL... */
	assert_int_equal(in(&p, 0x21), 0x00);	/* IMR cleared */
	assert_int_equal(isr(&p, 0x20), 0x00);	/* ISR cleared */
	assert_int_equal(irr(&p, 0x20), 0x00);	/* edge sense reset */
	out(&p, 0x21, 0x40);	/* ICW2 */
	out(&p, 0x21, 0x04);	/* ICW3, then done (no ICW4) */
	out(&p, 0x21, 0x01);	/* OCW1 now */
	assert_int_equal(in(&p, 0x21), 0x01);
	pulse(&p, 1);
	pulse(&p, 0);
	assert_int_equal(pic_ack(&p), 0x41);	/* priority back to IR0 highest; IR0 masked */
}

static void single_mode_skips_icw3(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	out(&p, 0x20, 0x13);	/* SNGL, IC4 */
	out(&p, 0x21, 0x20);
	out(&p, 0x21, 0x03);	/* ICW4: AEOI (no ICW3 in single mode) */
	out(&p, 0x21, 0xf7);	/* OCW1 */
	assert_int_equal(in(&p, 0x21), 0xf7);
	pulse(&p, 3);
	assert_int_equal(pic_ack(&p), 0x23);
	assert_int_equal(isr(&p, 0x20), 0);	/* AEOI */
}

static void fixed_priority_lower_waits(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	pulse(&p, 3);
	pulse(&p, 1);
	assert_int_equal(irr(&p, 0x20), 0x0a);
	assert_int_equal(pic_ack(&p), 0x31);
	assert_int_equal(isr(&p, 0x20), 0x02);
	assert_int_equal(irr(&p, 0x20), 0x08);
	assert_false(pic_has_interrupt(&p));	/* IR3 below IR1 in service */
	eoi_master(&p);
	assert_true(pic_has_interrupt(&p));
	assert_int_equal(pic_ack(&p), 0x33);
	eoi_master(&p);
	assert_false(pic_has_interrupt(&p));
}

static void higher_priority_nests(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	pulse(&p, 5);
	assert_int_equal(pic_ack(&p), 0x35);
	pulse(&p, 1);
	assert_true(pic_has_interrupt(&p));
	assert_int_equal(pic_ack(&p), 0x31);
	assert_int_equal(isr(&p, 0x20), 0x22);
	eoi_master(&p);		/* non-specific: the highest, IR1 */
	assert_int_equal(isr(&p, 0x20), 0x20);
	eoi_master(&p);
	assert_int_equal(isr(&p, 0x20), 0x00);
}

static void equal_priority_blocked(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	pulse(&p, 4);
	assert_int_equal(pic_ack(&p), 0x34);
	pulse(&p, 4);		/* again while in service */
	assert_false(pic_has_interrupt(&p));
	eoi_master(&p);
	assert_int_equal(pic_ack(&p), 0x34);
}

static void imr_masks_and_latches(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	out(&p, 0x21, 0x10);
	pulse(&p, 4);
	assert_false(pic_has_interrupt(&p));
	assert_int_equal(irr(&p, 0x20), 0x10);
	out(&p, 0x21, 0x00);
	assert_true(pic_has_interrupt(&p));
	assert_int_equal(pic_ack(&p), 0x34);
}

static void masked_slave_line(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	out(&p, 0xa1, 0x10);
	pulse(&p, 12);
	assert_false(pic_has_interrupt(&p));
	out(&p, 0x21, 0x04);	/* cascade masked on the master */
	out(&p, 0xa1, 0x00);
	assert_false(pic_has_interrupt(&p));
	out(&p, 0x21, 0x00);
	assert_int_equal(pic_ack(&p), 0x3c);
}

static void specific_eoi(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	pulse(&p, 6);
	assert_int_equal(pic_ack(&p), 0x36);
	pulse(&p, 3);
	assert_int_equal(pic_ack(&p), 0x33);
	out(&p, 0x20, 0x66);	/* specific EOI for IR6, the lower one */
	assert_int_equal(isr(&p, 0x20), 0x08);
	out(&p, 0x20, 0x63);
	assert_int_equal(isr(&p, 0x20), 0x00);
	out(&p, 0x20, 0x65);	/* EOI for a level not in service: harmless */
	assert_int_equal(isr(&p, 0x20), 0x00);
}

static void eoi_with_nothing_in_service(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	eoi_master(&p);
	eoi_slave(&p);
	assert_int_equal(isr(&p, 0x20), 0);
	out(&p, 0x20, 0x40);	/* OCW2 no-op */
	assert_false(pic_has_interrupt(&p));
}

static void auto_eoi(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, true);
	pulse(&p, 3);
	assert_int_equal(pic_ack(&p), 0x33);
	assert_int_equal(isr(&p, 0x20), 0);
	pulse(&p, 5);		/* lower priority still gets in: nothing in service */
	assert_true(pic_has_interrupt(&p));
	assert_int_equal(pic_ack(&p), 0x35);
}

static void rotate_in_aeoi(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, true);
	out(&p, 0x20, 0x80);	/* rotate in AEOI mode: set */
	pulse(&p, 0);
	pulse(&p, 1);
	assert_int_equal(pic_ack(&p), 0x30);	/* IR0 now lowest */
	pulse(&p, 0);
	assert_int_equal(pic_ack(&p), 0x31);
	assert_int_equal(pic_ack(&p), 0x30);
	out(&p, 0x20, 0x00);	/* rotate in AEOI: clear */
	pulse(&p, 0);
	pulse(&p, 1);
	assert_int_equal(pic_ack(&p), 0x31);	/* rotation stopped with IR0 lowest */
	assert_int_equal(pic_ack(&p), 0x30);
	pulse(&p, 0);
	pulse(&p, 1);
	assert_int_equal(pic_ack(&p), 0x31);	/* ...and stays so */
}

static void rotate_on_nonspecific_eoi(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	pulse(&p, 0);
	assert_int_equal(pic_ack(&p), 0x30);
	out(&p, 0x20, 0xa0);	/* rotate on non-specific EOI: IR0 becomes lowest */
	assert_int_equal(isr(&p, 0x20), 0);
	pulse(&p, 0);
	pulse(&p, 7);
	assert_int_equal(pic_ack(&p), 0x37);	/* IR1 highest ... IR7 above IR0 */
	out(&p, 0x20, 0x20);
	assert_int_equal(pic_ack(&p), 0x30);
}

static void rotate_on_specific_eoi_and_set_priority(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	pulse(&p, 5);
	assert_int_equal(pic_ack(&p), 0x35);
	out(&p, 0x20, 0xe5);	/* rotate on specific EOI, IR5 lowest: IR6 highest */
	assert_int_equal(isr(&p, 0x20), 0);
	pulse(&p, 4);
	pulse(&p, 6);
	assert_int_equal(pic_ack(&p), 0x36);
	out(&p, 0x20, 0x20);
	out(&p, 0x20, 0xc3);	/* set priority: IR3 lowest, IR4 highest */
	pulse(&p, 6);
	assert_int_equal(pic_ack(&p), 0x34);
}

static void read_irr_isr_select(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	out(&p, 0x21, 0x80);
	pulse(&p, 7);
	pulse(&p, 4);
	assert_int_equal(pic_ack(&p), 0x34);
	out(&p, 0x20, 0x0a);
	assert_int_equal(in(&p, 0x20), 0x80);
	assert_int_equal(in(&p, 0x20), 0x80);	/* selection sticks */
	assert_int_equal(in(&p, 0x21), 0x80);	/* data port: IMR */
	out(&p, 0x20, 0x0b);
	assert_int_equal(in(&p, 0x20), 0x10);
	out(&p, 0x20, 0x08);	/* RR=0: selection unchanged */
	assert_int_equal(in(&p, 0x20), 0x10);
}

static void poll_command(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	out(&p, 0x20, 0x0c);
	assert_int_equal(in(&p, 0x20), 0x00);	/* nothing requesting */
	pulse(&p, 5);
	out(&p, 0x20, 0x0c);
	assert_int_equal(in(&p, 0x20), 0x85);
	assert_int_equal(isr(&p, 0x20), 0x20);	/* the poll acknowledged it */
	assert_false(pic_has_interrupt(&p));
	/* A slave request: poll the master (IR2), then the slave. */
	eoi_master(&p);
	pulse(&p, 11);
	out(&p, 0x20, 0x0c);
	assert_int_equal(in(&p, 0x21), 0x82);	/* the data port polls too */
	out(&p, 0xa0, 0x0c);
	assert_int_equal(in(&p, 0xa0), 0x83);
	assert_int_equal(isr(&p, 0xa0), 0x08);
	assert_int_equal(isr(&p, 0x20), 0x04);
}

static void spurious_irq7_level_dropped(void **state)
{
	(void)state;
	struct pic p;
	struct intr_log log = { 0 };
	struct irq_line intr = { log_intr, &log };
	pic_init(&p, &intr);
	linux_init(&p, false);
	out(&p, 0x4d0, 0x20);	/* IRQ5 level */
	pic_set_irq(&p, 5, true);
	assert_true(log.level);
	pic_set_irq(&p, 5, false);	/* gone before INTA */
	assert_false(log.level);
	/* The CPU had already started the INTA cycle. */
	assert_int_equal(pic_ack(&p), 0x37);
	assert_int_equal(isr(&p, 0x20), 0);
	assert_int_equal(p.spurious, 1);
}

static void spurious_irq7_masked_before_inta(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	pulse(&p, 3);
	assert_true(pic_has_interrupt(&p));
	out(&p, 0x21, 0x08);	/* driver masks the line, INTR already up */
	assert_false(pic_has_interrupt(&p));
	assert_int_equal(pic_ack(&p), 0x37);
	assert_int_equal(isr(&p, 0x20), 0);
	out(&p, 0x21, 0x00);	/* the latched edge is still there */
	assert_int_equal(pic_ack(&p), 0x33);
}

static void spurious_irq15_sets_master_isr2(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	out(&p, 0x4d1, 0x04);	/* IRQ10 level */
	pic_set_irq(&p, 10, true);
	assert_true(pic_has_interrupt(&p));
	pic_set_irq(&p, 10, false);
	/* The master latched the cascade edge: INTA still goes to the slave. */
	assert_true(pic_has_interrupt(&p));
	assert_int_equal(pic_ack(&p), 0x3f);
	assert_int_equal(isr(&p, 0xa0), 0x00);	/* no slave ISR bit */
	assert_int_equal(isr(&p, 0x20), 0x04);	/* the master's cascade bit is set */
	eoi_master(&p);		/* Linux: EOI the master only */
	assert_int_equal(isr(&p, 0x20), 0x00);
	assert_false(pic_has_interrupt(&p));
}

static void level_reraises_after_eoi(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	out(&p, 0x4d1, 0x08);	/* IRQ11 level */
	pic_set_irq(&p, 11, true);
	assert_int_equal(pic_ack(&p), 0x3b);
	assert_false(pic_has_interrupt(&p));
	eoi_slave(&p);
	eoi_master(&p);
	assert_true(pic_has_interrupt(&p));	/* still asserted */
	assert_int_equal(pic_ack(&p), 0x3b);
	pic_set_irq(&p, 11, false);		/* the handler cleared the device */
	eoi_slave(&p);
	eoi_master(&p);
	assert_false(pic_has_interrupt(&p));
	assert_int_equal(irr(&p, 0xa0), 0);
}

static void level_with_aeoi_reasserts_at_once(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, true);
	out(&p, 0x4d0, 0x08);
	pic_set_irq(&p, 3, true);
	assert_int_equal(pic_ack(&p), 0x33);
	assert_true(pic_has_interrupt(&p));
	pic_set_irq(&p, 3, false);
	assert_false(pic_has_interrupt(&p));
}

static void edge_held_high_no_reraise(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	pic_set_irq(&p, 4, true);
	assert_int_equal(pic_ack(&p), 0x34);
	eoi_master(&p);
	assert_false(pic_has_interrupt(&p));	/* no new edge */
	pic_set_irq(&p, 4, true);		/* still high: not an edge */
	assert_false(pic_has_interrupt(&p));
	pic_set_irq(&p, 4, false);
	pic_set_irq(&p, 4, true);
	assert_true(pic_has_interrupt(&p));
}

static void edge_latch_survives_fall(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	pulse(&p, 6);
	assert_true(pic_has_interrupt(&p));
	assert_int_equal(pic_ack(&p), 0x36);
}

static void elcr_reserved_bits(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	out(&p, 0x4d0, 0xff);
	out(&p, 0x4d1, 0xff);
	assert_int_equal(in(&p, 0x4d0), 0xf8);	/* IRQ0-2 always edge */
	assert_int_equal(in(&p, 0x4d1), 0xde);	/* IRQ8, IRQ13 always edge */
	pic_elcr_ops.write(&p, 0, 2, 0x0c20);	/* a 16-bit write covers both */
	assert_int_equal(pic_elcr_ops.read(&p, 0, 2), 0x0c20);
}

static void elcr_switch_to_level_takes_input(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	out(&p, 0x21, 0x80);	/* IR7 masked */
	pic_set_irq(&p, 7, true);
	pic_set_irq(&p, 7, false);
	assert_int_equal(irr(&p, 0x20), 0x80);	/* latched edge */
	out(&p, 0x4d0, 0x80);	/* level now: IRR follows the (low) input */
	assert_int_equal(irr(&p, 0x20), 0x00);
	pic_set_irq(&p, 7, true);
	assert_int_equal(irr(&p, 0x20), 0x80);
	out(&p, 0x4d0, 0x00);	/* back to edge: latch kept */
	pic_set_irq(&p, 7, false);
	assert_int_equal(irr(&p, 0x20), 0x80);
}

static void ltim_makes_all_level(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	out(&p, 0x20, 0x19);	/* ICW1 with LTIM */
	out(&p, 0x21, 0x30);
	out(&p, 0x21, 0x04);
	out(&p, 0x21, 0x01);
	pic_set_irq(&p, 1, true);
	pic_set_irq(&p, 1, false);
	assert_false(pic_has_interrupt(&p));
}

static void cascade_needs_both_eois(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	pulse(&p, 12);
	assert_int_equal(pic_ack(&p), 0x3c);
	assert_int_equal(isr(&p, 0xa0), 0x10);
	assert_int_equal(isr(&p, 0x20), 0x04);
	pulse(&p, 8);		/* higher on the slave, but master IR2 is in service */
	assert_false(pic_has_interrupt(&p));
	pulse(&p, 1);		/* a higher master line nests */
	assert_int_equal(pic_ack(&p), 0x31);
	eoi_master(&p);		/* IR1 */
	eoi_slave(&p);		/* IRQ12 */
	assert_false(pic_has_interrupt(&p));
	eoi_master(&p);		/* IR2 */
	assert_true(pic_has_interrupt(&p));
	assert_int_equal(pic_ack(&p), 0x38);
}

static void cascade_relatch_after_ack(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, true);	/* AEOI: slave INT stays up after the first ack */
	out(&p, 0xa0, 0x11);
	out(&p, 0xa1, 0x38);
	out(&p, 0xa1, 0x02);
	out(&p, 0xa1, 0x03);
	pulse(&p, 9);
	pulse(&p, 14);
	assert_int_equal(pic_ack(&p), 0x39);
	assert_true(pic_has_interrupt(&p));
	assert_int_equal(pic_ack(&p), 0x3e);
	assert_false(pic_has_interrupt(&p));
}

static void special_fully_nested(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	out(&p, 0x20, 0x11);
	out(&p, 0x21, 0x30);
	out(&p, 0x21, 0x04);
	out(&p, 0x21, 0x11);	/* ICW4: SFNM, 8086 */
	pulse(&p, 12);
	assert_int_equal(pic_ack(&p), 0x3c);
	pulse(&p, 8);		/* higher priority on the slave: gets through */
	assert_true(pic_has_interrupt(&p));
	assert_int_equal(pic_ack(&p), 0x38);
	pulse(&p, 13);		/* lower than both in service on the slave */
	assert_false(pic_has_interrupt(&p));
	pulse(&p, 3);		/* lower master line waits for IR2 */
	assert_false(pic_has_interrupt(&p));
}

static void special_mask_mode(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	pulse(&p, 3);
	assert_int_equal(pic_ack(&p), 0x33);
	pulse(&p, 5);
	assert_false(pic_has_interrupt(&p));
	out(&p, 0x21, 0x08);	/* mask IR3 (in service) */
	out(&p, 0x20, 0x68);	/* OCW3: set special mask */
	assert_true(pic_has_interrupt(&p));
	assert_int_equal(pic_ack(&p), 0x35);
	out(&p, 0x20, 0x65);	/* specific EOI IR5 */
	out(&p, 0x20, 0x48);	/* reset special mask */
	pulse(&p, 6);
	assert_false(pic_has_interrupt(&p));	/* IR3 in service blocks again */
	out(&p, 0x20, 0x63);
	out(&p, 0x21, 0x00);
	assert_int_equal(pic_ack(&p), 0x36);
}

static void intr_callback_on_change_only(void **state)
{
	(void)state;
	struct pic p;
	struct intr_log log = { 0 };
	struct irq_line intr = { log_intr, &log };
	pic_init(&p, &intr);
	linux_init(&p, false);
	assert_int_equal(log.changes, 0);
	pulse(&p, 1);
	assert_int_equal(log.changes, 1);
	assert_true(log.level);
	pulse(&p, 3);		/* INTR already high */
	assert_int_equal(log.changes, 1);
	pic_ack(&p);
	assert_false(log.level);
	eoi_master(&p);
	assert_true(log.level);
	assert_int_equal(log.changes, 3);
}

static void irq_line_wrapper_and_bad_lines(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	struct irq_line l = pic_irq_line(&p);
	irq_line_set(&l, 2, true);	/* the cascade: not a device line */
	irq_line_set(&l, 16, true);
	irq_line_set(&l, 1000, true);
	assert_false(pic_has_interrupt(&p));
	irq_line_set(&l, 15, true);
	assert_int_equal(pic_ack(&p), 0x3f);
	assert_int_equal(isr(&p, 0xa0), 0x80);	/* a real IRQ15, not spurious */
}

static void wide_port_access(void **state)
{
	(void)state;
	struct pic p;
	pic_init(&p, NULL);
	linux_init(&p, false);
	pic_master_ops.write(&p, 1, 1, 0x5a);
	out(&p, 0x20, 0x0a);
	assert_int_equal(pic_master_ops.read(&p, 0, 2), 0x5a00);	/* IRR, IMR */
	pic_master_ops.write(&p, 1, 4, 0xffffff12);	/* only port 0x21 */
	assert_int_equal(in(&p, 0x21), 0x12);
	assert_int_equal(pic_master_ops.read(&p, 5, 1), 0);	/* outside: nothing */
}

/* Hostile byte streams: every state stays consistent, acks are in range. */
static void random_writes_stay_sane(void **state)
{
	(void)state;
	static const uint16_t ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };
	struct pic p;
	uint32_t x = 12345;
	pic_init(&p, NULL);
	for (unsigned i = 0; i < 200000; i++) {
		x = x * 1103515245 + 12345;
		unsigned r = x >> 8;
		switch (r % 5) {
		case 0: out(&p, ports[(r >> 3) % 6], (uint8_t)(r >> 12)); break;
		case 1: in(&p, ports[(r >> 3) % 6]); break;
		case 2: pic_set_irq(&p, (r >> 3) & 15, (r >> 7) & 1); break;
		default:
			if (pic_has_interrupt(&p)) {
				int v = pic_ack(&p);
				assert_true(v >= 0 && v < 256);
				bool from_master = (v & 0xf8) == p.c[0].base;
				bool from_slave = (v & 0xf8) == p.c[1].base;
				assert_true(from_master || from_slave);
			}
		}
	}
}

/* The models wired as the VMX side wires them: sources -> pic_irq_line. */
struct board {
	struct pic pic;
	struct pit pit;
	struct rtc rtc;
	struct i8042 kbc;
	uint64_t ns;
};

static uint64_t board_now(void *ctx) { return ((struct board *)ctx)->ns; }

static struct board *board_setup(void)
{
	static struct board b;
	memset(&b, 0, sizeof(b));
	pic_init(&b.pic, NULL);
	struct irq_line line = pic_irq_line(&b.pic);
	struct dev_clock clk = { board_now, &b };
	struct rtc_config cfg = { .epoch_sec = 1700000000, .ram_below_4g = 64 << 20 };
	pit_init(&b.pit, &line, &clk);
	rtc_init(&b.rtc, &cfg, &line, &clk);
	i8042_init(&b.kbc, &line, NULL);
	linux_init(&b.pic, false);
	return &b;
}

/* What the VMX side does: run timers up to now, then take an interrupt. */
static int board_run_to(struct board *b, uint64_t ns)
{
	b->ns = ns;
	pit_advance(&b->pit, ns);
	rtc_advance(&b->rtc, ns);
	return pic_has_interrupt(&b->pic) ? pic_ack(&b->pic) : -1;
}

static void pit_irq0_through_pic(void **state)
{
	(void)state;
	struct board *b = board_setup();
	pit_ops.write(&b->pit, 3, 1, 0x34);	/* Linux: mode 2, HZ=1000 */
	pit_ops.write(&b->pit, 0, 1, 1193 & 0xff);
	pit_ops.write(&b->pit, 0, 1, 1193 >> 8);
	assert_false(pic_has_interrupt(&b->pic));	/* OUT0 was high already */
	for (unsigned i = 0; i < 100; i++) {
		uint64_t ev = pit_next_event_ns(&b->pit);
		assert_int_equal(board_run_to(b, ev - 1), -1);
		assert_int_equal(board_run_to(b, ev), 0x30);
		eoi_master(&b->pic);
	}
	/* The guest slept through 50 ticks: one interrupt, then on time again. */
	uint64_t ev = pit_next_event_ns(&b->pit);
	assert_int_equal(board_run_to(b, ev + 50 * 1000000ull), 0x30);
	eoi_master(&b->pic);
	assert_false(pic_has_interrupt(&b->pic));
	ev = pit_next_event_ns(&b->pit);
	assert_int_equal(board_run_to(b, ev), 0x30);
}

static void pit_mode3_late_ack_not_lost(void **state)
{
	(void)state;
	struct board *b = board_setup();	/* BIOS state: mode 3, 18.2 Hz */
	uint64_t ev = pit_next_event_ns(&b->pit);
	b->ns = ev;
	pit_advance(&b->pit, ev);
	/* OUT0 falls half a period later, before the guest takes INTA. */
	b->ns = ev + 30000000;
	pit_advance(&b->pit, b->ns);
	assert_false(b->pit.irq_level);
	assert_true(pic_has_interrupt(&b->pic));
	assert_int_equal(pic_ack(&b->pic), 0x30);
}

static void rtc_irq8_through_cascade(void **state)
{
	(void)state;
	struct board *b = board_setup();
	rtc_ops.write(&b->rtc, 0, 1, 0x0b);
	rtc_ops.write(&b->rtc, 1, 1, 0x42);	/* PIE at 1024 Hz */
	uint64_t ev = rtc_next_event_ns(&b->rtc);
	assert_int_equal(ev, 976563);
	assert_int_equal(board_run_to(b, ev), 0x38);
	assert_int_equal(isr(&b->pic, 0xa0), 0x01);
	assert_int_equal(isr(&b->pic, 0x20), 0x04);
	/* The handler reads C (releasing IRQ8) and EOIs both chips. */
	rtc_ops.write(&b->rtc, 0, 1, 0x0c);
	assert_int_equal(rtc_ops.read(&b->rtc, 1, 1), 0xc0);
	eoi_slave(&b->pic);
	eoi_master(&b->pic);
	ev = rtc_next_event_ns(&b->rtc);
	assert_int_equal(ev, 1953125);
	assert_int_equal(board_run_to(b, ev), 0x38);
	/* Without reading C, IRQ8 never rises again. */
	eoi_slave(&b->pic);
	eoi_master(&b->pic);
	assert_int_equal(rtc_next_event_ns(&b->rtc), UINT64_MAX);
	assert_int_equal(board_run_to(b, 10 * ev), -1);
}

static void pit_and_rtc_priorities(void **state)
{
	(void)state;
	struct board *b = board_setup();
	rtc_ops.write(&b->rtc, 0, 1, 0x0b);
	rtc_ops.write(&b->rtc, 1, 1, 0x42);
	pit_ops.write(&b->pit, 3, 1, 0x34);
	pit_ops.write(&b->pit, 0, 1, 0x00);
	pit_ops.write(&b->pit, 0, 1, 0x10);	/* 4096 ticks: ~3.4 ms */
	assert_false(pic_has_interrupt(&b->pic));
	/* At 5 ms both have fired: IRQ0 beats IRQ8 (on IR2). */
	assert_int_equal(board_run_to(b, 5000000), 0x30);
	eoi_master(&b->pic);
	assert_int_equal(pic_ack(&b->pic), 0x38);
}

static void keyboard_irq1_through_pic(void **state)
{
	(void)state;
	struct board *b = board_setup();
	i8042_data_ops.write(&b->kbc, 0, 1, 0xff);	/* keyboard reset: 0xFA, 0xAA */
	assert_int_equal(pic_ack(&b->pic), 0x31);
	assert_int_equal(i8042_data_ops.read(&b->kbc, 0, 1), 0xfa);
	eoi_master(&b->pic);
	assert_int_equal(pic_ack(&b->pic), 0x31);	/* the second byte's edge */
	assert_int_equal(i8042_data_ops.read(&b->kbc, 0, 1), 0xaa);
	eoi_master(&b->pic);
	assert_false(pic_has_interrupt(&b->pic));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bios_state_after_init),
		cmocka_unit_test(linux_init_vectors),
		cmocka_unit_test(seabios_init_sequence),
		cmocka_unit_test(icw1_resets_state),
		cmocka_unit_test(single_mode_skips_icw3),
		cmocka_unit_test(fixed_priority_lower_waits),
		cmocka_unit_test(higher_priority_nests),
		cmocka_unit_test(equal_priority_blocked),
		cmocka_unit_test(imr_masks_and_latches),
		cmocka_unit_test(masked_slave_line),
		cmocka_unit_test(specific_eoi),
		cmocka_unit_test(eoi_with_nothing_in_service),
		cmocka_unit_test(auto_eoi),
		cmocka_unit_test(rotate_in_aeoi),
		cmocka_unit_test(rotate_on_nonspecific_eoi),
		cmocka_unit_test(rotate_on_specific_eoi_and_set_priority),
		cmocka_unit_test(read_irr_isr_select),
		cmocka_unit_test(poll_command),
		cmocka_unit_test(spurious_irq7_level_dropped),
		cmocka_unit_test(spurious_irq7_masked_before_inta),
		cmocka_unit_test(spurious_irq15_sets_master_isr2),
		cmocka_unit_test(level_reraises_after_eoi),
		cmocka_unit_test(level_with_aeoi_reasserts_at_once),
		cmocka_unit_test(edge_held_high_no_reraise),
		cmocka_unit_test(edge_latch_survives_fall),
		cmocka_unit_test(elcr_reserved_bits),
		cmocka_unit_test(elcr_switch_to_level_takes_input),
		cmocka_unit_test(ltim_makes_all_level),
		cmocka_unit_test(cascade_needs_both_eois),
		cmocka_unit_test(cascade_relatch_after_ack),
		cmocka_unit_test(special_fully_nested),
		cmocka_unit_test(special_mask_mode),
		cmocka_unit_test(intr_callback_on_change_only),
		cmocka_unit_test(irq_line_wrapper_and_bad_lines),
		cmocka_unit_test(wide_port_access),
		cmocka_unit_test(random_writes_stay_sane),
		cmocka_unit_test(pit_irq0_through_pic),
		cmocka_unit_test(pit_mode3_late_ack_not_lost),
		cmocka_unit_test(rtc_irq8_through_cascade),
		cmocka_unit_test(pit_and_rtc_priorities),
		cmocka_unit_test(keyboard_irq1_through_pic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
