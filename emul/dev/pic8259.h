/* The PC's pair of Intel 8259A programmable interrupt controllers (Intel
 * 8259A data sheet, order 231468): master at ports 0x20/0x21, slave at
 * 0xA0/0xA1 cascaded on the master's IR2, and the PIIX/ICH edge/level
 * control registers (ELCR) at 0x4d0/0x4d1.
 *
 * The VMX side:
 *   pic_init(&pic, &intr)          power-on + BIOS-style setup (see below)
 *   iobus_add(bus, 0x20, 2, &pic_master_ops, &pic, "pic1")
 *   iobus_add(bus, 0xa0, 2, &pic_slave_ops, &pic, "pic2")
 *   iobus_add(bus, 0x4d0, 2, &pic_elcr_ops, &pic, "elcr")
 *   devices call pic_set_irq() (wrap it in a struct irq_line with pic_irq_line())
 *   pic_has_interrupt() is the INTR pin; when the guest can take it,
 *   pic_ack() is the INTA cycle and returns the vector to inject. */
#ifndef EMUL_DEV_PIC8259_H
#define EMUL_DEV_PIC8259_H
#include <stdint.h>
#include <stdbool.h>
#include "emul/dev/iobus.h"
#include "emul/dev/irq.h"

struct pic_chip {
	uint8_t irr, isr, imr;
	uint8_t level;		/* the IR inputs as the devices drive them */
	uint8_t elcr;		/* 1 = level-triggered (ELCR bit, or ICW1.LTIM for all) */
	uint8_t base;		/* ICW2: vector of IR0 (T7-T3) */
	uint8_t icw1, icw3, icw4;
	uint8_t init_step;	/* 0 = operational; else the ICW expected next (2..4) */
	uint8_t lowest;		/* the IR with the lowest priority (rotation), 7 after ICW1 */
	bool read_isr;		/* OCW3 RR/RIS: the command port reads ISR (else IRR) */
	bool poll;		/* OCW3 P: the next read is a poll */
	bool special_mask;	/* OCW3 ESMM/SMM */
	bool rotate_aeoi;	/* OCW2 rotate in automatic EOI mode */
};

struct pic {
	struct pic_chip c[2];	/* [0] master, [1] slave */
	struct irq_line intr;	/* told the INTR level (line 0) on every change */
	bool intr_level;
	uint64_t spurious;	/* INTA cycles that found no request (statistics) */
};

extern const struct io_dev_ops pic_master_ops, pic_slave_ops, pic_elcr_ops;

/* Power-on state, then the state a PC BIOS leaves (SeaBIOS): both chips
 * initialised for cascade and 8086 mode, vectors 0x08 (master) and 0x70
 * (slave), every device line masked (master IMR 0xfb, slave IMR 0xff), all
 * lines edge-triggered. @intr may be NULL. */
void pic_init(struct pic *p, const struct irq_line *intr);
/* Input line 0..15 is driven to @level. Line 2 is the cascade (internal to
 * the pair on a PC) and is ignored; lines above 15 are ignored. */
void pic_set_irq(struct pic *p, unsigned line, bool level);
/* The master's INTR output. */
bool pic_has_interrupt(const struct pic *p);
/* The INTA cycle: returns the vector and moves the request from IRR to ISR
 * (not in AEOI mode). With no request left (it went away, or was masked,
 * after INTR was raised) it returns the spurious vector base+7 without
 * setting an ISR bit: IRQ7, or IRQ15 with the master's IR2 in service. */
int pic_ack(struct pic *p);
/* An irq_line whose set() calls pic_set_irq() on @p. */
struct irq_line pic_irq_line(struct pic *p);

#endif
