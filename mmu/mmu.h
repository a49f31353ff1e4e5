/* Shade's shadow MMU: the guest-memory logic of one VM, host-portable.
 *
 * The VMX side hands in plain data (the guest's own CR0/CR3/CR4/EFER, the
 * #PF exit's address and error code) and gets plain data back (the host CR3
 * to run on, or one outcome of the page-fault exit path: DESIGN.md, "The
 * page-fault exit path"). Nothing here touches a VMCS.
 *
 * Call sequence:
 *   mmu_init()          once per VM, after its memslots (taken by pointer;
 *                       add no slot while shadows exist)
 *   mmu_load_context()  at start and after every guest write to CR0, CR3,
 *                       CR4 or EFER (and a task switch's CR3), before the
 *                       instruction completes: MMU_ERR_GP means that MOV
 *                       raises #GP (PAE PDPTEs with reserved bits). Then
 *                       mmu_hw_control() for the hardware CR0/CR4 and
 *                       *host_cr3 into the VMCS guest CR3.
 *   mmu_page_fault()    on every #PF exit (every #PF must exit), with the
 *                       exit qualification, the exit's error code, and
 *                       MMU_PF_CPL3 / MMU_PF_AC / MMU_PF_EVENT (IDT-vectoring
 *                       info valid: re-deliver that event after MMU_FIXED).
 *   mmu_invlpg()        on every INVLPG (and INVPCID) exit, if they exit: it
 *                       only drops the MMIO translation cache (the shadows
 *                       are exact at all times and guest page-table writes
 *                       drop that cache too), so INVLPG exiting may be off.
 *   mmu_translate() then mmu_read_guest()/mmu_write_guest(): every memory
 *                       access of the instruction emulator (MMU_MMIO and
 *                       MMU_EMULATE outcomes), typed with MMU_ACC_*
 *                       (FETCH for instruction bytes, IMPLICIT for
 *                       descriptor-table and TSS accesses). A write that
 *                       does not go through mmu_write_guest() into a guest
 *                       page table leaves the shadows stale.
 * The hardware must run with CR0.PG=PE=WP=1 and CR4.PAE=1, PGE=0 (see
 * mmu_hw_control()), without VPID (or flush it after every call that
 * returns MMU_FIXED or changes shadows), and with EFER.NXE as
 * mmu_config.hw_nxe_always says. One vCPU per struct mmu for now.
 */
#ifndef SHADE_MMU_MMU_H
#define SHADE_MMU_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mmu/memslot.h"
#include "mmu/paging.h"
#include "mmu/walk.h"

/* ---- what the host provides ------------------------------------------ */

#define MMU_ALLOC_BELOW_4G (1u << 0)  /* page must have hpa < 4 GiB */

struct mmu_host_ops {
	/* A zeroed 4 KiB page; returns its host-physical address, 0 if none. */
	uint64_t (*alloc_page)(void *opaque, uint32_t flags);
	void (*free_page)(void *opaque, uint64_t hpa);
	void *(*phys_to_virt)(void *opaque, uint64_t hpa);
	void *opaque;
};

struct mmu_config {
	uint32_t pool_pages;   /* shadow-pages=N: every page the MMU will use */
	uint8_t maxphyaddr;    /* guest CPUID 0x80000008 EAX[7:0] (e.g. 36) */
	bool gbpages;          /* guest may use 1 GiB pages */
	/* How the VMX side runs hardware EFER.NXE. Shadow entries carry NX
	 * only where the hardware honours it: always if hw_nxe_always (the
	 * recommended setting: hardware NXE=1 whenever the CPU has NX, so #PF
	 * exits always report I/D), else only while the guest's own NXE=1
	 * (hardware NXE following the guest's). */
	bool host_nx;          /* the CPU has NX (XD) */
	bool hw_nxe_always;    /* hardware EFER.NXE=1 whatever the guest says */
};

/* The values the guest believes it has. EFER.LMA as the guest sees it. */
struct mmu_guest_state {
	uint64_t cr0, cr3, cr4, efer;
};

