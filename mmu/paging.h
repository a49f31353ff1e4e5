/* x86 paging formats, described once as data (SDM Vol. 3A, 4.3-4.5).
 * The guest walker (walk.c) and the shadow builder (shadow.c) are both
 * driven by these descriptors; levels are numbered 1 (page table) upward. */
#ifndef SHADE_MMU_PAGING_H
#define SHADE_MMU_PAGING_H

#include <stdint.h>

/* Paging-structure entry bits (SDM Vol. 3A, Tables 4-4 to 4-19). */
#define PTE_P        (1ull << 0)
#define PTE_RW       (1ull << 1)
#define PTE_US       (1ull << 2)
#define PTE_PWT      (1ull << 3)
#define PTE_PCD      (1ull << 4)
#define PTE_A        (1ull << 5)
#define PTE_D        (1ull << 6)
#define PTE_PS       (1ull << 7)   /* in a PDE/PDPTE: maps a large page */
#define PTE_PAT      (1ull << 7)   /* in a 4 KiB PTE */
#define PTE_G        (1ull << 8)
#define PTE_PAT_LARGE (1ull << 12) /* in a large-page PDE/PDPTE */
#define PTE_NX       (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* Control-register bits the MMU cares about (SDM Vol. 3A, 2.5, 2.2.1). */
#define CR0_PE   (1ull << 0)
#define CR0_WP   (1ull << 16)
#define CR0_PG   (1ull << 31)
#define CR4_PSE  (1ull << 4)
#define CR4_PAE  (1ull << 5)
#define CR4_PGE  (1ull << 7)
#define CR4_PCIDE (1ull << 17)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define CR4_PKE  (1ull << 22)
#define CR4_LA57 (1ull << 12)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

/* #PF error code (SDM Vol. 3A, 4.7). */
#define PFEC_P     (1u << 0)
#define PFEC_W     (1u << 1)
#define PFEC_U     (1u << 2)
#define PFEC_RSVD  (1u << 3)
#define PFEC_I     (1u << 4)

enum paging_mode {
	PAGING_NONE = 0,   /* CR0.PG=0: linear = physical (32-bit) */
	PAGING_32   = 1,   /* 32-bit paging, 4 KiB / 4 MiB (PSE, PSE-36) */
	PAGING_PAE  = 2,   /* PAE paging, 4 KiB / 2 MiB */
	PAGING_LONG = 3,   /* IA-32e 4-level paging, 4 KiB / 2 MiB / 1 GiB */
};

struct paging_format {
	const char *name;
	uint8_t top;            /* number of the top level */
	uint8_t entry_bytes;    /* 4 or 8 */
	uint8_t shift[5];       /* [level]: linear-address bit of the index */
	uint8_t index_bits[5];  /* [level]: width of the index */
	uint8_t large_levels;   /* bit L: PS=1 at level L may map a page */
};

extern const struct paging_format paging_formats[4];

static inline const struct paging_format *paging_format(enum paging_mode m)
{
	return &paging_formats[m];
}

/* Bytes mapped by one entry at @level of a format (4 KiB at level 1). */
static inline uint64_t paging_entry_span(const struct paging_format *f, int level)
{
	return 1ull << f->shift[level];
}

static inline unsigned paging_index(const struct paging_format *f, int level,
				    uint64_t la)
{
	return (unsigned)((la >> f->shift[level]) &
			  ((1ull << f->index_bits[level]) - 1));
}

#endif
