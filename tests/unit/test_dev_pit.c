/* Host tests for the 8254 PIT model (emul/dev/pit8254.c): counts read back
 * at chosen guest times, OUT waveforms, latch/read-back, port 0x61, IRQ0. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "emul/dev/pit8254.h"

struct env {
	struct pit pit;
	uint64_t ns;
	unsigned rises, falls;	/* IRQ0 transitions seen */
	bool level;
};

static uint64_t clock_now(void *ctx) { return ((struct env *)ctx)->ns; }

static void irq_set(void *ctx, unsigned line, bool level)
{
	struct env *e = ctx;
	assert_int_equal(line, 0);
	assert_true(level != e->level);	/* only real transitions */
	if (level)
		e->rises++;
	else
		e->falls++;
	e->level = level;
}

static uint64_t tick_ns(uint64_t t) { return dev_tick_ns(t, PIT_HZ); }

/* Guest time at the start of CLK tick @t. */
static void at_tick(struct env *e, uint64_t t)
{
	e->ns = tick_ns(t);
	assert_int_equal(dev_ticks(e->ns, PIT_HZ), t);
}

static struct env *setup(uint64_t start_tick)
{
	static struct env e;
	memset(&e, 0, sizeof(e));
	struct irq_line irq = { irq_set, &e };
	struct dev_clock clk = { clock_now, &e };
	at_tick(&e, start_tick);
	pit_init(&e.pit, &irq, &clk);
	return &e;
}

static void out(struct env *e, unsigned port, uint8_t v)
{
	if (port == 0x61)
		pit_port61_ops.write(&e->pit, 0, 1, v);
	else
		pit_ops.write(&e->pit, port - 0x40, 1, v);
}

static uint8_t in(struct env *e, unsigned port)
{
	if (port == 0x61)
		return (uint8_t)pit_port61_ops.read(&e->pit, 0, 1);
	return (uint8_t)pit_ops.read(&e->pit, port - 0x40, 1);
}

static void load16(struct env *e, unsigned port, uint16_t v)
{
	out(e, port, (uint8_t)v);
	out(e, port, (uint8_t)(v >> 8));
}

static uint16_t read16(struct env *e, unsigned port)
{
	uint8_t lo = in(e, port);
	return (uint16_t)(lo | in(e, port) << 8);
}

static void tick_helpers_exact(void **state)
{
	(void)state;
	for (uint64_t t = 0; t < 3000000; t += 7919) {
		uint64_t ns = tick_ns(t);
		assert_int_equal(dev_ticks(ns, PIT_HZ), t);
		if (ns)
			assert_int_equal(dev_ticks(ns - 1, PIT_HZ), t - 1);
	}
	/* One second is exactly PIT_HZ ticks; far times do not overflow. */
	assert_int_equal(dev_ticks(1000000000ull, PIT_HZ), PIT_HZ);
	assert_int_equal(dev_ticks(3600ull * 1000000000ull, PIT_HZ), 3600ull * PIT_HZ);
	uint64_t big = 1ull << 62;
	assert_true(dev_ticks(big, PIT_HZ) > (big / 1000000000ull) * PIT_HZ - 1);
	assert_int_equal(dev_ticks(tick_ns(dev_ticks(big, PIT_HZ)), PIT_HZ), dev_ticks(big, PIT_HZ));
}

static void power_on_is_18hz_mode3(void **state)
{
	(void)state;
	struct env *e = setup(0);
	assert_true(e->level);			/* mode 3 starts high */
	assert_int_equal(pit_next_event_ns(&e->pit), tick_ns(1 + 65536));
	at_tick(e, 65536);
	pit_advance(&e->pit, e->ns);
	assert_int_equal(e->rises, 1);		/* only the initial level */
	at_tick(e, 65537);
	pit_advance(&e->pit, e->ns);
	assert_int_equal(e->rises, 2);
	assert_int_equal(pit_next_event_ns(&e->pit), tick_ns(1 + 2 * 65536));
	/* Read-back status of counter 0: OUT high, RW=3, mode 3, binary. */
	out(e, 0x43, 0xe2);
	assert_int_equal(in(e, 0x40), 0xb6);
}

