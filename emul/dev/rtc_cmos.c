/* MC146818A real-time clock plus CMOS RAM (Motorola MC146818A data sheet:
 * "Address Map", "Register A".."Register D", "Update Cycle", "Interrupts";
 * PC register conventions from the IBM PC/AT Technical Reference and the
 * byte layout SeaBIOS reads, src/hw/rtc.h and src/fw/paravirt.c).
 *
 * While SET=0 the time registers are computed from base_sec + elapsed
 * seconds; an update (the seconds advancing) happens at base_ns + k s and
 * takes no time. UIP is 1 for the 244 us before each update, so a guest
 * that saw UIP=0 has 244 us to read the registers, as the data sheet
 * promises. Flags of register C accumulate lazily: every entry point first
 * folds the events since synced_ns into them (sync()), bounded work per
 * call however far time moved. Changing B's DM or 24/12 bit reformats the
 * registers at once (the chip leaves them for software to rewrite). Not
 * modelled: the SQW pin (SQWE), daylight saving (DSE, stored only), time
 * bases other than 32.768 kHz (DV values other than 010 and reset run as
 * 010), the day of week as a free counter across SET (it follows the date
 * plus the offset last written). */
#include "emul/dev/rtc_cmos.h"

enum {
	SEC = 0x00, SEC_ALARM = 0x01, MIN = 0x02, MIN_ALARM = 0x03, HOUR = 0x04,
	HOUR_ALARM = 0x05, DOW = 0x06, DAY = 0x07, MONTH = 0x08, YEAR = 0x09,
	REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d, CENTURY = 0x32,
};
#define A_UIP		0x80
#define A_DV		0x70
#define A_DV_RESET	0x60	/* DV2-DV1 = 11: divider chain held in reset */
#define A_RS		0x0f
#define B_SET		0x80
#define B_PIE		0x40
#define B_AIE		0x20
#define B_UIE		0x10
#define B_DM		0x04	/* 1 = binary, 0 = BCD */
#define B_24H		0x02
#define C_IRQF		0x80
#define C_FLAGS		0x70	/* PF, AF, UF: the same bits as PIE, AIE, UIE in B */
#define D_VRT		0x80
#define NS		1000000000ll
#define UIP_NS		244000ll
#define ALARM_DONT_CARE	0xc0

static int64_t now_of(const struct rtc *r)
{
	uint64_t n = dev_clock_now(&r->clock);
	return n > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)n;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* Days since 1970-01-01 of a proleptic Gregorian date, and back: the
 * 400-year cycle has 146097 days; counting years from March puts the leap
 * day last, so month lengths follow (153 * m + 2) / 5. */
