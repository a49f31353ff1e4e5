/* Host tests for the MC146818A RTC/CMOS model (emul/dev/rtc_cmos.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "emul/dev/rtc_cmos.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define T0 1700000000	/* 2023-11-14 22:13:20 UTC, a Tuesday */

struct env {
	struct rtc rtc;
	uint64_t ns;
	unsigned rises;
	bool level;
};

static uint64_t clock_now(void *ctx) { return ((struct env *)ctx)->ns; }

static void irq_set(void *ctx, unsigned line, bool level)
{
	struct env *e = ctx;
	assert_int_equal(line, 8);
	assert_true(level != e->level);
	e->rises += level;
	e->level = level;
}

static struct env *setup_at(int64_t epoch, uint64_t start_ns)
{
	static struct env e;
	memset(&e, 0, sizeof(e));
	struct irq_line irq = { irq_set, &e };
	struct dev_clock clk = { clock_now, &e };
	struct rtc_config cfg = { .epoch_sec = epoch, .ram_below_4g = 64 << 20 };
	e.ns = start_ns;
	rtc_init(&e.rtc, &cfg, &irq, &clk);
	return &e;
}

static struct env *setup(void) { return setup_at(T0, 0); }

static uint8_t rd(struct env *e, uint8_t reg)
{
	rtc_ops.write(&e->rtc, 0, 1, reg);
	return (uint8_t)rtc_ops.read(&e->rtc, 1, 1);
}

static void wr(struct env *e, uint8_t reg, uint8_t v)
{
	rtc_ops.write(&e->rtc, 0, 1, reg);
	rtc_ops.write(&e->rtc, 1, 1, v);
}

static void advance_to(struct env *e, uint64_t ns)
{
	e->ns = ns;
	rtc_advance(&e->rtc, ns);
}

static void power_on_registers(void **state)
{
	(void)state;
	struct env *e = setup();
	assert_int_equal(rd(e, 0x0a), 0x26);
	assert_int_equal(rd(e, 0x0b), 0x02);
	assert_int_equal(rd(e, 0x0c), 0x00);
	assert_int_equal(rd(e, 0x0d), 0x80);
	assert_int_equal(rtc_ops.read(&e->rtc, 0, 1), 0xff);	/* index is write-only */
	assert_false(e->level);
	assert_int_equal(rtc_next_event_ns(&e->rtc), UINT64_MAX);	/* no interrupt enabled */
}

static void time_in_bcd(void **state)
{
	(void)state;
	struct env *e = setup();
	assert_int_equal(rd(e, 0x00), 0x20);
	assert_int_equal(rd(e, 0x02), 0x13);
	assert_int_equal(rd(e, 0x04), 0x22);
	assert_int_equal(rd(e, 0x06), 3);	/* Sunday = 1 */
	assert_int_equal(rd(e, 0x07), 0x14);
	assert_int_equal(rd(e, 0x08), 0x11);
	assert_int_equal(rd(e, 0x09), 0x23);
	assert_int_equal(rd(e, 0x32), 0x20);
}

static void time_in_binary(void **state)
{
	(void)state;
	struct env *e = setup();
	wr(e, 0x0b, 0x06);	/* DM binary, 24 h */
	assert_int_equal(rd(e, 0x00), 20);
	assert_int_equal(rd(e, 0x02), 13);
	assert_int_equal(rd(e, 0x04), 22);
	assert_int_equal(rd(e, 0x07), 14);
	assert_int_equal(rd(e, 0x08), 11);
	assert_int_equal(rd(e, 0x09), 23);
	assert_int_equal(rd(e, 0x32), 20);
}

static void twelve_hour_mode(void **state)
{
	(void)state;
	static const struct { int64_t t; uint8_t bcd, bin; } cases[] = {
		{ T0, 0x90, 0x8a },			/* 22:13 -> 10 PM */
		{ 1699920000, 0x12, 12 },		/* 00:00 -> 12 AM */
		{ 1699963200, 0x92, 0x8c },		/* 12:00 -> 12 PM */
		{ 1699920000 + 3600, 0x01, 1 },		/* 01:00 AM */
		{ 1699963200 + 3600 * 11, 0x91, 0x8b },	/* 23:00 -> 11 PM */
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct env *e = setup_at(cases[i].t, 0);
		wr(e, 0x0b, 0x00);	/* BCD, 12 h */
		assert_int_equal(rd(e, 0x04), cases[i].bcd);
		wr(e, 0x0b, 0x04);	/* binary, 12 h */
		assert_int_equal(rd(e, 0x04), cases[i].bin);
	}
}

