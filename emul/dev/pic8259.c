/* Intel 8259A PIC pair (Intel 8259A data sheet, "Programmable Interrupt
 * Controller", order 231468; section numbers below are that sheet's) and
 * the PIIX/ICH ELCR registers (Intel 82371AB PIIX4 data sheet, 4.1.13/4.1.14).
 *
 * Triggering. Level-triggered lines (ELCR bit, or ICW1.LTIM) keep their IRR
 * bit exactly as long as the input is high, so a request that goes away
 * before INTA becomes a spurious IRQ7/15, and one still high after EOI is
 * requested again. Edge-triggered lines latch IRR on the rising edge; the
 * latch survives the input falling again. The data sheet asks the device
 * to hold the line until INTA; a VM's INTA can come arbitrarily late in
 * device time (the vCPU may be descheduled), and QEMU and KVM latch the
 * same way, so a pulsed edge is never lost. The cascade input IR2 is
 * edge-latched like hardware: a slave request that vanishes after the
 * master latched IR2 gives the spurious IRQ15 with the master's ISR2 set. */
#include "emul/dev/pic8259.h"

enum { MASTER = 0, SLAVE = 1 };
#define CASCADE_IR	2
#define ICW1_IC4	0x01	/* ICW4 follows */
#define ICW1_SNGL	0x02	/* single chip: no ICW3 */
#define ICW1_LTIM	0x08	/* all inputs level-triggered */
#define ICW1_INIT	0x10	/* command-port write with D4=1 is ICW1 */
#define ICW4_AEOI	0x02
#define ICW4_SFNM	0x10
#define OCW3_SEL	0x08	/* D4=0, D3=1: OCW3; D4=0, D3=0: OCW2 */
/* PIIX4 4.1.13/14: IRQ0, 1, 2 (master) and 8, 13 (slave) are always edge. */
static const uint8_t elcr_writable[2] = { 0xf8, 0xde };

static uint8_t level_mask(const struct pic_chip *c)
{
	return (c->icw1 & ICW1_LTIM) ? 0xff : c->elcr;
}

/* 8259A "Interrupt Priorities": IR(lowest+1) has the highest priority. */
static int highest(const struct pic_chip *c, uint8_t mask)
{
	for (unsigned k = 0; k < 8; k++) {
		unsigned ir = (c->lowest + 1 + k) & 7;
		if (mask & (1u << ir))
			return (int)ir;
	}
	return -1;
}

static unsigned prio(const struct pic_chip *c, int ir)
{
	return ((unsigned)ir - c->lowest - 1) & 7;	/* 0 = highest */
}

/* The request that would interrupt now, or -1. Fully nested mode: only a
 * request of higher priority than everything in service. Special mask mode
 * (OCW3): masked in-service levels do not block. Special fully nested mode
 * (ICW4.SFNM, master): the cascade may interrupt while it is in service,
 * so a higher-priority slave request gets through. */
static int pending(const struct pic_chip *c, bool master)
{
	int req = highest(c, c->irr & ~c->imr);
	if (req < 0)
		return -1;
	uint8_t inservice = c->isr;
	if (c->special_mask)
		inservice &= ~c->imr;
	int cur = highest(c, inservice);
	if (cur < 0 || prio(c, req) < prio(c, cur))
		return req;
	if (master && req == CASCADE_IR && cur == CASCADE_IR && (c->icw4 & ICW4_SFNM))
		return req;
	return -1;
}