/* ---- outcomes --------------------------------------------------------- */

enum mmu_outcome {
	MMU_FIXED = 0,     /* shadow entry filled: resume the guest */
	MMU_INJECT_PF,     /* inject #PF(out->error_code), CR2 = out->cr2 */
	MMU_MMIO,          /* out->gpa is no RAM: emulate the instruction */
	MMU_EMULATE,       /* write to a shadowed guest page table: emulate the
			    * instruction; its writes go to mmu_write_guest() */
	MMU_INJECT_GP,     /* inject #GP(0) (non-canonical address) */
	MMU_FATAL,         /* cannot go on: out->reason says why */
};

/* Context of a #PF exit, beyond the hardware error code. */
#define MMU_PF_CPL3     (1u << 0)  /* guest CPL was 3 */
#define MMU_PF_AC       (1u << 1)  /* guest EFLAGS.AC was 1 */
#define MMU_PF_EVENT    (1u << 2)  /* exit during event delivery (IDT-vectoring
				    * info valid): never answer MMU_EMULATE */

struct mmu_fault {
	uint32_t error_code;   /* MMU_INJECT_PF: the guest's #PF error code */
	uint64_t cr2;          /* MMU_INJECT_PF: the guest's CR2 */
	uint64_t gpa;          /* MMU_MMIO / MMU_EMULATE: guest-physical target */
	const char *reason;    /* MMU_FATAL */
};

/* Access flags for mmu_translate() (the emulator's view of an access). */
#define MMU_ACC_WRITE    WALK_WRITE
#define MMU_ACC_USER     WALK_USER      /* explicit access at CPL 3 */
#define MMU_ACC_FETCH    WALK_FETCH
#define MMU_ACC_IMPLICIT WALK_IMPLICIT  /* implicit supervisor (GDT, IDT, TSS) */
#define MMU_ACC_AC       WALK_AC        /* EFLAGS.AC = 1 */
#define MMU_ACC_PROBE    WALK_NO_AD     /* don't set A/D */

#define MMU_OK            0
#define MMU_ERR_PF       -1   /* translate: #PF, *pf_error set, CR2 = gva */
#define MMU_ERR_GP       -2   /* #GP: non-canonical, or bad PAE PDPTEs */
#define MMU_ERR_NOT_RAM  -3   /* read/write_guest: not (writable) RAM */
#define MMU_ERR_NOMEM    -4   /* init: pool too small / allocation failed */
#define MMU_ERR_BUSY     -5   /* guest entries kept changing during a walk */

/* MMIO translations cached (a power of two): a driver alternating between
 * a few device pages does not pay a walk per access. */
#define MMU_MMIO_CACHE 4

struct mmu_counters {
	uint64_t pf_exits;        /* mmu_page_fault() calls */
	uint64_t guest_faults;    /* #PF reflected to the guest */
	uint64_t fills;           /* shadow leaf entries written on a #PF */
	uint64_t prefetches;      /* ...written ahead of use (guest PTE writes,
				   * neighbours of a fill) */
	uint64_t pt_writes;       /* emulated writes to shadowed guest tables */
	uint64_t emulate_exits;   /* MMU_EMULATE answers */
	uint64_t sp_created;      /* shadow pages created */
	uint64_t sp_dropped;      /* shadow pages dropped (any reason) */
	uint64_t sp_reclaimed;    /* ...of which dropped to refill the pool */
	uint64_t cr3_reused;      /* context loads that found their root */
	uint64_t cr3_rebuilt;     /* context loads that built a new root */
	uint64_t mmio_exits;      /* MMU_MMIO answers */
	uint64_t mmio_cache_hits; /* ...of which answered from the MMIO cache */
	uint64_t invlpg;          /* mmu_invlpg() calls */
	uint64_t unshadowed;      /* guest tables un-write-protected (flood) */
};

/* ---- the MMU of one VM (allocate it; fields are private) --------------- */