static void mode0_counts_down_and_out_rises(void **state)
{
	(void)state;
	struct env *e = setup(0);
	at_tick(e, 100);
	out(e, 0x43, 0x30);		/* counter 0, LSB/MSB, mode 0 */
	assert_false(e->level);		/* control word: OUT low at once */
	load16(e, 0x40, 1000);
	assert_int_equal(pit_next_event_ns(&e->pit), tick_ns(1101));
	at_tick(e, 101);
	assert_int_equal(pit_read_count(&e->pit, 0), 1000);
	at_tick(e, 600);
	assert_int_equal(read16(e, 0x40), 501);
	at_tick(e, 1100);
	assert_int_equal(pit_read_count(&e->pit, 0), 1);
	assert_false(pit_out(&e->pit, 0));
	pit_advance(&e->pit, e->ns);
	assert_false(e->level);
	at_tick(e, 1101);
	assert_true(pit_out(&e->pit, 0));
	pit_advance(&e->pit, e->ns);
	assert_true(e->level);
	assert_int_equal(e->rises, 2);		/* power-on level, then this one */
	/* The counter keeps wrapping; OUT stays high; no more events. */
	at_tick(e, 1102);
	assert_int_equal(pit_read_count(&e->pit, 0), 0xffff);
	assert_true(pit_out(&e->pit, 0));
	assert_int_equal(pit_next_event_ns(&e->pit), UINT64_MAX);
}

static void mode0_new_count_restarts(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0x30);
	load16(e, 0x40, 500);
	at_tick(e, 300);
	load16(e, 0x40, 1000);		/* reloaded at the next CLK */
	at_tick(e, 301);
	assert_int_equal(pit_read_count(&e->pit, 0), 1000);
	assert_int_equal(pit_next_event_ns(&e->pit), tick_ns(1301));
	at_tick(e, 1300);
	pit_advance(&e->pit, e->ns);
	assert_false(e->level);
}

static void mode0_first_byte_stops_counting(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0x30);
	load16(e, 0x40, 100);
	at_tick(e, 101);		/* terminal count: OUT high */
	pit_advance(&e->pit, e->ns);
	assert_true(e->level);
	at_tick(e, 150);
	out(e, 0x40, 0x20);		/* first byte: counting stops, OUT low */
	assert_false(e->level);
	at_tick(e, 170);
	assert_int_equal(pit_read_count(&e->pit, 0), (uint16_t)(100 - 149));
	out(e, 0x40, 0x00);		/* second byte: 0x0020 loads at the next CLK */
	at_tick(e, 171);
	assert_int_equal(pit_read_count(&e->pit, 0), 0x20);
	assert_int_equal(pit_next_event_ns(&e->pit), tick_ns(171 + 0x20));
}

static void word_access_splits(void **state)
{
	(void)state;
	struct env *e = setup(0);
	pit_ops.write(&e->pit, 2, 2, 0xb0 << 8 | 0x00);	/* 0x42 gets 0x00, 0x43 gets 0xb0 */
	assert_int_equal(e->pit.ch[2].mode, 0);
	assert_int_equal(e->pit.ch[2].rw, 3);
	pit_ops.write(&e->pit, 3, 4, 0xffffff34);	/* only 0x43 */
	assert_int_equal(e->pit.ch[0].mode, 2);
	assert_int_equal(pit_ops.read(&e->pit, 3, 2), 0xff);
}

static void mode2_rate_generator_waveform(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0x34);		/* counter 0, LSB/MSB, mode 2 */
	load16(e, 0x40, 100);
	for (uint64_t t = 1; t <= 300; t++) {
		at_tick(e, t);
		uint64_t k = (t - 1) % 100;
		assert_int_equal(pit_read_count(&e->pit, 0), 100 - k);
		assert_int_equal(pit_out(&e->pit, 0), k != 99);	/* low while the count is 1 */
	}
}

static void mode2_irq_every_period(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0x34);
	load16(e, 0x40, 1193);		/* Linux's LATCH for HZ=1000 */
	unsigned base = e->rises;
	for (unsigned i = 1; i <= 50; i++) {
		uint64_t ev = pit_next_event_ns(&e->pit);
		assert_int_equal(ev, tick_ns(1 + i * 1193ull));
		e->ns = ev - 1;
		pit_advance(&e->pit, e->ns);
		assert_int_equal(e->rises, base + i - 1);	/* not yet */
		e->ns = ev;
		pit_advance(&e->pit, e->ns);
		pit_advance(&e->pit, e->ns);			/* idempotent */
		assert_int_equal(e->rises, base + i);
	}
	/* ~1 ms per period. */
	assert_true(tick_ns(1193) > 999000 && tick_ns(1193) < 1001000);
}

static void mode2_missed_periods_coalesce(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0x34);
	load16(e, 0x40, 1000);
	unsigned base = e->rises;
	at_tick(e, 1 + 1000 * 10 + 500);	/* ten periods late */
	pit_advance(&e->pit, e->ns);
	assert_int_equal(e->rises, base + 1);	/* one edge for all of them */
	assert_int_equal(e->pit.irq_edges, 10);
	assert_int_equal(e->pit.irq_coalesced, 9);
	assert_int_equal(pit_next_event_ns(&e->pit), tick_ns(1 + 11000));
	/* Time going backwards changes nothing. */
	at_tick(e, 5);
	pit_advance(&e->pit, e->ns);
	assert_int_equal(e->rises, base + 1);
	/* A huge jump is one call, one edge. */
	e->ns = 1ull << 60;
	pit_advance(&e->pit, e->ns);
	assert_int_equal(e->rises, base + 2);
}

