/* ACPI PM1a event/control blocks and PM timer (ACPI 6.4 4.8.3). */
#include "emul/dev/acpi_pm.h"

#define NS_PER_S	1000000000ull
#define TMR_MASK	0xffffffu	/* 24-bit timer: FADT TMR_VAL_EXT = 0 */
#define TMR_TOGGLE_SHIFT 23		/* TMR_STS: bit 23 of the counter toggled */

#define STS_W1C	(ACPI_PM1_TMR | (1u << 4) | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | \
		 ACPI_PM1_SLPBTN | ACPI_PM1_RTC | (1u << 14) | ACPI_PM1_WAK)
#define EN_MASK	(ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_SLPBTN | \
		 ACPI_PM1_RTC | (1u << 14))
#define SCI_SOURCES (ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_SLPBTN | ACPI_PM1_RTC)
/* PM1_CNT: BM_RLD and SLP_TYP are kept; GBL_RLS and SLP_EN are write-only. */
#define CNT_KEEP ((1u << 1) | (7u << 10))

/* Timer ticks since guest time 0, without overflowing a 64-bit product. */
static uint64_t ticks(uint64_t now)
{
	return now / NS_PER_S * ACPI_PM_TIMER_HZ + now % NS_PER_S * ACPI_PM_TIMER_HZ / NS_PER_S;
}

/* First guest time at which ticks() reaches @t. */
static uint64_t tick_time(uint64_t t)
{
	uint64_t s = t / ACPI_PM_TIMER_HZ, r = t % ACPI_PM_TIMER_HZ;
	return s * NS_PER_S + (r * NS_PER_S + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
}

uint32_t acpi_pm_timer(uint64_t now_ns)
{
	return (uint32_t)ticks(now_ns) & TMR_MASK;
}

void acpi_pm_init(struct acpi_pm *pm, struct dev_clock clock, struct irq_line irq,
		  struct vm_control ctl)
{
	*pm = (struct acpi_pm){ .clock = clock, .irq = irq, .ctl = ctl };
	pm->tmr_epoch = ticks(dev_clock_now(&clock)) >> TMR_TOGGLE_SHIFT;
}

static uint16_t status(const struct acpi_pm *pm, uint64_t now)
{
	uint16_t s = pm->sts;
	if ((ticks(now) >> TMR_TOGGLE_SHIFT) != pm->tmr_epoch)
		s |= ACPI_PM1_TMR;
	return s;
}

/* The SCI is the OR of enabled status bits (ACPI 6.4 4.8.3.1), a level. */
static void update_sci(struct acpi_pm *pm, uint64_t now)
{
	bool level = status(pm, now) & pm->en & SCI_SOURCES;
	if (level != pm->sci) {
		pm->sci = level;
		irq_line_set(&pm->irq, ACPI_SCI_IRQ, level);
	}
}

uint64_t acpi_pm_next_event_ns(const struct acpi_pm *pm)
{
	/* Only the timer-overflow status needs time; once set it stays set. */
	if (!(pm->en & ACPI_PM1_TMR) || pm->sci)
		return UINT64_MAX;
	return tick_time((pm->tmr_epoch + 1) << TMR_TOGGLE_SHIFT);
}

void acpi_pm_advance(struct acpi_pm *pm, uint64_t now_ns)
{
	update_sci(pm, now_ns);
}

void acpi_pm_power_button(struct acpi_pm *pm)
{
	pm->sts |= ACPI_PM1_PWRBTN;
	update_sci(pm, dev_clock_now(&pm->clock));
}

static uint8_t read_byte(const struct acpi_pm *pm, unsigned off, uint64_t now)
{
	if (off < 2)
		return (uint8_t)(status(pm, now) >> (8 * off));
	if (off < 4)
		return (uint8_t)(pm->en >> (8 * (off - 2)));
	if (off < 6)	/* no SMI_CMD in the FADT: always in ACPI mode, SCI_EN = 1 */
		return (uint8_t)((pm->cnt | ACPI_PM1_SCI_EN) >> (8 * (off - 4)));
	if (off < 8)
		return 0xff;			/* gap between the blocks */
	return (uint8_t)(acpi_pm_timer(now) >> (8 * (off - 8)));
}

static uint64_t pm_read(void *dev, uint64_t off, unsigned size)
{
	struct acpi_pm *pm = dev;
	uint64_t now = dev_clock_now(&pm->clock), v = 0;

	if (off >= ACPI_PM_LEN)
		return ~0ull;
	for (unsigned i = 0; i < size && i < 8; i++) {
		uint64_t o = off + i;
		uint8_t b = o < ACPI_PM_LEN ? read_byte(pm, (unsigned)o, now) : 0xff;
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

static void write_cnt_high(struct acpi_pm *pm, uint8_t b)
{
	uint16_t v = (uint16_t)(b << 8);

	pm->cnt = (uint16_t)((pm->cnt & 0x00ff) | (v & CNT_KEEP & 0xff00));
	/* SLP_EN with SLP_TYP = S5: soft off (ACPI 6.4 7.4.2, 16.1.5). Other
	 * sleep types are not advertised (no \_S1-\_S4) and do nothing. */
	if ((v & ACPI_PM1_SLP_EN) && ((v >> 10) & 7) == ACPI_S5_TYP && !pm->off) {
		pm->off = true;
		vm_control_poweroff(&pm->ctl);
	}
}

static void write_byte(struct acpi_pm *pm, unsigned off, uint8_t b, uint64_t now)
{
	unsigned sh = 8 * (off & 1);

	switch (off) {
	case 0: case 1: {		/* PM1_STS: write 1 to clear */
		uint16_t clr = (uint16_t)((b << sh) & STS_W1C);
		if ((clr & ACPI_PM1_TMR))
			pm->tmr_epoch = ticks(now) >> TMR_TOGGLE_SHIFT;
		pm->sts &= (uint16_t)~clr;
		break;
	}
	case 2: case 3:			/* PM1_EN */
		pm->en = (uint16_t)((pm->en & ~(0xffu << sh)) | ((b << sh) & EN_MASK));
		break;
	case 4:
		pm->cnt = (uint16_t)((pm->cnt & 0xff00) | (b & CNT_KEEP));
		break;
	case 5:
		write_cnt_high(pm, b);
		break;
	default:
		break;			/* the timer and the gap are read-only */
	}
}

static void pm_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct acpi_pm *pm = dev;
	uint64_t now = dev_clock_now(&pm->clock);

	if (off >= ACPI_PM_LEN)
		return;
	for (unsigned i = 0; i < size && i < 8; i++)
		if (off + i < ACPI_PM_LEN)
			write_byte(pm, (unsigned)(off + i), (uint8_t)(val >> (8 * i)), now);
	update_sci(pm, now);
}

const struct io_dev_ops acpi_pm_ops = { pm_read, pm_write };
