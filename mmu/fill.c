/* Filling shadow entries: from the root down to the leaf, link (or find)
 * the shadow page each level needs for this walk, then write the one leaf
 * entry the faulting access wants (NOVA's vTLB miss(), in Shade's words). */
#include "mmu/shadow.h"

/* Cache-control bits of a walk as three role bits. */
static uint32_t cache_role(uint8_t cache)
{
	return ((cache >> 3) & 3u) | ((cache & PTE_PAT) ? 4u : 0u);
}

/**
 * shadow_child_role() - which shadow table must sit at @level on the path of
 * @gva: a shadow of the guest table there (keyed by its frame, split into
 * quarters/halves for 32-bit guests), or, inside a guest large page or with
 * paging off, a direct table keyed by the first frame it maps.
 */
uint32_t shadow_child_role(const struct mmu *m, const struct walk_result *w,
			   uint64_t gva, int level, uint64_t *key)
{
	uint32_t role = m->role_base | (uint32_t)level;
	uint64_t span, off;

	if (level >= w->leaf_level) {
		uint32_t quad = 0;

		if (role_mode(role) == PAGING_32)
			quad = level == 2 ? (gva >> 30) & 3 : (gva >> 21) & 1;
		*key = w->table_gfn[level];
		return role | quad << ROLE_QUAD_SHIFT |
		       (uint32_t)w->access_above[level] << ROLE_ACC_SHIFT;
	}
	span = 1ull << (12 + 9 * level);
	off = gva & (w->page_size - 1);
	*key = (w->page_gpa + (off & ~(span - 1))) >> 12;
	return role | ROLE_DIRECT | (uint32_t)w->access << ROLE_ACC_SHIFT |
	       (w->dirty ? ROLE_DIRTY : 0) |
	       cache_role(w->cache) << ROLE_CACHE_SHIFT;
}

/* Links to lower shadow tables grant everything: the rights of the whole
 * guest path are folded into the leaf (and into the child's role). PAE
 * PDPTEs have no rights bits at all (SDM Table 4-8). */
static void link_child(struct mmu *m, uint32_t parent, unsigned i,
		       uint32_t child)
{
	struct mmu_sp *p = sp_get(m, parent), *c = sp_get(m, child);
	uint64_t e = c->hpa | PTE_P;

	if (role_mode(p->role) == PAGING_LONG || role_level(p->role) != 3)
		e |= PTE_RW | PTE_US | PTE_A;
	sp_table(m, p)[i] = e;
	if (c->nparents == SP_PARENTS_MANY)
		return;
	if (c->nparents == SP_PARENTS)
		c->nparents = SP_PARENTS_MANY;
	else
		c->parent[c->nparents++] = (parent << 9) | i;
}

static void touch(struct mmu *m, uint32_t idx)
{
	struct mmu_sp *sp = sp_get(m, idx);

	sp->op_gen = m->op_gen;
	sp->writes = 0;
}

/* One step down: the child of @idx on the path of @gva, made if needed. */
static uint32_t descend(struct mmu *m, uint32_t idx, uint64_t gva, int level,
			const struct walk_result *w)
{
	struct mmu_sp *sp = sp_get(m, idx);
	unsigned i = paging_index(role_format(sp->role), level, gva);
	uint64_t key, e = sp_table(m, sp)[i];
	uint32_t role = shadow_child_role(m, w, gva, level - 1, &key), child;

	touch(m, idx);
	if (e & PTE_P) {
		child = sp_of_hpa(m, e & PTE_ADDR_MASK);
		if (child != SP_NONE && sp_get(m, child)->key == key &&
		    sp_get(m, child)->role == role) {
			touch(m, child);
			return child;
		}
		/* The guest path changed meaning (e.g. a large page became
		 * dirty): this link is stale. */
		sp_zap_entry(m, idx, i);
	}
	child = sp_find(m, key, role);
	if (child == SP_NONE)
		child = sp_create(m, key, role);
	if (child == SP_NONE)
		return SP_NONE;
	touch(m, child);
	link_child(m, idx, i, child);
	return child;
}

struct leaf {
	bool writable, user, nx;
	enum mmu_outcome outcome;
};

static void prefetch_around(struct mmu *m, uint32_t idx, unsigned i0);
static inline uint64_t leaf_for(struct mmu *m, struct mmu_sp *sp, uint64_t gfn,
				uint32_t rights, bool dirty, uint8_t cache);

/* How a leaf shadow page of the loaded context (role @role) turns a guest
 * PTE into its entry: the guest bits carried over as they are, and the
 * bits every entry gets. */
struct spte_masks {
	uint64_t copy, force;
};

static inline struct spte_masks spte_masks(const struct mmu *m, uint32_t role)
{
	uint32_t acc = (role >> ROLE_ACC_SHIFT) & ACC_ALL;
	bool hwnx = role & ROLE_HWNX;
	struct spte_masks k;

	k.copy = PTE_PWT | PTE_PCD | PTE_PAT | ((acc & ACC_U) ? PTE_US : 0) |
		 (hwnx && m->wc.nxe && (acc & ACC_X) ? PTE_NX : 0);
	k.force = PTE_P | PTE_A | (hwnx && !(acc & ACC_X) ? PTE_NX : 0);
	return k;
}

/* May guest PTE @gpte of a leaf shadow page with role @role, naming frame
 * @gfn of memslot @s, be mapped writable? Only when the guest allows the
 * write and has set D (the first write must exit to set it), the frame
 * is RAM and no shadowed guest table. */
static inline bool pte_writable(const struct mmu *m, uint32_t role,
				uint64_t gpte, const struct memslot *s,
				uint64_t gfn)
{
	return (role & (ACC_W << ROLE_ACC_SHIFT)) &&
	       (gpte & (PTE_RW | PTE_D)) == (PTE_RW | PTE_D) &&
	       !(s->flags & MEMSLOT_READONLY) && !frame_shadowed(m, gfn);
}