static int64_t days_from_date(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct tm_rtc { int64_t year; unsigned mon, day, hour, min, sec, dow; };

static struct tm_rtc date_from_secs(int64_t t)
{
	struct tm_rtc tm;
	int64_t days = floor_div(t, 86400), sod = t - days * 86400;
	tm.hour = (unsigned)(sod / 3600);
	tm.min = (unsigned)(sod / 60 % 60);
	tm.sec = (unsigned)(sod % 60);
	tm.dow = (unsigned)((days % 7 + 7 + 4) % 7);	/* 1970-01-01: Thursday; 0 = Sunday */
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	tm.day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	tm.mon = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	tm.year = yoe + era * 400 + (tm.mon <= 2);
	return tm;
}

static unsigned clampu(unsigned v, unsigned lo, unsigned hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Hostile register values are clamped into a real date. */
static int64_t secs_from_date(const struct tm_rtc *tm)
{
	int64_t y = tm->year < 0 ? 0 : tm->year > 9999 ? 9999 : tm->year;
	int64_t days = days_from_date(y, clampu(tm->mon, 1, 12), clampu(tm->day, 1, 31));
	return days * 86400 + clampu(tm->hour, 0, 23) * 3600 + clampu(tm->min, 0, 59) * 60 +
	       clampu(tm->sec, 0, 59);
}

/* Register B DM: BCD or binary; 24/12: hours 1-12 with bit 7 = PM. */
static uint8_t enc(const struct rtc *r, unsigned v)
{
	v %= 100;
	return (r->cmos[REG_B] & B_DM) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned dec(const struct rtc *r, uint8_t v)
{
	return (r->cmos[REG_B] & B_DM) ? v : (v >> 4) * 10u + (v & 15);
}

static uint8_t enc_hour(const struct rtc *r, unsigned h)
{
	if (r->cmos[REG_B] & B_24H)
		return enc(r, h);
	return (uint8_t)(enc(r, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0));
}

static unsigned dec_hour(const struct rtc *r, uint8_t v)
{
	if (r->cmos[REG_B] & B_24H)
		return dec(r, v);
	return dec(r, v & 0x7f) % 12 + ((v & 0x80) ? 12 : 0);
}

static bool setting(const struct rtc *r)
{
	return r->cmos[REG_B] & B_SET;
}

static bool divider_reset(const struct rtc *r)
{
	return (r->cmos[REG_A] & A_DV_RESET) == A_DV_RESET;
}

/* Updates happen (the clock ticks) unless SET or the divider reset holds them. */
static bool ticking(const struct rtc *r)
{
	return !setting(r) && !divider_reset(r);
}

static int64_t secs_at(const struct rtc *r, int64_t now)
{
	if (!ticking(r) || now < r->base_ns)
		return r->base_sec;
	return r->base_sec + (now - r->base_ns) / NS;
}

/* Periodic interrupt rate (Register A RS3-RS0), in 32.768 kHz cycles. */
static uint64_t periodic_cycles(const struct rtc *r)
{
	unsigned rs = r->cmos[REG_A] & A_RS;
	if (rs == 0 || divider_reset(r))
		return 0;
	return rs <= 2 ? 1u << (rs + 6) : 1u << (rs - 1);
}

static uint64_t rtc_ticks(int64_t from, int64_t to)
{
	return dev_ticks((uint64_t)(to - from), 32768);
}

/* The first second after @s whose time matches the alarm bytes (0xc0-0xff
 * in a byte: don't care), or INT64_MAX. Whole hours and minutes that cannot
 * match are skipped, so the scan is short; it is bounded anyway. */
static int64_t next_alarm(const struct rtc *r, int64_t s)
{
	uint8_t as = r->cmos[SEC_ALARM], am = r->cmos[MIN_ALARM], ah = r->cmos[HOUR_ALARM];
	bool dc_s = (as & ALARM_DONT_CARE) == ALARM_DONT_CARE;
	bool dc_m = (am & ALARM_DONT_CARE) == ALARM_DONT_CARE;
	bool dc_h = (ah & ALARM_DONT_CARE) == ALARM_DONT_CARE;
	unsigned vs = dec(r, as), vm = dec(r, am), vh = dec_hour(r, ah);
	if ((!dc_s && vs > 59) || (!dc_m && vm > 59) || (!dc_h && vh > 23))
		return INT64_MAX;
	int64_t start = s + 1, m = floor_div(start, 60) * 60;
	for (unsigned i = 0; i < 4000; i++) {
		int64_t sod = m - floor_div(m, 86400) * 86400;
		unsigned hour = (unsigned)(sod / 3600), min = (unsigned)(sod / 60 % 60);
		if (!dc_h && hour != vh) {
			m += 3600 - sod % 3600;		/* next hour */
			continue;
		}
		if (!dc_m && min != vm) {
			m += min < vm ? (int64_t)(vm - min) * 60 : 3600 - sod % 3600;
			continue;
		}
		int64_t cand = dc_s ? (m > start ? m : start) : m + vs;
		if (cand >= start)
			return cand;
		m += 60;
	}
	return INT64_MAX;
}

static void update_irq(struct rtc *r)
{
	bool level = r->flags & r->cmos[REG_B] & C_FLAGS;
	if (level != r->irq_level) {
		r->irq_level = level;
		irq_line_set(&r->irq, RTC_IRQ, level);
	}
}

/* Fold the events in (synced_ns, now] into register C's flags. */
static void sync(struct rtc *r, int64_t now)
{
	if (now <= r->synced_ns)
		return;
	int64_t from = r->synced_ns;
	uint64_t cyc = periodic_cycles(r);
	if (cyc && rtc_ticks(r->div_ns, now) / cyc > rtc_ticks(r->div_ns, from) / cyc)
		r->flags |= B_PIE;	/* PF */
	if (ticking(r)) {
		int64_t s0 = secs_at(r, from), s1 = secs_at(r, now);
		if (s1 > s0) {
			r->flags |= B_UIE;	/* UF */
			if (next_alarm(r, s0) <= s1)
				r->flags |= B_AIE;	/* AF */
		}
	}
	r->synced_ns = now;
	update_irq(r);
}

static uint8_t time_reg(const struct rtc *r, unsigned reg, int64_t now)
{
	struct tm_rtc tm = date_from_secs(secs_at(r, now));
	switch (reg) {
	case SEC: return enc(r, tm.sec);
	case MIN: return enc(r, tm.min);
	case HOUR: return enc_hour(r, tm.hour);
	case DOW: return (uint8_t)((tm.dow + r->dow_adj) % 7 + 1);
	case DAY: return enc(r, tm.day);
	case MONTH: return enc(r, tm.mon);
	case YEAR: return enc(r, (unsigned)(tm.year % 100));
	default: return enc(r, (unsigned)(tm.year / 100));	/* CENTURY */
	}
}

static bool is_time_reg(unsigned reg)
{
	return reg == SEC || reg == MIN || reg == HOUR || (reg >= DOW && reg <= YEAR) ||
	       reg == CENTURY;
}

/* The broken-down time with register @reg replaced by @v. */
static void set_field(const struct rtc *r, struct tm_rtc *tm, unsigned reg, uint8_t v)
{
	switch (reg) {
	case SEC: tm->sec = dec(r, v); break;
	case MIN: tm->min = dec(r, v); break;
	case HOUR: tm->hour = dec_hour(r, v); break;
	case DAY: tm->day = dec(r, v); break;
	case MONTH: tm->mon = dec(r, v); break;
	case YEAR: tm->year = tm->year - tm->year % 100 + dec(r, v) % 100; break;
	case CENTURY: tm->year = dec(r, v) * 100 + tm->year % 100; break;
	default: break;
	}
}

static void set_dow(struct rtc *r, uint8_t v, int64_t secs)
{
	unsigned want = (v >= 1 && v <= 7) ? v - 1u : 0;
	r->dow_adj = (uint8_t)((want + 7 - date_from_secs(secs).dow) % 7);
}

/* A time register written while the clock runs: the second phase is kept. */
static void write_running_time(struct rtc *r, unsigned reg, uint8_t v, int64_t now)
{
	int64_t cur = secs_at(r, now);
	if (reg == DOW) {
		set_dow(r, v, cur);
		return;
	}
	struct tm_rtc tm = date_from_secs(cur);
	set_field(r, &tm, reg, v);
	r->base_sec += secs_from_date(&tm) - cur;
}

/* SET going high: the registers freeze with the time they showed. */
static void enter_set(struct rtc *r, int64_t now)
{
	static const uint8_t regs[] = { SEC, MIN, HOUR, DOW, DAY, MONTH, YEAR, CENTURY };
	for (unsigned i = 0; i < sizeof(regs); i++)
		r->cmos[regs[i]] = time_reg(r, regs[i], now);
	r->base_sec = secs_at(r, now);
}

/* SET going low: the time written starts counting; the next update is one
 * second away. */
static void leave_set(struct rtc *r, int64_t now)
{
	struct tm_rtc tm = { 0 };
	static const uint8_t regs[] = { CENTURY, YEAR, MONTH, DAY, HOUR, MIN, SEC };
	for (unsigned i = 0; i < sizeof(regs); i++)
		set_field(r, &tm, regs[i], r->cmos[regs[i]]);
	r->base_sec = secs_from_date(&tm);
	r->base_ns = now;
	set_dow(r, r->cmos[DOW], r->base_sec);
}

static void write_b(struct rtc *r, uint8_t v, int64_t now)
{
	bool was_set = setting(r);
	if (v & B_SET)
		v &= (uint8_t)~B_UIE;	/* MC146818A: SET=1 clears UIE */
	if (!was_set && (v & B_SET))
		enter_set(r, now);
	r->cmos[REG_B] = v;
	if (was_set && !(v & B_SET))
		leave_set(r, now);	/* (in divider reset, write_a restarts the phase) */
	update_irq(r);		/* IRQF = PF.PIE + AF.AIE + UF.UIE */
}

/* Register A: leaving divider reset starts the chain; the first update
 * comes 500 ms later (MC146818A "Divider Stages"). */
static void write_a(struct rtc *r, uint8_t v, int64_t now)
{
	bool was_reset = divider_reset(r);
	if (!was_reset && (v & A_DV_RESET) == A_DV_RESET)
		r->base_sec = secs_at(r, now);
	r->cmos[REG_A] = v & (uint8_t)~A_UIP;
	if (was_reset && !divider_reset(r)) {
		r->div_ns = now;
		if (!setting(r))
			r->base_ns = now - NS / 2;
	}
}

static bool uip(const struct rtc *r, int64_t now)
{
	if (!ticking(r) || now < r->base_ns)
		return false;
	return (now - r->base_ns) % NS >= NS - UIP_NS;
}

static uint8_t reg_read(struct rtc *r, unsigned reg, int64_t now)
{
	sync(r, now);
	if (is_time_reg(reg) && !setting(r))
		return time_reg(r, reg, now);
	switch (reg) {
	case REG_A:
		return (uint8_t)((r->cmos[REG_A] & ~A_UIP) | (uip(r, now) ? A_UIP : 0));
	case REG_C: {
		uint8_t v = r->flags | (r->irq_level ? C_IRQF : 0);
		r->flags = 0;	/* read clears C and releases IRQ */
		update_irq(r);
		return v;
	}
	case REG_D:
		return D_VRT;	/* valid RAM and time: the battery is fine */
	default:
		return r->cmos[reg];
	}
}

static void reg_write(struct rtc *r, unsigned reg, uint8_t v, int64_t now)
{
	sync(r, now);
	if (is_time_reg(reg) && !setting(r)) {
		write_running_time(r, reg, v, now);
		return;
	}
	switch (reg) {
	case REG_A:
		write_a(r, v, now);
		break;
	case REG_B:
		write_b(r, v, now);
		break;
	case REG_C:
	case REG_D:
		break;		/* read-only */
	default:
		r->cmos[reg] = v;
		break;
	}
}

static uint8_t port_read(struct rtc *r, uint64_t off)
{
	if (off != 1)
		return 0xff;	/* the index register is write-only */
	return reg_read(r, r->index, now_of(r));
}

static void port_write(struct rtc *r, uint64_t off, uint8_t v)
{
	if (off == 0) {
		r->index = v & 0x7f;
		r->nmi_masked = v & 0x80;
	} else {
		reg_write(r, r->index, v, now_of(r));
	}
}

/* A wider access covers the following port, as the ISA bus splits it:
 * outw(0x70, data << 8 | index) selects and writes in one instruction. */
static uint64_t rtc_read(void *dev, uint64_t off, unsigned size)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < size && i < 8 && off + i <= 1; i++)
		v |= (uint64_t)port_read(dev, off + i) << (8 * i);
	return v;
}

static void rtc_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	for (unsigned i = 0; i < size && i < 8 && off + i <= 1; i++)
		port_write(dev, off + i, (uint8_t)(val >> (8 * i)));
}

