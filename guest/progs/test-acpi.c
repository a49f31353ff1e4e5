/*
 * test-acpi: the ACPI tables a guest finds (issue 5): the RSDP in the BIOS
 * area with a valid checksum, the RSDT, the MADT (local APIC and I/O APIC),
 * the FADT (PM timer and PM1a control block) and its DSDT, and the PM
 * timer itself ticking at 3.579545 MHz against the PIT (ACPI spec 5.2).
 */
#include "guest.h"
#include "pic.h"
#include "pit.h"

#define PM_TIMER_HZ 3579545u

struct sdt_header {
	char sig[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_rev, creator, creator_rev;
} __attribute__((packed));

static bool checksum_ok(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

static const uint8_t *find_rsdp(void)
{
	uint32_t seg, ebda;

	/* The BIOS data area word at 0x40E holds the EBDA segment. */
	asm volatile("movzwl 0x40e, %0" : "=r"(seg));
	ebda = seg << 4;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		for (uint32_t a = ebda; a < ebda + 1024; a += 16)
			if (!memcmp((const void *)a, "RSD PTR ", 8))
				return (const uint8_t *)a;
	for (uint32_t a = 0xe0000; a < 0x100000; a += 16)
		if (!memcmp((const void *)a, "RSD PTR ", 8) &&
		    checksum_ok((const void *)a, 20))
			return (const uint8_t *)a;
	return NULL;
}

static const struct sdt_header *rsdt_find(const struct sdt_header *rsdt,
					  const char *sig)
{
	const uint32_t *entries = (const uint32_t *)(rsdt + 1);
	uint32_t n = (rsdt->length - sizeof(*rsdt)) / 4;

	for (uint32_t i = 0; i < n && i < 64; i++) {
		const struct sdt_header *h = (const void *)entries[i];

		if (h && !memcmp(h->sig, sig, 4))
			return h;
	}
	return NULL;
}

static void test_madt(const struct sdt_header *madt)
{
	const uint8_t *p = (const uint8_t *)madt + 44;
	const uint8_t *end = (const uint8_t *)madt + madt->length;
	bool lapic = false, ioapic = false;

	check(madt && checksum_ok(madt, madt->length), "acpi-madt");
	check_eq(*(const uint32_t *)((const uint8_t *)madt + 36), 0xfee00000,
		 "acpi-madt-lapic-address");
	for (int n = 0; p + 2 <= end && p[1] >= 2 && n < 256; p += p[1], n++) {
		if (p[0] == 0 && (p[4] & 1))
			lapic = true;
		if (p[0] == 1 && *(const uint32_t *)(p + 4) == 0xfec00000)
			ioapic = true;
	}
	check(lapic, "acpi-madt-enabled-cpu");
	check(ioapic, "acpi-madt-ioapic");
}

static volatile uint32_t ticks;

static void on_timer(struct exc_frame *f)
{
	(void)f;
	ticks++;
	pic_eoi(0);
}

/* PM timer ticks in 20 ms of PIT time: about 71591. */
static void test_pm_timer(uint16_t port)
{
	uint32_t t0, t1, delta;

	pic_init(PIC_VECTOR_BASE);
	irq_set_handler(PIC_VECTOR_BASE, on_timer);
	pit_periodic(PIT_HZ / 1000);
	pic_unmask(0);
	irq_wait();
	t0 = inl(port) & 0xffffff;
	for (ticks = 0; ticks < 20;)
		irq_wait();
	t1 = inl(port) & 0xffffff;
	pic_mask(0);
	delta = (t1 - t0) & 0xffffff;
	printf("test-acpi: PM timer advanced %u in 20 ms (expect ~%u)\n",
	       delta, PM_TIMER_HZ / 50);
	check(delta > PM_TIMER_HZ / 50 * 9 / 10 &&
	      delta < PM_TIMER_HZ / 50 * 11 / 10, "acpi-pm-timer-rate");
}

static void test_fadt(const struct sdt_header *fadt)
{
	const uint8_t *f = (const uint8_t *)fadt;
	const struct sdt_header *dsdt;
	uint32_t pm_tmr, pm1a_cnt;

	check(fadt && checksum_ok(fadt, fadt->length), "acpi-fadt");
	dsdt = (const void *)*(const uint32_t *)(f + 40);
	check(dsdt && !memcmp(dsdt->sig, "DSDT", 4) &&
	      checksum_ok(dsdt, dsdt->length), "acpi-dsdt");
	pm1a_cnt = *(const uint32_t *)(f + 64);
	pm_tmr = *(const uint32_t *)(f + 76);
	printf("test-acpi: PM1a_CNT=%x PM_TMR=%x\n", pm1a_cnt, pm_tmr);
	check(pm1a_cnt != 0 && pm1a_cnt < 0x10000, "acpi-fadt-pm1a-cnt");
	check(pm_tmr != 0 && pm_tmr < 0x10000, "acpi-fadt-pm-timer");
	if (pm_tmr && pm_tmr < 0x10000)
		test_pm_timer((uint16_t)pm_tmr);
}

int guest_main(void)
{
	const uint8_t *rsdp = find_rsdp();
	const struct sdt_header *rsdt, *madt, *fadt;

	if (!rsdp) {
		check(false, "acpi-rsdp");
		return report_done();
	}
	printf("test-acpi: RSDP at %p, revision %u\n", rsdp, rsdp[15]);
	check(checksum_ok(rsdp, 20), "acpi-rsdp");
	rsdt = (const void *)*(const uint32_t *)(rsdp + 16);
	if (!check(rsdt && !memcmp(rsdt->sig, "RSDT", 4) &&
		   checksum_ok(rsdt, rsdt->length), "acpi-rsdt"))
		return report_done();
	madt = rsdt_find(rsdt, "APIC");
	fadt = rsdt_find(rsdt, "FACP");
	if (madt)
		test_madt(madt);
	else
		check(false, "acpi-madt");
	if (fadt)
		test_fadt(fadt);
	else
		check(false, "acpi-fadt");
	return report_done();
}