/* CR0.WP=0: a supervisor write to a read-only page is allowed (SDM 4.6).
 * The hardware runs with WP=1, so map the page writable for supervisor
 * only; user accesses then exit and get the read-only user mapping back.
 * Where hiding the U bit would break SMAP (or SMEP without NX) the write
 * is emulated instead. */
static void wp0_supervisor_write(const struct mmu *m, struct leaf *l)
{
	bool smep = m->role_base & ROLE_SMEP, smap = m->role_base & ROLE_SMAP;

	if (l->user && (smap || (smep && !shadow_nx_usable(m)))) {
		l->outcome = MMU_EMULATE;
		return;
	}
	l->writable = true;
	if (l->user && smep)
		l->nx = true;   /* SMEP must still stop supervisor fetches */
	l->user = false;
}

/* The shadow leaf entry itself. A and D are preset so the hardware never
 * writes them: the guest's own A/D are what the walk set. */
static uint64_t leaf_spte(struct mmu_sp *sp, uint64_t gfn, uint64_t hpa,
			  const struct leaf *l, uint8_t cache)
{
	uint64_t spte = hpa | PTE_P | PTE_A | (cache & (PTE_PWT | PTE_PCD | PTE_PAT));

	if (l->writable) {
		spte |= PTE_RW | PTE_D;
		sp->wbloom |= sp_bloom_bit(gfn);
	}
	if (l->user)
		spte |= PTE_US;
	if (l->nx && (sp->role & ROLE_HWNX))
		spte |= PTE_NX;
	return spte;
}

static enum mmu_outcome fill_leaf(struct mmu *m, uint32_t idx, uint64_t gva,
				  uint32_t acc, uint32_t ctx,
				  const struct walk_result *w, uint64_t hpa,
				  uint32_t sflags, struct mmu_fault *out)
{
	struct mmu_sp *sp = sp_get(m, idx);
	uint64_t gfn = w->gpa >> 12;
	bool write = acc & WALK_WRITE;
	unsigned i;
	struct leaf l = {
		.writable = (w->access & ACC_W) && w->dirty,
		.user = w->access & ACC_U,
		.nx = !(w->access & ACC_X),
		.outcome = MMU_FIXED,
	};

	touch(m, idx);
	if (write && !(acc & WALK_USER) && !(w->access & ACC_W))
		wp0_supervisor_write(m, &l);
	if (sflags & MEMSLOT_READONLY)
		l.writable = false;
	if (frame_shadowed(m, gfn)) {
		/* A write to a guest page table: emulate it so the shadows stay
		 * exact (shadow_fill() already unshadowed it during event
		 * delivery, unless it is on the path itself). */
		if (write)
			l.outcome = MMU_EMULATE;
		l.writable = false;
	}
	if (l.outcome == MMU_EMULATE) {
		l.writable = false;
		l.user = w->access & ACC_U;
		if (ctx & MMU_PF_EVENT) {
			out->reason = "event delivery writes a guest table that must stay shadowed";
			return MMU_FATAL;
		}
	}
	i = paging_index(role_format(sp->role), 1, gva);
	sp_table(m, sp)[i] = leaf_spte(sp, gfn, hpa, &l, w->cache);
	m->stats.fills++;
	if (l.outcome == MMU_EMULATE) {
		out->gpa = w->gpa;
		m->stats.emulate_exits++;
	} else {
		prefetch_around(m, idx, i);
	}
	return l.outcome;
}

/* shadow_pte_of() for a leaf shadow page made in another context than
 * the loaded one (other paging mode or NXE): its role says the rules. */
static __attribute__((noinline)) uint64_t
other_context_pte(struct mmu *m, struct mmu_sp *sp, uint64_t gpte)
{
	uint32_t role = sp->role, rights;
	enum paging_mode mode = role_mode(role);
	struct walk_ctx c;
	uint64_t gfn;

	/* Field by field: a struct initializer would call memset. */
	c.slots = m->slots;
	c.mode = mode;
	c.cr3 = 0;
	c.wp = role & ROLE_WP;
	c.nxe = role & ROLE_NXE;
	c.pse = role & ROLE_PSE;
	c.smep = role & ROLE_SMEP;
	c.smap = role & ROLE_SMAP;
	c.gbpages = m->cfg.gbpages;
	c.maxphyaddr = m->cfg.maxphyaddr;
	if (walk_entry_reserved(&c, 1, gpte))
		return 0;
	rights = (role >> ROLE_ACC_SHIFT) & ACC_ALL;
	if (!(gpte & PTE_RW))
		rights &= ~ACC_W;
	if (!(gpte & PTE_US))
		rights &= ~ACC_U;
	if ((role & ROLE_NXE) && (gpte & PTE_NX))
		rights &= ~ACC_X;
	gfn = (mode == PAGING_32 ? (gpte & 0xfffff000ull) : (gpte & PTE_ADDR_MASK)) >> 12;
	return leaf_for(m, sp, gfn, rights, gpte & PTE_D,
			(uint8_t)(gpte & (PTE_PWT | PTE_PCD | PTE_PAT)));
}

/* The entry guest PTE @gpte makes in leaf shadow page @sp
 * (a shadow of a guest page table) now: a mapping if the CPU could use the
 * PTE as it is (present, accessed, no reserved bits, RAM), else 0 (not
 * present: the next access faults as usual). Used after guest PTE writes,
 * saving the exit the next access would take.
 */
static inline uint64_t shadow_pte_of(struct mmu *m, struct mmu_sp *sp,
				     uint64_t gpte)
{
	uint32_t role = sp->role;
	const struct memslot *s;
	struct spte_masks k;
	uint64_t gpa, spte;

	if ((gpte & (PTE_P | PTE_A)) != (PTE_P | PTE_A))
		return 0;
	if (role_mode(role) != m->wc.mode || !(role & ROLE_NXE) != !m->wc.nxe)
		return other_context_pte(m, sp, gpte);
	if (gpte & m->leaf_rsvd)   /* the loaded context's rule */
		return 0;
	gpa = gpte & (m->wc.mode == PAGING_32 ? 0xfffff000ull : PTE_ADDR_MASK);
	s = gfn_slot(m, gpa >> 12);
	if (!s)
		return 0;   /* MMIO: never a shadow entry */
	k = spte_masks(m, role);
	spte = (s->hpa + (gpa - s->gpa)) | k.force | (gpte & k.copy);
	if (pte_writable(m, role, gpte, s, gpa >> 12)) {
		spte |= PTE_RW | PTE_D;
		sp->wbloom |= sp_bloom_bit(gpa >> 12);
	}
	return spte;
}