static void clock_follows_guest_time(void **state)
{
	(void)state;
	struct env *e = setup_at(T0, 5 * SEC);
	e->ns = 5 * SEC + 999 * MS;
	assert_int_equal(rd(e, 0x00), 0x20);
	e->ns = 6 * SEC;
	assert_int_equal(rd(e, 0x00), 0x21);
	e->ns = 5 * SEC + 61 * SEC;
	assert_int_equal(rd(e, 0x00), 0x21);
	assert_int_equal(rd(e, 0x02), 0x14);
	e->ns = 5 * SEC + 2 * 3600 * SEC;	/* past midnight: Wednesday the 15th */
	assert_int_equal(rd(e, 0x04), 0x00);
	assert_int_equal(rd(e, 0x07), 0x15);
	assert_int_equal(rd(e, 0x06), 4);
	assert_int_equal(rtc_time(&e->rtc), T0 + 2 * 3600);
}

static void calendar_rollovers(void **state)
{
	(void)state;
	static const struct { int64_t t; uint8_t day, mon, year, cent; } cases[] = {
		{ 1704067199, 0x01, 0x01, 0x24, 0x20 },	/* 2023-12-31 -> 2024-01-01 */
		{ 1709164799, 0x29, 0x02, 0x24, 0x20 },	/* 2024 is a leap year */
		{ 4107542399, 0x01, 0x03, 0x00, 0x21 },	/* 2100 is not */
		{ 951782399, 0x29, 0x02, 0x00, 0x20 },	/* 2000 is */
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct env *e = setup_at(cases[i].t, 0);
		assert_int_equal(rd(e, 0x00), 0x59);
		e->ns = SEC;
		assert_int_equal(rd(e, 0x00), 0x00);
		assert_int_equal(rd(e, 0x02), 0x00);
		assert_int_equal(rd(e, 0x04), 0x00);
		assert_int_equal(rd(e, 0x07), cases[i].day);
		assert_int_equal(rd(e, 0x08), cases[i].mon);
		assert_int_equal(rd(e, 0x09), cases[i].year);
		assert_int_equal(rd(e, 0x32), cases[i].cent);
	}
}

/* Every day from 1970 to 2199 against a plain day-by-day calendar. */
static void calendar_matches_day_counting(void **state)
{
	(void)state;
	static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y = 1970, m = 1, d = 1, dow = 4;	/* Thursday, 0 = Sunday */
	struct rtc r;
	int64_t day;
	for (day = 0; y < 2200; day++) {
		struct rtc_config cfg = { .epoch_sec = day * 86400 + (day * 7919) % 86400 };
		rtc_init(&r, &cfg, NULL, NULL);
		r.cmos[0x0b] = 0x06;		/* binary */
		static const uint8_t regs[] = { 0x06, 0x07, 0x08, 0x09, 0x32 };
		uint8_t v[5];
		for (unsigned i = 0; i < 5; i++) {
			rtc_ops.write(&r, 0, 1, regs[i]);
			v[i] = (uint8_t)rtc_ops.read(&r, 1, 1);
		}
		if (v[0] != dow + 1 || v[1] != d || v[2] != m || v[3] != y % 100 || v[4] != y / 100) {
			print_error("day %lld: %u-%u-%u dow %u, read %u/%u/%u/%u dow %u\n", (long long)day,
				    y, m, d, dow, v[4], v[3], v[2], v[1], v[0]);
			fail();
		}
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		dow = (dow + 1) % 7;
		if (++d > mdays[m - 1] + (m == 2 && leap)) {
			d = 1;
			if (++m > 12)
				m = 1, y++;
		}
	}
	assert_int_equal(day, 84006);
}