static void mode2_new_count_at_period_end(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0x34);
	load16(e, 0x40, 100);
	at_tick(e, 50);
	load16(e, 0x40, 40);
	out(e, 0x43, 0xe2);		/* status: null count until the reload */
	assert_int_equal(in(e, 0x40) & 0x40, 0x40);
	at_tick(e, 100);
	assert_int_equal(pit_read_count(&e->pit, 0), 1);	/* old period runs out */
	at_tick(e, 101);
	assert_int_equal(pit_read_count(&e->pit, 0), 40);
	/* Not delivered yet: the old period's end is the next event. */
	assert_int_equal(pit_next_event_ns(&e->pit), tick_ns(101));
	out(e, 0x43, 0xe2);		/* a port write catches IRQ0 up */
	assert_int_equal(in(e, 0x40) & 0x40, 0);
	assert_int_equal(e->pit.irq_edges, 1);
	assert_int_equal(pit_next_event_ns(&e->pit), tick_ns(141));
	at_tick(e, 141);
	pit_advance(&e->pit, e->ns);
	assert_int_equal(e->pit.irq_edges, 2);	/* at 101 and 141 */
}

static void mode3_square_wave_even(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0x36);
	load16(e, 0x40, 1000);
	for (uint64_t t = 1; t < 2001; t++) {
		at_tick(e, t);
		uint64_t r = (t - 1) % 1000;
		assert_int_equal(pit_out(&e->pit, 0), r < 500);
		assert_int_equal(pit_read_count(&e->pit, 0), 1000 - 2 * (r % 500));
	}
}

/* "If a new count is written during counting, it will be loaded at the end
 * of the current half-cycle." */
static void mode3_new_count_at_half_cycle(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0x36);
	load16(e, 0x40, 100);		/* high 1..50, low 51..100, rise at 101 */
	at_tick(e, 20);
	load16(e, 0x40, 40);		/* in the high half: loads at 51 */
	assert_int_equal(pit_next_event_ns(&e->pit), tick_ns(51 + 20));
	at_tick(e, 50);
	assert_true(pit_out(&e->pit, 0));
	at_tick(e, 51);
	assert_false(pit_out(&e->pit, 0));
	assert_int_equal(pit_read_count(&e->pit, 0), 40);
	at_tick(e, 70);
	assert_false(pit_out(&e->pit, 0));
	at_tick(e, 71);
	assert_true(pit_out(&e->pit, 0));
	at_tick(e, 111);
	pit_advance(&e->pit, e->ns);
	assert_int_equal(e->pit.irq_edges, 2);	/* 71 and 111 */
	/* In the low half: loads when it ends, with OUT rising. */
	at_tick(e, 135);		/* the period from 111: low half 131..150 */
	load16(e, 0x40, 10);
	at_tick(e, 150);
	assert_false(pit_out(&e->pit, 0));
	at_tick(e, 151);
	assert_true(pit_out(&e->pit, 0));
	assert_int_equal(pit_read_count(&e->pit, 0), 10);
	at_tick(e, 161);
	pit_advance(&e->pit, e->ns);
	assert_int_equal(e->pit.irq_edges, 4);	/* 151 and 161 */
	/* Twice in a row, early in the timeline and with the high halves: the
	 * second write lands in the first new low half. */
	struct env *f = setup(0);
	out(f, 0x43, 0x36);
	load16(f, 0x40, 8);		/* high 1..4, low 5..8 */
	at_tick(f, 2);
	load16(f, 0x40, 1000);		/* loads at 5, low half 5..504 */
	at_tick(f, 5);
	assert_false(pit_out(&f->pit, 0));
	at_tick(f, 100);
	load16(f, 0x40, 6);		/* in that low half: loads at 505, rising */
	assert_int_equal(pit_next_event_ns(&f->pit), tick_ns(505));
	at_tick(f, 504);
	assert_false(pit_out(&f->pit, 0));
	at_tick(f, 505);
	assert_true(pit_out(&f->pit, 0));
	at_tick(f, 508);
	assert_false(pit_out(&f->pit, 0));
	assert_int_equal(pit_next_event_ns(&f->pit), tick_ns(505));
	pit_advance(&f->pit, f->ns);
	assert_int_equal(pit_next_event_ns(&f->pit), tick_ns(511));
}