static void chip_input(struct pic_chip *c, unsigned ir, bool level)
{
	uint8_t bit = (uint8_t)(1u << ir);

	if (level_mask(c) & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (level && !(c->level & bit)) {
		c->irr |= bit;		/* 8259A "Edge and level triggered modes" */
	}
	c->level = level ? (c->level | bit) : (c->level & ~bit);
}

/* The INTA (or poll) step of one chip: the IR served, or -1 (spurious). */
static int chip_ack(struct pic_chip *c, bool master)
{
	int ir = pending(c, master);
	if (ir < 0)
		return -1;
	uint8_t bit = (uint8_t)(1u << ir);
	if (!(level_mask(c) & bit))
		c->irr &= ~bit;
	if (c->icw4 & ICW4_AEOI) {
		if (c->rotate_aeoi)
			c->lowest = (uint8_t)ir;
	} else {
		c->isr |= bit;
	}
	return ir;
}

/* The slave's INT output drives the master's IR2; the master's INT is INTR. */
static void update(struct pic *p)
{
	chip_input(&p->c[MASTER], CASCADE_IR, pending(&p->c[SLAVE], false) >= 0);
	bool intr = pending(&p->c[MASTER], true) >= 0;
	if (intr != p->intr_level) {
		p->intr_level = intr;
		irq_line_set(&p->intr, 0, intr);
	}
}

/* After the master served IR2, a slave still requesting re-latches IR2. */
static void cascade_served(struct pic *p)
{
	p->c[MASTER].level &= (uint8_t)~(1u << CASCADE_IR);
}

bool pic_has_interrupt(const struct pic *p)
{
	return pending(&p->c[MASTER], true) >= 0;
}

int pic_ack(struct pic *p)
{
	struct pic_chip *m = &p->c[MASTER], *s = &p->c[SLAVE];
	int ir = chip_ack(m, true);
	int vec;

	if (ir < 0) {
		p->spurious++;
		vec = m->base + 7;
	} else if (ir == CASCADE_IR && !(m->icw1 & ICW1_SNGL)) {
		cascade_served(p);
		int sir = chip_ack(s, false);
		if (sir < 0)
			p->spurious++;
		vec = s->base + (sir < 0 ? 7 : sir);
	} else {
		vec = m->base + ir;
	}
	update(p);
	return vec;
}

void pic_set_irq(struct pic *p, unsigned line, bool level)
{
	if (line > 15 || line == CASCADE_IR)
		return;
	chip_input(&p->c[line >> 3], line & 7, level);
	update(p);
}

static void irq_line_to_pic(void *ctx, unsigned line, bool level)
{
	pic_set_irq(ctx, line, level);
}

struct irq_line pic_irq_line(struct pic *p)
{
	return (struct irq_line){ irq_line_to_pic, p };
}

/* 8259A "Initialization Command Words": ICW1 resets the chip's state. */
static void icw1(struct pic_chip *c, uint8_t v)
{
	c->icw1 = v;
	c->init_step = 2;
	c->imr = 0;
	c->isr = 0;
	c->irr &= c->level & level_mask(c);	/* edge sense reset: edges must recur */
	c->lowest = 7;
	c->read_isr = false;
	c->poll = false;
	c->special_mask = false;
	c->rotate_aeoi = false;
	if (!(v & ICW1_IC4))
		c->icw4 = 0;
}

static void icw_next(struct pic_chip *c, uint8_t v)
{
	switch (c->init_step) {
	case 2:
		c->base = v & 0xf8;	/* 8086 mode: T7-T3; IR number in the low bits */
		c->init_step = !(c->icw1 & ICW1_SNGL) ? 3 : (c->icw1 & ICW1_IC4) ? 4 : 0;
		break;
	case 3:
		c->icw3 = v;
		c->init_step = (c->icw1 & ICW1_IC4) ? 4 : 0;
		break;
	default:
		c->icw4 = v & 0x1f;
		c->init_step = 0;
		break;
	}
}

/* 8259A "Operation Command Words", OCW2: R, SL, EOI in D7-D5, level in D2-D0. */
static void ocw2(struct pic_chip *c, uint8_t v)
{
	unsigned lvl = v & 7;
	int ir;

	switch (v >> 5) {
	case 1:			/* non-specific EOI */
	case 5:			/* rotate on non-specific EOI */
		ir = highest(c, c->isr);
		if (ir < 0)
			break;
		c->isr &= (uint8_t)~(1u << ir);
		if (v >> 5 == 5)
			c->lowest = (uint8_t)ir;
		break;
	case 3:			/* specific EOI */
	case 7:			/* rotate on specific EOI */
		c->isr &= (uint8_t)~(1u << lvl);
		if (v >> 5 == 7)
			c->lowest = (uint8_t)lvl;
		break;
	case 6:			/* set priority */
		c->lowest = (uint8_t)lvl;
		break;
	case 4:			/* rotate in automatic EOI mode: set */
	case 0:			/* ...: clear */
		c->rotate_aeoi = (v >> 5) == 4;
		break;
	default:		/* 2: no operation */
		break;
	}
}

/* OCW3: D6-D5 ESMM/SMM, D2 poll, D1-D0 RR/RIS. */
static void ocw3(struct pic_chip *c, uint8_t v)
{
	if (v & 0x40)
		c->special_mask = v & 0x20;
	if (v & 0x04)
		c->poll = true;
	if (v & 0x02)
		c->read_isr = v & 0x01;
}

static void chip_write(struct pic *p, unsigned chip, unsigned port, uint8_t v)
{
	struct pic_chip *c = &p->c[chip];

	if (port == 0) {
		if (v & ICW1_INIT)
			icw1(c, v);
		else if (v & OCW3_SEL)
			ocw3(c, v);
		else
			ocw2(c, v);
	} else if (c->init_step) {
		icw_next(c, v);
	} else {
		c->imr = v;	/* OCW1 */
	}
	update(p);
}

/* Poll command (OCW3 P=1): the next read is an INTA; I=D7, W2-W0 the level. */
static uint8_t chip_poll(struct pic *p, unsigned chip)
{
	struct pic_chip *c = &p->c[chip];
	c->poll = false;
	int ir = chip_ack(c, chip == MASTER);
	if (chip == MASTER && ir == CASCADE_IR)
		cascade_served(p);
	update(p);
	return ir < 0 ? 0 : (uint8_t)(0x80 | ir);
}

static uint8_t chip_read(struct pic *p, unsigned chip, unsigned port)
{
	const struct pic_chip *c = &p->c[chip];

	if (c->poll)
		return chip_poll(p, chip);
	if (port == 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

/* A wider access covers the following ports, as the ISA bus splits it. */
static uint64_t read_bytes(struct pic *p, unsigned chip, uint64_t off, unsigned size)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < size && i < 8 && off + i < 2; i++)
		v |= (uint64_t)chip_read(p, chip, (unsigned)(off + i)) << (8 * i);
	return v;
}

static void write_bytes(struct pic *p, unsigned chip, uint64_t off, unsigned size, uint64_t val)
{
	for (unsigned i = 0; i < size && i < 8 && off + i < 2; i++)
		chip_write(p, chip, (unsigned)(off + i), (uint8_t)(val >> (8 * i)));
}

static uint64_t master_read(void *dev, uint64_t off, unsigned size)
{
	return read_bytes(dev, MASTER, off, size);
}

static void master_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	write_bytes(dev, MASTER, off, size, val);
}

