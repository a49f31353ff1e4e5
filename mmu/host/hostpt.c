/* Final host page tables (4-level, SDM Vol. 3A 4.5). The low 2 MiB-aligned
 * span that holds the image gets 4 KiB pages so text, rodata and data can
 * differ; everything else is 2 MiB pages, writable and NX. */
#include <stdint.h>
#include "mmu/host/hostpt.h"
#include "mmu/host/frames.h"
#include "lib/log.h"
#include "lib/x86.h"

#define P	(1ull << 0)
#define RW	(1ull << 1)
#define PS	(1ull << 7)
#define NX	(1ull << 63)
#define TWO_MB	(2ull << 20)

extern char __image_start[], __text_end[], __rodata_end[], __image_end[];

static uint64_t *table(uint64_t *entry)
{
	if (!(*entry & P)) {
		uint64_t pa = frame_alloc_below(1ull << 32);
		if (!pa)
			panic("out of memory building host page tables");
		*entry = pa | P | RW;
	}
	return phys_to_virt(*entry & 0x000ffffffffff000ull);
}

static uint64_t nx_bit(void)
{
	return (rdmsr(MSR_IA32_EFER) & (1ull << 11)) ? NX : 0;
}

void hostpt_init(uint64_t top)
{
	uint64_t nx = nx_bit();
	uint64_t pml4_pa = frame_alloc_below(1ull << 32);
	if (!pml4_pa)
		panic("out of memory building host page tables");
	uint64_t *pml4 = phys_to_virt(pml4_pa);
	uint64_t end = top > (4ull << 30) ? (top + TWO_MB - 1) & ~(TWO_MB - 1) : (4ull << 30);
	uint64_t small_end = ((uint64_t)__image_end + TWO_MB - 1) & ~(TWO_MB - 1);

	for (uint64_t va = 0; va < end; va += TWO_MB) {
		uint64_t *pdpt = table(&pml4[va >> 39 & 511]);
		uint64_t *pd = table(&pdpt[va >> 30 & 511]);
		if (va >= small_end) {
			pd[va >> 21 & 511] = va | P | RW | PS | nx;
			continue;
		}
		uint64_t *pt = table(&pd[va >> 21 & 511]);
		for (uint64_t pa = va; pa < va + TWO_MB; pa += PAGE_SIZE) {
			uint64_t flags = P | RW | nx;
			if (pa == 0)
				flags = 0;
			else if (pa >= (uint64_t)__image_start && pa < (uint64_t)__text_end)
				flags = P;		/* text: read + execute */
			else if (pa >= (uint64_t)__text_end && pa < (uint64_t)__rodata_end)
				flags = P | nx;		/* rodata */
			pt[pa >> 12 & 511] = pa | flags;
		}
	}
	write_cr3(pml4_pa);
	log_debug("host page tables at %lx cover %lu MiB", pml4_pa, end >> 20);
}
