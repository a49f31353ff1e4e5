/*
 * test-paging-mmio: MMIO reached from every paging mode, through 4 KiB
 * pages, large pages (4 MiB / 2 MiB) and a 1 GiB page, and with paging off.
 * The device is the local APIC at its default base 0xFEE00000, present on
 * bare QEMU and Bochs and modelled by Shade (issue 5): its version register
 * (offset 0x30, read-only) must read the same through every mapping, and a
 * TPR (offset 0x80) written through one mapping must read back through
 * another. Under Shade every one of these accesses goes through the
 * instruction emulator (DESIGN.md, the page-fault exit path).
 */
#include "guest.h"
#include "paging.h"
#include "longmode.h"

#define APIC_PA       0xfee00000u
#define APIC_VERSION  0x30
#define APIC_TPR      0x80
#define IDENTITY_END  0x01000000u
#define VA_APIC_4K    0x70000000u
#define VA_LARGE      0x70400000u       /* 4 MiB aligned */
#define VA_HIGH_GB    0xc0000000u       /* 1 GiB page: identity of the 4th GiB */

static const char *prefix;
static char name_buf[64];

static const char *N(const char *what)
{
	snprintf(name_buf, sizeof(name_buf), "%s-%s", prefix, what);
	return name_buf;
}

static uint32_t mmio_rd(uint32_t va)
{
	return *(volatile uint32_t *)va;
}

static void mmio_wr(uint32_t va, uint32_t v)
{
	*(volatile uint32_t *)va = v;
}

/* TPR written through `w`, read back through `r` (bits 7:0 are R/W). */
static void check_tpr(uint32_t w, uint32_t r, const char *what)
{
	mmio_wr(w + APIC_TPR, 0x20);
	check_eq(mmio_rd(r + APIC_TPR) & 0xff, 0x20, N(what));
	mmio_wr(w + APIC_TPR, 0);
}

static void run_mode(enum pg_mode mode, uint32_t version)
{
	static const char *const prefixes[] = { "pg32", "pae", "lm4" };
	struct aspace as;
	uint64_t large = mode == PG_MODE_32 ? 0x400000 : 0x200000;
	uint32_t large_pa = APIC_PA & ~(uint32_t)(large - 1);
	uint32_t va_large_apic = VA_LARGE + (APIC_PA - large_pa);
	bool gb = mode == PG_MODE_4LEVEL &&
		  (cpuid(0x80000001).edx & (1u << 26));
	uint64_t mmio = PTE_P | PTE_W | PTE_PCD | PTE_PWT;

	prefix = prefixes[mode];
	pg_pool_reset();
	if (!pg_init(&as, mode) ||
	    !pg_identity(&as, 0, IDENTITY_END, PTE_P | PTE_W) ||
	    !pg_map(&as, VA_APIC_4K, APIC_PA, 0, mmio) ||
	    !pg_map(&as, VA_LARGE, large_pa, 1, mmio) ||
	    (gb && !pg_map(&as, VA_HIGH_GB, VA_HIGH_GB, 2, mmio))) {
		check(false, N("setup"));
		return;
	}
	pg_enable(&as);
	check_eq(mmio_rd(VA_APIC_4K + APIC_VERSION), version,
		 N("mmio-4k-read"));
	check_eq(mmio_rd(va_large_apic + APIC_VERSION), version,
		 N(mode == PG_MODE_32 ? "mmio-4m-read" : "mmio-2m-read"));
	check_tpr(VA_APIC_4K, va_large_apic, "mmio-write-4k-read-large");
	if (gb) {
		check_eq(mmio_rd(APIC_PA + APIC_VERSION), version,
			 N("mmio-1g-read"));
		check_tpr(APIC_PA, VA_APIC_4K, "mmio-write-1g-read-4k");
	} else if (mode == PG_MODE_4LEVEL) {
		skip(N("mmio-1g-read"), "no 1-GByte pages");
	}
	pg_disable();
}

int guest_main(void)
{
	uint64_t base = 0;
	uint32_t version;

	if (!(cpuid(1).edx & (1u << 9))) {
		skip("mmio-apic", "no local APIC");
		return report_done();
	}
	rdmsr_safe(0x1b, &base, NULL);
	printf("test-paging-mmio: IA32_APIC_BASE=0x%llx\n", base);
	prefix = "nopaging";
	version = mmio_rd(APIC_PA + APIC_VERSION);
	printf("test-paging-mmio: APIC version register 0x%x\n", version);
	check(version != 0 && version != 0xffffffff, N("mmio-read"));
	check_tpr(APIC_PA, APIC_PA, "mmio-write");
	run_mode(PG_MODE_32, version);
	run_mode(PG_MODE_PAE, version);
	run_mode(PG_MODE_4LEVEL, version);
	return report_done();
}