static uint64_t slave_read(void *dev, uint64_t off, unsigned size)
{
	return read_bytes(dev, SLAVE, off, size);
}

static void slave_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	write_bytes(dev, SLAVE, off, size, val);
}

static uint64_t elcr_read(void *dev, uint64_t off, unsigned size)
{
	struct pic *p = dev;
	uint64_t v = 0;
	for (unsigned i = 0; i < size && i < 8 && off + i < 2; i++)
		v |= (uint64_t)p->c[off + i].elcr << (8 * i);
	return v;
}

/* A line switched to level mode takes its IRR bit from the input now. */
static void elcr_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct pic *p = dev;
	for (unsigned i = 0; i < size && i < 8 && off + i < 2; i++) {
		struct pic_chip *c = &p->c[off + i];
		c->elcr = (uint8_t)(val >> (8 * i)) & elcr_writable[off + i];
		uint8_t lm = level_mask(c);
		c->irr = (uint8_t)((c->irr & ~lm) | (c->level & lm));
	}
	update(p);
}

const struct io_dev_ops pic_master_ops = { master_read, master_write };
const struct io_dev_ops pic_slave_ops = { slave_read, slave_write };
const struct io_dev_ops pic_elcr_ops = { elcr_read, elcr_write };

/* What SeaBIOS's pic_setup() leaves: ICW1 0x11, ICW2 0x08/0x70, ICW3 0x04/0x02,
 * ICW4 0x01, only the cascade unmasked. */
void pic_init(struct pic *p, const struct irq_line *intr)
{
	static const uint8_t seq[2][5] = { { 0x11, 0x08, 0x04, 0x01, 0xfb },
					   { 0x11, 0x70, 0x02, 0x01, 0xff } };
	*p = (struct pic){ 0 };
	if (intr)
		p->intr = *intr;
	for (unsigned chip = 0; chip < 2; chip++) {
		chip_write(p, chip, 0, seq[chip][0]);
		for (unsigned i = 1; i < 5; i++)
			chip_write(p, chip, 1, seq[chip][i]);
	}
}
