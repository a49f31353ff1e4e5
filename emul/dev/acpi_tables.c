/* ACPI table builder (ACPI 6.4: RSDP 5.2.5, SDT header 5.2.6, RSDT 5.2.7,
 * XSDT 5.2.8, FADT 5.2.9, FACS 5.2.10, DSDT 5.2.11.1, MADT 5.2.12; AML
 * encoding 20.2). Multi-byte fields are little-endian. */
#include <string.h>
#include "emul/dev/acpi_tables.h"

#define HDR		36		/* system description table header */
#define FADT_REV	3		/* ACPI 2.0 layout: 32- and 64-bit fields */
#define FADT_LEN	244
#define FACS_LEN	64
#define MADT_LEN	(HDR + 8 + 8 + 12 + 2 * 10 + 6)

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* Header with everything but the checksum, which seal() sets last. */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "SHADE ", 6);		/* OEM ID */
	memcpy(t + 16, "SHADEVM ", 8);		/* OEM table ID */
	put32(t + 24, 1);			/* OEM revision */
	memcpy(t + 28, "SHDE", 4);		/* creator ID */
	put32(t + 32, 1);			/* creator revision */
}

static void seal(uint8_t *t, size_t len, size_t csum_off)
{
	t[csum_off] = 0;
	t[csum_off] = (uint8_t)-sum8(t, len);
}

/* Generic address structure (5.2.3.2) for a system-I/O register block. */
static void gas_io(uint8_t *g, uint16_t port, uint8_t len)
{
	g[0] = 1;			/* system I/O space */
	g[1] = (uint8_t)(8 * len);	/* bit width */
	g[2] = 0;			/* bit offset */
	g[3] = 0;			/* access size: legacy (undefined) */
	put64(g + 4, port);
}

/* DSDT: Name (\_S5, Package (4) { typ, typ, 0, 0 }) (ACPI 7.4.2). */
static size_t build_dsdt(uint8_t *t, const struct acpi_params *p)
{
	static const uint8_t name_s5[] = { 0x08, '\\', '_', 'S', '5', '_' };	/* NameOp \_S5_ */
	uint8_t *a = t + HDR;

	memcpy(a, name_s5, sizeof(name_s5));
	a += sizeof(name_s5);
	*a++ = 0x12;			/* PackageOp */
	*a++ = 8;			/* PkgLength: itself + NumElements + 6 bytes */
	*a++ = 4;			/* NumElements */
	*a++ = 0x0a, *a++ = p->s5_typ;	/* BytePrefix SLP_TYPa */
	*a++ = 0x0a, *a++ = p->s5_typ;	/* BytePrefix SLP_TYPb */
	*a++ = 0x00;			/* ZeroOp (reserved) */
	*a++ = 0x00;			/* ZeroOp (reserved) */
	size_t len = (size_t)(a - t);
	header(t, "DSDT", (uint32_t)len, 2);	/* revision 2: 64-bit integers */
	seal(t, len, 9);
	return len;
}

static void build_facs(uint8_t *t)
{
	memcpy(t, "FACS", 4);
	put32(t + 4, FACS_LEN);
	t[32] = 1;			/* version; no checksum in the FACS */
}

static void build_fadt(uint8_t *t, uint32_t facs, uint32_t dsdt, const struct acpi_params *p)
{
	uint16_t evt = p->pm_base, cnt = (uint16_t)(p->pm_base + 4), tmr = (uint16_t)(p->pm_base + 8);

	header(t, "FACP", FADT_LEN, FADT_REV);
	put32(t + 36, facs);		/* FIRMWARE_CTRL */
	put32(t + 40, dsdt);		/* DSDT */
	put16(t + 46, p->sci_irq);	/* SCI_INT */
	/* SMI_CMD (48) = 0: no SMM handshake, the hardware is always in ACPI
	 * mode (PM1_CNT.SCI_EN reads 1). */
	put32(t + 56, evt);		/* PM1a_EVT_BLK */
	put32(t + 64, cnt);		/* PM1a_CNT_BLK */
	put32(t + 76, tmr);		/* PM_TMR_BLK */
	t[88] = 4;			/* PM1_EVT_LEN */
	t[89] = 2;			/* PM1_CNT_LEN */
	t[91] = 4;			/* PM_TMR_LEN */
	put16(t + 96, 101);		/* P_LVL2_LAT > 100: no C2 */
	put16(t + 98, 1001);		/* P_LVL3_LAT > 1000: no C3 */
	put16(t + 109, 0x0003);		/* IAPC_BOOT_ARCH: LEGACY_DEVICES | 8042 */
	/* Flags: WBINVD, PROC_C1, SLP_BUTTON (none), FIX_RTC; PWR_BUTTON clear
	 * = fixed-feature power button; TMR_VAL_EXT clear = 24-bit timer;
	 * RESET_REG_SUP and HW_REDUCED_ACPI clear. */
	put32(t + 112, (1u << 0) | (1u << 2) | (1u << 5) | (1u << 6));
	put64(t + 140, dsdt);		/* X_DSDT, same table */
	gas_io(t + 148, evt, 4);	/* X_PM1a_EVT_BLK */
	gas_io(t + 172, cnt, 2);	/* X_PM1a_CNT_BLK */
	gas_io(t + 208, tmr, 4);	/* X_PM_TMR_BLK */
	seal(t, FADT_LEN, 9);
}

