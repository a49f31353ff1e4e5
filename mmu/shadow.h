/* Internal to mmu/: shadow-page descriptors, the pool, and the shadow
 * table operations. Not for callers outside mmu/. */
#ifndef SHADE_MMU_SHADOW_H
#define SHADE_MMU_SHADOW_H

#include "mmu/mmu.h"

#define SP_NONE          0xffffffffu
#define SP_PARENTS       2
#define SP_PARENTS_MANY  0xff    /* more than SP_PARENTS: found by scanning */
#define SP_ENTRIES       512
#define SP_FLOOD_WRITES  4       /* emulated writes without use: unshadow */

#define SP_USED    (1u << 0)
#define SP_PINNED  (1u << 1)     /* the loaded root: never dropped */
#define SP_LOW     (1u << 2)     /* page lies below 4 GiB */
#define SP_LEAFLIST (1u << 4)    /* on the leaf list (pool.c) */
#define SP_REF     (1u << 3)     /* used since it last reached the FIFO's
				  * head: reclaim gives it a second chance */

/* The walker's access flags for a #PF exit's error code and context:
 * W -> WRITE, U -> USER, I -> FETCH; at CPL 3 a supervisor access is an
 * implicit one (SDM 4.6); AC -> AC. Branch-free (every #PF exit asks):
 * the bit positions line up as checked here. */
_Static_assert(PFEC_W >> 1 == WALK_WRITE && PFEC_U >> 1 == WALK_USER && PFEC_I >> 2 == WALK_FETCH &&
	       MMU_PF_CPL3 << 3 == WALK_IMPLICIT && PFEC_U >> 2 == MMU_PF_CPL3 && MMU_PF_AC << 3 == WALK_AC,
	       "access_of() shifts bits into place");
static inline __attribute__((always_inline)) uint32_t access_of(uint32_t ec, uint32_t ctx)
{
	return ((ec >> 1) & (WALK_WRITE | WALK_USER)) | ((ec >> 2) & WALK_FETCH) |
	       ((ctx & ~(ec >> 2) & MMU_PF_CPL3) << 3) | ((ctx & MMU_PF_AC) << 3);
}

/* Outside IA-32e paging, linear addresses are 32 bits. */
static inline uint64_t linear(const struct mmu *m, uint64_t gva)
{
	return m->wc.mode == PAGING_LONG ? gva : (gva & 0xffffffffull);
}

/* Forget every software translation: the MMIO cache here and the callers'
 * own (all keyed on tlb_gen). */
static inline void soft_tlb_flush(struct mmu *m)
{
	m->tlb_gen++;
}

/* One shadow page (64 bytes, 64 to a metadata page). */
struct mmu_sp {
	uint64_t key;       /* guest table gfn, direct region gfn, or PAE CR3 */
	uint64_t hpa;
	uint64_t *table;    /* the page itself (phys_to_virt(hpa), once) */
	uint64_t wbloom;    /* hashes of gfn>>9 of writable leaf entries */
	uint32_t role;
	uint32_t hnext;     /* hash chain */
	uint32_t prev, next;/* FIFO of used pages (oldest first) / free list */
	uint32_t parent[SP_PARENTS]; /* (sp index << 9) | entry index */
	uint32_t op_gen;    /* last operation that touched it */
	uint8_t nparents;
	uint8_t flags;
	uint16_t writes;    /* emulated guest writes since last use */
};

/* The role: everything that changes what a shadow page means (issue 4).
 * Shadow pages are looked up by (key, role); the level is part of it. */
#define ROLE_LEVEL_MASK   0x7u
#define ROLE_MODE_SHIFT   3        /* enum paging_mode of the guest */
#define ROLE_DIRECT       (1u << 5)  /* maps guest-physical directly */
#define ROLE_QUAD_SHIFT   6        /* which part of a 32-bit guest table */
#define ROLE_ACC_SHIFT    8        /* ACC_* granted from above (or direct) */
#define ROLE_WP           (1u << 11)
#define ROLE_NXE          (1u << 12)
#define ROLE_SMEP         (1u << 13)
#define ROLE_SMAP         (1u << 14)
#define ROLE_PSE          (1u << 15)
#define ROLE_DIRTY        (1u << 16) /* direct: the guest large page is dirty */
#define ROLE_CACHE_SHIFT  17       /* direct: PWT, PCD, PAT of the large page */
#define ROLE_SPECIAL      (1u << 20) /* PAE-format root of a 32-bit/PAE guest */
#define ROLE_HWNX         (1u << 21) /* shadow entries may use NX */

