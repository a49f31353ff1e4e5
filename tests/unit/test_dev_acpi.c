/* Host tests for the guest's ACPI: the table builder (emul/dev/acpi_tables.c)
 * parsed back as a guest would -- every checksum and cross-pointer, the MADT
 * entries, the FADT blocks, \_S5 found by a small AML walker of our own and
 * by Shade's host-side finder (drivers/acpi_s5.c) -- and the PM registers
 * (emul/dev/acpi_pm.c): PM timer, PM1 status/enable, SCI, S5 power-off. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "emul/dev/acpi_tables.h"
#include "emul/dev/acpi_pm.h"
#include "drivers/acpi.h"

#define BASE 0xe0000u

static uint8_t blob[ACPI_TABLES_MAX_SIZE];
static size_t blob_len;
static struct acpi_layout lay;

static uint16_t g16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t g32(const uint8_t *p) { return g16(p) | (uint32_t)g16(p + 2) << 16; }
static uint64_t g64(const uint8_t *p) { return g32(p) | (uint64_t)g32(p + 4) << 32; }

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static void build(const struct acpi_params *p)
{
	memset(blob, 0xcc, sizeof(blob));
	blob_len = acpi_tables_build(blob, sizeof(blob), BASE, p, &lay);
	assert_true(blob_len > 0 && blob_len <= sizeof(blob));
	assert_int_equal(blob_len, lay.size);
}

static void build_default(void)
{
	const struct acpi_params p = ACPI_PARAMS_DEFAULT;
	build(&p);
}

/* A table by guest-physical address, checked as a careful OS would:
 * inside the blob, signature, length inside the blob, checksum zero. */
static const uint8_t *sdt(uint64_t gpa, const char *sig)
{
	assert_true(gpa >= BASE && gpa + 36 <= BASE + blob_len);
	const uint8_t *t = blob + (gpa - BASE);
	assert_memory_equal(t, sig, 4);
	uint32_t len = g32(t + 4);
	assert_true(len >= 36 && gpa + len <= BASE + blob_len);
	assert_int_equal(sum(t, len), 0);
	assert_memory_equal(t + 10, "SHADE ", 6);
	return t;
}

/* ---- a tiny AML walker: Name (_S5_, Package () { integers }) ---- */

/* PkgLength (ACPI 20.2.4): lead byte bits 7:6 = count of following bytes. */
static bool pkg_length(const uint8_t *a, size_t n, size_t *len, size_t *used)
{
	if (n < 1)
		return false;
	unsigned follow = a[0] >> 6;
	if (n < 1 + follow)
		return false;
	if (!follow) {
		*len = a[0] & 0x3f;
	} else {
		*len = a[0] & 0x0f;
		for (unsigned i = 0; i < follow; i++)
			*len |= (size_t)a[1 + i] << (4 + 8 * i);
	}
	*used = 1 + follow;
	return true;
}

/* One integer data object (ZeroOp, OneOp, OnesOp, Byte/Word/DWord/QWordPrefix). */
static bool aml_int(const uint8_t *a, size_t n, uint64_t *v, size_t *used)
{
	static const struct { uint8_t op; unsigned bytes; } pfx[] = {
		{ 0x0a, 1 }, { 0x0b, 2 }, { 0x0c, 4 }, { 0x0e, 8 },
	};
	if (n < 1)
		return false;
	if (a[0] == 0x00 || a[0] == 0x01) {
		*v = a[0], *used = 1;
		return true;
	}
	if (a[0] == 0xff) {
		*v = ~0ull, *used = 1;
		return true;
	}
	for (unsigned i = 0; i < 4; i++) {
		if (a[0] != pfx[i].op)
			continue;
		if (n < 1 + pfx[i].bytes)
			return false;
		*v = 0;
		for (unsigned b = 0; b < pfx[i].bytes; b++)
			*v |= (uint64_t)a[1 + b] << (8 * b);
		*used = 1 + pfx[i].bytes;
		return true;
	}
	return false;
}

/* Finds the \_S5 package in @aml; returns its element count (up to 8
 * integers stored in @out), or -1. */
