/*
 * test-paging-memory: a memory workload through the guest's page tables
 * (issue 4): all RAM above 16 MiB (up to 256 MiB of it, from the Multiboot
 * memory info) is mapped at 0x40000000, once with 4 KiB pages and once
 * with large pages (4 MiB / 2 MiB), in each paging mode; every page gets a
 * value derived from its address and mode, then all are read back twice.
 * With a small shadow pool (shadow-pages=N) this also stresses reclaim.
 * Run with a larger --mem for a bigger workload.
 */
#include "guest.h"
#include "paging.h"
#include "longmode.h"

#define IDENTITY_END 0x01000000u
#define VA_WORK      0x40000000u
#define MAX_WORK     (256u << 20)

static uint32_t work_bytes(void)
{
	uint64_t top;

	if (!mb_info || !(mb_info->flags & MB_INFO_MEM))
		return 0;
	top = ((uint64_t)mb_info->mem_upper + 1024) << 10;     /* bytes */
	if (top <= IDENTITY_END + (4u << 20))
		return 0;
	top -= IDENTITY_END;
	top &= ~(uint64_t)((4u << 20) - 1);     /* whole large pages */
	return top > MAX_WORK ? MAX_WORK : (uint32_t)top;
}

static uint32_t tag(uint32_t va, uint32_t salt)
{
	return (va * 2654435761u) ^ salt;
}

/* Writes every page's first and last word, then reads them all back twice;
 * returns the number of mismatches. */
static uint32_t workload(uint32_t bytes, uint32_t salt)
{
	uint32_t bad = 0;

	for (uint32_t off = 0; off < bytes; off += PAGE_SIZE) {
		uint32_t va = VA_WORK + off;

		*(volatile uint32_t *)va = tag(va, salt);
		*(volatile uint32_t *)(va + PAGE_SIZE - 4) = ~tag(va, salt);
	}
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t off = 0; off < bytes; off += PAGE_SIZE) {
			uint32_t va = VA_WORK + off;

			if (*(volatile uint32_t *)va != tag(va, salt) ||
			    *(volatile uint32_t *)(va + PAGE_SIZE - 4) !=
			    ~tag(va, salt)) {
				if (bad++ < 4)
					printf("  mismatch at va %x\n", va);
			}
		}
	return bad;
}

static void run_mode(enum pg_mode mode, uint32_t bytes, bool large)
{
	static const char *const prefixes[] = { "pg32", "pae", "lm4" };
	struct aspace as;
	uint32_t step = large ? (uint32_t)(mode == PG_MODE_32 ? 4u << 20 : 2u << 20)
			      : PAGE_SIZE;
	char name[48];
	bool ok;

	pg_pool_reset();
	ok = pg_init(&as, mode) &&
	     pg_identity(&as, 0, IDENTITY_END, PTE_P | PTE_W);
	for (uint32_t off = 0; ok && off < bytes; off += step)
		ok = pg_map(&as, VA_WORK + off, IDENTITY_END + off,
			    large ? 1 : 0, PTE_P | PTE_W);
	snprintf(name, sizeof(name), "%s-memory-%s", prefixes[mode],
		 large ? "large" : "4k");
	if (!ok) {
		printf("  out of table pages\n");
		check(false, name);
		return;
	}
	pg_enable(&as);
	check(workload(bytes, mode * 2 + large) == 0, name);
	pg_disable();
}

int guest_main(void)
{
	uint32_t bytes = work_bytes();

	if (!bytes) {
		skip("memory-workload", "less than 20 MiB of RAM or no memory info");
		return report_done();
	}
	printf("test-paging-memory: %u MiB above 16 MiB\n", bytes >> 20);
	for (enum pg_mode m = PG_MODE_32; m <= PG_MODE_4LEVEL; m++) {
		run_mode(m, bytes, false);
		run_mode(m, bytes, true);
	}
	return report_done();
}