#define MMU_POOL_MAX     16384u   /* shadow pages at most (64 MiB) */
#define MMU_META_CHUNKS  400u

struct mmu_sp;

struct mmu {
	struct mmu_host_ops ops;
	const struct memslots *slots;
	struct mmu_config cfg;
	/* pool */
	uint32_t nsp;                     /* shadow pages in the pool */
	uint32_t nbuckets, nhidx;         /* powers of two */
	uint32_t nmeta;                   /* metadata pages */
	uint64_t meta_hpa[MMU_META_CHUNKS];
	void *meta[MMU_META_CHUNKS];
	uint32_t sp_chunk0, bucket_chunk0, hidx_chunk0, leaf_chunk0;
	uint32_t leaf_head;               /* list of shadows of guest page tables */
	struct mmu_sp *sp_base;           /* if nonnull: all descriptors, in order */
	uint32_t *bucket_base;            /* if nonnull: all hash buckets, in order */
	uint64_t linear_hpa;              /* if nonzero: sp i is at linear_hpa + i*4K */
	uint32_t free_low, free_high;     /* free lists: below / above 4 GiB */
	uint32_t nfree;
	uint32_t fifo_head, fifo_tail;    /* in-use pages, oldest first */
	uint32_t op_gen;                  /* pages touched by this operation */
	uint32_t nleaf;                   /* level-1 shadow pages in use */
	/* the loaded context */
	bool loaded;
	struct mmu_guest_state gs;
	struct walk_ctx wc;
	uint32_t role_base;
	uint32_t root;                    /* sp index of the loaded root */
	uint32_t prev_root;               /* the root loaded before it (a hint) */
	uint64_t root_hpa;
	uint64_t leaf_rsvd;               /* reserved bits of a guest 4 KiB PTE */
	/* PAE: the guest's 32-byte PDPT at CR3 (NULL if it is no RAM). RAM
	 * frames never move, so the pointer stays good for that CR3. */
	const uint64_t *pdpt_hva;
	const struct memslot *slot_hint;  /* the memslot last found */
	/* The last range found between memslots (MMIO): [gap_lo, gap_lo +
	 * gap_len), valid while the slots count gap_count (they are only
	 * ever added). */
	uint64_t gap_lo, gap_len;
	unsigned gap_count;
	/* The leaf shadow page last found for a 2 MiB region of the loaded
	 * root (leaf_region ~0: none), and the guest entries feeding its
	 * entry 0 (NULL if direct); any unlinking on its path forgets it. */
	uint64_t leaf_region;
	uint32_t leaf_idx;
	uint32_t leaf_seq;                /* counts the forgettings */
	struct mmu_sp *leaf_sp;           /* sp_get(leaf_idx) */
	void *leaf_gpt;
	/* The last write the fast fill found to hit a shadowed guest table
	 * (answered MMU_EMULATE): the same access through the same guest
	 * PTE, with nothing unlinked or dropped since (leaf_seq), gets the
	 * same answer. */
	struct {
		uint64_t gva_page, gpa_page;
		uint64_t gpte;            /* the guest PTE, A and D set */
		const void *gpte_at;      /* where it is */
		uint64_t *spte_at;        /* its shadow entry */
		uint32_t acc, seq, idx;
		/* Where the write lands: the target frame's memory and its
		 * shadows (frame_leaf_shadows(): tn of them, 0 if not that
		 * simple), learnt at leaf_seq tseq with tcreated shadow pages
		 * created so far; stale when either moved. */
		char *thva;
		uint32_t tidx[2], tn, tseq;
		uint64_t tcreated;
	} ptw;
	/* The last MMIO translations (software TLB entries, DESIGN.md), one
	 * per gva page slot: an entry counts while its gen is tlb_gen. */
	struct mmu_mmio_entry {
		uint64_t gen;
		uint64_t gva_page, gpa_page;
		uint32_t key;                 /* mmu_mmio_key() of the access */
	} mmio_cache[MMU_MMIO_CACHE];
	/* Moves whenever a translation may have changed as the guest sees it
	 * (page-table write, INVLPG, CR3/context load, a table no longer
	 * write-protected): the MMIO cache and the callers' software TLBs are
	 * keyed on it. Never 0. */
	uint64_t tlb_gen;
	struct mmu_counters stats;
};