static void mode3_square_wave_odd(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0x36);
	load16(e, 0x40, 5);
	static const bool wave[5] = { 1, 1, 1, 0, 0 };	/* (N+1)/2 high, (N-1)/2 low */
	for (uint64_t t = 1; t < 21; t++) {
		at_tick(e, t);
		assert_int_equal(pit_out(&e->pit, 0), wave[(t - 1) % 5]);
		assert_int_equal(pit_read_count(&e->pit, 0) & 1, 0);
	}
	/* Rising edges every 5 ticks. */
	at_tick(e, 1 + 5 * 20);
	pit_advance(&e->pit, e->ns);
	assert_int_equal(e->pit.irq_edges, 20);
}

static void access_lsb_only_and_msb_only(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0x94);		/* counter 2, LSB only, mode 2 */
	out(e, 0x61, 0x01);		/* gate 2 */
	out(e, 0x42, 0x80);
	at_tick(e, 1);
	assert_int_equal(in(e, 0x42), 0x80);	/* reads give the LSB only */
	at_tick(e, 11);
	assert_int_equal(in(e, 0x42), 0x76);
	assert_int_equal(in(e, 0x42), 0x76);
	out(e, 0x43, 0xa4);		/* counter 2, MSB only, mode 2 */
	out(e, 0x42, 0x02);		/* count 0x200 */
	at_tick(e, 12);
	assert_int_equal(pit_read_count(&e->pit, 2), 0x200);
	at_tick(e, 12 + 0x100);
	assert_int_equal(in(e, 0x42), 0x01);	/* MSB of 0x100 */
}

static void lsb_msb_reads_alternate(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0x30);
	load16(e, 0x40, 0x1234);
	at_tick(e, 1);
	assert_int_equal(in(e, 0x40), 0x34);
	at_tick(e, 1 + 0x30);			/* no latch: the MSB is read live */
	assert_int_equal(in(e, 0x40), 0x12);
	assert_int_equal(in(e, 0x40), 0x04);
	/* A control word resets the byte pointer. */
	assert_int_equal(in(e, 0x40), 0x12);
	out(e, 0x43, 0x30);
	load16(e, 0x40, 0xabcd);
	at_tick(e, 1 + 0x31);
	assert_int_equal(read16(e, 0x40), 0xabcd);
}

static void counter_latch_command(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0x34);
	load16(e, 0x40, 5000);
	at_tick(e, 1001);
	out(e, 0x43, 0x00);		/* latch counter 0 */
	at_tick(e, 2001);
	out(e, 0x43, 0x00);		/* ignored: the first latch is unread */
	assert_int_equal(in(e, 0x40), (4000 & 0xff));
	at_tick(e, 3001);
	assert_int_equal(in(e, 0x40), 4000 >> 8);
	/* Released: live again. */
	assert_int_equal(read16(e, 0x40), 2000);
}

static void latch_with_lsb_only_is_one_byte(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0x14);		/* counter 0, LSB only, mode 2 */
	out(e, 0x40, 200);
	at_tick(e, 51);
	out(e, 0x43, 0x00);
	at_tick(e, 61);
	assert_int_equal(in(e, 0x40), 150);
	assert_int_equal(in(e, 0x40), 140);	/* live after one byte */
}

static void read_back_status_and_count(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0xb0);		/* counter 2, LSB/MSB, mode 0, binary */
	out(e, 0x43, 0xe8);		/* read-back status of counter 2 */
	/* OUT low (mode 0), null count, RW=3, mode 0. */
	assert_int_equal(in(e, 0x42), 0x70);
	out(e, 0x61, 0x01);
	load16(e, 0x42, 300);
	at_tick(e, 101);
	out(e, 0x43, 0xc8);		/* status and count of counter 2 */
	at_tick(e, 201);
	assert_int_equal(in(e, 0x42), 0x30);	/* status first: null count cleared */
	assert_int_equal(read16(e, 0x42), 200);	/* then the latched count */
	assert_int_equal(read16(e, 0x42), 100);	/* then live */
	at_tick(e, 301);
	out(e, 0x43, 0xe8);
	assert_int_equal(in(e, 0x42), 0xb0);	/* OUT high at terminal count */
}

static void read_back_several_counters(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0x34);
	load16(e, 0x40, 1000);
	out(e, 0x43, 0x74);		/* counter 1, mode 2 */
	load16(e, 0x41, 18);
	at_tick(e, 11);
	out(e, 0x43, 0xd6);		/* count of counters 0 and 1 (and 2 not) */
	at_tick(e, 500);
	assert_int_equal(read16(e, 0x40), 990);
	assert_int_equal(read16(e, 0x41), 8);
	/* Status latched twice: the second is ignored until read. */
	out(e, 0x43, 0xe2);
	at_tick(e, 501);
	out(e, 0x43, 0x34);		/* reprogram: the old status stays latched */
	out(e, 0x43, 0xe2);
	assert_int_equal(in(e, 0x40), 0xb4);	/* old: OUT high, RW=3, mode 2 */
	assert_int_equal(in(e, 0x40), 500 & 0xff);	/* then the count it stopped at */
}

