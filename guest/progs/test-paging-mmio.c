/*
 * test-paging-mmio: MMIO reached from every paging mode, through 4 KiB
 * pages, large pages (4 MiB / 2 MiB) and a 1 GiB page, and with paging off.
 * The device is the local APIC at its default base 0xFEE00000, present on
 * bare QEMU and Bochs and modelled by Shade (issue 5): its version register
 * (offset 0x30, read-only) must read the same through every mapping, and a
 * TPR (offset 0x80) written through one mapping must read back through
 * another. Under Shade every one of these accesses goes through the
 * instruction emulator (DESIGN.md, the page-fault exit path).
 *
 * Shade remembers the moves it finished on MMIO, by RIP, with their bytes
 * and code page (vmx/mmio_fast.c). So in each paging mode one RIP also
 * runs different code on the same register: its page remapped to another
 * code page (PTE write + INVLPG), then the instruction rewritten in place;
 * each must read what the instruction now there reads.
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
#define VA_CODE       0x70800000u       /* the remapped code page */

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

/* A function "mov eax, [va]; ret" at @at, or with @narrow "mov ax, [va];
 * ret": the same operand address, different instructions. */
static void put_load(uint32_t at, uint32_t va, bool narrow)
{
	volatile uint8_t *p = (volatile uint8_t *)at;
	unsigned n = 0;
	if (narrow)
		p[n++] = 0x66;
	p[n++] = 0xa1;
	p[n++] = (uint8_t)va;
	p[n++] = (uint8_t)(va >> 8);
	p[n++] = (uint8_t)(va >> 16);
	p[n++] = (uint8_t)(va >> 24);
	p[n++] = 0xc3;
}

/* Call the function at @va with EAX = @eax; its EAX. */
static uint32_t call_at(uint32_t va, uint32_t eax)
{
	asm volatile("call *%1" : "+a"(eax) : "r"(va) : "ecx", "edx", "memory", "cc");
	return eax;
}

/* One RIP, different instructions on one MMIO register. */
static void check_code_changes(struct aspace *as, uint32_t version)
{
	uint32_t page_a = pg_alloc_page(), page_b = pg_alloc_page();
	uint32_t reg = VA_APIC_4K + APIC_VERSION, narrow = 0xdead0000u | (version & 0xffff);

	put_load(page_a, reg, false);
	put_load(page_b, reg, true);
	pg_set(as, VA_CODE, 0, page_a | PTE_P | PTE_W);
	invlpg(VA_CODE);
	bool same = call_at(VA_CODE, 0xdead0000u) == version && call_at(VA_CODE, 0xdead0000u) == version;
	pg_set(as, VA_CODE, 0, page_b | PTE_P | PTE_W);
	invlpg(VA_CODE);
	check(same && call_at(VA_CODE, 0xdead0000u) == narrow && call_at(VA_CODE, 0xdead0000u) == narrow,
	      N("mmio-code-remapped"));
	/* Rewritten in place (through its identity mapping): the new bytes
	 * count, after the serializing CPUID the SDM asks of such code. */
	put_load(page_b, reg, false);
	cpuid(0);
	check(call_at(VA_CODE, 0xdead0000u) == version && call_at(VA_CODE, 0xdead0000u) == version,
	      N("mmio-code-rewritten"));
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
	    !pg_map(&as, VA_CODE, pg_alloc_page(), 0, PTE_P | PTE_W) ||
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
	check_code_changes(&as, version);
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