static inline int role_level(uint32_t role) { return role & ROLE_LEVEL_MASK; }
static inline enum paging_mode role_mode(uint32_t role)
{
	return (enum paging_mode)((role >> ROLE_MODE_SHIFT) & 3);
}
/* Shadow format: 4-level for long-mode guests, PAE for everything else. */
static inline const struct paging_format *role_format(uint32_t role)
{
	return paging_format(role_mode(role) == PAGING_LONG ? PAGING_LONG
							     : PAGING_PAE);
}

/* Writable leaf entries are summarised per shadow page by a 64-bit bloom
 * word over their 2 MiB region, so write-protecting a frame scans few pages. */
static inline uint64_t sp_bloom_bit(uint64_t gfn)
{
	return 1ull << (((gfn >> 9) * 0x9e3779b97f4a7c15ull) >> 58);
}

/* May shadow entries use the NX bit (is hardware EFER.NXE=1 now)? */
static inline bool shadow_nx_usable(const struct mmu *m)
{
	return m->role_base & ROLE_HWNX;
}

/* Guest frame @gfn (below 2^52) lies in the last gap found between
 * memslots, which no slot has covered since (slots are only added). */
static inline bool gfn_in_gap(const struct mmu *m, uint64_t gfn)
{
	return (gfn << 12) - m->gap_lo < m->gap_len && m->gap_count == m->slots->count;
}

/* The memslot holding guest frame @gfn, or NULL (MMIO). The last slot
 * found is tried first (guests have one or two slots), then the last gap
 * between slots (a driver's device pages), so the fill path and the MMIO
 * path pay a few instructions instead of a binary search. */
static inline const struct memslot *gfn_slot(struct mmu *m, uint64_t gfn)
{
	const struct memslot *s = m->slot_hint;
	uint64_t gpa = gfn << 12;

	if (gfn > (UINT64_MAX >> 12))
		return NULL;
	if (s && s < m->slots->slot + m->slots->count && gpa - s->gpa < s->size)
		return s;
	if (gfn_in_gap(m, gfn))
		return NULL;
	s = memslot_lookup(m->slots, gpa);
	if (s)
		m->slot_hint = s;
	else if (memslot_gap(m->slots, gpa, &m->gap_lo, &m->gap_len))
		m->gap_count = m->slots->count;
	return s;
}

/* Guest frame @gfn as RAM: host-physical address and memslot flags. */
static inline bool gfn_ram(struct mmu *m, uint64_t gfn, uint64_t *hpa,
			   uint32_t *flags)
{
	const struct memslot *s = gfn_slot(m, gfn);

	if (!s)
		return false;
	*hpa = s->hpa + ((gfn << 12) - s->gpa);
	*flags = s->flags;
	return true;
}

/* Host pointer to the whole guest frame @gfn, or NULL if it is no RAM. */
static inline void *gfn_hva(struct mmu *m, uint64_t gfn)
{
	const struct memslot *s = gfn_slot(m, gfn);

	return s ? (char *)s->hva + ((gfn << 12) - s->gpa) : NULL;
}

#define LEAF_REGION_NONE (~0ull)   /* no 2 MiB region number (gva >> 21) */

/* Links changed or a shadow page went: the cached path to a leaf shadow
 * page may be gone, and what was found through it may have changed. */
static inline void leaf_cache_forget(struct mmu *m)
{
	m->leaf_region = LEAF_REGION_NONE;
	m->leaf_seq++;
}

/* pool.c */
#define SP_PER_PAGE   64u
static inline struct mmu_sp *sp_get(const struct mmu *m, uint32_t idx)
{
	struct mmu_sp *chunk;

	if (m->sp_base)   /* the descriptor pages are contiguous (usual) */
		return &m->sp_base[idx];
	chunk = m->meta[m->sp_chunk0 + idx / SP_PER_PAGE];
	return &chunk[idx % SP_PER_PAGE];
}

static inline uint64_t *sp_table(const struct mmu *m, const struct mmu_sp *sp)
{
	(void)m;
	return sp->table;
}

/* Multiplicative hashing into @size (a power of two) slots. */
static inline uint32_t pool_hash(uint64_t v, uint32_t size)
{
	v *= 0x9e3779b97f4a7c15ull;
	return (uint32_t)(v >> 32) & (size - 1);
}

/* The hash bucket (head of a chain of descriptors by hnext) for @key. */
static inline uint32_t *pool_bucket(const struct mmu *m, uint64_t key)
{
	uint32_t h = pool_hash(key, m->nbuckets), *chunk;

	if (m->bucket_base)   /* the bucket pages are contiguous (usual) */
		return &m->bucket_base[h];
	chunk = m->meta[m->bucket_chunk0 + h / 1024];
	return &chunk[h % 1024];
}