static int find_s5(const uint8_t *aml, size_t n, uint64_t *out)
{
	for (size_t i = 0; i + 6 < n; i++) {
		if (aml[i] != 0x08)
			continue;
		size_t j = i + 1;
		while (j < n && (aml[j] == '\\' || aml[j] == '^'))
			j++;
		if (j + 5 > n || memcmp(aml + j, "_S5_", 4) || aml[j + 4] != 0x12)
			continue;
		j += 5;
		size_t len, used;
		if (!pkg_length(aml + j, n - j, &len, &used) || len < used + 1 || j + len > n)
			return -1;
		size_t end = j + len;
		j += used;
		int count = aml[j++];
		for (int e = 0; e < count; e++) {
			uint64_t v;
			if (j >= end || !aml_int(aml + j, end - j, &v, &used))
				return -1;
			if (e < 8)
				out[e] = v;
			j += used;
		}
		return j == end ? count : -1;
	}
	return -1;
}

/* ---- table tests ---- */

static void rsdp(void **state)
{
	(void)state;
	build_default();
	const uint8_t *r = blob + lay.rsdp;
	assert_int_equal((BASE + lay.rsdp) % 16, 0);		/* scanned on 16-byte steps */
	assert_true(BASE + lay.rsdp >= 0xe0000 && BASE + lay.rsdp + 36 <= 0x100000);
	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(sum(r, 20), 0);
	assert_int_equal(r[15], 2);
	assert_int_equal(g32(r + 20), 36);
	assert_int_equal(sum(r, 36), 0);
	assert_int_equal(g32(r + 16), BASE + lay.rsdt);
	assert_int_equal(g64(r + 24), BASE + lay.xsdt);
	sdt(g32(r + 16), "RSDT");
	sdt(g64(r + 24), "XSDT");
}

static void rsdt_and_xsdt_agree(void **state)
{
	(void)state;
	build_default();
	const uint8_t *rs = sdt(BASE + lay.rsdt, "RSDT"), *xs = sdt(BASE + lay.xsdt, "XSDT");
	uint32_t nr = (g32(rs + 4) - 36) / 4, nx = (g32(xs + 4) - 36) / 8;
	assert_int_equal(g32(rs + 4), 36 + 4 * nr);
	assert_int_equal(g32(xs + 4), 36 + 8 * nx);
	assert_int_equal(nr, 2);
	assert_int_equal(nx, nr);
	bool facp = false, apic = false;
	for (uint32_t i = 0; i < nr; i++) {
		uint64_t p = g32(rs + 36 + 4 * i);
		assert_int_equal(g64(xs + 36 + 8 * i), p);
		const uint8_t *t = blob + (p - BASE);
		facp |= !memcmp(t, "FACP", 4);
		apic |= !memcmp(t, "APIC", 4);
		sdt(p, memcmp(t, "FACP", 4) ? "APIC" : "FACP");
	}
	assert_true(facp && apic);
}

static void fadt_fields(void **state)
{
	(void)state;
	build_default();
	const uint8_t *f = sdt(BASE + lay.fadt, "FACP");
	assert_int_equal(g32(f + 4), 244);
	assert_int_equal(f[8], 3);				/* revision */
	/* FACS: 64-byte aligned, signature and length (no checksum). */
	uint32_t facs = g32(f + 36);
	assert_int_equal(facs % 64, 0);
	assert_true(facs >= BASE && facs + 64 <= BASE + blob_len);
	assert_memory_equal(blob + (facs - BASE), "FACS", 4);
	assert_int_equal(g32(blob + (facs - BASE) + 4), 64);
	assert_int_equal(g64(f + 132), 0);			/* X_FIRMWARE_CTRL unused */
	/* DSDT and X_DSDT name the same table. */
	assert_int_equal(g64(f + 140), g32(f + 40));
	sdt(g32(f + 40), "DSDT");
	assert_int_equal(g16(f + 46), 9);			/* SCI_INT */
	assert_int_equal(g32(f + 48), 0);			/* SMI_CMD: always ACPI mode */
	assert_int_equal(g32(f + 56), 0x600);			/* PM1a_EVT_BLK */
	assert_int_equal(g32(f + 60), 0);			/* no PM1b */
	assert_int_equal(g32(f + 64), 0x604);			/* PM1a_CNT_BLK */
	assert_int_equal(g32(f + 76), 0x608);			/* PM_TMR_BLK */
	assert_int_equal(f[88], 4);
	assert_int_equal(f[89], 2);
	assert_int_equal(f[91], 4);
	assert_int_equal(g32(f + 80), 0);			/* no GPE blocks */
	uint32_t flags = g32(f + 112);
	assert_false(flags & (1u << 20));			/* HW_REDUCED_ACPI */
	assert_false(flags & (1u << 10));			/* RESET_REG_SUP */
	assert_false(flags & (1u << 8));			/* TMR_VAL_EXT: 24-bit */
	assert_true(flags & 1);					/* WBINVD */
	assert_int_equal(g16(f + 109) & 2, 2);			/* 8042 present */
	/* The 64-bit blocks match the 32-bit ones (system I/O, width = len). */
	static const struct { unsigned x, legacy, len_off; } gas[] = {
		{ 148, 56, 88 }, { 172, 64, 89 }, { 208, 76, 91 },
	};
	for (unsigned i = 0; i < 3; i++) {
		const uint8_t *g = f + gas[i].x;
		assert_int_equal(g[0], 1);
		assert_int_equal(g[1], 8 * f[gas[i].len_off]);
		assert_int_equal(g64(g + 4), g32(f + gas[i].legacy));
	}
	assert_int_equal(g64(f + 160 + 4), 0);			/* X_PM1b_EVT_BLK */
}

