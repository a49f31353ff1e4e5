/* The guest's I/O APIC (Intel 82093AA data sheet): 24 redirection entries,
 * indirect register access through IOREGSEL (offset 0x00) and IOWIN (0x10).
 * Interrupt messages go out through a sink callback -- wire it to
 * lapic_receive_cb with the vCPU's struct lapic as context.
 *
 * How the VMX side drives it:
 *   ioapic_init(&io, id, sink); register ioapic_mmio_ops at IOAPIC_DEFAULT_BASE
 *   for IOAPIC_MMIO_LEN bytes; devices' irq_lines call ioapic_set_irq(gsi,
 *   level) (or use ioapic_irq_line(&io) as their struct irq_line); the local
 *   APIC's EOI hook (lapic_params.eoi) is ioapic_eoi_cb with &io. */
#ifndef EMUL_DEV_IOAPIC_H
#define EMUL_DEV_IOAPIC_H
#include <stdint.h>
#include <stdbool.h>
#include "emul/dev/iobus.h"
#include "emul/dev/irq.h"
#include "emul/dev/lapic.h"

#define IOAPIC_DEFAULT_BASE	0xfec00000ull
#define IOAPIC_MMIO_LEN		0x20		/* IOREGSEL .. IOWIN (+ 0x1f) */
#define IOAPIC_PINS		24
#define IOAPIC_VERSION		0x11		/* 82093AA */

struct ioapic_sink {
	void (*deliver)(void *ctx, const struct apic_msg *m);
	void *ctx;
};

struct ioapic {
	uint8_t id;			/* bits 27:24 of the ID register */
	uint8_t regsel;
	uint64_t redir[IOAPIC_PINS];
	uint32_t level;			/* input pin levels, bit per pin */
	struct ioapic_sink sink;
	uint64_t delivered;		/* messages sent (statistics, tests) */
};

void ioapic_init(struct ioapic *io, uint8_t id, struct ioapic_sink sink);
/* Input pin @gsi is now at @level (asserted = true; the model takes the
 * line's logical level, as QEMU's does, and does not invert for the
 * polarity bit). Edge entries fire on a rising edge, level entries while
 * asserted and their remote IRR is clear. */
void ioapic_set_irq(struct ioapic *io, unsigned gsi, bool level);
/* A local APIC's EOI for @vector: clears remote IRR of matching level
 * entries and delivers again where the line is still asserted. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

/* Adapters for struct irq_line / lapic_params.eoi. */
void ioapic_set_irq_cb(void *io, unsigned gsi, bool level);
void ioapic_eoi_cb(void *io, uint8_t vector);
static inline struct irq_line ioapic_irq_line(struct ioapic *io)
{
	return (struct irq_line){ ioapic_set_irq_cb, io };
}

/* Register access by index (IOREGSEL value), also used by the MMIO ops. */
uint32_t ioapic_reg_read(const struct ioapic *io, uint8_t reg);
void ioapic_reg_write(struct ioapic *io, uint8_t reg, uint32_t val);

extern const struct io_dev_ops ioapic_mmio_ops;

#endif