const struct io_dev_ops rtc_ops = { rtc_read, rtc_write };

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

uint64_t rtc_next_event_ns(const struct rtc *r)
{
	uint8_t en = r->cmos[REG_B] & C_FLAGS;
	int64_t t = r->synced_ns, best = INT64_MAX;
	if (r->irq_level)
		return UINT64_MAX;	/* IRQ8 stays up until C is read */
	uint64_t cyc = periodic_cycles(r);
	if ((en & B_PIE) && cyc) {
		uint64_t m = rtc_ticks(r->div_ns, t) / cyc + 1;
		uint64_t d = dev_tick_ns(m * cyc, 32768);
		if (d < (uint64_t)INT64_MAX - (uint64_t)r->div_ns)
			best = r->div_ns + (int64_t)d;
	}
	if (ticking(r) && t >= r->base_ns) {
		int64_t s = secs_at(r, t);
		if (en & B_UIE)
			best = min64(best, r->base_ns + (s - r->base_sec + 1) * NS);
		if (en & B_AIE) {
			int64_t a = next_alarm(r, s);
			if (a != INT64_MAX && a - r->base_sec < INT64_MAX / NS - 1)
				best = min64(best, r->base_ns + (a - r->base_sec) * NS);
		}
	}
	return best == INT64_MAX ? UINT64_MAX : (uint64_t)best;
}