/* Linux mc146818_set_time(): SET, divider reset, write, SET off, divider on. */
static void set_time_like_linux(void **state)
{
	(void)state;
	struct env *e = setup();
	e->ns = 10 * SEC + 300 * MS;
	uint8_t b = rd(e, 0x0b), a = rd(e, 0x0a);
	wr(e, 0x0b, b | 0x80);
	wr(e, 0x0a, a | 0x70);
	wr(e, 0x00, 0x30);
	wr(e, 0x02, 0x45);
	wr(e, 0x04, 0x07);
	wr(e, 0x07, 0x01);
	wr(e, 0x08, 0x01);
	wr(e, 0x09, 0x26);
	wr(e, 0x32, 0x20);
	assert_int_equal(rd(e, 0x00), 0x30);	/* SET: registers hold what was written */
	e->ns += 5 * SEC;
	assert_int_equal(rd(e, 0x00), 0x30);
	wr(e, 0x0b, b);
	wr(e, 0x0a, a);
	assert_int_equal(rtc_time(&e->rtc), 1767225600 + 7 * 3600 + 45 * 60 + 30);
	/* Day of week is a counter of its own: Linux does not write it, so it
	 * keeps Tuesday as on the chip; written, it follows the date. */
	assert_int_equal(rd(e, 0x06), 3);
	wr(e, 0x06, 5);				/* 2026-01-01 is a Thursday */
	assert_int_equal(rd(e, 0x06), 5);
	uint64_t t = e->ns;
	e->ns = t + 499 * MS;			/* first update 500 ms after the divider restarts */
	assert_int_equal(rd(e, 0x00), 0x30);
	e->ns = t + 500 * MS;
	assert_int_equal(rd(e, 0x00), 0x31);
	e->ns = t + 1500 * MS;
	assert_int_equal(rd(e, 0x00), 0x32);
}

static void set_bit_freezes_and_restarts(void **state)
{
	(void)state;
	struct env *e = setup();
	e->ns = 2 * SEC + 100 * MS;
	wr(e, 0x0b, 0x82);
	assert_int_equal(rd(e, 0x00), 0x22);	/* the time it froze at */
	e->ns = 9 * SEC;
	assert_int_equal(rd(e, 0x00), 0x22);
	assert_int_equal(rd(e, 0x0a) & 0x80, 0);	/* no UIP while SET */
	wr(e, 0x0b, 0x02);			/* counts on from there, 1 s to the next update */
	e->ns = 10 * SEC - 1;
	assert_int_equal(rd(e, 0x00), 0x22);
	e->ns = 10 * SEC;
	assert_int_equal(rd(e, 0x00), 0x23);
}

static void write_seconds_while_running(void **state)
{
	(void)state;
	struct env *e = setup();
	e->ns = 700 * MS;
	wr(e, 0x00, 0x05);
	assert_int_equal(rd(e, 0x00), 0x05);
	assert_int_equal(rd(e, 0x02), 0x13);
	e->ns = SEC;				/* the second phase is kept */
	assert_int_equal(rd(e, 0x00), 0x06);
	wr(e, 0x0b, 0x06);			/* binary */
	wr(e, 0x04, 3);
	assert_int_equal(rd(e, 0x04), 3);
	wr(e, 0x06, 1);				/* day of week: Sunday */
	assert_int_equal(rd(e, 0x06), 1);
	e->ns = SEC + 24 * 3600 * SEC;
	assert_int_equal(rd(e, 0x06), 2);
}

static void hostile_time_values_clamped(void **state)
{
	(void)state;
	struct env *e = setup();
	wr(e, 0x0b, 0x82);
	static const uint8_t regs[] = { 0, 2, 4, 6, 7, 8, 9, 0x32 };
	for (unsigned i = 0; i < sizeof(regs); i++)
		wr(e, regs[i], 0xff);
	wr(e, 0x0b, 0x02);
	int64_t t = rtc_time(&e->rtc);
	assert_true(t > 0);
	assert_true(t < 253402300800ll);	/* before year 10000 */
	uint8_t s = rd(e, 0x00);
	assert_true((s & 15) <= 9 && (s >> 4) <= 5);
}

