/* Shadow pages: lookup by (key, role) in a hash table, creation (which
 * write-protects the guest table they shadow), and dropping (which unlinks
 * them from their parents and drops children nobody else links). */
#include <string.h>
#include "mmu/shadow.h"

static unsigned sp_nentries(uint32_t role)
{
	return 1u << role_format(role)->index_bits[role_level(role)];
}

uint32_t sp_find(const struct mmu *m, uint64_t key, uint32_t role)
{
	uint32_t idx = *pool_bucket(m, key);

	while (idx != SP_NONE) {
		const struct mmu_sp *sp = sp_get(m, idx);
		if (sp->key == key && sp->role == role)
			return idx;
		idx = sp->hnext;
	}
	return SP_NONE;
}

/* A guest table frame gets a shadow: every writable mapping of it in any
 * shadow becomes read-only, so guest writes to it exit (DESIGN.md). Only
 * leaf shadow pages map frames. A direct one maps frame key + i at entry i
 * (keys are 2 MiB aligned): those are found in the hash table and checked
 * at one entry. The shadows of guest page tables are on the leaf list;
 * the bloom word skips most of them. */
static void write_protect_frame(struct mmu *m, uint64_t gfn)
{
	uint64_t hpa, bit = sp_bloom_bit(gfn), base = gfn & ~(uint64_t)(SP_ENTRIES - 1);
	uint32_t idx;

	if (!memslot_frame(m->slots, gfn, &hpa, NULL, NULL))
		return;
	for (idx = *pool_bucket(m, base); idx != SP_NONE; idx = sp_get(m, idx)->hnext) {
		struct mmu_sp *sp = sp_get(m, idx);
		uint64_t *e = &sp_table(m, sp)[gfn - base];

		if (sp->key == base && (sp->role & ROLE_DIRECT) &&
		    role_level(sp->role) == 1 && (*e & (PTE_P | PTE_RW)) == (PTE_P | PTE_RW))
			*e &= ~(PTE_RW | PTE_D);
	}
	for (idx = m->leaf_head; idx != SP_NONE; idx = pool_leaf_next(m, idx)) {
		struct mmu_sp *sp = sp_get(m, idx);
		uint64_t *t;
		unsigned i;

		if (!(sp->wbloom & bit))
			continue;
		t = sp_table(m, sp);
		for (i = 0; i < SP_ENTRIES; i++)
			if ((t[i] & (PTE_ADDR_MASK | PTE_P | PTE_RW)) == (hpa | PTE_P | PTE_RW))
				t[i] &= ~(PTE_RW | PTE_D);
	}
}

uint32_t sp_create(struct mmu *m, uint64_t key, uint32_t role)
{
	bool pae_root = role_mode(role) != PAGING_LONG && role_level(role) == 3;
	uint32_t idx = pool_alloc(m, pae_root), *bucket;
	struct mmu_sp *sp;

	if (idx == SP_NONE)
		return SP_NONE;
	sp = sp_get(m, idx);
	sp->key = key;
	sp->role = role;
	sp->op_gen = m->op_gen;
	bucket = pool_bucket(m, key);
	sp->hnext = *bucket;
	*bucket = idx;
	m->stats.sp_created++;
	/* Leaf pages that can map any frame go on the leaf list: shadows of
	 * guest tables, and (never expected) a direct page whose key is not
	 * 2 MiB aligned, which write_protect_frame() could not look up. */
	if (role_level(role) == 1 &&
	    (!(role & ROLE_DIRECT) || (key & (SP_ENTRIES - 1))))
		pool_leaf_add(m, idx);
	if (follows_guest_table(role))
		write_protect_frame(m, key);
	return idx;
}

static void hash_remove(struct mmu *m, uint32_t idx)
{
	uint32_t *link = pool_bucket(m, sp_get(m, idx)->key);

	while (*link != SP_NONE) {
		if (*link == idx) {
			*link = sp_get(m, idx)->hnext;
			return;
		}
		link = &sp_get(m, *link)->hnext;
	}
}