void rtc_advance(struct rtc *r, uint64_t now_ns)
{
	sync(r, now_ns > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)now_ns);
}

bool rtc_nmi_masked(const struct rtc *r)
{
	return r->nmi_masked;
}

int64_t rtc_time(struct rtc *r)
{
	int64_t now = now_of(r);
	sync(r, now);
	return setting(r) ? r->base_sec : secs_at(r, now);
}

static void put16(uint8_t *p, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* The memory-size bytes as SeaBIOS and the PC BIOS conventions read them:
 * 0x15/16 base memory KiB, 0x17/18 and 0x30/31 KiB above 1 MiB (at most
 * 0xffff), 0x34/35 64 KiB units above 16 MiB below 4 GiB, 0x5b-0x5d 64 KiB
 * units above 4 GiB; 0x2e/0x2f the checksum of 0x10-0x2d (high byte first). */
static void fill_cmos(struct rtc *r, const struct rtc_config *cfg)
{
	uint64_t lo = cfg->ram_below_4g, hi = cfg->ram_above_4g / 65536;
	put16(&r->cmos[0x15], 640);
	put16(&r->cmos[0x17], lo > (1u << 20) ? (lo - (1u << 20)) / 1024 : 0);
	put16(&r->cmos[0x30], lo > (1u << 20) ? (lo - (1u << 20)) / 1024 : 0);
	put16(&r->cmos[0x34], lo > (16u << 20) ? (lo - (16u << 20)) / 65536 : 0);
	if (hi > 0xffffff)
		hi = 0xffffff;
	r->cmos[0x5b] = (uint8_t)hi;
	r->cmos[0x5c] = (uint8_t)(hi >> 8);
	r->cmos[0x5d] = (uint8_t)(hi >> 16);
	r->cmos[0x5f] = (uint8_t)(cfg->cpus > 1 ? (cfg->cpus > 256 ? 255 : cfg->cpus - 1) : 0);
	unsigned sum = 0;
	for (unsigned i = 0x10; i <= 0x2d; i++)
		sum += r->cmos[i];
	r->cmos[0x2e] = (uint8_t)(sum >> 8);
	r->cmos[0x2f] = (uint8_t)sum;
}

void rtc_init(struct rtc *r, const struct rtc_config *cfg, const struct irq_line *irq,
	      const struct dev_clock *clock)
{
	*r = (struct rtc){ 0 };
	if (irq)
		r->irq = *irq;
	if (clock)
		r->clock = *clock;
	int64_t now = now_of(r);
	r->base_sec = cfg ? cfg->epoch_sec : 0;
	r->base_ns = r->div_ns = r->synced_ns = now;
	r->cmos[REG_A] = 0x26;
	r->cmos[REG_B] = B_24H;
	if (cfg)
		fill_cmos(r, cfg);
}