static void bcd_counting(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0x35);		/* mode 2, BCD */
	load16(e, 0x40, 0x1000);	/* 1000 decimal */
	at_tick(e, 1 + 1);
	assert_int_equal(pit_read_count(&e->pit, 0), 0x0999);
	at_tick(e, 1 + 999);
	assert_int_equal(pit_read_count(&e->pit, 0), 0x0001);
	at_tick(e, 1 + 1000);
	assert_int_equal(pit_read_count(&e->pit, 0), 0x1000);
	assert_int_equal(pit_next_event_ns(&e->pit), tick_ns(1 + 1000));
	/* Count 0 in BCD is 10000. */
	out(e, 0x43, 0x31);
	load16(e, 0x40, 0);
	at_tick(e, 1002);
	assert_int_equal(pit_read_count(&e->pit, 0), 0x0000);
	at_tick(e, 1003);
	assert_int_equal(pit_read_count(&e->pit, 0), 0x9999);
	/* Hostile digits stay in range. */
	out(e, 0x43, 0x35);
	load16(e, 0x40, 0xffff);
	at_tick(e, 1005);
	uint16_t v = pit_read_count(&e->pit, 0);
	for (unsigned d = 0; d < 4; d++)
		assert_true(((v >> (4 * d)) & 15) <= 9);
}

static void port61_gate_speaker_out2(void **state)
{
	(void)state;
	struct env *e = setup(0);
	assert_int_equal(in(e, 0x61) & 0x0f, 0);
	out(e, 0x61, 0xff);		/* only bits 0-3 are writable */
	assert_int_equal(in(e, 0x61) & 0xcf, 0x0f);
	/* Linux pit_calibrate_tsc(): gate on, speaker off, counter 2 mode 0. */
	at_tick(e, 1000);
	out(e, 0x61, (in(e, 0x61) & ~0x02) | 0x01);
	out(e, 0x43, 0xb0);
	load16(e, 0x42, 11932);		/* ~10 ms */
	assert_int_equal(in(e, 0x61) & 0x20, 0);
	at_tick(e, 1000 + 11932);
	assert_int_equal(in(e, 0x61) & 0x20, 0);
	at_tick(e, 1001 + 11932);
	assert_int_equal(in(e, 0x61) & 0x20, 0x20);
	assert_int_equal(e->pit.irq_edges, 0);	/* counter 2 is not IRQ0 */
}

static void port61_refresh_toggles(void **state)
{
	(void)state;
	struct env *e = setup(0);
	e->ns = 0;
	uint8_t a = in(e, 0x61) & 0x10;
	e->ns = 15085;
	uint8_t b = in(e, 0x61) & 0x10;
	e->ns = 2 * 15085;
	uint8_t c = in(e, 0x61) & 0x10;
	assert_int_not_equal(a, b);
	assert_int_equal(a, c);
	assert_int_equal(in(e, 0x61) & 0xc0, 0);
}

static void gate_low_stops_mode2(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x61, 0x01);
	out(e, 0x43, 0xb4);		/* counter 2 mode 2 */
	load16(e, 0x42, 100);
	at_tick(e, 100);		/* count 1: OUT low */
	assert_int_equal(in(e, 0x61) & 0x20, 0);
	out(e, 0x61, 0x00);		/* gate low: OUT high at once, count stops */
	assert_int_equal(in(e, 0x61) & 0x20, 0x20);
	at_tick(e, 150);
	assert_int_equal(pit_read_count(&e->pit, 2), 1);
	out(e, 0x61, 0x01);		/* gate rise: reload */
	at_tick(e, 151);
	assert_int_equal(pit_read_count(&e->pit, 2), 100);
	at_tick(e, 160);
	assert_int_equal(pit_read_count(&e->pit, 2), 91);
}

static void gate_low_pauses_mode0(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x61, 0x01);
	out(e, 0x43, 0xb0);
	load16(e, 0x42, 100);
	at_tick(e, 41);			/* count 60 */
	out(e, 0x61, 0x00);
	at_tick(e, 500);
	assert_int_equal(pit_read_count(&e->pit, 2), 60);
	out(e, 0x61, 0x01);		/* GATE is sampled at the next CLK: it counts */
	at_tick(e, 501);
	assert_int_equal(pit_read_count(&e->pit, 2), 59);
	at_tick(e, 500 + 59);
	assert_int_equal(pit_read_count(&e->pit, 2), 1);
	assert_false(pit_out(&e->pit, 2));
	at_tick(e, 500 + 60);
	assert_true(pit_out(&e->pit, 2));
}

