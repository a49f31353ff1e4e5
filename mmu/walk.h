/* The guest page-table walker: one walk for every paging mode, driven by
 * paging.h (SDM Vol. 3A, chapter 4). Pure logic: guest memory is reached
 * through the memslots only. */
#ifndef SHADE_MMU_WALK_H
#define SHADE_MMU_WALK_H

#include <stdbool.h>
#include <stdint.h>
#include "mmu/memslot.h"
#include "mmu/paging.h"

/* Access type of a walk (what the CPU is doing). */
#define WALK_WRITE     (1u << 0)
#define WALK_USER      (1u << 1)  /* explicit access at CPL 3 */
#define WALK_FETCH     (1u << 2)
#define WALK_IMPLICIT  (1u << 3)  /* implicit supervisor access (GDT, IDT, TSS...) */
#define WALK_AC        (1u << 4)  /* EFLAGS.AC = 1 (SMAP override, CPL < 3) */
#define WALK_NO_AD     (1u << 5)  /* probe only: never set A/D bits */

/* Rights a translation grants, accumulated over all levels (SDM 4.6). */
#define ACC_W  (1u << 0)   /* every level R/W=1 */
#define ACC_U  (1u << 1)   /* every level U/S=1 */
#define ACC_X  (1u << 2)   /* no level has XD=1 (with EFER.NXE=1) */
#define ACC_ALL (ACC_W | ACC_U | ACC_X)

#define WALK_OK     0
#define WALK_FAULT  1     /* #PF: w->error_code */
#define WALK_GP     2     /* non-canonical address: #GP, not #PF */
#define WALK_BUSY   3     /* the entries kept changing under us */

struct walk_ctx {
	const struct memslots *slots;
	enum paging_mode mode;
	uint64_t cr3;
	bool wp, pse, nxe, smep, smap;
	bool gbpages;          /* CPUID 1-GiB pages: PS=1 in a PDPTE is legal */
	uint8_t maxphyaddr;    /* CPUID 0x80000008 EAX[7:0] */
	uint64_t pdpte[4];     /* PAE: the PDPTE registers loaded with CR3 */
};

struct walk_result {
	uint64_t gpa;            /* the translated address */
	uint64_t page_gpa;       /* first byte of the guest page */
	uint64_t page_size;      /* 4 KiB, 2/4 MiB, 1 GiB; 4 GiB when PG=0 */
	int leaf_level;          /* level holding the leaf entry; 5 when PG=0 */
	uint64_t table_gfn[5];   /* frame of the guest table at each level */
	uint8_t access_above[6]; /* rights granted by the entries above level L */
	uint8_t access;          /* effective rights (ACC_*) */
	bool dirty;              /* leaf D bit after this walk */
	bool was_accessed;       /* leaf A bit before this walk */
	uint8_t cache;           /* PWT/PCD/PAT in 4 KiB-PTE positions */
	uint32_t error_code;     /* #PF error code when WALK_FAULT */
	bool tables_ram;         /* every table entry used came from RAM */
};

/**
 * walk() - translate @la for an access of type @acc (WALK_*).
 * On success sets the A bits of every entry used and the D bit of the leaf
 * for a write, atomically and only when the whole translation succeeds.
 * Returns WALK_OK, WALK_FAULT (w->error_code is what the CPU delivers),
 * WALK_GP, or WALK_BUSY.
 */
int walk(const struct walk_ctx *c, uint64_t la, uint32_t acc,
	 struct walk_result *w);

/**
 * walk_load_pdptes() - what MOV to CR3 does in PAE mode (SDM 4.4.1): read
 * the four PDPTEs at @cr3[31:5]; returns false (the MOV raises #GP) if a
 * present one has reserved bits set.
 */
bool walk_load_pdptes(const struct memslots *slots, uint64_t cr3,
		      uint8_t maxphyaddr, uint64_t pdpte[4]);

/** walk_entry_reserved() - does present entry @e at @level have reserved
 * bits set (SDM 4.3-4.5)? Uses c->mode, nxe, pse, gbpages, maxphyaddr. */
bool walk_entry_reserved(const struct walk_ctx *c, int level, uint64_t e);

/** walk_leaf_reserved() - the reserved bits of a present 4 KiB PTE in the
 * context @c (0 for 32-bit paging). */
uint64_t walk_leaf_reserved(const struct walk_ctx *c);

/* Access rights check, SDM Vol. 3A 4.6.1: true if @acc may use a page that
 * grants @r (ACC_*). Inline: the fill fast path uses it too. */
static inline bool walk_rights_allow(const struct walk_ctx *c, uint32_t acc, uint32_t r)
{
	bool user_page = r & ACC_U;

	if (acc & WALK_USER) {
		if (!user_page)
			return false;
		if ((acc & WALK_FETCH) && !(r & ACC_X))
			return false;
		return !(acc & WALK_WRITE) || (r & ACC_W);
	}
	if (acc & WALK_FETCH)       /* supervisor fetch: SMEP, then XD */
		return !(user_page && c->smep) && (r & ACC_X);
	/* Supervisor data access: SMAP unless an explicit access with AC=1. */
	if (user_page && c->smap &&
	    ((acc & WALK_IMPLICIT) || !(acc & WALK_AC)))
		return false;
	return !(acc & WALK_WRITE) || (r & ACC_W) || !c->wp;
}

/** walk_pf_error() - the error code a fault of this kind carries (4.7). */
uint32_t walk_pf_error(const struct walk_ctx *c, uint32_t acc, bool present,
		       bool rsvd);

#endif