static void parent_remove(struct mmu_sp *child, uint32_t ref)
{
	unsigned i;

	if (child->nparents == SP_PARENTS_MANY)
		return;
	for (i = 0; i < child->nparents; i++) {
		if (child->parent[i] == ref) {
			child->parent[i] = child->parent[--child->nparents];
			return;
		}
	}
}

void sp_zap_entry(struct mmu *m, uint32_t idx, unsigned i)
{
	struct mmu_sp *sp = sp_get(m, idx);
	uint64_t *t = sp_table(m, sp), e = t[i];
	uint32_t child;
	struct mmu_sp *c;

	if (!(e & PTE_P))
		return;
	t[i] = 0;
	if (role_level(sp->role) == 1)
		return;
	leaf_cache_forget(m);
	child = sp_of_hpa(m, e & PTE_ADDR_MASK);
	if (child == SP_NONE)
		return;
	c = sp_get(m, child);
	parent_remove(c, (idx << 9) | i);
	/* Nobody links it any more: drop it (and so un-write-protect its frame). */
	if (c->nparents == 0 && !(c->flags & SP_PINNED))
		sp_drop(m, child);
}

void sp_zap_all(struct mmu *m, uint32_t idx)
{
	const struct mmu_sp *sp = sp_get(m, idx);
	uint64_t *t = sp_table(m, sp);
	unsigned i, n = sp_nentries(sp->role);

	if (role_level(sp->role) == 1) {   /* leaves link nothing */
		memset(t, 0, (size_t)n * sizeof(*t));
		return;
	}
	for (i = 0; i < n; i++)
		if (t[i] & PTE_P)
			sp_zap_entry(m, idx, i);
}

/* A page with too many parents to track: find the links by scanning the
 * shadow pages one level up. */
static void unlink_by_scan(struct mmu *m, uint32_t idx)
{
	const struct mmu_sp *sp = sp_get(m, idx);
	int level = role_level(sp->role) + 1;
	uint32_t p;

	for (p = m->fifo_head; p != SP_NONE; p = sp_get(m, p)->next) {
		const struct mmu_sp *ps = sp_get(m, p);
		uint64_t *t;
		unsigned i, n;

		if (role_level(ps->role) != level)
			continue;
		t = sp_table(m, ps);
		n = sp_nentries(ps->role);
		for (i = 0; i < n; i++)
			if ((t[i] & PTE_P) && (t[i] & PTE_ADDR_MASK) == sp->hpa)
				t[i] = 0;
	}
}

static void unlink_from_parents(struct mmu *m, uint32_t idx)
{
	struct mmu_sp *sp = sp_get(m, idx);
	unsigned i;

	if (sp->nparents == SP_PARENTS_MANY) {
		unlink_by_scan(m, idx);
	} else {
		for (i = 0; i < sp->nparents; i++) {
			struct mmu_sp *p = sp_get(m, sp->parent[i] >> 9);
			sp_table(m, p)[sp->parent[i] & 511] = 0;
		}
	}
	sp->nparents = 0;
}

/**
 * sp_drop() - forget a shadow page: its parents stop linking it, children
 * only it linked are dropped too, and the page returns to the pool. The
 * loaded root is only emptied (the hardware is using it).
 */
void sp_drop(struct mmu *m, uint32_t idx)
{
	struct mmu_sp *sp = sp_get(m, idx);

	leaf_cache_forget(m);
	if (sp->flags & SP_PINNED) {
		sp_zap_all(m, idx);
		return;
	}
	unlink_from_parents(m, idx);
	sp_zap_all(m, idx);
	if (sp->role & ROLE_SPECIAL)   /* the PDPTE copies (mmu.c, find_root) */
		sp_table(m, sp)[4] = sp_table(m, sp)[5] =
			sp_table(m, sp)[6] = sp_table(m, sp)[7] = 0;
	hash_remove(m, idx);
	pool_release(m, idx);
	m->stats.sp_dropped++;
	soft_tlb_flush(m);   /* the guest table may now change unseen */
}