static void uip_before_each_update(void **state)
{
	(void)state;
	struct env *e = setup();
	e->ns = SEC - 244001;
	assert_int_equal(rd(e, 0x0a), 0x26);
	e->ns = SEC - 244000;
	assert_int_equal(rd(e, 0x0a), 0xa6);
	e->ns = SEC - 1;
	assert_int_equal(rd(e, 0x0a), 0xa6);
	assert_int_equal(rd(e, 0x00), 0x20);
	e->ns = SEC;
	assert_int_equal(rd(e, 0x0a), 0x26);
	assert_int_equal(rd(e, 0x00), 0x21);
	wr(e, 0x0a, 0xa6);			/* UIP is read-only */
	assert_int_equal(rd(e, 0x0a), 0x26);
}

static void periodic_rates(void **state)
{
	(void)state;
	/* RS -> period in ns (MC146818A table for a 32.768 kHz time base). */
	static const struct { uint8_t rs; uint64_t num, den; } rates[] = {
		{ 1, 3906250, 1 }, { 2, 7812500, 1 }, { 3, 244140625, 2000 },
		{ 6, 1953125, 2 }, { 10, 15625000, 1 }, { 15, 500000000, 1 },
	};
	for (unsigned i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct env *e = setup();
		wr(e, 0x0a, 0x20 | rates[i].rs);
		wr(e, 0x0b, 0x42);		/* PIE */
		for (uint64_t k = 1; k <= 5; k++) {
			uint64_t want = (k * rates[i].num + rates[i].den - 1) / rates[i].den;
			assert_int_equal(rtc_next_event_ns(&e->rtc), want);
			advance_to(e, want - 1);
			assert_false(e->level);
			advance_to(e, want);
			assert_true(e->level);
			assert_int_equal(rd(e, 0x0c) & 0xc0, 0xc0);	/* IRQF | PF (UF too at 1 s) */
			assert_false(e->level);
		}
	}
}

static void periodic_flag_without_pie(void **state)
{
	(void)state;
	struct env *e = setup();		/* 1024 Hz, PIE off */
	e->ns = 2 * MS;
	assert_int_equal(rd(e, 0x0c), 0x40);	/* PF, no IRQF */
	assert_int_equal(rd(e, 0x0c), 0x00);	/* cleared by the read */
	assert_int_equal(e->rises, 0);
	wr(e, 0x0a, 0x20);			/* rate 0: none */
	e->ns = 50 * MS;
	assert_int_equal(rd(e, 0x0c), 0x00);
}

static void enabling_pie_with_pf_pending(void **state)
{
	(void)state;
	struct env *e = setup();
	e->ns = 2 * MS;
	wr(e, 0x0b, 0x42);			/* PF already set: IRQF at once */
	assert_true(e->level);
	assert_int_equal(rd(e, 0x0c), 0xc0);
	assert_false(e->level);
}

static void irq_held_until_c_read(void **state)
{
	(void)state;
	struct env *e = setup();
	wr(e, 0x0b, 0x42);
	advance_to(e, 1 * MS);
	assert_true(e->level);
	assert_int_equal(rtc_next_event_ns(&e->rtc), UINT64_MAX);
	advance_to(e, 100 * MS);		/* many periods: still one rise */
	assert_int_equal(e->rises, 1);
	assert_int_equal(rd(e, 0x0c), 0xc0);
	assert_false(e->level);
	uint64_t next = rtc_next_event_ns(&e->rtc);
	assert_true(next > 100 * MS && next <= 100 * MS + 976563);
	advance_to(e, next);
	assert_int_equal(e->rises, 2);
}

static void update_ended_interrupt(void **state)
{
	(void)state;
	struct env *e = setup_at(T0, 250 * MS);
	wr(e, 0x0a, 0x20);			/* no periodic */
	wr(e, 0x0b, 0x12);			/* UIE */
	assert_int_equal(rtc_next_event_ns(&e->rtc), 1250 * MS);
	advance_to(e, 1250 * MS - 1);
	assert_false(e->level);
	advance_to(e, 1250 * MS);
	assert_true(e->level);
	assert_int_equal(rd(e, 0x0c), 0x90);	/* IRQF | UF */
	assert_int_equal(rd(e, 0x00), 0x21);
	assert_int_equal(rtc_next_event_ns(&e->rtc), 2250 * MS);
	advance_to(e, 1900 * MS);
	assert_false(e->level);			/* once per second */
	advance_to(e, 2250 * MS);
	assert_true(e->level);
	assert_int_equal(e->rises, 2);
}

