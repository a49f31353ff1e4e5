/* The shadow page pool: a fixed budget of host pages taken at init, part
 * metadata (descriptors, hash buckets, an hpa -> descriptor index), the rest
 * shadow pages. When no page is free the oldest one in use is dropped
 * (DESIGN.md: nothing ever fails because the pool filled up). */
#include <string.h>
#include "mmu/shadow.h"

#define U32_PER_PAGE  1024u
#define FOUR_GIB      (1ull << 32)

_Static_assert(sizeof(struct mmu_sp) * SP_PER_PAGE == 4096, "64 descriptors per page");

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static uint32_t div_up(uint32_t a, uint32_t b)
{
	return (a + b - 1) / b;
}

static uint32_t meta_pages_for(uint32_t nsp)
{
	return div_up(nsp, SP_PER_PAGE) + div_up(pow2_at_least(nsp), U32_PER_PAGE) +
	       div_up(pow2_at_least(2 * nsp), U32_PER_PAGE) +
	       div_up(2 * nsp, U32_PER_PAGE);
}

static uint32_t *u32_slot(const struct mmu *m, uint32_t chunk0, uint32_t i)
{
	uint32_t *chunk = m->meta[chunk0 + i / U32_PER_PAGE];
	return &chunk[i % U32_PER_PAGE];
}

static uint32_t hash64(uint64_t v, uint32_t size)
{
	return pool_hash(v, size);
}

/* hpa -> descriptor: arithmetic when the host gave the pool as one run of
 * ascending pages (the usual case: its allocator hands out lowest first),
 * else open addressing, filled once at init. */
uint32_t sp_of_hpa(const struct mmu *m, uint64_t hpa)
{
	uint32_t h, n;

	if (m->linear_hpa) {
		uint64_t i = (hpa - m->linear_hpa) >> 12;
		return hpa >= m->linear_hpa && i < m->nsp ? (uint32_t)i : SP_NONE;
	}
	h = hash64(hpa >> 12, m->nhidx);

	for (n = 0; n < m->nhidx; n++, h = (h + 1) & (m->nhidx - 1)) {
		uint32_t idx = *u32_slot(m, m->hidx_chunk0, h);
		if (idx == SP_NONE || sp_get(m, idx)->hpa == hpa)
			return idx;
	}
	return SP_NONE;
}

static void hidx_insert(struct mmu *m, uint32_t idx, uint64_t hpa)
{
	uint32_t h = hash64(hpa >> 12, m->nhidx);

	while (*u32_slot(m, m->hidx_chunk0, h) != SP_NONE)
		h = (h + 1) & (m->nhidx - 1);
	*u32_slot(m, m->hidx_chunk0, h) = idx;
}

static void free_push(struct mmu *m, uint32_t idx)
{
	struct mmu_sp *sp = sp_get(m, idx);
	uint32_t *head = (sp->flags & SP_LOW) ? &m->free_low : &m->free_high;

	sp->next = *head;
	*head = idx;
	m->nfree++;
}

static uint64_t alloc_host(struct mmu *m, uint32_t flags)
{
	return m->ops.alloc_page(m->ops.opaque, flags);
}

static int take_meta_pages(struct mmu *m)
{
	uint32_t i;

	for (i = 0; i < m->nmeta; i++) {
		m->meta_hpa[i] = alloc_host(m, 0);
		if (!m->meta_hpa[i])
			return MMU_ERR_NOMEM;
		m->meta[i] = m->ops.phys_to_virt(m->ops.opaque, m->meta_hpa[i]);
		memset(m->meta[i], 0, 4096);   /* once, at init */
	}
	for (i = 0; i < m->nbuckets; i++)
		*u32_slot(m, m->bucket_chunk0, i) = SP_NONE;
	for (i = 0; i < m->nhidx; i++)
		*u32_slot(m, m->hidx_chunk0, i) = SP_NONE;
	return MMU_OK;
}

/* Shadow pages prefer low memory: PAE-format roots must sit below 4 GiB
 * (a 32-bit CR3 holds them), so ask for low pages first. */
static int take_shadow_pages(struct mmu *m)
{
	uint32_t i;

	for (i = 0; i < m->nsp; i++) {
		struct mmu_sp *sp = sp_get(m, i);
		uint64_t hpa = alloc_host(m, MMU_ALLOC_BELOW_4G);

		if (!hpa)
			hpa = alloc_host(m, 0);
		if (!hpa)
			return MMU_ERR_NOMEM;
		/* The host hands out zeroed pages; the descriptor is zero too. */
		sp->hpa = hpa;
		sp->table = m->ops.phys_to_virt(m->ops.opaque, hpa);
		sp->flags = hpa < FOUR_GIB ? SP_LOW : 0;
		hidx_insert(m, i, hpa);
		free_push(m, i);
	}
	return MMU_OK;
}

