/* I/O APIC (Intel 82093AA data sheet, sections 3.1-3.2.4). */
#include <string.h>
#include "emul/dev/ioapic.h"

#define REG_ID		0x00
#define REG_VER		0x01
#define REG_ARB		0x02
#define REG_REDIR	0x10		/* 0x10 + 2n: low dword, +1: high dword */

#define IOREGSEL	0x00
#define IOWIN		0x10

/* Redirection entry bits (data sheet 3.2.4). */
#define RE_DEST_LOGICAL	(1ull << 11)
#define RE_DELIVS	(1ull << 12)	/* delivery status: RO, always idle here */
#define RE_REMOTE_IRR	(1ull << 14)	/* RO */
#define RE_LEVEL	(1ull << 15)
#define RE_MASKED	(1ull << 16)
/* Writable: vector, delivery mode, dest mode, polarity, trigger, mask,
 * destination [63:56]. */
#define RE_WMASK	(0xff00000000000000ull | 0x1afffull)

void ioapic_init(struct ioapic *io, uint8_t id, struct ioapic_sink sink)
{
	memset(io, 0, sizeof(*io));
	io->id = id & 0xf;
	io->sink = sink;
	/* Reset: every entry masked (data sheet 3.2.4, bit 16 reset value 1). */
	for (int i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = RE_MASKED;
}

static bool pin_high(const struct ioapic *io, unsigned pin)
{
	return io->level >> pin & 1;
}

/* Send the entry's message. SMI, INIT and reserved modes are dropped. */
static void deliver(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->redir[pin];
	struct apic_msg m = {
		.vector = (uint8_t)e,
		.delivery_mode = (uint8_t)((e >> 8) & 7),
		.level = e & RE_LEVEL,
		.logical = e & RE_DEST_LOGICAL,
		.dest = (uint32_t)(e >> 56),
	};

	switch (m.delivery_mode) {
	case APIC_DM_FIXED: case APIC_DM_LOWEST: case APIC_DM_NMI: case APIC_DM_EXTINT:
		break;
	default:
		return;
	}
	if (m.level && (m.delivery_mode == APIC_DM_FIXED || m.delivery_mode == APIC_DM_LOWEST))
		io->redir[pin] |= RE_REMOTE_IRR;	/* until the local APIC's EOI */
	io->delivered++;
	if (io->sink.deliver)
		io->sink.deliver(io->sink.ctx, &m);
}

/* A level entry whose line is asserted fires when unmasked and not already
 * in service (remote IRR clear). */
static void level_check(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->redir[pin];

	if ((e & RE_LEVEL) && !(e & (RE_MASKED | RE_REMOTE_IRR)) && pin_high(io, pin))
		deliver(io, pin);
}

void ioapic_set_irq(struct ioapic *io, unsigned gsi, bool level)
{
	if (gsi >= IOAPIC_PINS)
		return;
	bool was = pin_high(io, gsi);
	uint64_t e = io->redir[gsi];

	if (level)
		io->level |= 1u << gsi;
	else
		io->level &= ~(1u << gsi);
	if (e & RE_LEVEL)
		level_check(io, gsi);
	else if (level && !was && !(e & RE_MASKED))
		deliver(io, gsi);	/* an edge while masked is lost */
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t e = io->redir[pin];
		if ((uint8_t)e != vector || !(e & RE_REMOTE_IRR))
			continue;
		io->redir[pin] &= ~RE_REMOTE_IRR;
		level_check(io, pin);	/* still asserted: deliver again */
	}
}

void ioapic_set_irq_cb(void *io, unsigned gsi, bool level)
{
	ioapic_set_irq(io, gsi, level);
}

void ioapic_eoi_cb(void *io, uint8_t vector)
{
	ioapic_eoi(io, vector);
}

uint32_t ioapic_reg_read(const struct ioapic *io, uint8_t reg)
{
	switch (reg) {
	case REG_ID:
	case REG_ARB:		/* arbitration ID: loaded from the ID (3.2.3) */
		return (uint32_t)io->id << 24;
	case REG_VER:		/* max redirection entry in [23:16] (3.2.2) */
		return (IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
	default:
		break;
	}
	if (reg >= REG_REDIR && reg < REG_REDIR + 2 * IOAPIC_PINS) {
		uint64_t e = io->redir[(reg - REG_REDIR) / 2];
		return (reg & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
	}
	return 0;
}

void ioapic_reg_write(struct ioapic *io, uint8_t reg, uint32_t val)
{
	if (reg == REG_ID) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (reg < REG_REDIR || reg >= REG_REDIR + 2 * IOAPIC_PINS)
		return;		/* version, arbitration: read-only */
	unsigned pin = (reg - REG_REDIR) / 2;
	uint64_t e = io->redir[pin];
	uint64_t half = (reg & 1) ? (uint64_t)val << 32 : val;
	uint64_t m = RE_WMASK & ((reg & 1) ? 0xffffffff00000000ull : 0xffffffffull);

	e = (e & ~m) | (half & m);
	if (!(e & RE_LEVEL))
		e &= ~RE_REMOTE_IRR;	/* remote IRR is undefined for edge: keep it 0 */
	io->redir[pin] = e;
	level_check(io, pin);		/* unmasking an asserted level line */
}

static uint64_t mmio_read(void *dev, uint64_t off, unsigned size)
{
	struct ioapic *io = dev;
	(void)size;

	if (off == IOREGSEL)
		return io->regsel;
	if (off >= IOWIN && off < IOWIN + 4)
		return (uint64_t)ioapic_reg_read(io, io->regsel) >> (8 * (off - IOWIN));
	return 0;
}

static void mmio_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct ioapic *io = dev;

	if (off == IOREGSEL)
		io->regsel = (uint8_t)val;	/* bits 7:0 select, the rest ignored */
	else if (off == IOWIN && size >= 4)
		ioapic_reg_write(io, io->regsel, (uint32_t)val);	/* 32-bit only (3.0) */
}

const struct io_dev_ops ioapic_mmio_ops = { mmio_read, mmio_write };