/**
 * shadow_update_leaf() - after a write to [off, off+len) of the guest
 * table that leaf shadow page @idx shadows (whose memory is at @page): every shadow entry a
 * written guest entry feeds is made again from that entry as it is now,
 * partly written or not (it is what the CPU would find there): mapped if
 * the CPU could use it as it is (shadow_pte_of()), else not present.
 * A guest installing a PTE usually touches it next. Returns how many
 * entries were mapped. */
static inline __attribute__((always_inline)) unsigned
update_leaf(struct mmu *m, uint32_t idx, const char *page, unsigned off, size_t len)
{
	struct mmu_sp *sp = sp_get(m, idx);
	uint64_t *t = sp_table(m, sp);
	unsigned shift = role_mode(sp->role) == PAGING_32 ? 2 : 3, eb = 1u << shift;
	unsigned gi, last = (unsigned)((off + len - 1) >> shift), n = 0;

	for (gi = off >> shift; gi <= last; gi++) {
		unsigned si;
		const void *p = page + ((size_t)gi << shift);
		uint64_t gpte;

		if (!guest_to_shadow(sp->role, gi, &si))
			continue;
		gpte = eb == 4 ? __atomic_load_n((const uint32_t *)p, __ATOMIC_ACQUIRE)
			       : __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE);
		t[si] = shadow_pte_of(m, sp, gpte);
		n += t[si] != 0;
	}
	m->stats.prefetches += n;
	return n;
}

unsigned shadow_update_leaf(struct mmu *m, uint32_t idx, const char *page,
			    unsigned off, size_t len)
{
	return update_leaf(m, idx, page, off, len);
}

/* Set @bits in the guest entry at @p (@eb bytes) that was read as @seen,
 * atomically as the CPU does (SDM Vol. 3A 4.8). False if it changed. */