static void madt_entries(void **state)
{
	(void)state;
	build_default();
	const uint8_t *m = sdt(BASE + lay.madt, "APIC");
	uint32_t len = g32(m + 4);
	assert_int_equal(g32(m + 36), 0xfee00000);
	assert_int_equal(g32(m + 40) & 1, 1);			/* PCAT_COMPAT */
	int lapic = 0, ioapic = 0, iso0 = 0, iso9 = 0, nmi = 0;
	uint32_t off = 44;
	while (off < len) {
		const uint8_t *e = m + off;
		assert_true(off + 2 <= len && e[1] >= 2 && off + e[1] <= len);
		switch (e[0]) {
		case 0:
			assert_int_equal(e[1], 8);
			assert_int_equal(e[3], 0);			/* APIC ID */
			assert_int_equal(g32(e + 4) & 1, 1);		/* enabled */
			lapic++;
			break;
		case 1:
			assert_int_equal(e[1], 12);
			assert_int_equal(e[2], 0);
			assert_int_equal(g32(e + 4), 0xfec00000);
			assert_int_equal(g32(e + 8), 0);		/* GSI base */
			ioapic++;
			break;
		case 2:
			assert_int_equal(e[1], 10);
			assert_int_equal(e[2], 0);			/* ISA */
			if (e[3] == 0) {
				assert_int_equal(g32(e + 4), 2);
				assert_int_equal(g16(e + 8), 0);
				iso0++;
			} else {
				assert_int_equal(e[3], 9);
				assert_int_equal(g32(e + 4), 9);
				assert_int_equal(g16(e + 8) & 3, 1);		/* active high */
				assert_int_equal(g16(e + 8) >> 2 & 3, 3);	/* level */
				iso9++;
			}
			break;
		case 4:
			assert_int_equal(e[1], 6);
			assert_int_equal(e[2], 0xff);
			assert_int_equal(e[5], 1);			/* LINT1 */
			nmi++;
			break;
		default:
			fail_msg("unexpected MADT entry type %u", e[0]);
		}
		off += e[1];
	}
	assert_int_equal(off, len);				/* entries fill the table exactly */
	assert_int_equal(lapic, 1);
	assert_int_equal(ioapic, 1);
	assert_int_equal(iso0, 1);
	assert_int_equal(iso9, 1);
	assert_int_equal(nmi, 1);
}

static const uint8_t *dsdt_body(size_t *n)
{
	const uint8_t *f = sdt(BASE + lay.fadt, "FACP");
	const uint8_t *d = sdt(g32(f + 40), "DSDT");
	assert_true(d[8] >= 2);
	*n = g32(d + 4) - 36;
	return d + 36;
}

static void dsdt_s5_own_walker(void **state)
{
	(void)state;
	build_default();
	size_t n;
	const uint8_t *aml = dsdt_body(&n);
	uint64_t el[8] = { 0 };
	assert_int_equal(find_s5(aml, n, el), 4);
	assert_int_equal(el[0], 5);
	assert_int_equal(el[1], 5);
	assert_int_equal(el[2], 0);
	assert_int_equal(el[3], 0);
	/* The walker is strict: any truncation of the package fails. */
	for (size_t cut = 7; cut < n; cut++)
		assert_int_equal(find_s5(aml, cut, el), -1);
}

static void dsdt_s5_shade_finder(void **state)
{
	(void)state;
	build_default();
	size_t n;
	const uint8_t *aml = dsdt_body(&n);
	uint16_t a = 0, b = 0;
	assert_true(acpi_find_s5(aml, n, &a, &b));	/* what Shade itself uses on hosts */
	assert_int_equal(a, 5);
	assert_int_equal(b, 5);
}

