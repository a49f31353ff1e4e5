/* Intel 8254 PIT (Intel 8254 data sheet, order 231164: "Modes", "Read
 * Operations", "Read-Back Command"; section names below are that sheet's)
 * and the PC's port 0x61 (IBM PC/AT Technical Reference, "System Timers";
 * PIIX4 data sheet 4.2.2.7 NMI Status and Control Register).
 *
 * Time is the CLK tick grid dev_ticks(now_ns, PIT_HZ) from guest time 0. A
 * count written becomes the counter's value on the next CLK, as on the
 * chip; everything after is arithmetic on (now - base_tick).
 *
 * Simplification, harmless to PC software: a count of 1 in modes 2 and 3
 * (illegal per the data sheet) counts as 2. */
#include "emul/dev/pit8254.h"

#define CTRL_PORT	3
#define PORT61_GATE2	0x01
#define PORT61_SPKR	0x02
#define PORT61_RW	0x0f	/* bits 2-3: parity/IOCHK enables, stored */
#define PORT61_REFRESH	0x10
#define PORT61_OUT2	0x20
#define REFRESH_NS	15085	/* refresh request period: the toggle's half cycle */

static uint64_t now_tick(const struct pit *p)
{
	return dev_ticks(dev_clock_now(&p->clock), PIT_HZ);
}

static uint32_t modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

/* The count register as a number of CLKs: 0 is the maximum (2^16 or 10^4).
 * BCD digits above 9 (hostile) are clamped into the counter's range. */
static uint32_t reload(const struct pit_channel *c)
{
	uint32_t v = c->cr;
	if (c->bcd)
		v = (v >> 12) * 1000 + ((v >> 8) & 15) * 100 + ((v >> 4) & 15) * 10 + (v & 15);
	if (v == 0 || v > modulus(c))
		v = modulus(c);
	if ((c->mode == 2 || c->mode == 3) && v < 2)
		v = 2;
	return v;
}

static uint16_t to_display(const struct pit_channel *c, uint32_t count)
{
	count %= modulus(c);
	if (!c->bcd)
		return (uint16_t)count;
	return (uint16_t)((count / 1000) << 12 | (count / 100 % 10) << 8 | (count / 10 % 10) << 4 | count % 10);
}

/* A pending mode 2/3 reload that is due becomes the new base. */
static void sync(struct pit_channel *c, uint64_t t)
{
	if (c->pend && t >= c->pend_tick) {
		c->pend = false;
		c->base_tick = c->pend_tick;
		c->base_count = c->n = c->pend_n;
		c->base_rise = !c->pend_low;	/* the old (half) period ended: OUT rose */
		/* Mode 3 after a high half: the new count starts with its low half. */
		c->phase = c->pend_low ? (c->n + 1) / 2 : 0;
	}
}

static bool counting(const struct pit_channel *c, uint64_t t)
{
	return c->running && t >= c->base_tick;
}

/* Counter value at tick @t ("Modes": the count sequence of each mode). */
static uint32_t count_at(const struct pit_channel *c, uint64_t t)
{
	if (!counting(c, t))
		return c->hold;
	uint64_t e = t - c->base_tick;
	uint32_t m = modulus(c), n = c->n;
	if (c->mode == 2 || c->mode == 3)
		e += c->phase;
	switch (c->mode) {
	case 2:
		return n - (uint32_t)(e % n);
	case 3: {
		uint32_t r = (uint32_t)(e % n), hi = (n + 1) / 2;
		return (n & ~1u) - 2 * (r < hi ? r : r - hi);
	}
	default:		/* 0, 1, 4, 5: down from base_count, wrapping */
		return (uint32_t)((c->base_count + m - e % m) % m);
	}
}

static bool out_at(const struct pit_channel *c, uint64_t t)
{
	if (!counting(c, t))
		return c->hold_out;
	uint64_t e = t - c->base_tick;
	if (c->mode == 2 || c->mode == 3)
		e += c->phase;
	switch (c->mode) {
	case 0:
	case 1:
		return c->out0 || e >= c->base_count;
	case 2:
		return e % c->n != c->n - 1;	/* low for the CLK the count is 1 */
	case 3:
		return e % c->n < (c->n + 1) / 2;	/* high half is the longer one */
	default:		/* 4, 5: one CLK low at terminal count */
		return c->out0 || e != c->base_count;
	}
}

/* The first rising edge of OUT after tick @t, or UINT64_MAX (no pending
 * reload considered). */