/**
 * mmu_init() - set up the MMU of a VM whose RAM is @slots (kept by pointer).
 * Takes all cfg->pool_pages pages from @ops now (some hold metadata, the
 * rest are shadow pages); nothing is allocated later. Returns MMU_OK or
 * MMU_ERR_NOMEM.
 */
int mmu_init(struct mmu *m, const struct mmu_host_ops *ops,
	     const struct memslots *slots, const struct mmu_config *cfg);

/** mmu_destroy() - give every page back to the host. */
void mmu_destroy(struct mmu *m);

/**
 * mmu_load_context() - the guest changed CR0, CR3, CR4 or EFER (or starts).
 * Sets *host_cr3 to the shadow root the VMCS guest CR3 must hold (below
 * 4 GiB for PAE-format shadows). A known address space gets its old root
 * back. Returns MMU_OK, MMU_ERR_GP (PAE PDPTE with reserved bits: the MOV
 * raises #GP and the old context stays), or MMU_ERR_NOMEM (fatal).
 */
int mmu_load_context(struct mmu *m, const struct mmu_guest_state *gs,
		     uint64_t *host_cr3);

/**
 * mmu_hw_control() - the CR0/CR4 the hardware must run with while the guest
 * believes it has @gs (PG, PE, WP forced on; PAE forced on; PSE, PGE, PCIDE,
 * PKE off; SMEP/SMAP only while the guest pages). The VMX side ORs in its
 * own fixed bits (VMXE, NE) and shadows the rest through read shadows.
 */
void mmu_hw_control(const struct mmu_guest_state *gs, uint64_t *hw_cr0,
		    uint64_t *hw_cr4);

/**
 * mmu_page_fault() - a #PF exit at @gva with the hardware @error_code;
 * @ctx is MMU_PF_*. Returns what to do; see enum mmu_outcome.
 * A fill also maps the present neighbours in the entry's aligned block of
 * 16, setting their guest A bits as a CPU caching translations
 * speculatively may (SDM Vol. 3A 4.10.2.3); D is only ever set by writes.
 */
enum mmu_outcome mmu_page_fault_walk(struct mmu *m, uint64_t gva,
				     uint32_t error_code, uint32_t ctx,
				     struct mmu_fault *out);

/* What an MMIO cache entry is good for: the hardware's access type bits
 * and the context bits that change the walk's verdict (not MMU_PF_EVENT). */
static inline uint32_t mmu_mmio_key(uint32_t error_code, uint32_t ctx)
{
	return (error_code & (PFEC_W | PFEC_U | PFEC_I)) | (ctx & (MMU_PF_CPL3 | MMU_PF_AC)) << 8;
}

static inline enum mmu_outcome mmu_page_fault(struct mmu *m, uint64_t gva,
					      uint32_t error_code, uint32_t ctx,
					      struct mmu_fault *out)
{
	/* The MMIO cache first: a driver's register accesses answered in a
	 * few instructions. Anything else takes the walk. */
	uint64_t page = (m->wc.mode == PAGING_LONG ? gva : (uint32_t)gva) >> 12;
	const struct mmu_mmio_entry *e = &m->mmio_cache[page & (MMU_MMIO_CACHE - 1)];

	if (e->gen == m->tlb_gen && e->gva_page == page && e->key == mmu_mmio_key(error_code, ctx) &&
	    !(error_code & PFEC_RSVD)) {
		m->stats.pf_exits++;
		m->stats.mmio_exits++;
		m->stats.mmio_cache_hits++;
		out->gpa = (e->gpa_page << 12) | (gva & 0xfff);
		return MMU_MMIO;
	}
	return mmu_page_fault_walk(m, gva, error_code, ctx, out);
}