/* Are metadata pages [first, first + n) one run in the host's mapping? */
static bool meta_contiguous(const struct mmu *m, uint32_t first, uint32_t n)
{
	uint32_t i;

	for (i = 1; i < n; i++)
		if ((char *)m->meta[first + i] != (char *)m->meta[first] + (size_t)i * 4096)
			return false;
	return true;
}

/* The descriptor and bucket pages usually sit one after another in the
 * host's mapping too: then sp_get() and pool_bucket() are plain indexing. */
static void detect_contiguous_meta(struct mmu *m)
{
	m->sp_base = meta_contiguous(m, m->sp_chunk0, div_up(m->nsp, SP_PER_PAGE)) ?
		     m->meta[m->sp_chunk0] : NULL;
	m->bucket_base = meta_contiguous(m, m->bucket_chunk0,
					 div_up(m->nbuckets, U32_PER_PAGE)) ?
			 m->meta[m->bucket_chunk0] : NULL;
}

static void detect_linear(struct mmu *m)
{
	uint64_t base = sp_get(m, 0)->hpa;
	uint32_t i;

	for (i = 1; i < m->nsp; i++)
		if (sp_get(m, i)->hpa != base + (uint64_t)i * 4096)
			return;
	m->linear_hpa = base;
}

int pool_init(struct mmu *m)
{
	uint32_t budget = m->cfg.pool_pages, nsp;
	int r;

	nsp = budget < MMU_POOL_MAX ? budget : MMU_POOL_MAX;
	while (nsp > 0 && nsp + meta_pages_for(nsp) > budget)
		nsp--;
	if (nsp < 8 || meta_pages_for(nsp) > MMU_META_CHUNKS)
		return MMU_ERR_NOMEM;
	m->nsp = 0;
	m->linear_hpa = 0;
	m->nbuckets = pow2_at_least(nsp);
	m->nhidx = pow2_at_least(2 * nsp);
	m->sp_chunk0 = 0;
	m->bucket_chunk0 = div_up(nsp, SP_PER_PAGE);
	m->hidx_chunk0 = m->bucket_chunk0 + div_up(m->nbuckets, U32_PER_PAGE);
	m->leaf_chunk0 = m->hidx_chunk0 + div_up(m->nhidx, U32_PER_PAGE);
	m->leaf_head = SP_NONE;
	m->nmeta = meta_pages_for(nsp);
	memset(m->meta_hpa, 0, sizeof(m->meta_hpa));
	m->free_low = m->free_high = SP_NONE;
	m->fifo_head = m->fifo_tail = SP_NONE;
	m->nfree = 0;
	m->sp_base = NULL;
	m->bucket_base = NULL;
	r = take_meta_pages(m);
	if (r == MMU_OK) {
		m->nsp = nsp;
		detect_contiguous_meta(m);
		r = take_shadow_pages(m);
	}
	if (r == MMU_OK)
		detect_linear(m);
	return r;
}

void pool_destroy(struct mmu *m)
{
	uint32_t i;

	for (i = 0; i < m->nsp; i++) {
		uint64_t hpa = m->meta[m->sp_chunk0 + i / SP_PER_PAGE] ?
			       sp_get(m, i)->hpa : 0;
		if (hpa)
			m->ops.free_page(m->ops.opaque, hpa);
	}
	for (i = 0; i < m->nmeta; i++)
		if (m->meta_hpa[i])
			m->ops.free_page(m->ops.opaque, m->meta_hpa[i]);
	m->nsp = m->nmeta = 0;
}

static void fifo_unlink(struct mmu *m, uint32_t idx)
{
	struct mmu_sp *sp = sp_get(m, idx);

	if (sp->prev != SP_NONE)
		sp_get(m, sp->prev)->next = sp->next;
	else
		m->fifo_head = sp->next;
	if (sp->next != SP_NONE)
		sp_get(m, sp->next)->prev = sp->prev;
	else
		m->fifo_tail = sp->prev;
}

