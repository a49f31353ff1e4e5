/* QEMU pc-testdev I/O ports (see pctestdev.h for the port map). Shade's own
 * implementation of the behaviour QEMU's kvm-unit-tests rely on. */
#include "emul/dev/pctestdev.h"

#define FLUSH_OFF	4	/* 0xe4 within the 0xe0 range */

void pctestdev_init(struct pctestdev *t, struct irq_line irq,
		    void (*flush_page)(void *ctx, uint64_t gpa), void *flush_ctx)
{
	*t = (struct pctestdev){ .irq = irq, .flush_page = flush_page, .flush_ctx = flush_ctx };
}

/* Byte @i of the window is a lane of the read-back register when it lies in
 * 0xe0-0xe3 or 0xe8-0xeb; returns the lane (0..3) or -1. */
static int data_lane(uint64_t off)
{
	if (off < 4)
		return (int)off;
	if (off >= 8 && off < 12)
		return (int)(off - 8);
	return -1;
}

static uint64_t port_read(void *dev, uint64_t off, unsigned size)
{
	struct pctestdev *t = dev;
	uint64_t v = 0;

	if (off >= PCTESTDEV_PORT_LEN)
		return 0;
	/* Byte by byte: an access straddling into the flush port reads 0 there. */
	for (unsigned i = 0; i < size && i < 8; i++) {
		int lane = data_lane(off + i);
		if (lane >= 0)
			v |= (uint64_t)((t->data >> (8 * lane)) & 0xff) << (8 * i);
	}
	return v;
}

static void port_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct pctestdev *t = dev;

	if (off >= PCTESTDEV_PORT_LEN)
		return;
	if (off == FLUSH_OFF) {
		/* QEMU accepts only 32-bit accesses at the flush port. */
		if (size == 4) {
			t->flushes++;
			if (t->flush_page)
				t->flush_page(t->flush_ctx, (val & 0xffffffffull) & ~0xfffull);
		}
		return;
	}
	for (unsigned i = 0; i < size && i < 8; i++) {
		int lane = data_lane(off + i);
		if (lane < 0)
			continue;
		t->data &= ~(0xffu << (8 * lane));
		t->data |= (uint32_t)((val >> (8 * i)) & 0xff) << (8 * lane);
	}
}

static uint64_t irq_read(void *dev, uint64_t off, unsigned size)
{
	(void)dev, (void)off, (void)size;
	return 0;
}

static void irq_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct pctestdev *t = dev;

	/* QEMU's IRQ region takes byte accesses only; wider ones are dropped. */
	if (size != 1 || off >= PCTESTDEV_IRQ_LEN)
		return;
	irq_line_set(&t->irq, (unsigned)off, (val & 0xff) != 0);
}

const struct io_dev_ops pctestdev_port_ops = { port_read, port_write };
const struct io_dev_ops pctestdev_irq_ops = { irq_read, irq_write };