static void params_are_used(void **state)
{
	(void)state;
	struct acpi_params p = ACPI_PARAMS_DEFAULT;
	p.lapic_id = 3, p.ioapic_id = 2, p.ioapic_addr = 0xfec01000, p.pm_base = 0xb000;
	p.sci_irq = 10, p.s5_typ = 7, p.lapic_addr = 0xfed00000;
	build(&p);
	const uint8_t *f = sdt(BASE + lay.fadt, "FACP"), *m = sdt(BASE + lay.madt, "APIC");
	assert_int_equal(g32(f + 56), 0xb000);
	assert_int_equal(g32(f + 64), 0xb004);
	assert_int_equal(g32(f + 76), 0xb008);
	assert_int_equal(g64(f + 208 + 4), 0xb008);
	assert_int_equal(g16(f + 46), 10);
	assert_int_equal(g32(m + 36), 0xfed00000);
	assert_int_equal(m[44 + 3], 3);
	assert_int_equal(m[52 + 2], 2);
	assert_int_equal(g32(m + 52 + 4), 0xfec01000);
	assert_int_equal(m[64 + 10 + 3], 10);			/* SCI override */
	size_t n;
	const uint8_t *aml = dsdt_body(&n);
	uint64_t el[8];
	assert_int_equal(find_s5(aml, n, el), 4);
	assert_int_equal(el[0], 7);
}

static void placement_and_refusals(void **state)
{
	(void)state;
	const struct acpi_params p = ACPI_PARAMS_DEFAULT;
	static uint8_t big[ACPI_TABLES_MAX_SIZE + 16];
	assert_int_equal(acpi_tables_build(big, ACPI_TABLES_MAX_SIZE - 1, BASE, &p, NULL), 0);
	assert_int_equal(acpi_tables_build(big, sizeof(big), BASE + 16, &p, NULL), 0);
	assert_int_equal(acpi_tables_build(big, sizeof(big), 0xfffffc00ull + 64, &p, NULL), 0);
	assert_int_equal(acpi_tables_build(big, sizeof(big), 1ull << 32, &p, NULL), 0);
	assert_int_equal(acpi_tables_build(NULL, sizeof(big), BASE, &p, NULL), 0);
	assert_int_equal(acpi_tables_build(big, sizeof(big), BASE, NULL, NULL), 0);
	/* Tables at the top of the BIOS area still fit below 1 MiB. */
	size_t n = acpi_tables_build(big, sizeof(big), 0xffc00, &p, NULL);
	assert_true(n > 0 && 0xffc00 + n <= 0x100000);
	assert_memory_equal(big, "RSD PTR ", 8);
}

static void corruption_is_visible(void **state)
{
	(void)state;
	build_default();
	/* Every byte of every table takes part in its checksum. */
	const size_t tabs[] = { lay.dsdt, lay.fadt, lay.madt, lay.rsdt, lay.xsdt };
	for (unsigned t = 0; t < 5; t++) {
		uint32_t len = g32(blob + tabs[t] + 4);
		for (uint32_t i = 0; i < len; i++) {
			blob[tabs[t] + i] ^= 0x10;
			assert_int_not_equal(sum(blob + tabs[t], len), 0);
			blob[tabs[t] + i] ^= 0x10;
		}
	}
}

/* ---- PM registers ---- */

struct pm_rig {
	struct acpi_pm pm;
	uint64_t now;
	int sci, sci_calls;
	unsigned sci_line;
	int poweroffs, resets;
};

static uint64_t pm_now(void *ctx) { return ((struct pm_rig *)ctx)->now; }
static void pm_sci(void *ctx, unsigned line, bool level)
{
	struct pm_rig *r = ctx;
	r->sci = level, r->sci_line = line, r->sci_calls++;
}
static void pm_off(void *ctx) { ((struct pm_rig *)ctx)->poweroffs++; }
static void pm_reset(void *ctx) { ((struct pm_rig *)ctx)->resets++; }

static struct pm_rig *pm_new(void)
{
	static struct pm_rig r;
	memset(&r, 0, sizeof(r));
	acpi_pm_init(&r.pm, (struct dev_clock){ pm_now, &r }, (struct irq_line){ pm_sci, &r },
		     (struct vm_control){ pm_reset, pm_off, &r });
	return &r;
}