int pool_init(struct mmu *m);
void pool_destroy(struct mmu *m);
uint32_t sp_of_hpa(const struct mmu *m, uint64_t hpa);
uint32_t pool_alloc(struct mmu *m, bool below_4g);
void pool_release(struct mmu *m, uint32_t idx);
void pool_fifo_touch(struct mmu *m, uint32_t idx);
void pool_leaf_add(struct mmu *m, uint32_t idx);
/* The page after @idx on the leaf list (pool.c keeps the links: two u32 per
 * descriptor, prev then next, 1024 to a metadata page). */
static inline uint32_t pool_leaf_next(const struct mmu *m, uint32_t idx)
{
	uint32_t i = 2 * idx + 1;
	const uint32_t *chunk = m->meta[m->leaf_chunk0 + i / 1024];

	return chunk[i % 1024];
}

/* Shadows of a guest table follow that table's memory; direct pages and
 * the PAE-format roots of 32-bit/PAE guests do not. */
static inline bool follows_guest_table(uint32_t role)
{
	return !(role & (ROLE_DIRECT | ROLE_SPECIAL));
}

/* Does guest frame @gfn have a shadow (so it is write-protected)? */
static inline bool frame_shadowed(const struct mmu *m, uint64_t gfn)
{
	uint32_t idx = *pool_bucket(m, gfn);

	while (idx != SP_NONE) {
		const struct mmu_sp *sp = sp_get(m, idx);

		if (sp->key == gfn && follows_guest_table(sp->role))
			return true;
		idx = sp->hnext;
	}
	return false;
}

/* Guest entry index @gi of a table shadowed by @role -> the shadow entries
 * it feeds. A 32-bit guest table is split: a PAE shadow PD covers a quarter
 * of the guest PD (two shadow PDEs per guest PDE), a shadow PT half of the
 * guest PT. Returns the number of shadow entries (0: not in this shadow). */
static inline unsigned guest_to_shadow(uint32_t role, unsigned gi, unsigned *first)
{
	unsigned q = (role >> ROLE_QUAD_SHIFT) & 3;

	if (role_mode(role) != PAGING_32) {
		*first = gi;
		return 1;
	}
	if (role_level(role) == 2) {
		if (gi / 256 != q)
			return 0;
		*first = (gi % 256) * 2;
		return 2;
	}
	if (gi / 512 != q)
		return 0;
	*first = gi % 512;
	return 1;
}

/* shadow.c */
uint32_t sp_find(const struct mmu *m, uint64_t key, uint32_t role);
uint32_t sp_create(struct mmu *m, uint64_t key, uint32_t role);
void sp_drop(struct mmu *m, uint32_t idx);
void sp_zap_entry(struct mmu *m, uint32_t idx, unsigned i);
void sp_zap_all(struct mmu *m, uint32_t idx);
void frame_unshadow(struct mmu *m, uint64_t gfn);
bool frame_guest_write(struct mmu *m, uint64_t gfn, const void *page,
		       unsigned off, size_t len);
unsigned frame_leaf_shadows(const struct mmu *m, uint64_t gfn, uint32_t *idx, unsigned max);
void flood_unshadow(struct mmu *m, uint32_t idx);

/* Shadow page @idx followed a guest write to its table, which @mapped an
 * entry (the frame is in use as a page table) or not: SP_FLOOD_WRITES
 * writes in a row without one unshadow the frame. */
static inline void table_written(struct mmu *m, uint32_t idx, bool mapped)
{
	struct mmu_sp *sp = sp_get(m, idx);

	if (mapped)
		sp->writes = 0;
	else if (++sp->writes >= SP_FLOOD_WRITES && !(sp->flags & SP_PINNED))
		flood_unshadow(m, idx);
}

/* fill.c */
enum mmu_outcome shadow_fill(struct mmu *m, uint64_t gva, uint32_t acc,
			     uint32_t ctx, const struct walk_result *w,
			     uint64_t hpa, uint32_t sflags, struct mmu_fault *out);
uint32_t shadow_path(struct mmu *m, uint64_t gva, const struct walk_result *w);
uint32_t shadow_child_role(const struct mmu *m, const struct walk_result *w,
			   uint64_t gva, int level, uint64_t *key);
uint64_t shadow_leaf(const struct mmu *m, uint64_t gva);
unsigned shadow_update_leaf(struct mmu *m, uint32_t idx, const char *page,
			    unsigned off, size_t len);
bool shadow_translate(struct mmu *m, uint64_t gva, uint32_t acc, uint64_t *gpa);

/* mmu.c */
enum mmu_outcome mmu_fault_full(struct mmu *m, uint64_t gva, uint32_t error_code, uint32_t ctx,
				struct mmu_fault *out);
enum mmu_outcome mmu_mmio_answer(struct mmu *m, uint64_t gva, uint32_t key,
				 uint64_t gpa, struct mmu_fault *out);

#endif
