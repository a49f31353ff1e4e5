/*
 * Building page tables for the three paging modes (SDM Vol. 3A 4.3-4.5),
 * from one description of each format. Tables come from a static pool of
 * identity-mapped 4 KiB pages below 16 MiB; pg_pool_reset() frees them all.
 *
 * Levels are numbered from the leaf: 0 = page table (4 KiB pages),
 * 1 = page directory (4 MiB pages in 32-bit mode, 2 MiB otherwise),
 * 2 = PDPT (1 GiB pages, 4-level only), 3 = PML4.
 */
#ifndef GUEST_PAGING_H
#define GUEST_PAGING_H

#include <stdint.h>
#include <stdbool.h>

enum pg_mode { PG_MODE_32, PG_MODE_PAE, PG_MODE_4LEVEL };

#define PTE_P   (1ull << 0)
#define PTE_W   (1ull << 1)
#define PTE_U   (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A   (1ull << 5)
#define PTE_D   (1ull << 6)
#define PTE_PS  (1ull << 7)
#define PTE_G   (1ull << 8)
#define PTE_NX  (1ull << 63)

#define PAGE_SIZE 4096u

struct pg_format {
	const char *name;
	unsigned levels;        /* 2, 3 or 4 */
	unsigned entry_size;    /* 4 or 8 bytes */
	unsigned index_bits;    /* 10 or 9 */
	unsigned top_entries;   /* entries used in the root table */
	unsigned large_levels;  /* bit L: level L may map a page (PS=1) */
	uint64_t upper_flags;   /* flags of non-leaf entries */
	uint64_t top_flags;     /* flags of root entries (PAE PDPTEs: P only) */
};

struct aspace {
	enum pg_mode mode;
	const struct pg_format *fmt;
	uint32_t root;          /* physical = virtual (identity) address */
};

const struct pg_format *pg_format(enum pg_mode mode);
const char *pg_mode_name(enum pg_mode mode);
uint64_t pg_page_size(const struct aspace *as, unsigned level);

void pg_pool_reset(void);
/* A zeroed 4 KiB page from the pool, or 0 when it is exhausted. */
uint32_t pg_alloc_page(void);
unsigned pg_pool_used(void);

bool pg_init(struct aspace *as, enum pg_mode mode);
/* Map va -> pa with a page of `level`, creating the tables above it.
 * flags are the leaf's (PTE_P included by the caller, so non-present
 * entries can be written too); PTE_PS is added for large pages. */
bool pg_map(struct aspace *as, uint64_t va, uint64_t pa, unsigned level,
	    uint64_t flags);
/* Write a raw entry for va at level, creating the tables above it (to
 * share a lower table between address spaces, say). */
bool pg_install(struct aspace *as, uint64_t va, unsigned level, uint64_t e);
/* 4 KiB identity mappings of [start, end). */
bool pg_identity(struct aspace *as, uint32_t start, uint32_t end,
		 uint64_t flags);
/* Address of the entry for va at level (0 when a table above is missing). */
uint32_t pg_entry_addr(const struct aspace *as, uint64_t va, unsigned level);
uint64_t pg_get(const struct aspace *as, uint64_t va, unsigned level);
void pg_set(const struct aspace *as, uint64_t va, unsigned level, uint64_t e);
/* Entry helpers on a raw table address. */
uint64_t pg_read_entry(const struct aspace *as, uint32_t addr);
void pg_write_entry(const struct aspace *as, uint32_t addr, uint64_t e);

/* Turn paging on in as->mode from paging off (CR4.PAE/PSE, EFER.LME and
 * the long-mode IDT for 4-level, CR3, CR0.PG), and back off again. */
void pg_enable(const struct aspace *as);
void pg_disable(void);
/* MOV CR3 to another address space of the same mode. */
void pg_switch(const struct aspace *as);

#endif