static uint64_t next_rise(const struct pit_channel *c, uint64_t t)
{
	if (!c->running)
		return UINT64_MAX;
	uint64_t b = c->base_tick;
	switch (c->mode) {
	case 2:
	case 3: {	/* the reload at the end of each period: (offset + phase) % n == 0 */
		if (t < b && c->base_rise)
			return b;
		uint64_t x = t < b ? 1 : t - b + 1;	/* first offset to consider */
		return b + x + (c->n - (x + c->phase) % c->n) % c->n;
	}
	case 0:
	case 1:
		return (!c->out0 && b + c->base_count > t) ? b + c->base_count : UINT64_MAX;
	default:
		return (!c->out0 && b + c->base_count + 1 > t) ? b + c->base_count + 1 : UINT64_MAX;
	}
}

/* Rising edges in (t0, t1] of one programming (no pending reload). */
static uint64_t seg_rises(const struct pit_channel *c, uint64_t t0, uint64_t t1)
{
	uint64_t r = next_rise(c, t0);
	if (r > t1)
		return 0;
	if (c->mode == 2 || c->mode == 3)
		return 1 + (t1 - r) / c->n;
	return 1;
}

/* Rising edges of OUT in (t0, t1], across a pending reload: the old
 * periods up to the reload, whose tick is an edge of the new base. */
static uint64_t rises_between(struct pit_channel c, uint64_t t0, uint64_t t1)
{
	uint64_t count = 0;
	sync(&c, t0);
	if (c.pend && c.pend_tick <= t1) {
		count = seg_rises(&c, t0, c.pend_tick - 1);
		t0 = c.pend_tick - 1;
		sync(&c, c.pend_tick);
	}
	return count + seg_rises(&c, t0, t1);
}

static uint8_t status_byte(const struct pit_channel *c, uint64_t t)
{
	return (uint8_t)(out_at(c, t) << 7 | (t < c->null_until) << 6 | c->rw << 4 |
			 c->mode_bits << 1 | c->bcd);
}

/* Counter 0's OUT to IRQ0: one edge for every batch of rising edges since
 * the last call, then the current level. */
static void irq_catch_up(struct pit *p, uint64_t t)
{
	struct pit_channel *c = &p->ch[0];
	if (t > p->irq_tick) {
		uint64_t n = rises_between(*c, p->irq_tick, t);
		if (n) {
			if (p->irq_level)
				irq_line_set(&p->irq, 0, false);
			irq_line_set(&p->irq, 0, true);
			p->irq_level = true;
			p->irq_edges += n;
			p->irq_coalesced += n - 1;
		}
		p->irq_tick = t;
	}
	sync(c, t);
	bool level = out_at(c, t);
	if (level != p->irq_level) {
		p->irq_level = level;
		irq_line_set(&p->irq, 0, level);
	}
}

/* Stop counting at @t, keeping what the counter shows. */
static void freeze(struct pit_channel *c, uint64_t t)
{
	uint32_t shown = count_at(c, t);
	bool out = out_at(c, t);
	if (counting(c, t) && (c->mode == 0 || c->mode == 1 || c->mode == 4 || c->mode == 5)) {
		uint64_t e = t - c->base_tick;
		bool strobe = c->mode == 4 || c->mode == 5;
		/* Terminal count behind us (modes 4/5: the strobe CLK too,
		 * which stays low until the CLK after counting resumes). */
		if (e > c->base_count || (e == c->base_count && !strobe))
			c->out0 = true;
		c->base_count = c->out0 ? shown : c->base_count - (uint32_t)e;
	}
	c->hold = shown;
	c->hold_out = out;
	c->running = false;
	c->pend = false;
}

/* The count register goes into the counter at the next CLK after @t. */
static void start(struct pit_channel *c, uint64_t t, uint32_t count)
{
	c->base_tick = t + 1;
	c->base_count = c->n = count;
	c->out0 = false;
	c->base_rise = false;
	c->phase = 0;
	c->running = true;
	c->pend = false;
	c->null_until = t + 1;
}