static void set_clears_uie(void **state)
{
	(void)state;
	struct env *e = setup();
	wr(e, 0x0b, 0x92);
	assert_int_equal(rd(e, 0x0b), 0x82);
	wr(e, 0x0b, 0x02);
	advance_to(e, 5 * SEC);
	assert_false(e->level);
	assert_int_equal(rd(e, 0x0c), 0x50);	/* PF and UF set, no IRQ */
}

static void alarm_interrupt(void **state)
{
	(void)state;
	struct env *e = setup();		/* 22:13:20 */
	wr(e, 0x0a, 0x20);
	wr(e, 0x01, 0x25);
	wr(e, 0x03, 0x13);
	wr(e, 0x05, 0x22);
	wr(e, 0x0b, 0x22);			/* AIE */
	assert_int_equal(rtc_next_event_ns(&e->rtc), 5 * SEC);
	advance_to(e, 4 * SEC);
	assert_false(e->level);
	advance_to(e, 5 * SEC);
	assert_true(e->level);
	assert_int_equal(rd(e, 0x0c), 0xb0);	/* IRQF | AF | UF */
	/* Next match: tomorrow at the same time. */
	assert_int_equal(rtc_next_event_ns(&e->rtc), (5 + 86400) * SEC);
	/* Don't-care hour and minute: every hour at xx:xx:25 -> every minute. */
	wr(e, 0x03, 0xc0);
	wr(e, 0x05, 0xff);
	assert_int_equal(rtc_next_event_ns(&e->rtc), 65 * SEC);
	/* All don't care: every second. */
	wr(e, 0x01, 0xc5);
	assert_int_equal(rtc_next_event_ns(&e->rtc), 6 * SEC);
	/* An impossible alarm never fires. */
	wr(e, 0x01, 0x61);
	assert_int_equal(rtc_next_event_ns(&e->rtc), UINT64_MAX);
}

static uint8_t to_bcd(unsigned v) { return (uint8_t)((v / 10) << 4 | v % 10); }

/* Random alarms (don't-care bytes, BCD or binary, 12 or 24 h) against a
 * second-by-second search over the next two days. */
static void alarm_matches_brute_force(void **state)
{
	(void)state;
	uint32_t x = 31337;
	for (unsigned iter = 0; iter < 300; iter++) {
		x = x * 1103515245 + 12345;
		unsigned r = x >> 4;
		x = x * 1103515245 + 12345;
		int64_t start = T0 + (x >> 8) % (3 * 86400);
		bool bin = r & 1, h24 = r & 2;
		bool dc_s = (r >> 2) % 3 == 0, dc_m = (r >> 4) % 3 == 0, dc_h = (r >> 6) % 3 == 0;
		unsigned as = (r >> 8) % 60, am = (r >> 14) % 60, ah = (r >> 20) % 24;
		struct env *e = setup_at(start, 0);
		wr(e, 0x0a, 0x20);
		wr(e, 0x0b, (uint8_t)(0x20 | (bin ? 0x04 : 0) | (h24 ? 0x02 : 0)));
		unsigned h12 = ah % 12 ? ah % 12 : 12;
		uint8_t hour = h24 ? (bin ? (uint8_t)ah : to_bcd(ah))
				   : (uint8_t)((bin ? h12 : to_bcd(h12)) | (ah >= 12 ? 0x80 : 0));
		wr(e, 0x01, dc_s ? 0xc0 : bin ? (uint8_t)as : to_bcd(as));
		wr(e, 0x03, dc_m ? 0xff : bin ? (uint8_t)am : to_bcd(am));
		wr(e, 0x05, dc_h ? 0xc3 : hour);
		int64_t want = -1;
		for (int64_t t = start + 1; t <= start + 2 * 86400; t++) {
			int64_t sod = t % 86400;
			if ((dc_h || sod / 3600 == ah) && (dc_m || sod / 60 % 60 == am) &&
			    (dc_s || sod % 60 == as)) {
				want = t;
				break;
			}
		}
		assert_true(want > start);
		assert_int_equal(rtc_next_event_ns(&e->rtc), (uint64_t)(want - start) * SEC);
	}
}

