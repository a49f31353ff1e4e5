/* The PC's real-time clock and CMOS RAM (Motorola MC146818A and its PC
 * descendants) at ports 0x70 (index, bit 7 = NMI mask) and 0x71 (data).
 * Time and date are computed from a wall-clock base and the guest time;
 * periodic, alarm and update-ended interrupts come out on IRQ8 as a level
 * that stays up until the guest reads register C.
 *
 * The VMX side:
 *   rtc_init(&rtc, &cfg, &irq, &clock)   irq line 8 carries the IRQ output
 *   iobus_add(bus, 0x70, 2, &rtc_ops, &rtc, "rtc")
 *   rtc_next_event_ns(&rtc) / rtc_advance(&rtc, now)  (re-read the next
 *   event after each I/O exit: register writes change it)
 *   rtc_nmi_masked(&rtc): the guest's NMI mask (port 0x70 bit 7). */
#ifndef EMUL_DEV_RTC_CMOS_H
#define EMUL_DEV_RTC_CMOS_H
#include <stdint.h>
#include <stdbool.h>
#include "emul/dev/iobus.h"
#include "emul/dev/irq.h"

#define RTC_IRQ 8

struct rtc_config {
	int64_t epoch_sec;	/* wall time at the clock's "now" during init (Unix seconds) */
	uint64_t ram_below_4g;	/* guest RAM in bytes below 4 GiB ... */
	uint64_t ram_above_4g;	/* ... and above it, for the CMOS size bytes */
	unsigned cpus;		/* 0x5f: number of CPUs - 1 (SeaBIOS); 0 means 1 */
};

struct rtc {
	uint8_t cmos[128];	/* registers and RAM; time bytes used while SET=1 */
	uint8_t index;
	bool nmi_masked;
	int64_t base_sec;	/* wall time (Unix seconds) at guest time base_ns ... */
	int64_t base_ns;	/* ... updates fall at base_ns + k seconds */
	int64_t div_ns;		/* origin of the divider chain (periodic rate phase) */
	int64_t synced_ns;	/* flags hold every event up to this guest time */
	uint8_t flags;		/* register C's PF, AF, UF as accumulated */
	uint8_t dow_adj;	/* day of week offset the guest wrote (0..6) */
	bool irq_level;
	struct irq_line irq;
	struct dev_clock clock;
};

extern const struct io_dev_ops rtc_ops;

/* Power-on: A = 0x26 (32.768 kHz, 1024 Hz rate), B = 0x02 (24 h, BCD),
 * C = 0, D = 0x80, the memory-size bytes SeaBIOS reads (0x15-0x18,
 * 0x30-0x31, 0x34-0x35, 0x5b-0x5d), 0x5f, and the 0x2e/0x2f checksum. */
void rtc_init(struct rtc *r, const struct rtc_config *cfg, const struct irq_line *irq,
	      const struct dev_clock *clock);
uint64_t rtc_next_event_ns(const struct rtc *r);
void rtc_advance(struct rtc *r, uint64_t now_ns);
bool rtc_nmi_masked(const struct rtc *r);
/* The wall time the clock shows now (Unix seconds), for tests and logs. */
int64_t rtc_time(struct rtc *r);

#endif