static void mode0_gate_low_at_load(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0xb0);		/* gate 2 is low from power-on */
	load16(e, 0x42, 50);
	at_tick(e, 1000);
	assert_int_equal(pit_read_count(&e->pit, 2), 50);
	assert_false(pit_out(&e->pit, 2));
	out(e, 0x61, 0x01);
	at_tick(e, 1051);
	assert_true(pit_out(&e->pit, 2));
}

static void mode1_retriggerable_one_shot(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0xb2);		/* counter 2, mode 1 */
	load16(e, 0x42, 30);
	assert_true(pit_out(&e->pit, 2));
	at_tick(e, 100);
	assert_true(pit_out(&e->pit, 2));	/* nothing until a trigger */
	out(e, 0x61, 0x01);		/* trigger */
	at_tick(e, 101);
	assert_false(pit_out(&e->pit, 2));
	assert_int_equal(pit_read_count(&e->pit, 2), 30);
	at_tick(e, 120);
	out(e, 0x61, 0x00);
	out(e, 0x61, 0x01);		/* retrigger: starts over */
	at_tick(e, 140);
	assert_false(pit_out(&e->pit, 2));
	at_tick(e, 151);
	assert_true(pit_out(&e->pit, 2));
}

static void mode4_software_strobe(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0x38);		/* counter 0, mode 4 */
	load16(e, 0x40, 20);
	assert_true(e->level);
	at_tick(e, 20);
	assert_true(pit_out(&e->pit, 0));
	at_tick(e, 21);			/* terminal count: one CLK low */
	assert_false(pit_out(&e->pit, 0));
	at_tick(e, 22);
	assert_true(pit_out(&e->pit, 0));
	pit_advance(&e->pit, e->ns);
	assert_int_equal(e->pit.irq_edges, 1);
	assert_int_equal(pit_next_event_ns(&e->pit), UINT64_MAX);
}

static void mode5_hardware_strobe(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0xba);		/* counter 2, mode 5 */
	load16(e, 0x42, 10);
	out(e, 0x61, 0x01);		/* trigger at tick 0 */
	at_tick(e, 11);
	assert_false(pit_out(&e->pit, 2));
	at_tick(e, 12);
	assert_true(pit_out(&e->pit, 2));
}

static void control_word_rise_is_an_edge(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x43, 0x30);		/* Linux shutdown: mode 0 ... */
	load16(e, 0x40, 0);
	assert_false(e->level);
	unsigned r = e->rises;
	at_tick(e, 10);
	out(e, 0x43, 0x34);		/* ... then periodic mode 2: OUT high */
	assert_true(e->level);
	assert_int_equal(e->rises, r + 1);
}

static void linux_oneshot_clockevent(void **state)
{
	(void)state;
	struct env *e = setup(0);
	/* pit_set_oneshot + pit_next_event: mode 0, count each time. */
	out(e, 0x43, 0x38);
	uint64_t t = 5000;
	for (unsigned i = 0; i < 20; i++) {
		at_tick(e, t);
		uint16_t delta = (uint16_t)(100 + i * 37);
		load16(e, 0x40, delta);
		uint64_t ev = pit_next_event_ns(&e->pit);
		assert_int_equal(ev, tick_ns(t + 1 + delta + 1));	/* mode 4: rises after the low CLK */
		unsigned before = e->rises;
		e->ns = ev;
		pit_advance(&e->pit, e->ns);
		assert_int_equal(e->rises, before + 1);
		t += 1000;
	}
}

static void quick_pit_calibrate_msb_reads(void **state)
{
	(void)state;
	struct env *e = setup(0);
	out(e, 0x61, 0x01);
	out(e, 0x43, 0xb0);
	out(e, 0x42, 0xff);
	out(e, 0x42, 0xff);
	uint8_t prev = 0xff;
	for (uint64_t t = 1; t < 60000; t += 97) {
		at_tick(e, t);
		in(e, 0x42);			/* LSB, discarded */
		uint8_t msb = in(e, 0x42);
		assert_true(msb <= prev);	/* monotonic down */
		assert_int_equal(msb, (0xffff - (t - 1)) >> 8);
		prev = msb;
	}
}

/* A reference 8254 counter stepped one CLK at a time, written straight
 * from the data sheet's mode descriptions (binary counting, modes 0-5):
 * the counting element CE loads from the count register CR on the CLK
 * after a write (or a GATE trigger) and, in modes 2 and 3, again at the end
 * of every (half) cycle. The model under test must agree at every tick. */
