/* RSDP, RSDT/XSDT and FADT (ACPI 6.4, 5.2.5 - 5.2.9). Only tables whose
 * signature, length and checksum hold are believed: a wrong power-off
 * write could do anything on a real machine. */
#include <string.h>
#include "drivers/acpi.h"
#include "drivers/power.h"
#include "lib/log.h"

#define LOW_LIMIT (1ull << 32)	/* the boot map covers the first 4 GiB */

static bool sum_ok(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s += *p++;
	return s == 0;
}

static const uint8_t *find_rsdp_in(uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a + 20 <= end; a += 16) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)a;
		if (!memcmp(p, "RSD PTR ", 8) && sum_ok(p, 20))
			return p;
	}
	return 0;
}

static const uint8_t *table(uint64_t addr, const char *sig)
{
	if (!addr || addr >= LOW_LIMIT - 36)
		return 0;
	const uint8_t *t = (const uint8_t *)(uintptr_t)addr;
	uint32_t len;
	memcpy(&len, t + 4, 4);
	if (memcmp(t, sig, 4) || len < 36 || len > (1u << 20) || addr + len > LOW_LIMIT || !sum_ok(t, len))
		return 0;
	return t;
}

static const uint8_t *find_fadt(const uint8_t *rsdp)
{
	uint32_t rsdt_addr;
	uint64_t xsdt_addr = 0;
	memcpy(&rsdt_addr, rsdp + 16, 4);
	if (rsdp[15] >= 2)
		memcpy(&xsdt_addr, rsdp + 24, 8);
	const uint8_t *sdt = table(xsdt_addr, "XSDT");
	unsigned width = 8;
	if (!sdt) {
		sdt = table(rsdt_addr, "RSDT");
		width = 4;
	}
	if (!sdt)
		return 0;
	uint32_t len;
	memcpy(&len, sdt + 4, 4);
	for (uint32_t off = 36; off + width <= len; off += width) {
		uint64_t a = 0;
		memcpy(&a, sdt + off, width);
		const uint8_t *t = table(a, "FACP");
		if (t)
			return t;
	}
	return 0;
}

void acpi_init(void)
{
	uint16_t ebda_seg;
	memcpy(&ebda_seg, (const void *)0x40e, 2);
	const uint8_t *rsdp = find_rsdp_in((uint64_t)ebda_seg << 4, ((uint64_t)ebda_seg << 4) + 1024);
	if (!rsdp)
		rsdp = find_rsdp_in(0xe0000, 0x100000);
	const uint8_t *fadt = rsdp ? find_fadt(rsdp) : 0;
	if (!fadt) {
		log_debug("no usable ACPI tables: no S5 power-off");
		return;
	}
	uint32_t dsdt_addr, pm1a, pm1b;
	memcpy(&dsdt_addr, fadt + 40, 4);
	memcpy(&pm1a, fadt + 64, 4);
	memcpy(&pm1b, fadt + 68, 4);
	const uint8_t *dsdt = table(dsdt_addr, "DSDT");
	uint16_t typa, typb;
	uint32_t dlen = 0;
	if (dsdt)
		memcpy(&dlen, dsdt + 4, 4);
	if (!dsdt || !pm1a || pm1a > 0xffff || pm1b > 0xffff || !acpi_find_s5(dsdt + 36, dlen - 36, &typa, &typb)) {
		log_debug("ACPI tables give no S5 sleep type: no S5 power-off");
		return;
	}
	power_set_acpi_s5((uint16_t)pm1a, (uint16_t)pm1b, typa, typb);
	log_debug("ACPI S5: PM1a_CNT %x, SLP_TYPa %u", pm1a, typa);
}