static void fifo_append(struct mmu *m, uint32_t idx)
{
	struct mmu_sp *sp = sp_get(m, idx);

	sp->prev = m->fifo_tail;
	sp->next = SP_NONE;
	if (m->fifo_tail != SP_NONE)
		sp_get(m, m->fifo_tail)->next = idx;
	else
		m->fifo_head = idx;
	m->fifo_tail = idx;
}

void pool_fifo_touch(struct mmu *m, uint32_t idx)
{
	fifo_unlink(m, idx);
	fifo_append(m, idx);
}

/* Drop the oldest page that this operation does not stand on. A page used
 * since it was queued (SP_REF: roots being switched to) goes to the tail
 * once instead (second chance), which costs the hot path one flag store
 * instead of a FIFO move per use. */
static bool reclaim_one(struct mmu *m)
{
	uint32_t idx, next, bound;

	for (idx = m->fifo_head, bound = 0; idx != SP_NONE && bound <= 2 * m->nsp;
	     idx = next, bound++) {
		struct mmu_sp *sp = sp_get(m, idx);

		next = sp->next;
		if ((sp->flags & SP_PINNED) || sp->op_gen == m->op_gen)
			continue;
		if (sp->flags & SP_REF) {
			sp->flags &= (uint8_t)~SP_REF;
			if (next != SP_NONE) {
				pool_fifo_touch(m, idx);
				continue;
			}
		}
		m->stats.sp_reclaimed++;
		sp_drop(m, idx);
		return true;
	}
	return false;
}

/**
 * pool_alloc() - a zeroed shadow page, dropping old ones if needed.
 * Returns its descriptor index (in the FIFO, flags SP_USED) or SP_NONE when
 * everything left is in use by the current operation.
 */
uint32_t pool_alloc(struct mmu *m, bool below_4g)
{
	uint32_t bound;

	for (bound = 0; bound <= m->nsp; bound++) {
		uint32_t *head = below_4g || m->free_high == SP_NONE ?
				 &m->free_low : &m->free_high;
		if (*head != SP_NONE) {
			uint32_t idx = *head;
			struct mmu_sp *sp = sp_get(m, idx);

			*head = sp->next;
			m->nfree--;
			sp->flags = (uint8_t)((sp->flags & SP_LOW) | SP_USED);
			fifo_append(m, idx);
			return idx;
		}
		if (!reclaim_one(m))
			return SP_NONE;
	}
	return SP_NONE;
}

/* The leaf list: the level-1 shadows of guest page tables, the only shadow
 * pages whose writable entries can map any frame (a direct page maps the
 * run of frames its key names), so write-protecting a frame walks just
 * them. Links are two u32 per descriptor in their own metadata pages. */
static uint32_t *leaf_link(const struct mmu *m, uint32_t idx, unsigned next)
{
	return u32_slot(m, m->leaf_chunk0, 2 * idx + next);
}

void pool_leaf_add(struct mmu *m, uint32_t idx)
{
	struct mmu_sp *sp = sp_get(m, idx);

	if (sp->flags & SP_LEAFLIST)
		return;
	sp->flags |= SP_LEAFLIST;
	*leaf_link(m, idx, 0) = SP_NONE;
	*leaf_link(m, idx, 1) = m->leaf_head;
	if (m->leaf_head != SP_NONE)
		*leaf_link(m, m->leaf_head, 0) = idx;
	m->leaf_head = idx;
}

static void leaf_remove(struct mmu *m, uint32_t idx)
{
	uint32_t prev = *leaf_link(m, idx, 0), next = *leaf_link(m, idx, 1);

	if (prev != SP_NONE)
		*leaf_link(m, prev, 1) = next;
	else
		m->leaf_head = next;
	if (next != SP_NONE)
		*leaf_link(m, next, 0) = prev;
}

/* Back to the free list; the caller has unlinked it from everything and
 * cleared every entry (so the page is all zeroes again: no 4 KiB memset on
 * this path, which matters with a byte-wise freestanding memset). */
void pool_release(struct mmu *m, uint32_t idx)
{
	struct mmu_sp *sp = sp_get(m, idx);

	fifo_unlink(m, idx);
	if (sp->flags & SP_LEAFLIST)
		leaf_remove(m, idx);
	sp->key = 0;
	sp->wbloom = 0;
	sp->role = 0;
	sp->hnext = sp->prev = sp->next = SP_NONE;
	sp->nparents = 0;
	sp->op_gen = 0;
	sp->writes = 0;
	sp->flags &= SP_LOW;
	free_push(m, idx);
}