struct ref_ch {
	unsigned mode, cr, n, ce;	/* n: the count of the running cycle */
	bool out, active, load, gate, reached, high;
	unsigned half_left;
	uint64_t rises;
};

static void ref_control(struct ref_ch *r, unsigned mode)
{
	r->mode = mode;
	r->out = mode != 0;
	r->active = r->load = false;
	r->cr = 0;			/* no count until one is written */
}

static void ref_count(struct ref_ch *r, unsigned n)
{
	r->cr = n;
	if ((r->mode == 2 || r->mode == 3) && r->active)
		return;			/* CE reloads from CR at the cycle's end */
	if (r->mode == 1 || r->mode == 5)
		return;			/* waits for a GATE trigger */
	r->out = r->mode != 0;
	r->reached = false;
	r->load = true;
	if (!r->gate) {			/* the model shows the count at once */
		r->n = n;
		r->ce = n & 0xffff;
		r->load = false;
		r->active = r->mode == 0 || r->mode == 4;
	}
}

static void ref_gate(struct ref_ch *r, bool g)
{
	if (g == r->gate)
		return;
	r->gate = g;
	if (!g && (r->mode == 0 || r->mode == 4) && r->load) {
		r->load = false;	/* the model shows the loaded count at once */
		r->n = r->cr;
		r->ce = r->cr & 0xffff;
		r->active = true;
	} else if (!g && (r->mode == 2 || r->mode == 3)) {
		r->out = true;
		r->load = false;
		r->active = false;
	} else if (g && r->mode != 0 && r->mode != 4 && r->cr) {
		r->load = true;		/* a trigger: (re)load from CR */
	}
}

static void ref_clk(struct ref_ch *r)
{
	bool was = r->out;
	if (r->load) {
		r->load = false;
		r->active = true;
		r->n = r->cr;
		r->ce = r->n & 0xffff;
		r->high = true;
		r->half_left = (r->n + 1) / 2;
		if (r->mode == 3)
			r->ce = r->n & ~1u;
		if (r->mode == 1)
			r->out = false;
		r->reached = false;
	} else if (r->active && (r->gate || r->mode == 1 || r->mode == 5)) {
		switch (r->mode) {
		case 1:
		case 0:
			r->ce = (r->ce - 1) & 0xffff;
			if (r->ce == 0)
				r->out = true;
			break;
		case 4:
		case 5:
			r->ce = (r->ce - 1) & 0xffff;
			r->out = !(r->ce == 0 && !r->reached);
			if (r->ce == 0)
				r->reached = true;
			break;
		case 2:
			if (r->ce == 1)
				r->ce = r->n = r->cr;
			else
				r->ce--;
			r->out = r->ce != 1;
			break;
		default:	/* 3 */
			r->ce -= 2;
			if (--r->half_left == 0) {
				r->high = !r->high;
				r->n = r->cr;
				r->half_left = r->high ? (r->n + 1) / 2 : r->n / 2;
				r->ce = r->n & ~1u;
			}
			r->out = r->high;
			break;
		}
	}
	if (r->out && !was)
		r->rises++;
}

static void differential_against_tick_model(void **state)
{
	(void)state;
	static const unsigned modes[] = { 0, 1, 2, 3, 4, 5 };
	for (unsigned seed = 1; seed <= 40; seed++) {
		struct env *e = setup(0);
		struct ref_ch ref[3] = { { 0 } };
		uint32_t x = seed * 2654435761u;
		uint64_t tick = 0;
		ref[0].gate = true;
		for (unsigned c = 0; c < 3; c += 2) {	/* power-on: mode 3, 65536 */
			ref_control(&ref[c], 3);
			ref_count(&ref[c], 65536);
		}
		ref[2].gate = false;
		ref[2].load = false;
		ref[2].ce = 0;
		ref[2].active = false;
		uint64_t base_rises = 0;
		for (unsigned step = 0; step < 3000; step++) {
			x = x * 1103515245 + 12345;
			unsigned r = x >> 8, c = (r & 1) ? 2 : 0;
			switch ((r >> 1) % 8) {
			case 0: {
				unsigned mode = modes[(r >> 4) % 6];
				out(e, 0x43, (uint8_t)(c << 6 | 0x30 | mode << 1));
				ref_control(&ref[c], mode);
				if (c == 0)
					base_rises = e->pit.irq_edges - ref[0].rises;
				break;
			}
			case 1:
			case 2: {
				unsigned n = 2 + (r >> 4) % 300;
				if ((r >> 12) % 16 == 0)
					n = 65536;
				load16(e, 0x40 + c, (uint16_t)n);
				ref_count(&ref[c], n);
				break;
			}
			case 3: {
				bool g = (r >> 4) & 1;
				out(e, 0x61, g);
				ref_gate(&ref[2], g);
				break;
			}
			default: {
				unsigned dt = (r >> 4) % 200;
				for (unsigned i = 0; i < dt; i++) {
					ref_clk(&ref[0]);
					ref_clk(&ref[2]);
				}
				tick += dt;
				at_tick(e, tick);
				pit_advance(&e->pit, e->ns);
				break;
			}
			}
			for (unsigned k = 0; k < 3; k += 2) {
				if (pit_read_count(&e->pit, k) != (ref[k].ce & 0xffff) ||
				    pit_out(&e->pit, k) != ref[k].out) {
					print_error("seed %u step %u tick %llu ch %u mode %u: count %u/%u out %d/%d\n",
						    seed, step, (unsigned long long)tick, k, ref[k].mode,
						    pit_read_count(&e->pit, k), ref[k].ce & 0xffff,
						    pit_out(&e->pit, k), ref[k].out);
					fail();
				}
			}
			if (e->pit.irq_edges - base_rises != ref[0].rises) {
				print_error("seed %u step %u: OUT0 rises %llu/%llu\n", seed, step,
					    (unsigned long long)(e->pit.irq_edges - base_rises),
					    (unsigned long long)ref[0].rises);
				fail();
			}
		}
	}
}