static bool gpte_set(void *p, unsigned eb, uint64_t seen, uint64_t bits)
{
	if ((seen & bits) == bits)
		return true;
	if (eb == 4) {
		uint32_t old = (uint32_t)seen;
		return __atomic_compare_exchange_n((uint32_t *)p, &old,
				(uint32_t)(seen | bits), false,
				__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	}
	return __atomic_compare_exchange_n((uint64_t *)p, &seen, seen | bits,
					   false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

/* The guest PTE that feeds entry 0 of non-direct leaf shadow page @sp, and
 * the guest's entry size; NULL if the guest table is not RAM. A 32-bit
 * guest table feeds two shadow pages, one per half. */
static inline void *guest_ptes(struct mmu *m, const struct mmu_sp *sp,
			       unsigned *eb)
{
	char *gt = gfn_hva(m, sp->key);

	if (!gt)
		return NULL;
	if (role_mode(sp->role) == PAGING_32) {
		*eb = 4;
		return gt + 2048 * ((sp->role >> ROLE_QUAD_SHIFT) & 1);
	}
	*eb = 8;
	return gt;
}

/* A shadow leaf entry: frame @hpa with guest rights @rights (ACC_*) and
 * cache bits @cache, in leaf shadow page @sp. A and D preset as in
 * leaf_spte(). */
static inline uint64_t spte_of(struct mmu_sp *sp, uint64_t gfn, uint64_t hpa,
			       uint32_t rights, bool writable, uint8_t cache)
{
	uint64_t spte = hpa | PTE_P | PTE_A | (cache & (PTE_PWT | PTE_PCD | PTE_PAT));

	if (writable) {
		spte |= PTE_RW | PTE_D;
		sp->wbloom |= sp_bloom_bit(gfn);
	}
	if (rights & ACC_U)
		spte |= PTE_US;
	if (!(rights & ACC_X) && (sp->role & ROLE_HWNX))
		spte |= PTE_NX;
	return spte;
}

/* The shadow entry for frame @gfn with guest rights @rights (ACC_*),
 * guest dirty bit @dirty and cache bits @cache; 0 if the frame is no RAM
 * (MMIO is never mapped). Writable only if the guest allows it and the
 * frame is no shadowed page table. */
static inline uint64_t leaf_for(struct mmu *m, struct mmu_sp *sp, uint64_t gfn,
				uint32_t rights, bool dirty, uint8_t cache)
{
	const struct memslot *s = gfn_slot(m, gfn);
	bool writable;

	if (!s)
		return 0;
	writable = (rights & ACC_W) && dirty && !(s->flags & MEMSLOT_READONLY) &&
		   !frame_shadowed(m, gfn);
	return spte_of(sp, gfn, s->hpa + ((gfn << 12) - s->gpa), rights,
		       writable, cache);
}

/* Rights a 4 KiB guest PTE leaves of @rights granted from above. */
static uint32_t pte_rights(const struct mmu *m, uint32_t rights, uint64_t gpte)
{
	if (!(gpte & PTE_RW))
		rights &= ~ACC_W;
	if (!(gpte & PTE_US))
		rights &= ~ACC_U;
	if (m->wc.nxe && (gpte & PTE_NX))
		rights &= ~ACC_X;
	return rights;
}

/* The frame a guest PTE maps: 32-bit paging (@pg32) or PAE/4-level. */
static inline uint64_t gpte_gfn(bool pg32, uint64_t gpte)
{
	return (pg32 ? (gpte & 0xfffff000ull) : (gpte & PTE_ADDR_MASK)) >> 12;
}

static uint64_t pte_gfn(const struct mmu *m, uint64_t gpte)
{
	return gpte_gfn(m->wc.mode == PAGING_32, gpte);
}

/* Cache bits (PWT/PCD/PAT in 4 KiB-PTE positions) of a direct page's role. */
static uint8_t direct_cache(uint32_t role)
{
	uint32_t cr = (role >> ROLE_CACHE_SHIFT) & 7;

	return (uint8_t)(((cr & 3) << 3) | ((cr & 4) ? PTE_PAT : 0));
}

#define PREFETCH_SPAN 16u

/* prefetch_around() for a shadow of a guest page table @gt (entries of @eb
 * bytes): the loop runs once per neighbour, so what the role decides is
 * worked out before it, and each guest PTE's bits are carried over into
 * the shadow entry as a mask. */
static inline __attribute__((always_inline)) void
prefetch_ptes(struct mmu *m, struct mmu_sp *sp, char *gt, unsigned eb,
	      unsigned base, unsigned i0)
{
	struct spte_masks k = spte_masks(m, sp->role);
	uint64_t *t = sp_table(m, sp), rsvd = m->leaf_rsvd;
	uint64_t addr = eb == 4 ? 0xfffff000ull : PTE_ADDR_MASK;
	const struct memslot *s = NULL;
	char *p = gt + (size_t)base * eb;
	unsigned i, n = 0;

	(void)i0;   /* already present: skipped like any present entry */
	for (i = base; i < base + PREFETCH_SPAN; i++, p += eb) {
		uint64_t gpte, gpa, spte;

		/* the guest's entry first: most neighbours fail here */
		gpte = eb == 4 ? __atomic_load_n((uint32_t *)p, __ATOMIC_ACQUIRE)
			       : __atomic_load_n((uint64_t *)p, __ATOMIC_ACQUIRE);
		if (!(gpte & PTE_P) || (gpte & rsvd) || (t[i] & PTE_P))
			continue;
		gpa = gpte & addr;
		if (!s || gpa - s->gpa >= s->size) {
			s = gfn_slot(m, gpa >> 12);
			if (!s)
				continue;   /* MMIO: never a shadow entry */
		}
		if (!gpte_set(p, eb, gpte, PTE_A))
			continue;
		spte = (s->hpa + (gpa - s->gpa)) | k.force | (gpte & k.copy);
		if (pte_writable(m, sp->role, gpte, s, gpa >> 12)) {
			spte |= PTE_RW | PTE_D;
			sp->wbloom |= sp_bloom_bit(gpa >> 12);
		}
		t[i] = spte;
		n++;
	}
	m->stats.prefetches += n;
}

/* The two entry sizes get their own copy of the loop. */
static void prefetch_guest_block(struct mmu *m, struct mmu_sp *sp, char *gt,
				 unsigned eb, unsigned i0)
{
	unsigned base = i0 & ~(PREFETCH_SPAN - 1);

	if (eb == 4)
		prefetch_ptes(m, sp, gt, 4, base, i0);
	else
		prefetch_ptes(m, sp, gt, 8, base, i0);
}

/* After a fill at entry @i0 of leaf shadow page @idx (whose role is the
 * loaded context's): map the not-present neighbours in its aligned block
 * of PREFETCH_SPAN entries, so a sequential toucher takes one exit per
 * block (as KVM's PTE prefetch does).
 *
 * A guest PTE whose A bit is clear gets it set here: the CPU may cache
 * translations for prefetches and speculative accesses that never occur,
 * setting the accessed flags first (SDM Vol. 3A 4.10.2.3, "Details of TLB
 * Use"), and a shadow entry is such a cached translation. D is never set
 * ahead of a write: an entry whose D is clear is mapped read-only, so the
 * first write still exits and sets D. Inside a guest large page (or with
 * paging off) every frame has the rights in the role, and the large
 * entry's A bit is already set. */
static void prefetch_around(struct mmu *m, uint32_t idx, unsigned i0)
{
	struct mmu_sp *sp = sp_get(m, idx);
	unsigned i, base = i0 & ~(PREFETCH_SPAN - 1), eb = 8;
	uint32_t role_rights = (sp->role >> ROLE_ACC_SHIFT) & ACC_ALL;
	uint64_t *t = sp_table(m, sp);
	char *gt = NULL;

	if (sp->role & ROLE_DIRECT) {
		uint8_t cache = direct_cache(sp->role);
		bool dirty = sp->role & ROLE_DIRTY;

		for (i = base; i < base + PREFETCH_SPAN; i++) {
			if (t[i] & PTE_P)
				continue;
			t[i] = leaf_for(m, sp, sp->key + i, role_rights, dirty, cache);
			m->stats.prefetches += t[i] != 0;
		}
		return;
	}
	gt = guest_ptes(m, sp, &eb);
	if (gt)
		prefetch_guest_block(m, sp, gt, eb, i0);
}

/**
 * shadow_path() - link the shadow tables for @gva down to level 1 and return
 * the leaf shadow page (SP_NONE if the pool cannot provide them). Used
 * without a fill for MMIO too: the guest tables on the way then are
 * write-protected, so a guest write to them is seen and drops the MMIO
 * cache entry (DESIGN.md).
 */
uint32_t shadow_path(struct mmu *m, uint64_t gva, const struct walk_result *w)
{
	const struct paging_format *f = role_format(m->role_base);
	uint32_t idx = m->root;
	int level;

	m->op_gen++;
	for (level = f->top; level > 1 && idx != SP_NONE; level--)
		idx = descend(m, idx, gva, level, w);
	return idx;
}

/**
 * shadow_fill() - make the shadow map @gva the way the successful walk @w
 * says, for the access @acc. The frame is RAM at @hpa with memslot flags
 * @sflags (the caller looked it up).
 * Returns MMU_FIXED, MMU_EMULATE (out->gpa) or MMU_FATAL (out->reason).
 */
enum mmu_outcome shadow_fill(struct mmu *m, uint64_t gva, uint32_t acc,
			     uint32_t ctx, const struct walk_result *w,
			     uint64_t hpa, uint32_t sflags, struct mmu_fault *out)
{
	uint32_t idx;
	/* During event delivery nothing can be emulated: a write to a guest
	 * page table stops that frame being shadowed instead. Done before the
	 * path is built, which it could otherwise tear down. */
	if ((acc & WALK_WRITE) && (ctx & MMU_PF_EVENT) &&
	    frame_shadowed(m, w->gpa >> 12))
		frame_unshadow(m, w->gpa >> 12);
	idx = shadow_path(m, gva, w);
	if (idx == SP_NONE) {
		out->reason = "shadow pool exhausted even after reclaim";
		return MMU_FATAL;
	}
	return fill_leaf(m, idx, gva, acc, ctx, w, hpa, sflags, out);
}

/* The leaf shadow page on the path of @gva in the loaded shadow, or
 * SP_NONE if the path is not complete. */
static uint32_t leaf_sp_of(const struct mmu *m, uint64_t gva)
{
	const struct paging_format *f = role_format(m->role_base);
	uint32_t idx = m->root;
	int level;

	for (level = f->top; level > 1 && idx != SP_NONE; level--) {
		uint64_t e = sp_table(m, sp_get(m, idx))[paging_index(f, level, gva)];

		if (!(e & PTE_P))
			return SP_NONE;
		idx = sp_of_hpa(m, e & PTE_ADDR_MASK);
	}
	return idx;
}

/** shadow_leaf() - the loaded shadow's leaf entry for @gva (0 if none). */
uint64_t shadow_leaf(const struct mmu *m, uint64_t gva)
{
	uint32_t idx = leaf_sp_of(m, gva);

	if (idx == SP_NONE)
		return 0;
	return sp_table(m, sp_get(m, idx))[paging_index(role_format(m->role_base), 1, gva)];
}


/* leaf_sp_of(), remembering the answer (and where its guest entries are)
 * for the 2 MiB region of @gva. */
static inline uint32_t cached_leaf_sp(struct mmu *m, uint64_t gva)
{
	unsigned eb;
	uint32_t idx;

	if (m->leaf_region == gva >> 21)
		return m->leaf_idx;
	idx = leaf_sp_of(m, gva);
	if (idx != SP_NONE) {
		struct mmu_sp *sp = sp_get(m, idx);

		m->leaf_region = gva >> 21;
		m->leaf_idx = idx;
		m->leaf_sp = sp;
		m->leaf_gpt = (sp->role & ROLE_DIRECT) ? NULL : guest_ptes(m, sp, &eb);
	}
	return idx;
}

/* What shadow_fast_fill() learns about the page at gva. */
struct fast_page {
	uint64_t gfn;
	uint32_t rights;     /* ACC_* of the whole guest path */
	bool dirty;          /* the guest PTE's D (set now if this is a write) */
	uint8_t cache;       /* PWT/PCD/PAT in 4 KiB-PTE positions */
};

/* Entry @i of the cached leaf shadow page @sp, direct: the frame and the
 * rights are in the role. False: the full path must handle it. */
static inline __attribute__((always_inline)) bool fast_direct(const struct mmu *m, const struct mmu_sp *sp,
			       unsigned i, uint32_t acc, struct fast_page *pg)
{
	pg->gfn = sp->key + i;
	pg->rights = (sp->role >> ROLE_ACC_SHIFT) & ACC_ALL;
	pg->dirty = sp->role & ROLE_DIRTY;
	/* pg->cache: only a fill needs it (direct_cache(), see below) */
	/* a write to a clean large page: the walk sets its D; a supervisor
	 * write to a read-only page with CR0.WP=0 is the full path's too */
	return !((acc & WALK_WRITE) && !(pg->dirty && (pg->rights & ACC_W))) &&
	       walk_rights_allow(&m->wc, acc, pg->rights);
}

/* Entry @i of the cached leaf shadow page @sp, fed by a guest PTE: read
 * it, check the access against it and set its A (and D for a write) as
 * the CPU does. False: the full path must handle it (a guest fault, or
 * the CR0.WP=0 supervisor write, or the PTE changing under us). */
static inline __attribute__((always_inline)) bool fast_pte(struct mmu *m, const struct mmu_sp *sp,
			    unsigned i, uint32_t acc, struct fast_page *pg)
{
	bool write = acc & WALK_WRITE;
	unsigned eb = role_mode(sp->role) == PAGING_32 ? 4 : 8;
	void *p = (char *)m->leaf_gpt + (size_t)i * eb;
	uint64_t gpte = eb == 4 ? __atomic_load_n((uint32_t *)p, __ATOMIC_ACQUIRE)
				: __atomic_load_n((uint64_t *)p, __ATOMIC_ACQUIRE);

	if (!(gpte & PTE_P) || (gpte & m->leaf_rsvd))
		return false;
	pg->rights = pte_rights(m, (sp->role >> ROLE_ACC_SHIFT) & ACC_ALL, gpte);
	if (!walk_rights_allow(&m->wc, acc, pg->rights) ||
	    (write && !(pg->rights & ACC_W)))
		return false;
	if (!gpte_set(p, eb, gpte, write ? PTE_A | PTE_D : PTE_A))
		return false;
	pg->gfn = pte_gfn(m, gpte);
	pg->dirty = write || (gpte & PTE_D);
	pg->cache = (uint8_t)(gpte & (PTE_PWT | PTE_PCD | PTE_PAT));
	return true;
}

/**
 * mmu_hw_spte() - the loaded shadow's leaf entry for @gva, which is what
 * the CPU uses for it, or NULL when the path to it is not linked. It stays
 * the entry for @gva while m->leaf_seq does not move (no link removed, no
 * shadow page dropped, no other root loaded); its value may change.
 */
uint64_t *mmu_hw_spte(struct mmu *m, uint64_t gva)
{
	/* The region cache is the fill path's: read it, don't move it (code
	 * and data pages would chase each other out). */
	uint32_t idx = m->leaf_region == gva >> 21 ? m->leaf_idx : leaf_sp_of(m, gva);

	if (idx == SP_NONE)
		return NULL;
	return &sp_table(m, sp_get(m, idx))[paging_index(role_format(m->role_base), 1, gva)];
}

/**
 * mmu_hw_frame() - the host frame the loaded shadow maps @gva to, which is
 * what the CPU uses for it (an instruction fetch at @gva read that frame),
 * or 0 when no present entry maps it. Shadows follow the guest's tables
 * exactly, so this is also the guest's current translation.
 */
uint64_t mmu_hw_frame(struct mmu *m, uint64_t gva)
{
	const uint64_t *e = mmu_hw_spte(m, gva);

	return e && (*e & PTE_P) ? *e & PTE_ADDR_MASK : 0;
}

/**
 * shadow_fast_fill() - the common #PF exit without a guest walk: the shadow
 * path for @gva is already linked down to its leaf shadow page, so the
 * guest entries above the PTE are known to be present, accessed and to
 * grant what the leaf page's role says (a guest write to any of them would
 * have been trapped and would have unlinked this path). Only the guest PTE
 * is read. Handles accesses the guest allows: MMU_FIXED, MMU_EMULATE
 * (out->gpa) for a write to a shadowed guest table, or MMU_MMIO (out->gpa;
 * the caller caches it) for a frame no memslot covers or a write to ROM.
 * Returns MMU_FATAL, meaning "not handled here", for everything else (a
 * guest fault, event delivery writing a table, the CR0.WP=0 and SMAP
 * subtleties), which the full path then handles.
 */
/* The access (@gva, @acc) is the last one answered MMU_EMULATE (m->ptw),
 * and nothing it depended on changed: no link on its path went and no
 * shadow page was dropped (so its target still is a shadowed guest table),
 * its guest PTE reads the same (rights, frame, A and D), and its shadow
 * entry is still there. */
static inline bool same_table_write(const struct mmu *m, uint64_t gva,
				    uint32_t acc)
{
	const void *p = m->ptw.gpte_at;

	return m->ptw.seq == m->leaf_seq && m->ptw.gva_page == gva >> 12 &&
	       m->ptw.acc == acc && (*m->ptw.spte_at & PTE_P) &&
	       (role_mode(m->role_base) == PAGING_32 ?
		__atomic_load_n((const uint32_t *)p, __ATOMIC_ACQUIRE) :
		__atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE)) == m->ptw.gpte;
}

static enum mmu_outcome emulate_table_write(struct mmu *m, uint32_t idx,
					    uint64_t gpa, struct mmu_fault *out);

/**
 * shadow_table_write_again() - the write #PF exit (@gva, @acc) is the same
 * as the last one answered MMU_EMULATE, and still hits the same shadowed
 * guest table: answer it again (out->gpa) without looking at anything
 * else. False: take shadow_fast_fill().
 */
static inline __attribute__((always_inline)) bool
shadow_table_write_again(struct mmu *m, uint64_t gva, uint32_t acc, struct mmu_fault *out)
{
	if (!same_table_write(m, gva, acc))
		return false;
	emulate_table_write(m, m->ptw.idx, (m->ptw.gpa_page << 12) | (gva & 0xfff), out);
	return true;
}

/* The target of the memo's write: its frame's memory and shadows, learnt
 * once for as long as the shadow pages stay as they are. */
static inline bool ptw_target_known(struct mmu *m)
{
	if (m->ptw.tseq == m->leaf_seq && m->ptw.tcreated == m->stats.sp_created)
		return m->ptw.tn != 0;
	m->ptw.thva = gfn_hva(m, m->ptw.gpa_page);
	m->ptw.tn = m->ptw.thva ? frame_leaf_shadows(m, m->ptw.gpa_page, m->ptw.tidx, 2) : 0;
	m->ptw.tseq = m->leaf_seq;
	m->ptw.tcreated = m->stats.sp_created;
	return m->ptw.tn != 0;
}

bool mmu_table_write_fast(struct mmu *m, uint64_t gva, uint32_t error_code, uint32_t ctx,
			  const void *src, size_t len, uint64_t *gpa)
{
	unsigned off = (unsigned)(gva & 0xfff);

	/* The conditions under which mmu_page_fault_walk() asks the memo. */
	if (!m->loaded || (error_code & (PFEC_RSVD | PFEC_W)) != PFEC_W || (ctx & MMU_PF_EVENT) ||
	    (m->role_base & ROLE_SMAP) || len - 1 >= 4096 - off)
		return false;
	gva = linear(m, gva);
	if (!same_table_write(m, gva, access_of(error_code, ctx)) || !ptw_target_known(m))
		return false;
	/* The memo's answer, then mmu_write_guest()'s write. */
	touch(m, m->ptw.idx);
	m->stats.pf_exits++;
	m->stats.emulate_exits++;
	*gpa = (m->ptw.gpa_page << 12) | off;
	switch (len) {
	case 8: __builtin_memcpy(m->ptw.thva + off, src, 8); break;
	case 4: __builtin_memcpy(m->ptw.thva + off, src, 4); break;
	case 2: __builtin_memcpy(m->ptw.thva + off, src, 2); break;
	case 1: __builtin_memcpy(m->ptw.thva + off, src, 1); break;
	default: __builtin_memcpy(m->ptw.thva + off, src, len);
	}
	/* frame_guest_write() without the hash chain: the same updates in
	 * the same order (a leaf dropped on the way takes no other shadow
	 * page with it). */
	for (unsigned k = 0; k < m->ptw.tn; k++)
		table_written(m, m->ptw.tidx[k], update_leaf(m, m->ptw.tidx[k], m->ptw.thva, off, len));
	m->stats.pt_writes++;
	soft_tlb_flush(m);
	return true;
}

static void remember_table_write(struct mmu *m, uint64_t gva, uint32_t acc,
				 uint32_t idx, unsigned i, uint64_t gpa)
{
	unsigned eb = role_mode(m->role_base) == PAGING_32 ? 4 : 8;
	const void *p = (char *)m->leaf_gpt + (size_t)i * eb;

	m->ptw.gva_page = gva >> 12;
	m->ptw.gpa_page = gpa >> 12;
	m->ptw.gpte_at = p;
	m->ptw.gpte = eb == 4 ? __atomic_load_n((const uint32_t *)p, __ATOMIC_ACQUIRE)
			      : __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE);
	m->ptw.spte_at = &sp_table(m, sp_get(m, idx))[i];
	m->ptw.acc = acc;
	m->ptw.idx = idx;
	m->ptw.seq = m->leaf_seq;
	m->ptw.tcreated = ~0ull;   /* its target: learnt on first use */
}

static enum mmu_outcome emulate_table_write(struct mmu *m, uint32_t idx,
					    uint64_t gpa, struct mmu_fault *out)
{
	touch(m, idx);
	out->gpa = gpa;
	m->stats.emulate_exits++;
	return MMU_EMULATE;
}

static inline __attribute__((always_inline)) enum mmu_outcome
shadow_fast_fill(struct mmu *m, uint64_t gva, uint32_t acc, uint32_t ctx, struct mmu_fault *out)
{
	uint32_t idx;
	unsigned i = (gva >> 12) & (SP_ENTRIES - 1);   /* level 1 of PAE and 4-level */
	bool shadowed, writable, write = acc & WALK_WRITE;
	const struct memslot *slot;
	struct fast_page pg = { .cache = 0 };
	struct mmu_sp *sp;
	uint64_t *e;

	idx = cached_leaf_sp(m, gva);
	if (idx == SP_NONE)
		return MMU_FATAL;
	sp = sp_get(m, idx);
	if (sp->role & ROLE_DIRECT ? !fast_direct(m, sp, i, acc, &pg)
				   : !m->leaf_gpt || !fast_pte(m, sp, i, acc, &pg))
		return MMU_FATAL;
	slot = gfn_slot(m, pg.gfn);
	if (!slot || (write && (slot->flags & MEMSLOT_READONLY))) {
		/* MMIO, or a write to ROM (the emulator's business too): the
		 * guest's walk is done (A/D set as the CPU's walk would), and
		 * the tables behind it are watched (this path is linked). */
		out->gpa = (pg.gfn << 12) | (gva & 0xfff);
		return MMU_MMIO;
	}
	if (sp->role & ROLE_DIRECT)
		pg.cache = direct_cache(sp->role);
	writable = (pg.rights & ACC_W) && pg.dirty && !(slot->flags & MEMSLOT_READONLY);
	/* One look in the hash table settles both questions: is this a write
	 * to a shadowed guest table (emulated, DESIGN.md; during event
	 * delivery the full path unshadows the table instead), and may the
	 * mapping be writable? A write that got here is allowed by the page
	 * and dirty, so "writable" covers it. */
	shadowed = writable && frame_shadowed(m, pg.gfn);
	if (write && shadowed && (ctx & MMU_PF_EVENT))
		return MMU_FATAL;
	e = &sp_table(m, sp)[i];
	if (write && shadowed) {
		/* The write is emulated. A present entry already is what it
		 * would be made again here: the guest entry has not changed
		 * (the shadows follow every write to it), and the D bit just
		 * set does not make a shadowed table writable. */
		if (!(*e & PTE_P)) {
			*e = spte_of(sp, pg.gfn, slot->hpa + ((pg.gfn << 12) - slot->gpa),
				     pg.rights, false, pg.cache);
			m->stats.fills++;
		}
		if (m->leaf_gpt)
			remember_table_write(m, gva, acc, idx, i, pg.gfn << 12);
		return emulate_table_write(m, idx, (pg.gfn << 12) | (gva & 0xfff), out);
	}
	touch(m, idx);
	*e = spte_of(sp, pg.gfn, slot->hpa + ((pg.gfn << 12) - slot->gpa),
		     pg.rights, writable && !shadowed, pg.cache);
	m->stats.fills++;
	if (sp->role & ROLE_DIRECT)
		prefetch_around(m, idx, i);
	else
		prefetch_guest_block(m, sp, m->leaf_gpt,
				     role_mode(sp->role) == PAGING_32 ? 4 : 8, i);
	return MMU_FIXED;
}

/*
 * The page-fault exit path (DESIGN.md), past the MMIO cache that
 * mmu_page_fault() looks at inline. Most exits are settled by the shadow
 * alone (shadow_fast_fill()); the rest take the guest's walk
 * (mmu_fault_full(), mmu.c).
 */
enum mmu_outcome mmu_page_fault_walk(struct mmu *m, uint64_t gva,
				     uint32_t error_code, uint32_t ctx,
				     struct mmu_fault *out)
{
	m->stats.pf_exits++;
	gva = linear(m, gva);
	/* Before any context, a reserved bit (no entry Shade writes has
	 * one), SMAP (the exit's access type is ambiguous, see maybe_fetch()
	 * in mmu.c): the full path sorts those out. */
	if (m->loaded && !(error_code & PFEC_RSVD) && !(m->role_base & ROLE_SMAP)) {
		uint32_t acc = access_of(error_code, ctx);
		enum mmu_outcome o;

		/* During event delivery nothing is emulated (see shadow_fill()). */
		if ((acc & WALK_WRITE) && !(ctx & MMU_PF_EVENT) &&
		    shadow_table_write_again(m, gva, acc, out))
			return MMU_EMULATE;
		o = shadow_fast_fill(m, gva, acc, ctx, out);
		if (o == MMU_MMIO)
			return mmu_mmio_answer(m, gva, mmu_mmio_key(error_code, ctx), out->gpa, out);
		if (o != MMU_FATAL)
			return o;
	}
	return mmu_fault_full(m, gva, error_code, ctx, out);
}

/* fast_pte() for the guest PTE @gpte already read at @p (@eb bytes), for
 * an MMIO answer (no rights kept for a fill): a supervisor data access
 * (SMAP off, the caller's condition) needs only the entry present without
 * reserved bits and, for a write, W in it and on the path - what
 * walk_rights_allow() and fast_pte() say then; any other access takes
 * their full check. A (and D for a write) set as the CPU's walk would. */
static inline __attribute__((always_inline)) bool
pte_allows(struct mmu *m, const struct mmu_sp *sp, void *p, unsigned eb, uint64_t gpte, uint32_t ec, uint32_t ctx)
{
	bool write = ec & PFEC_W;

	if (!(gpte & PTE_P) || (gpte & m->leaf_rsvd))
		return false;
	if (!(ec & (PFEC_U | PFEC_I))) {
		if (write && !((gpte & PTE_RW) && (sp->role & (ACC_W << ROLE_ACC_SHIFT))))
			return false;
	} else {
		uint32_t rights = pte_rights(m, (sp->role >> ROLE_ACC_SHIFT) & ACC_ALL, gpte);

		if (!walk_rights_allow(&m->wc, access_of(ec, ctx), rights) || (write && !(rights & ACC_W)))
			return false;
	}
	return gpte_set(p, eb, gpte, write ? PTE_A | PTE_D : PTE_A);
}

bool mmu_mmio_fault(struct mmu *m, uint64_t gva, uint32_t error_code, uint32_t ctx, uint64_t *gpa)
{
	uint64_t la = linear(m, gva);
	unsigned i = (la >> 12) & (SP_ENTRIES - 1);
	struct fast_page pg;
	struct mmu_sp *sp;

	/* mmu_page_fault_walk()'s fast path, in the order that lets a RAM
	 * frame out first: the leaf (the region cache's), the frame, the
	 * gap; then the access against the entry, as shadow_fast_fill()
	 * checks it. A frame in a gap is no guest table, so the table-write
	 * memo never answers for it. The fast path's other conditions -
	 * a loaded context without SMAP - hold whenever the region cache
	 * holds anything: only that path and shadow_translate() (SMAP off
	 * too) fill it, and every context load or loss forgets it. */
	if ((error_code & (PFEC_P | PFEC_RSVD)) || (ctx & MMU_PF_EVENT) || m->leaf_region != la >> 21)
		return false;
	sp = m->leaf_sp;
	if (sp->role & ROLE_DIRECT) {
		/* A direct page granting everything, dirty (paging off, or such
		 * a large page): fast_direct() allows any access there but a
		 * supervisor fetch under SMEP (SMAP is excluded above), so the
		 * access need not be worked out for data. */
		const uint32_t open = (ACC_ALL << ROLE_ACC_SHIFT) | ROLE_DIRTY;

		pg.gfn = sp->key + i;
		if (!gfn_in_gap(m, pg.gfn) ||
		    (((sp->role & open) != open || (error_code & PFEC_I)) &&
		     !fast_direct(m, sp, i, access_of(error_code, ctx), &pg)))
			return false;
	} else {
		/* The loaded shadow's pages are all of the guest's current mode
		 * (the leaf's role says the same as m->wc.mode). */
		bool pg32 = m->wc.mode == PAGING_32;
		unsigned eb = pg32 ? 4 : 8;
		uint64_t gpte;
		void *p;

		if (!m->leaf_gpt)
			return false;
		p = (char *)m->leaf_gpt + (size_t)i * eb;
		gpte = pg32 ? __atomic_load_n((const uint32_t *)p, __ATOMIC_ACQUIRE)
			    : __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE);
		pg.gfn = gpte_gfn(pg32, gpte);
		if (!gfn_in_gap(m, pg.gfn) || !pte_allows(m, sp, p, eb, gpte, error_code, ctx))
			return false;
	}
	/* Counted as mmu_page_fault()'s answer; not put in the MMIO cache,
	 * which only mmu_page_fault() reads: this path answers from the leaf. */
	m->stats.pf_exits++;
	m->stats.mmio_exits++;
	*gpa = (pg.gfn << 12) | (la & 0xfff);
	return true;
}

