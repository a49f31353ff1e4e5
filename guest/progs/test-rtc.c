/*
 * test-rtc: the CMOS real-time clock (ports 0x70/0x71, issue 5): a valid
 * date and time in the format status register B says, seconds that
 * advance, and the periodic interrupt on IRQ 8 through the slave 8259A,
 * acknowledged by reading status register C (MC146818 data sheet).
 */
#include "guest.h"
#include "pic.h"
#include "pit.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA  0x71
#define RTC_SEC 0x00
#define RTC_MIN 0x02
#define RTC_HOUR 0x04
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_A 0x0a
#define RTC_B 0x0b
#define RTC_C 0x0c
#define A_UIP 0x80
#define B_PIE 0x40
#define B_BINARY 0x04
#define B_24H 0x02
#define C_PF 0x40

#define VEC_TIMER (PIC_VECTOR_BASE + 0)
#define VEC_RTC   (PIC_VECTOR_BASE + 8)

static volatile uint32_t timer_ticks, rtc_ticks;
static volatile uint8_t last_c;

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
	outb(CMOS_INDEX, reg);
	outb(CMOS_DATA, v);
}

static void on_timer(struct exc_frame *f)
{
	(void)f;
	timer_ticks++;
	pic_eoi(0);
}

static void on_rtc(struct exc_frame *f)
{
	(void)f;
	rtc_ticks++;
	last_c = cmos_read(RTC_C);      /* acknowledges the interrupt */
	pic_eoi(8);
}

static int decode(uint8_t v, bool binary)
{
	if (binary)
		return v;
	if ((v & 0x0f) > 9 || (v >> 4) > 9)
		return -1;
	return (v >> 4) * 10 + (v & 0x0f);
}

struct rtc_time {
	int sec, min, hour, day, month, year;
};

static struct rtc_time read_time(bool binary)
{
	struct rtc_time t;

	for (int i = 0; i < 100000 && (cmos_read(RTC_A) & A_UIP); i++)
		;
	t.sec = decode(cmos_read(RTC_SEC), binary);
	t.min = decode(cmos_read(RTC_MIN), binary);
	t.hour = decode(cmos_read(RTC_HOUR) & 0x7f, binary);
	t.day = decode(cmos_read(RTC_DAY), binary);
	t.month = decode(cmos_read(RTC_MONTH), binary);
	t.year = decode(cmos_read(RTC_YEAR), binary);
	return t;
}

static void test_time(void)
{
	uint8_t b = cmos_read(RTC_B);
	bool binary = b & B_BINARY;
	struct rtc_time t = read_time(binary), u;

	printf("test-rtc: status B=%02x, %02d-%02d-%02d %02d:%02d:%02d\n", b,
	       t.year, t.month, t.day, t.hour, t.min, t.sec);
	check(t.sec >= 0 && t.sec < 60 && t.min >= 0 && t.min < 60 &&
	      t.hour >= 0 && t.hour < 24 && t.day >= 1 && t.day <= 31 &&
	      t.month >= 1 && t.month <= 12 && t.year >= 0 && t.year <= 99,
	      "rtc-time-valid");
	/* About 1.2 s of PIT time: the seconds must move. */
	pit_periodic(PIT_HZ / 100);
	pic_unmask(0);
	timer_ticks = 0;
	while (timer_ticks < 120)
		irq_wait();
	pic_mask(0);
	u = read_time(binary);
	check(u.sec != t.sec, "rtc-seconds-advance");
}

static void test_periodic(void)
{
	uint8_t b = cmos_read(RTC_B);
	uint8_t a = cmos_read(RTC_A);

	cmos_write(RTC_A, (a & 0xf0) | 0x06);   /* 1024 Hz */
	(void)cmos_read(RTC_C);
	cmos_write(RTC_B, b | B_PIE);
	pic_unmask(2);
	pic_unmask(8);
	rtc_ticks = 0;
	for (int i = 0; i < 200000 && rtc_ticks < 16; i++)
		irq_wait();
	cmos_write(RTC_B, b);
	pic_mask(8);
	check(rtc_ticks >= 16, "rtc-periodic-irq8");
	check(last_c & C_PF, "rtc-status-c-pf");
	check_eq(irq_unhandled(), 0, "rtc-no-stray-vectors");
}

int guest_main(void)
{
	pic_init(PIC_VECTOR_BASE);
	irq_set_handler(VEC_TIMER, on_timer);
	irq_set_handler(VEC_RTC, on_rtc);
	test_time();
	test_periodic();
	return report_done();
}