static uint64_t pin(struct pm_rig *r, unsigned off, unsigned size)
{
	return acpi_pm_ops.read(&r->pm, off, size) & (size == 8 ? ~0ull : (1ull << (8 * size)) - 1);
}

static void pout(struct pm_rig *r, unsigned off, unsigned size, uint64_t v)
{
	acpi_pm_ops.write(&r->pm, off, size, v);
}

static void pm_timer_rate(void **state)
{
	(void)state;
	struct pm_rig *r = pm_new();
	assert_int_equal(pin(r, 8, 4), 0);
	r->now = 1000000000;				/* 1 s */
	assert_int_equal(pin(r, 8, 4), 3579545);
	r->now = 1000000;				/* 1 ms */
	assert_int_equal(pin(r, 8, 4), 3579);
	r->now = 20000000;				/* 20 ms, as test-acpi measures */
	assert_int_equal(pin(r, 8, 4), 71590);
	r->now = 3000000000ull + 123;
	uint32_t v = (uint32_t)pin(r, 8, 4);
	assert_int_equal(pin(r, 8, 1), v & 0xff);
	assert_int_equal(pin(r, 9, 1), v >> 8 & 0xff);
	assert_int_equal(pin(r, 10, 2), v >> 16);
	assert_int_equal(pin(r, 11, 1), 0);		/* 24-bit: top byte 0 */
	pout(r, 8, 4, 0);				/* read-only */
	assert_int_equal(pin(r, 8, 4), v);
}

static void pm_timer_wraps_24_bits(void **state)
{
	(void)state;
	/* 2^24 ticks = 4.687 s; exact tick boundaries by the closed form. */
	for (uint64_t t = 0; t < 5000000000ull; t += 7919 * 1009) {
		unsigned __int128 exact = (unsigned __int128)t * 3579545 / 1000000000;
		assert_int_equal(acpi_pm_timer(t), (uint32_t)exact & 0xffffff);
	}
	const uint64_t big[] = { 1ull << 40, 1ull << 50, 1ull << 62, ~0ull };
	for (unsigned i = 0; i < 4; i++) {
		unsigned __int128 exact = (unsigned __int128)big[i] * 3579545 / 1000000000;
		assert_int_equal(acpi_pm_timer(big[i]), (uint32_t)exact & 0xffffff);
	}
}

static void pm1_control_and_s5(void **state)
{
	(void)state;
	struct pm_rig *r = pm_new();
	assert_int_equal(pin(r, 4, 2), 1);		/* SCI_EN */
	pout(r, 4, 2, 1u << 10);			/* SLP_TYP 1 without SLP_EN */
	assert_int_equal(pin(r, 4, 2), (1u << 10) | 1);
	pout(r, 4, 2, (1u << 10) | (1u << 13));		/* S1 is not advertised */
	assert_int_equal(r->poweroffs, 0);
	assert_int_equal(pin(r, 4, 2) & (1u << 13), 0);	/* SLP_EN reads 0 */
	pout(r, 4, 2, 5u << 10);			/* S5 type, not yet enabled */
	assert_int_equal(r->poweroffs, 0);
	pout(r, 4, 2, (5u << 10) | (1u << 13));
	assert_int_equal(r->poweroffs, 1);
	assert_int_equal(r->resets, 0);
	pout(r, 4, 2, (5u << 10) | (1u << 13));		/* once */
	assert_int_equal(r->poweroffs, 1);
}

static void pm1_control_byte_write(void **state)
{
	(void)state;
	struct pm_rig *r = pm_new();
	pout(r, 5, 1, (5u << 2) | (1u << 5));		/* high byte: SLP_TYP=5, SLP_EN */
	assert_int_equal(r->poweroffs, 1);
	struct pm_rig *r2 = pm_new();
	pout(r2, 4, 4, (uint64_t)((5u << 10) | (1u << 13)));	/* dword at the control block */
	assert_int_equal(r2->poweroffs, 1);
}