/**
 * shadow_translate() - the emulator's translation of @gva for @acc, read
 * off the loaded shadow instead of walking the guest's tables. The shadow
 * never allows more than the guest's tables and only exists where the
 * guest's A bits are set (D too, where it is writable), so when the
 * present shadow entry lets the hardware do @acc, the guest's walk would
 * succeed without changing anything, to the frame the guest PTE names.
 * With SMEP or SMAP (whose rules the entry alone cannot replay), for a
 * fetch that only the guest's NX could refuse, or without an entry, it
 * returns false and the caller walks.
 */
bool shadow_translate(struct mmu *m, uint64_t gva, uint32_t acc, uint64_t *gpa)
{
	uint32_t idx;
	struct mmu_sp *sp;
	uint64_t spte, gfn;
	unsigned i;

	if (!m->loaded || (m->role_base & (ROLE_SMEP | ROLE_SMAP)) ||
	    ((acc & WALK_FETCH) && m->wc.nxe && !(m->role_base & ROLE_HWNX)))
		return false;
	idx = cached_leaf_sp(m, gva);
	if (idx == SP_NONE)
		return false;
	sp = sp_get(m, idx);
	i = paging_index(role_format(sp->role), 1, gva);
	spte = sp_table(m, sp)[i];
	if (!(spte & PTE_P) || ((acc & WALK_USER) && !(spte & PTE_US)) ||
	    ((acc & WALK_WRITE) && !(spte & PTE_RW)) ||
	    ((acc & WALK_FETCH) && (spte & PTE_NX)))
		return false;
	if (sp->role & ROLE_DIRECT) {
		gfn = sp->key + i;
	} else {
		unsigned eb = role_mode(sp->role) == PAGING_32 ? 4 : 8;
		const char *gt = m->leaf_gpt;
		uint64_t gpte;

		if (!gt)
			return false;
		gpte = eb == 4 ? __atomic_load_n((uint32_t *)(gt + 4 * i), __ATOMIC_ACQUIRE)
			       : __atomic_load_n((uint64_t *)(gt + 8 * i), __ATOMIC_ACQUIRE);
		if (!(gpte & PTE_P))
			return false;
		gfn = pte_gfn(m, gpte);
	}
	*gpa = (gfn << 12) | (gva & 0xfff);
	return true;
}