static void alarm_in_12h_binary(void **state)
{
	(void)state;
	struct env *e = setup();
	wr(e, 0x0a, 0x20);
	wr(e, 0x0b, 0x24);			/* AIE, binary, 12 h */
	wr(e, 0x01, 0);
	wr(e, 0x03, 0);
	wr(e, 0x05, 0x8b);			/* 11 PM */
	uint64_t want = (uint64_t)(40 + 46 * 60) * SEC;	/* 22:13:20 -> 23:00:00 */
	assert_int_equal(rtc_next_event_ns(&e->rtc), want);
	advance_to(e, want + 10 * SEC);		/* late: still flagged */
	assert_true(e->level);
}

static void nmi_mask_bit(void **state)
{
	(void)state;
	struct env *e = setup();
	assert_false(rtc_nmi_masked(&e->rtc));
	rtc_ops.write(&e->rtc, 0, 1, 0x8d);
	assert_true(rtc_nmi_masked(&e->rtc));
	assert_int_equal(rtc_ops.read(&e->rtc, 1, 1), 0x80);	/* index 0x0d */
	rtc_ops.write(&e->rtc, 0, 1, 0x0f);
	assert_false(rtc_nmi_masked(&e->rtc));
	rtc_ops.write(&e->rtc, 0, 1, 0xff);	/* index 0x7f: in range */
	rtc_ops.write(&e->rtc, 1, 1, 0x5a);
	assert_int_equal(rtc_ops.read(&e->rtc, 1, 1), 0x5a);
}

static void word_access_index_and_data(void **state)
{
	(void)state;
	struct env *e = setup();
	rtc_ops.write(&e->rtc, 0, 2, 0x7740);	/* outw: index 0x40, data 0x77 */
	assert_int_equal(rd(e, 0x40), 0x77);
	rtc_ops.write(&e->rtc, 0, 1, 0x0d);
	assert_int_equal(rtc_ops.read(&e->rtc, 0, 2), 0x80ff);	/* index reads 0xff */
	rtc_ops.write(&e->rtc, 2, 1, 0x12);	/* outside the range: ignored */
	assert_int_equal(rtc_ops.read(&e->rtc, 5, 1), 0);
}

static void cmos_ram_and_read_only_regs(void **state)
{
	(void)state;
	struct env *e = setup();
	for (unsigned i = 0x0e; i < 0x80; i++) {
		if (i == 0x32)
			continue;
		wr(e, (uint8_t)i, (uint8_t)(i ^ 0xa5));
	}
	for (unsigned i = 0x0e; i < 0x80; i++)
		if (i != 0x32)
			assert_int_equal(rd(e, (uint8_t)i), (uint8_t)(i ^ 0xa5));
	wr(e, 0x0d, 0x00);
	assert_int_equal(rd(e, 0x0d), 0x80);
	wr(e, 0x0c, 0xff);
	assert_int_equal(rd(e, 0x0c) & 0x80, 0);
}

static void memory_size_bytes(void **state)
{
	(void)state;
	static const struct { uint64_t lo, hi; uint16_t ext, ext16; uint32_t high; } cases[] = {
		{ 64ull << 20, 0, 0xfc00, 0x0300, 0 },
		{ 3ull << 30, 0, 0xffff, 0xbf00, 0 },
		{ 3ull << 30, 1ull << 30, 0xffff, 0xbf00, 0x4000 },
		{ 1ull << 20, 0, 0, 0, 0 },
		{ 0, 1ull << 50, 0, 0, 0xffffff },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rtc r;
		struct rtc_config cfg = { .epoch_sec = T0, .ram_below_4g = cases[i].lo,
					  .ram_above_4g = cases[i].hi, .cpus = 2 };
		rtc_init(&r, &cfg, NULL, NULL);
		assert_int_equal(r.cmos[0x15] | r.cmos[0x16] << 8, 640);
		assert_int_equal(r.cmos[0x17] | r.cmos[0x18] << 8, cases[i].ext);
		assert_int_equal(r.cmos[0x30] | r.cmos[0x31] << 8, cases[i].ext);
		assert_int_equal(r.cmos[0x34] | r.cmos[0x35] << 8, cases[i].ext16);
		assert_int_equal(r.cmos[0x5b] | r.cmos[0x5c] << 8 | r.cmos[0x5d] << 16, cases[i].high);
		assert_int_equal(r.cmos[0x5f], 1);
		unsigned sum = 0;
		for (unsigned j = 0x10; j <= 0x2d; j++)
			sum += r.cmos[j];
		assert_int_equal(r.cmos[0x2e] << 8 | r.cmos[0x2f], sum & 0xffff);
	}
}