/**
 * mmu_mmio_fault() - the not-present #PF exit at @gva (@error_code, @ctx
 * without MMU_PF_EVENT) asked the quick way, when MMIO is likely (the
 * caller's guess): if the leaf shadow page the MMU last used for this
 * 2 MiB region maps @gva to a frame in the last gap found between the
 * memslots, and the guest's entry allows the access, the answer is
 * mmu_page_fault()'s - MMU_MMIO at *gpa, counted alike, the guest PTE's A
 * (and D) set alike; not put in the MMIO cache, which serves
 * mmu_page_fault() - and this returns true. False: nothing was
 * done or counted (RAM, a guest fault, anything less simple: call
 * mmu_page_fault()). It costs a RAM fault a few loads and compares.
 * Of @ctx only MMU_PF_EVENT counts: the CPL and RFLAGS.AC change an
 * answer only under SMAP, where this gives none.
 */
bool mmu_mmio_fault(struct mmu *m, uint64_t gva, uint32_t error_code, uint32_t ctx, uint64_t *gpa);

/**
 * mmu_table_write_fast() - the write #PF exit at @gva (@error_code, @ctx)
 * repeats the last one answered MMU_EMULATE (the same access through the
 * same guest PTE, nothing unlinked or dropped since): it is counted as
 * that answer, and the write of @len bytes from @src (not crossing the
 * page) is done at *gpa as mmu_write_guest() would do it, shadows updated.
 * False: nothing was done or counted (call mmu_page_fault()).
 */
bool mmu_table_write_fast(struct mmu *m, uint64_t gva, uint32_t error_code, uint32_t ctx,
			  const void *src, size_t len, uint64_t *gpa);

/** mmu_invlpg() - the guest ran INVLPG @gva: drops the MMIO cache only. */
void mmu_invlpg(struct mmu *m, uint64_t gva);

/**
 * mmu_translate() - the emulator's translation of @gva for an access of type
 * @acc (MMU_ACC_*): walks the guest tables like the CPU, sets A/D, never
 * fills shadows. When the loaded shadow already maps @gva for @acc the
 * answer is read off it (the same result, at a fraction of a walk). Returns MMU_OK (*gpa set), MMU_ERR_PF (*pf_error set; the
 * guest's CR2 is @gva), MMU_ERR_GP or MMU_ERR_BUSY.
 */
int mmu_translate(struct mmu *m, uint64_t gva, uint32_t acc, uint64_t *gpa,
		  uint32_t *pf_error);

/**
 * mmu_hw_frame() - the host frame the loaded shadow maps @gva to: what the
 * CPU uses for @gva now (and, shadows being exact, the guest's current
 * translation); 0 if no present entry maps it.
 */
uint64_t mmu_hw_frame(struct mmu *m, uint64_t gva);

/**
 * mmu_hw_spte() - where the loaded shadow's leaf entry for @gva is (NULL if
 * its path is not linked). The place holds while m->leaf_seq is unchanged;
 * its value is the hardware's translation of @gva now.
 */
uint64_t *mmu_hw_spte(struct mmu *m, uint64_t gva);

/** mmu_read_guest() - copy guest RAM at @gpa; MMU_ERR_NOT_RAM if any byte
 * is not RAM (then nothing is copied: route the access to the MMIO bus). */
int mmu_read_guest(struct mmu *m, uint64_t gpa, void *dst, size_t len);

/**
 * mmu_write_guest() - write guest RAM at @gpa, keeping every shadow of a
 * guest page table in that range exact. MMU_ERR_NOT_RAM (nothing written)
 * if any byte is not writable RAM.
 */
int mmu_write_guest(struct mmu *m, uint64_t gpa, const void *src, size_t len);

/** mmu_counters_format() - the counters as one line of text into @buf. */
size_t mmu_counters_format(const struct mmu *m, char *buf, size_t size);

#endif