static uint8_t *madt_iso(uint8_t *e, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	e[0] = 2, e[1] = 10;		/* interrupt source override */
	e[2] = 0;			/* bus: ISA */
	e[3] = irq;
	put32(e + 4, gsi);
	put16(e + 8, flags);
	return e + 10;
}

static void build_madt(uint8_t *t, const struct acpi_params *p)
{
	uint8_t *e = t + HDR + 8;

	header(t, "APIC", MADT_LEN, 1);
	put32(t + 36, p->lapic_addr);
	put32(t + 40, 1);		/* PCAT_COMPAT: 8259s present */
	e[0] = 0, e[1] = 8;		/* processor local APIC */
	e[2] = 0;			/* ACPI processor UID */
	e[3] = p->lapic_id;
	put32(e + 4, 1);		/* enabled */
	e += 8;
	e[0] = 1, e[1] = 12;		/* I/O APIC */
	e[2] = p->ioapic_id;
	put32(e + 4, p->ioapic_addr);
	put32(e + 8, 0);		/* GSI base */
	e += 12;
	e = madt_iso(e, 0, 2, 0);	/* PIT: IRQ0 -> GSI2, bus defaults */
	/* SCI: level (trigger 11b << 2), active high (polarity 01b). */
	e = madt_iso(e, p->sci_irq, p->sci_irq, (3u << 2) | 1u);
	e[0] = 4, e[1] = 6;		/* local APIC NMI: all processors, LINT1 */
	e[2] = 0xff;
	put16(e + 3, 0);
	e[5] = 1;
	seal(t, MADT_LEN, 9);
}

static void build_rsdt(uint8_t *t, const uint32_t *ptr, int n)
{
	header(t, "RSDT", (uint32_t)(HDR + 4 * n), 1);
	for (int i = 0; i < n; i++)
		put32(t + HDR + 4 * i, ptr[i]);
	seal(t, (size_t)(HDR + 4 * n), 9);
}

static void build_xsdt(uint8_t *t, const uint32_t *ptr, int n)
{
	header(t, "XSDT", (uint32_t)(HDR + 8 * n), 1);
	for (int i = 0; i < n; i++)
		put64(t + HDR + 8 * i, ptr[i]);
	seal(t, (size_t)(HDR + 8 * n), 9);
}

static void build_rsdp(uint8_t *r, uint32_t rsdt, uint64_t xsdt)
{
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "SHADE ", 6);
	r[15] = 2;			/* revision 2: ACPI 2.0+, has the XSDT */
	put32(r + 16, rsdt);
	put32(r + 20, 36);
	put64(r + 24, xsdt);
	r[8] = (uint8_t)-sum8(r, 20);	/* ACPI 1.0 checksum: first 20 bytes */
	r[32] = (uint8_t)-sum8(r, 36);	/* extended checksum: all 36 */
}

static size_t align8(size_t v) { return (v + 7) & ~(size_t)7; }

size_t acpi_tables_build(void *buf, size_t size, uint64_t base_gpa,
			 const struct acpi_params *p, struct acpi_layout *layout)
{
	uint8_t *b = buf;
	struct acpi_layout l = { .rsdp = 0, .facs = 64 };

	if (!b || !p || (base_gpa & 63) || size < ACPI_TABLES_MAX_SIZE ||
	    base_gpa + ACPI_TABLES_MAX_SIZE > 0x100000000ull)
		return 0;
	memset(b, 0, ACPI_TABLES_MAX_SIZE);
	build_facs(b + l.facs);
	l.dsdt = l.facs + FACS_LEN;
	l.fadt = align8(l.dsdt + build_dsdt(b + l.dsdt, p));
	l.madt = align8(l.fadt + FADT_LEN);
	l.rsdt = align8(l.madt + MADT_LEN);

	uint32_t gpa = (uint32_t)base_gpa;
	build_fadt(b + l.fadt, gpa + (uint32_t)l.facs, gpa + (uint32_t)l.dsdt, p);
	build_madt(b + l.madt, p);
	const uint32_t ptr[2] = { gpa + (uint32_t)l.fadt, gpa + (uint32_t)l.madt };
	build_rsdt(b + l.rsdt, ptr, 2);
	l.xsdt = align8(l.rsdt + HDR + 4 * 2);
	build_xsdt(b + l.xsdt, ptr, 2);
	l.size = l.xsdt + HDR + 8 * 2;
	build_rsdp(b + l.rsdp, gpa + (uint32_t)l.rsdt, gpa + l.xsdt);
	if (layout)
		*layout = l;
	return l.size;
}