static void random_ports_stay_sane(void **state)
{
	(void)state;
	struct env *e = setup(0);
	uint32_t x = 777;
	uint64_t ns = 0;
	for (unsigned i = 0; i < 100000; i++) {
		x = x * 1103515245 + 12345;
		unsigned r = x >> 8;
		ns += (r & 0xff) * 1000;
		e->ns = ns;
		switch (r % 6) {
		case 0: out(e, 0x40 + ((r >> 8) & 3), (uint8_t)(r >> 11)); break;
		case 1: in(e, 0x40 + ((r >> 8) & 3)); break;
		case 2: out(e, 0x61, (uint8_t)(r >> 8)); break;
		case 3: in(e, 0x61); break;
		default: {
			uint64_t ev = pit_next_event_ns(&e->pit);
			if (ev != UINT64_MAX) {
				assert_true(ev > tick_ns(e->pit.irq_tick) || ev == tick_ns(e->pit.irq_tick + 1));
				e->ns = ns = ev > ns ? ev : ns;
			}
			pit_advance(&e->pit, e->ns);
			/* Nothing left due: the VMX side would spin otherwise. */
			assert_true(pit_next_event_ns(&e->pit) > e->ns);
		}
		}
		assert_true(e->level == e->pit.irq_level);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tick_helpers_exact),
		cmocka_unit_test(power_on_is_18hz_mode3),
		cmocka_unit_test(mode0_counts_down_and_out_rises),
		cmocka_unit_test(mode0_new_count_restarts),
		cmocka_unit_test(mode0_first_byte_stops_counting),
		cmocka_unit_test(word_access_splits),
		cmocka_unit_test(mode2_rate_generator_waveform),
		cmocka_unit_test(mode2_irq_every_period),
		cmocka_unit_test(mode2_missed_periods_coalesce),
		cmocka_unit_test(mode2_new_count_at_period_end),
		cmocka_unit_test(mode3_square_wave_even),
		cmocka_unit_test(mode3_new_count_at_half_cycle),
		cmocka_unit_test(mode3_square_wave_odd),
		cmocka_unit_test(access_lsb_only_and_msb_only),
		cmocka_unit_test(lsb_msb_reads_alternate),
		cmocka_unit_test(counter_latch_command),
		cmocka_unit_test(latch_with_lsb_only_is_one_byte),
		cmocka_unit_test(read_back_status_and_count),
		cmocka_unit_test(read_back_several_counters),
		cmocka_unit_test(bcd_counting),
		cmocka_unit_test(port61_gate_speaker_out2),
		cmocka_unit_test(port61_refresh_toggles),
		cmocka_unit_test(gate_low_stops_mode2),
		cmocka_unit_test(gate_low_pauses_mode0),
		cmocka_unit_test(mode0_gate_low_at_load),
		cmocka_unit_test(mode1_retriggerable_one_shot),
		cmocka_unit_test(mode4_software_strobe),
		cmocka_unit_test(mode5_hardware_strobe),
		cmocka_unit_test(control_word_rise_is_an_edge),
		cmocka_unit_test(linux_oneshot_clockevent),
		cmocka_unit_test(quick_pit_calibrate_msb_reads),
		cmocka_unit_test(differential_against_tick_model),
		cmocka_unit_test(random_ports_stay_sane),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