static void divider_reset_stops_everything(void **state)
{
	(void)state;
	struct env *e = setup();
	wr(e, 0x0b, 0x52);			/* PIE, UIE */
	rd(e, 0x0c);
	wr(e, 0x0a, 0x66);			/* divider reset */
	assert_int_equal(rtc_next_event_ns(&e->rtc), UINT64_MAX);
	advance_to(e, 10 * SEC);
	assert_false(e->level);
	assert_int_equal(rd(e, 0x00), 0x20);	/* time stood still */
	wr(e, 0x0a, 0x26);
	assert_int_equal(rtc_next_event_ns(&e->rtc), 10 * SEC + 976563);
	advance_to(e, 10 * SEC + 500 * MS);
	assert_int_equal(rd(e, 0x0c), 0xd0);	/* periodic and the first update */
	assert_int_equal(rd(e, 0x00), 0x21);
}

static void random_access_stays_sane(void **state)
{
	(void)state;
	struct env *e = setup();
	uint32_t x = 4242;
	for (unsigned i = 0; i < 60000; i++) {
		x = x * 1103515245 + 12345;
		unsigned r = x >> 8;
		e->ns += (r & 0xfff) * 10000;
		switch (r % 5) {
		case 0: rtc_ops.write(&e->rtc, (r >> 12) & 1, 1, (uint8_t)(r >> 13)); break;
		case 1: rtc_ops.read(&e->rtc, (r >> 12) & 1, 1); break;
		case 2: wr(e, (uint8_t)((r >> 12) & 0x0f), (uint8_t)(r >> 16)); break;
		default: {
			uint64_t ev = rtc_next_event_ns(&e->rtc);
			if (ev != UINT64_MAX && ev > e->ns && ev - e->ns < 100 * SEC)
				e->ns = ev;
			rtc_advance(&e->rtc, e->ns);
			assert_true(rtc_next_event_ns(&e->rtc) > e->ns);
		}
		}
		assert_true(e->level == e->rtc.irq_level);
	}
	rtc_advance(&e->rtc, UINT64_MAX);	/* the end of time is bounded too */
	rd(e, 0x00);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(power_on_registers),
		cmocka_unit_test(time_in_bcd),
		cmocka_unit_test(time_in_binary),
		cmocka_unit_test(twelve_hour_mode),
		cmocka_unit_test(clock_follows_guest_time),
		cmocka_unit_test(calendar_rollovers),
		cmocka_unit_test(calendar_matches_day_counting),
		cmocka_unit_test(set_time_like_linux),
		cmocka_unit_test(set_bit_freezes_and_restarts),
		cmocka_unit_test(write_seconds_while_running),
		cmocka_unit_test(hostile_time_values_clamped),
		cmocka_unit_test(uip_before_each_update),
		cmocka_unit_test(periodic_rates),
		cmocka_unit_test(periodic_flag_without_pie),
		cmocka_unit_test(enabling_pie_with_pf_pending),
		cmocka_unit_test(irq_held_until_c_read),
		cmocka_unit_test(update_ended_interrupt),
		cmocka_unit_test(set_clears_uie),
		cmocka_unit_test(alarm_interrupt),
		cmocka_unit_test(alarm_matches_brute_force),
		cmocka_unit_test(alarm_in_12h_binary),
		cmocka_unit_test(nmi_mask_bit),
		cmocka_unit_test(word_access_index_and_data),
		cmocka_unit_test(cmos_ram_and_read_only_regs),
		cmocka_unit_test(memory_size_bytes),
		cmocka_unit_test(divider_reset_stops_everything),
		cmocka_unit_test(random_access_stays_sane),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