/* A complete count was written ("Modes": what a new count does per mode). */
static void count_written(struct pit_channel *c, uint64_t t)
{
	uint32_t n = reload(c);
	bool first = !c->cr_valid;
	c->cr_valid = true;
	sync(c, t);
	switch (c->mode) {
	case 1:
	case 5:
		if (c->running && t < c->base_tick) {
			c->base_count = c->n = n;	/* the trigger's load CLK takes it */
			break;
		}
		c->null_until = UINT64_MAX;	/* waits for a gate trigger */
		break;
	case 2:
	case 3:
		/* Counting already: loads when the current (half) period ends;
		 * not loaded yet: the count register simply changes. */
		if (!first && counting(c, t)) {
			c->pend = true;
			c->pend_n = n;
			c->pend_tick = next_rise(c, t);
			c->pend_low = false;
			if (c->mode == 3 && out_at(c, t) && counting(c, t)) {
				uint64_t r = (t - c->base_tick + c->phase) % c->n;
				c->pend_tick = t + (c->n + 1) / 2 - r;
				c->pend_low = true;
			}
			c->null_until = c->pend_tick;
			break;
		}
		/* fall through */
	default:
		c->hold = count_at(c, t);
		c->hold_out = c->mode != 0;	/* mode 0: low until terminal count */
		if (c->gate) {
			start(c, t, n);
		} else {	/* loaded, but counting waits for GATE */
			c->base_count = c->n = n;
			c->hold = n % modulus(c);
			c->out0 = false;
			c->null_until = t + 1;
		}
		break;
	}
}

/* Control word: "all control logic is immediately reset and OUT goes to a
 * known initial state" (low in mode 0, high otherwise). */
static void control_word(struct pit_channel *c, uint8_t v, uint64_t t)
{
	c->hold = count_at(c, t);
	c->running = false;
	c->pend = false;
	c->rw = (v >> 4) & 3;
	c->mode_bits = (v >> 1) & 7;
	c->mode = c->mode_bits > 5 ? c->mode_bits - 4 : c->mode_bits;
	c->bcd = v & 1;
	c->hold_out = c->mode != 0;
	c->cr_valid = false;
	c->write_msb = false;
	c->read_msb = false;
	c->null_until = UINT64_MAX;
}

static void latch_count(struct pit_channel *c, uint64_t t)
{
	if (c->latch_left)
		return;		/* a second latch before reading is ignored */
	c->latch = to_display(c, count_at(c, t));
	c->latch_left = c->rw == 3 ? 2 : 1;
}

static void latch_status(struct pit_channel *c, uint64_t t)
{
	if (c->status_latched)
		return;
	c->status = status_byte(c, t);
	c->status_latched = true;
}

static void command(struct pit *p, uint8_t v, uint64_t t)
{
	unsigned sel = v >> 6;

	if (sel == 3) {		/* read-back: D5 = !COUNT, D4 = !STATUS, D3-D1 = CNT2-0 */
		for (unsigned i = 0; i < 3; i++) {
			if (!(v & (2u << i)))
				continue;
			sync(&p->ch[i], t);
			if (!(v & 0x10))
				latch_status(&p->ch[i], t);
			if (!(v & 0x20))
				latch_count(&p->ch[i], t);
		}
		return;
	}
	struct pit_channel *c = &p->ch[sel];
	sync(c, t);
	if (((v >> 4) & 3) == 0)
		latch_count(c, t);	/* counter latch command */
	else
		control_word(c, v, t);
}

static void data_write(struct pit_channel *c, uint8_t v, uint64_t t)
{
	switch (c->rw) {
	case 1:
		c->cr = v;
		break;
	case 2:
		c->cr = (uint16_t)(v << 8);
		break;
	default:
		if (!c->write_msb) {
			c->lsb = v;
			c->write_msb = true;
			/* Mode 0: "writing the first byte disables counting; OUT
			 * is set low immediately". */
			if (c->mode == 0 && c->cr_valid) {
				freeze(c, t);
				c->hold_out = false;
			}
			return;
		}
		c->write_msb = false;
		c->cr = (uint16_t)(v << 8 | c->lsb);
		break;
	}
	count_written(c, t);
}

/* "Read Operations": a latched status first, then a latched count, else
 * the live counter per RW. */
static uint8_t data_read(struct pit_channel *c, uint64_t t)
{
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latch_left) {
		bool msb = c->rw == 2 || (c->rw == 3 && c->latch_left == 1);
		c->latch_left--;
		return (uint8_t)(msb ? c->latch >> 8 : c->latch);
	}
	sync(c, t);
	uint16_t v = to_display(c, count_at(c, t));
	bool msb = c->rw == 2 || (c->rw == 3 && c->read_msb);
	if (c->rw == 3)
		c->read_msb = !c->read_msb;
	return (uint8_t)(msb ? v >> 8 : v);
}

