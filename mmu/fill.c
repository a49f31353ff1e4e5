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

static void prefetch_around(struct mmu *m, uint32_t idx, unsigned i0);

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
	} else if ((sp->role & ROLE_DIRECT) || w->was_accessed) {
		/* A guest that pre-sets A bits (Linux does) gets its
		 * neighbours mapped; one that leaves them to the CPU would
		 * only make us look at entries we may not map. */
		prefetch_around(m, idx, i);
	}
	return l.outcome;
}

/* Map frame @gfn at entry @si of leaf shadow page @idx with the rights the
 * guest gives it, nothing more: what the prefetches do. False for MMIO
 * (never a shadow entry). */
static bool map_as_guest(struct mmu *m, uint32_t idx, unsigned si, uint64_t gfn,
			 uint32_t rights, bool dirty, uint8_t cache)
{
	struct mmu_sp *sp = sp_get(m, idx);
	uint32_t sflags;
	uint64_t hpa;
	struct leaf l;

	if (!memslot_frame(m->slots, gfn, &hpa, NULL, &sflags))
		return false;
	l.writable = (rights & ACC_W) && dirty && !(sflags & MEMSLOT_READONLY) &&
		     !frame_shadowed(m, gfn);
	l.user = rights & ACC_U;
	l.nx = !(rights & ACC_X);
	l.outcome = MMU_FIXED;
	sp_table(m, sp)[si] = leaf_spte(sp, gfn, hpa, &l, cache);
	m->stats.prefetches++;
	return true;
}

/**
 * shadow_prefetch() - guest PTE @gpte feeds entry @si of leaf shadow page
 * @idx: map it now if the CPU could use it as it is (present, accessed, no
 * reserved bits, RAM), saving the exit the next access would take. Used
 * after guest PTE writes and around fills. Anything else stays not present
 * and faults as usual. Returns whether it mapped something.
 */
bool shadow_prefetch(struct mmu *m, uint32_t idx, unsigned si, uint64_t gpte)
{
	uint32_t role = sp_get(m, idx)->role, rights;
	enum paging_mode mode = role_mode(role);
	struct walk_ctx c;
	uint64_t gfn;

	if ((gpte & (PTE_P | PTE_A)) != (PTE_P | PTE_A) || role_level(role) != 1 ||
	    (role & (ROLE_DIRECT | ROLE_SPECIAL)))
		return false;
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
		return false;
	rights = (role >> ROLE_ACC_SHIFT) & ACC_ALL;
	if (!(gpte & PTE_RW))
		rights &= ~ACC_W;
	if (!(gpte & PTE_US))
		rights &= ~ACC_U;
	if (c.nxe && (gpte & PTE_NX))
		rights &= ~ACC_X;
	gfn = (mode == PAGING_32 ? (gpte & 0xfffff000ull) : (gpte & PTE_ADDR_MASK)) >> 12;
	return map_as_guest(m, idx, si, gfn, rights, gpte & PTE_D,
			    (uint8_t)(gpte & (PTE_PWT | PTE_PCD | PTE_PAT)));
}

/* Inside a guest large page (or with paging off) every frame of a direct
 * shadow page has the same rights, in its role: the large entry's A bit is
 * already set, so its neighbours can be mapped at no cost to exactness. */
static void prefetch_direct(struct mmu *m, uint32_t idx, unsigned si)
{
	const struct mmu_sp *sp = sp_get(m, idx);
	uint32_t cr = (sp->role >> ROLE_CACHE_SHIFT) & 7;
	uint8_t cache = (uint8_t)(((cr & 3) << 3) | ((cr & 4) ? PTE_PAT : 0));

	map_as_guest(m, idx, si, sp->key + si, (sp->role >> ROLE_ACC_SHIFT) & ACC_ALL,
		     sp->role & ROLE_DIRTY, cache);
}

/* After a fill at entry @i0: map the not-present neighbours in its aligned
 * block of PREFETCH_SPAN entries that the guest already allows (as KVM's
 * PTE prefetch does), so a sequential toucher takes one exit per block. */
#define PREFETCH_SPAN 16u
static void prefetch_around(struct mmu *m, uint32_t idx, unsigned i0)
{
	const struct mmu_sp *sp = sp_get(m, idx);
	unsigned i, base = i0 & ~(PREFETCH_SPAN - 1);
	const uint64_t *t = sp_table(m, sp);
	const void *gt = NULL;
	unsigned half = 0;

	if (!(sp->role & ROLE_DIRECT)) {
		gt = memslot_hva(m->slots, sp->key << 12, 4096);
		if (!gt)
			return;
		if (role_mode(sp->role) == PAGING_32)
			half = 512 * ((sp->role >> ROLE_QUAD_SHIFT) & 1);
	}
	for (i = base; i < base + PREFETCH_SPAN; i++) {
		uint64_t gpte;

		if (i == i0 || (t[i] & PTE_P))
			continue;
		if (!gt) {
			prefetch_direct(m, idx, i);
			continue;
		}
		gpte = role_mode(sp->role) == PAGING_32 ?
		       ((const uint32_t *)gt)[half + i] : ((const uint64_t *)gt)[i];
		/* the common "never accessed" case costs no call */
		if ((gpte & (PTE_P | PTE_A)) == (PTE_P | PTE_A))
			shadow_prefetch(m, idx, i, gpte);
	}
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

/* INVLPG: drop the leaf entry for @gva, if the shadow has one. The shadows
 * are kept exact by write protection, so this only costs a refill; it keeps
 * the guest's flush semantics trivially true. */
void shadow_invlpg(struct mmu *m, uint64_t gva)
{
	uint32_t idx = leaf_sp_of(m, gva);

	if (idx != SP_NONE)
		sp_zap_entry(m, idx, paging_index(role_format(m->role_base), 1, gva));
}
