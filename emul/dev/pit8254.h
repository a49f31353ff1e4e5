/* Intel 8254 programmable interval timer as wired in a PC: 1.193182 MHz on
 * every CLK input, channel 0's OUT on IRQ0, channel 2's GATE and OUT on
 * port 0x61 (with the speaker enable and the refresh toggle), channel 1
 * (DRAM refresh) modelled but connected to nothing.
 *
 * Counts are computed from the guest time (struct dev_clock); nothing runs
 * per tick. The VMX side:
 *   pit_init(&pit, &irq, &clock)    irq: line 0 is set to channel 0's OUT
 *   iobus_add(bus, 0x40, 4, &pit_ops, &pit, "pit")
 *   iobus_add(bus, 0x61, 1, &pit_port61_ops, &pit, "port61")
 *   pit_next_event_ns(&pit)  -> the guest time of OUT0's next rising edge
 *   pit_advance(&pit, now)   -> raises IRQ0 if an edge is due (idempotent;
 *                               missed periods are coalesced into one edge)
 * A port write can change the next event: re-read it after each I/O exit. */
#ifndef EMUL_DEV_PIT8254_H
#define EMUL_DEV_PIT8254_H
#include <stdint.h>
#include <stdbool.h>
#include "emul/dev/iobus.h"
#include "emul/dev/irq.h"

#define PIT_HZ 1193182u

struct pit_channel {
	uint8_t mode_bits;	/* M2-M0 as programmed (status byte) */
	uint8_t mode;		/* effective mode 0..5 (6, 7 are 2, 3) */
	uint8_t rw;		/* RW1-RW0: 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;
	uint16_t cr;		/* count register, as written */
	bool cr_valid;		/* a complete count was written since the control word */
	bool write_msb;		/* RW=3: the next write is the MSB */
	uint8_t lsb;		/* RW=3: the LSB written first */
	bool read_msb;		/* RW=3: the next unlatched read is the MSB */
	uint8_t latch_left;	/* bytes of the latched count still to read */
	uint16_t latch;
	bool status_latched;
	uint8_t status;
	bool gate;
	/* Counting: from base_tick on the counter holds base_count and counts
	 * (while running); before that, or stopped, it shows hold/hold_out. */
	bool running;
	uint64_t base_tick;
	uint32_t base_count;	/* modes 0/1/4/5: CLKs to terminal count; 2/3: n */
	uint32_t n;		/* the count in effect (1..65536, BCD 1..10000) */
	bool base_rise;		/* modes 2/3: OUT rose at base_tick (a pending reload) */
	uint32_t phase;		/* modes 2/3: CLKs of the period already gone at base_tick */
	bool out0;		/* modes 0/1: terminal count already reached; 4/5: strobe done */
	uint32_t hold;
	bool hold_out;
	bool pend;		/* modes 2/3: a new count loads at pend_tick */
	bool pend_low;		/* mode 3: ...ending a high half: OUT falls there */
	uint64_t pend_tick;
	uint32_t pend_n;
	uint64_t null_until;	/* null count until this tick (UINT64_MAX: until loaded) */
};

struct pit {
	struct pit_channel ch[3];
	struct irq_line irq;
	struct dev_clock clock;
	uint8_t port61;		/* bits 0-3 as written */
	bool irq_level;		/* the level last given to IRQ0 */
	uint64_t irq_tick;	/* OUT0 edges up to this tick have been delivered */
	uint64_t irq_edges;	/* rising edges of OUT0 so far (statistics) */
	uint64_t irq_coalesced;	/* of those, merged into another (missed ticks) */
};

extern const struct io_dev_ops pit_ops, pit_port61_ops;

/* Power-on as QEMU/SeaBIOS leave it: every channel in mode 3 with count
 * 65536 (18.2 Hz on IRQ0), channel 2's gate low. @irq, @clock may be NULL. */
void pit_init(struct pit *p, const struct irq_line *irq, const struct dev_clock *clock);
uint64_t pit_next_event_ns(const struct pit *p);
void pit_advance(struct pit *p, uint64_t now_ns);
/* For tests and debugging: channel @c's count and OUT at the clock's now. */
uint16_t pit_read_count(struct pit *p, unsigned c);
bool pit_out(struct pit *p, unsigned c);

#endif