/* Drop every shadow of guest frame @gfn: the guest may write it freely. */
void frame_unshadow(struct mmu *m, uint64_t gfn)
{
	uint32_t idx, bound;

	for (bound = 0; bound < m->nsp; bound++) {
		for (idx = *pool_bucket(m, gfn); idx != SP_NONE;
		     idx = sp_get(m, idx)->hnext) {
			const struct mmu_sp *sp = sp_get(m, idx);
			if (sp->key == gfn && follows_guest_table(sp->role) &&
			    !(sp->flags & SP_PINNED))
				break;
		}
		if (idx == SP_NONE)
			return;
		sp_drop(m, idx);
		m->stats.unshadowed++;
	}
}

static __attribute__((noinline)) void
zap_guest_entries(struct mmu *m, uint32_t idx, unsigned off, size_t len)
{
	uint32_t role = sp_get(m, idx)->role;
	unsigned eb = role_mode(role) == PAGING_32 ? 4 : 8;
	unsigned gi, last = (unsigned)((off + len - 1) / eb);

	for (gi = off / eb; gi <= last; gi++) {
		unsigned first, n = guest_to_shadow(role, gi, &first), k;

		for (k = 0; k < n; k++)
			sp_zap_entry(m, idx, first + k);
	}
}

/* Written again and again without being used: probably no page table
 * any more. Dropping the shadow lets the guest write the frame freely. */
void flood_unshadow(struct mmu *m, uint32_t idx)
{
	sp_drop(m, idx);
	m->stats.unshadowed++;
}

/* The guest wrote [off, off+len) of the table shadow page @idx shadows:
 * leaf shadows follow the written entries, higher ones drop the links
 * they fed. A valid new mapping shows the frame still is a page table;
 * other writes count towards the flood limit (table_written()). */
static inline void shadow_guest_write(struct mmu *m, uint32_t idx, const char *page,
			       unsigned off, size_t len)
{
	if (role_level(sp_get(m, idx)->role) == 1) {
		table_written(m, idx, shadow_update_leaf(m, idx, page, off, len));
		return;
	}
	zap_guest_entries(m, idx, off, len);
	table_written(m, idx, false);
}

/**
 * frame_leaf_shadows() - the shadow pages of guest frame @gfn into @idx,
 * in hash-chain order, when all of them are leaf shadows (of a page
 * table) and there are at most @max: their number. 0 when there are none,
 * more, or one of them is a higher level (whose update may drop others).
 * The answer holds while no shadow page is created or dropped.
 */
unsigned frame_leaf_shadows(const struct mmu *m, uint64_t gfn, uint32_t *idx, unsigned max)
{
	unsigned n = 0;

	for (uint32_t i = *pool_bucket(m, gfn); i != SP_NONE; i = sp_get(m, i)->hnext) {
		const struct mmu_sp *sp = sp_get(m, i);

		if (sp->key != gfn || !follows_guest_table(sp->role))
			continue;
		if (n == max || role_level(sp->role) != 1)
			return 0;
		idx[n++] = i;
	}
	return n;
}

/**
 * frame_guest_write() - the guest wrote [off, off+len) of frame @gfn (one
 * frame, whose memory is at @page). Every shadow of it follows the bytes
 * (shadow_guest_write()); a frame written again and again without being
 * used is unshadowed (it probably is no page table any more). Returns
 * whether the frame had any shadow.
 */
bool frame_guest_write(struct mmu *m, uint64_t gfn, const void *page,
		       unsigned off, size_t len)
{
	uint32_t idx, next, gen = ++m->op_gen, bound;
	bool any = false;

	if (len == 0)
		return false;
	/* One pass over the hash chain, unless a shadow page was dropped on
	 * the way (chains changed): then again from the head, skipping the
	 * pages this write already handled (op_gen). */
	for (bound = 0; bound < m->nsp; bound++) {
		uint64_t dropped = m->stats.sp_dropped;

		for (idx = *pool_bucket(m, gfn); idx != SP_NONE; idx = next) {
			struct mmu_sp *sp = sp_get(m, idx);

			next = sp->hnext;
			if (sp->key != gfn || !follows_guest_table(sp->role) ||
			    sp->op_gen == gen)
				continue;
			sp->op_gen = gen;
			any = true;
			shadow_guest_write(m, idx, page, off, len);
			if (m->stats.sp_dropped != dropped)
				break;
		}
		if (idx == SP_NONE)
			break;
	}
	return any;
}