static void power_button_sci(void **state)
{
	(void)state;
	struct pm_rig *r = pm_new();
	acpi_pm_power_button(&r->pm);
	assert_int_equal(pin(r, 0, 2) & ACPI_PM1_PWRBTN, ACPI_PM1_PWRBTN);
	assert_int_equal(r->sci_calls, 0);		/* not enabled: no SCI */
	pout(r, 2, 2, ACPI_PM1_PWRBTN);			/* PWRBTN_EN */
	assert_int_equal(pin(r, 2, 2), ACPI_PM1_PWRBTN);
	assert_int_equal(r->sci, 1);
	assert_int_equal(r->sci_line, 9);
	pout(r, 0, 2, ACPI_PM1_TMR);			/* clearing another bit: stays */
	assert_int_equal(r->sci, 1);
	pout(r, 0, 2, ACPI_PM1_PWRBTN);			/* write 1 to clear */
	assert_int_equal(r->sci, 0);
	assert_int_equal(pin(r, 0, 2) & ACPI_PM1_PWRBTN, 0);
	assert_int_equal(r->sci_calls, 2);
	pout(r, 2, 2, 0xffff);
	assert_int_equal(pin(r, 2, 2), 0x4721);		/* defined enable bits only */
	assert_int_equal(pin(r, 0, 4) >> 16, 0x4721);	/* dword read: STS | EN << 16 */
}

static void timer_overflow_status(void **state)
{
	(void)state;
	struct pm_rig *r = pm_new();
	assert_int_equal(acpi_pm_next_event_ns(&r->pm), UINT64_MAX);	/* TMR_EN clear */
	pout(r, 2, 2, ACPI_PM1_TMR);
	uint64_t t = acpi_pm_next_event_ns(&r->pm);
	/* First time at which bit 23 toggles: 2^23 ticks. */
	assert_int_equal(acpi_pm_timer(t), 1u << 23);
	assert_int_equal(acpi_pm_timer(t - 1), (1u << 23) - 1);
	acpi_pm_advance(&r->pm, t - 1);
	assert_int_equal(r->sci, 0);
	r->now = t - 1;
	assert_int_equal(pin(r, 0, 2) & 1, 0);
	acpi_pm_advance(&r->pm, t);
	assert_int_equal(r->sci, 1);
	r->now = t;
	assert_int_equal(pin(r, 0, 2) & 1, 1);
	assert_int_equal(acpi_pm_next_event_ns(&r->pm), UINT64_MAX);	/* already raised */
	pout(r, 0, 2, 1);				/* clear TMR_STS */
	assert_int_equal(r->sci, 0);
	uint64_t t2 = acpi_pm_next_event_ns(&r->pm);
	assert_int_equal(acpi_pm_timer(t2), 0);		/* bit 23 falls: 2^24 wraps */
	assert_true(t2 > t);
}

static void pm_hostile_offsets(void **state)
{
	(void)state;
	struct pm_rig *r = pm_new();
	for (uint64_t off = 0; off < 16; off++)
		for (unsigned s = 1; s <= 8; s <<= 1) {
			(void)acpi_pm_ops.read(&r->pm, off, s);
			if (off != 4 && off != 5)
				acpi_pm_ops.write(&r->pm, off, s, ~0ull & ~(1ull << 13) & ~(1ull << 45));
		}
	assert_int_equal(acpi_pm_ops.read(&r->pm, ~0ull, 8), ~0ull);
	acpi_pm_ops.write(&r->pm, ~0ull - 2, 8, ~0ull);
	assert_int_equal(acpi_pm_ops.read(&r->pm, 6, 2), 0xffff);	/* the gap */
	assert_int_equal(r->poweroffs, 0);
	struct acpi_pm lone;				/* nothing connected */
	acpi_pm_init(&lone, (struct dev_clock){ 0 }, (struct irq_line){ 0 }, (struct vm_control){ 0 });
	acpi_pm_ops.write(&lone, 4, 2, (5u << 10) | (1u << 13));
	assert_true(lone.off);
	acpi_pm_power_button(&lone);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rsdp),
		cmocka_unit_test(rsdt_and_xsdt_agree),
		cmocka_unit_test(fadt_fields),
		cmocka_unit_test(madt_entries),
		cmocka_unit_test(dsdt_s5_own_walker),
		cmocka_unit_test(dsdt_s5_shade_finder),
		cmocka_unit_test(params_are_used),
		cmocka_unit_test(placement_and_refusals),
		cmocka_unit_test(corruption_is_visible),
		cmocka_unit_test(pm_timer_rate),
		cmocka_unit_test(pm_timer_wraps_24_bits),
		cmocka_unit_test(pm1_control_and_s5),
		cmocka_unit_test(pm1_control_byte_write),
		cmocka_unit_test(power_button_sci),
		cmocka_unit_test(timer_overflow_status),
		cmocka_unit_test(pm_hostile_offsets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