static void set_gate(struct pit_channel *c, bool gate, uint64_t t)
{
	if (gate == c->gate)
		return;
	sync(c, t);
	c->gate = gate;
	if (!c->cr_valid)
		return;
	if (!gate) {
		if ((c->mode == 0 || c->mode == 4) && c->running && t < c->base_tick) {
			/* The load CLK is not gated; it happens, then the count
			 * waits (shown from now, one CLK early). */
			c->hold = c->base_count % modulus(c);
			c->running = false;
		} else if (c->mode == 0 || c->mode == 4) {
			freeze(c, t);		/* counting suspended */
		} else if (c->mode == 2 || c->mode == 3) {
			freeze(c, t);		/* stops; OUT goes high at once */
			c->hold_out = true;
		}
		return;
	}
	if (c->mode == 0 || c->mode == 4) {	/* resumes: the next CLK counts */
		c->base_tick = t;
		c->running = true;
	} else {		/* 1, 5: trigger; 2, 3: reload and restart */
		c->hold = count_at(c, t);
		c->hold_out = out_at(c, t);	/* until the load CLK */
		start(c, t, reload(c));
	}
}

static uint8_t port_read(struct pit *p, uint64_t off)
{
	if (off >= CTRL_PORT)
		return 0xff;	/* the control register is write-only */
	return data_read(&p->ch[off], now_tick(p));
}

static void port_write(struct pit *p, uint64_t off, uint8_t v)
{
	uint64_t t = now_tick(p);
	irq_catch_up(p, t);	/* edges of the old programming first */
	if (off == CTRL_PORT)
		command(p, v, t);
	else
		data_write(&p->ch[off], v, t);
	irq_catch_up(p, t);	/* OUT0's new level (a rise is an edge) */
}

/* A wider access covers the following ports, as the ISA bus splits it. */
static uint64_t pit_read(void *dev, uint64_t off, unsigned size)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < size && i < 8 && off + i <= CTRL_PORT; i++)
		v |= (uint64_t)port_read(dev, off + i) << (8 * i);
	return v;
}

static void pit_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	for (unsigned i = 0; i < size && i < 8 && off + i <= CTRL_PORT; i++)
		port_write(dev, off + i, (uint8_t)(val >> (8 * i)));
}

static uint64_t port61_read(void *dev, uint64_t off, unsigned size)
{
	struct pit *p = dev;
	(void)off, (void)size;
	uint64_t now = dev_clock_now(&p->clock);
	struct pit_channel *c = &p->ch[2];
	uint64_t t = dev_ticks(now, PIT_HZ);
	sync(c, t);
	return (p->port61 & PORT61_RW) | ((now / REFRESH_NS) & 1 ? PORT61_REFRESH : 0) |
	       (out_at(c, t) ? PORT61_OUT2 : 0);
}

static void port61_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct pit *p = dev;
	(void)off, (void)size;
	p->port61 = (uint8_t)val & PORT61_RW;
	set_gate(&p->ch[2], val & PORT61_GATE2, now_tick(p));
}

const struct io_dev_ops pit_ops = { pit_read, pit_write };
const struct io_dev_ops pit_port61_ops = { port61_read, port61_write };

uint64_t pit_next_event_ns(const struct pit *p)
{
	struct pit_channel c = p->ch[0];
	sync(&c, p->irq_tick);
	uint64_t r = next_rise(&c, p->irq_tick);
	if (c.pend && r >= c.pend_tick) {	/* the new count is in effect by then */
		sync(&c, c.pend_tick);
		r = next_rise(&c, c.pend_tick - 1);
	}
	return r == UINT64_MAX ? UINT64_MAX : dev_tick_ns(r, PIT_HZ);
}

void pit_advance(struct pit *p, uint64_t now_ns)
{
	irq_catch_up(p, dev_ticks(now_ns, PIT_HZ));
}

uint16_t pit_read_count(struct pit *p, unsigned c)
{
	uint64_t t = now_tick(p);
	if (c > 2)
		return 0;
	sync(&p->ch[c], t);
	return to_display(&p->ch[c], count_at(&p->ch[c], t));
}

bool pit_out(struct pit *p, unsigned c)
{
	uint64_t t = now_tick(p);
	if (c > 2)
		return false;
	sync(&p->ch[c], t);
	return out_at(&p->ch[c], t);
}

void pit_init(struct pit *p, const struct irq_line *irq, const struct dev_clock *clock)
{
	*p = (struct pit){ 0 };
	if (irq)
		p->irq = *irq;
	if (clock)
		p->clock = *clock;
	uint64_t t = now_tick(p);
	for (unsigned i = 0; i < 3; i++) {
		struct pit_channel *c = &p->ch[i];
		c->gate = i != 2;
		control_word(c, (uint8_t)(i << 6 | 0x36), t);	/* LSB/MSB, mode 3 */
		c->cr = 0;
		count_written(c, t);
	}
	p->irq_tick = t;
	p->irq_level = out_at(&p->ch[0], t);
	irq_line_set(&p->irq, 0, p->irq_level);
}
