/* The shadow MMU's entry points: context loads, the page-fault exit path
 * (DESIGN.md: walk, then memslots, then fill or MMIO), INVLPG and the
 * emulator's translation. */
#include <string.h>
#include "mmu/shadow.h"

int mmu_init(struct mmu *m, const struct mmu_host_ops *ops,
	     const struct memslots *slots, const struct mmu_config *cfg)
{
	int r;

	memset(m, 0, sizeof(*m));
	m->ops = *ops;
	m->slots = slots;
	m->cfg = *cfg;
	if (m->cfg.maxphyaddr < 32 || m->cfg.maxphyaddr > 52)
		m->cfg.maxphyaddr = 36;
	m->root = m->prev_root = SP_NONE;
	m->leaf_region = LEAF_REGION_NONE;
	m->leaf_seq = 1;   /* the zeroed m->ptw is stale */
	m->tlb_gen = 1;    /* zeroed MMIO cache entries never match */
	r = pool_init(m);
	if (r != MMU_OK)
		pool_destroy(m);
	return r;
}

void mmu_destroy(struct mmu *m)
{
	pool_destroy(m);
	m->loaded = false;
}

static enum paging_mode guest_mode(const struct mmu_guest_state *gs)
{
	if (!(gs->cr0 & CR0_PG))
		return PAGING_NONE;
	if (gs->efer & (EFER_LMA | EFER_LME))
		return PAGING_LONG;
	return (gs->cr4 & CR4_PAE) ? PAGING_PAE : PAGING_32;
}

/* What a shadow's meaning depends on, besides its level and position. Bits
 * that do nothing in a mode are left out, so such shadows are shared. */
static uint32_t role_base_of(const struct mmu *m, const struct walk_ctx *c,
			     const struct mmu_guest_state *gs)
{
	uint32_t r = (uint32_t)c->mode << ROLE_MODE_SHIFT;

	if (c->mode == PAGING_NONE)
		return r;
	/* Whether hardware NXE is on decides if shadow entries may hold NX
	 * (else it is a reserved bit): shadows made either way differ. */
	if (m->cfg.host_nx && (m->cfg.hw_nxe_always || (gs->efer & EFER_NXE)))
		r |= ROLE_HWNX;
	if (c->wp)
		r |= ROLE_WP;
	if (c->smep)
		r |= ROLE_SMEP;
	if (c->smap)
		r |= ROLE_SMAP;
	if (c->nxe)
		r |= ROLE_NXE;
	if (c->pse)
		r |= ROLE_PSE;
	return r;
}

static void make_walk_ctx(const struct mmu *m, const struct mmu_guest_state *gs,
			  struct walk_ctx *c)
{
	c->slots = m->slots;
	c->mode = guest_mode(gs);
	c->cr3 = gs->cr3;
	c->wp = gs->cr0 & CR0_WP;
	c->pse = c->mode == PAGING_32 && (gs->cr4 & CR4_PSE);
	c->nxe = c->mode >= PAGING_PAE && (gs->efer & EFER_NXE);
	c->smep = c->mode != PAGING_NONE && (gs->cr4 & CR4_SMEP);
	c->smap = c->mode != PAGING_NONE && (gs->cr4 & CR4_SMAP);
	c->gbpages = m->cfg.gbpages;
	c->maxphyaddr = m->cfg.maxphyaddr;
	c->pdpte[0] = c->pdpte[1] = c->pdpte[2] = c->pdpte[3] = 0;
}

/* The root's key and role for the context in @c. */
static uint32_t root_of(const struct walk_ctx *c, uint32_t base, uint64_t *key)
{
	uint32_t acc = ACC_ALL << ROLE_ACC_SHIFT;

	switch (c->mode) {
	case PAGING_NONE:
		*key = 0;
		return base | 3 | ROLE_DIRECT | ROLE_DIRTY | acc;
	case PAGING_32:
		*key = (c->cr3 & 0xfffff000ull) >> 12;
		return base | 3 | ROLE_SPECIAL | acc;
	case PAGING_PAE:   /* keyed by CR3 itself: PDPTs are 32-byte aligned */
		*key = c->cr3 & 0xffffffe0ull;
		return base | 3 | ROLE_SPECIAL | acc;
	default:
		*key = (c->cr3 & PTE_ADDR_MASK) >> 12;
		return base | 4 | acc;
	}
}

/* A PAE guest's root also depends on the PDPTE registers loaded with CR3
 * (SDM 4.4.1); they are kept in entries 4..7 of the shadow PDPT, which the
 * hardware never reads (it uses the 32 bytes at CR3). */
static bool same_pdptes(const uint64_t *a, const uint64_t *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

static uint32_t find_root(const struct mmu *m, const struct walk_ctx *c,
			  uint64_t key, uint32_t role)
{
	uint32_t idx = *pool_bucket(m, key);

	for (; idx != SP_NONE; idx = sp_get(m, idx)->hnext) {
		const struct mmu_sp *sp = sp_get(m, idx);

		if (sp->key != key || sp->role != role)
			continue;
		if (c->mode != PAGING_PAE || same_pdptes(sp_table(m, sp) + 4, c->pdpte))
			return idx;
	}
	return SP_NONE;
}

static uint32_t new_root(struct mmu *m, const struct walk_ctx *c,
			 uint64_t key, uint32_t role)
{
	uint32_t idx;

	m->op_gen++;
	idx = sp_create(m, key, role);
	if (idx != SP_NONE && c->mode == PAGING_PAE) {
		uint64_t *t = sp_table(m, sp_get(m, idx));

		t[4] = c->pdpte[0];
		t[5] = c->pdpte[1];
		t[6] = c->pdpte[2];
		t[7] = c->pdpte[3];
	}
	return idx;
}

static void pin_root(struct mmu *m, uint32_t idx)
{
	if (m->root != idx)
		leaf_cache_forget(m);
	if (m->root != SP_NONE && m->root != idx) {
		sp_get(m, m->root)->flags &= (uint8_t)~SP_PINNED;
		m->prev_root = m->root;
	}
	m->root = idx;
	sp_get(m, idx)->flags |= SP_PINNED | SP_REF;
	m->root_hpa = sp_get(m, idx)->hpa;
}

/* Is shadow page @idx the root for (@key, @role) in context @c? */
static bool is_root_for(const struct mmu *m, const struct walk_ctx *c,
			uint32_t idx, uint64_t key, uint32_t role)
{
	const struct mmu_sp *sp = sp_get(m, idx);

	return (sp->flags & SP_USED) && sp->key == key && sp->role == role &&
	       (c->mode != PAGING_PAE || same_pdptes(sp_table(m, sp) + 4, c->pdpte));
}

/* The root for @c (whose role base is @base): the cached one, or a new one.
 * A process switch usually goes back to the root loaded before: that one
 * is tried before the hash table. */
static int root_for(struct mmu *m, const struct walk_ctx *c, uint32_t base,
		    uint32_t *idx)
{
	uint64_t key;
	uint32_t role = root_of(c, base, &key);

	if (m->prev_root != SP_NONE && is_root_for(m, c, m->prev_root, key, role)) {
		*idx = m->prev_root;
		m->stats.cr3_reused++;
		return MMU_OK;
	}
	*idx = find_root(m, c, key, role);
	if (*idx != SP_NONE) {
		m->stats.cr3_reused++;
		return MMU_OK;
	}
	*idx = new_root(m, c, key, role);
	if (*idx == SP_NONE)
		return MMU_ERR_NOMEM;
	m->stats.cr3_rebuilt++;
	return MMU_OK;
}

/* The host address of the 32-byte PDPT a PAE CR3 points to, or NULL. */
static inline const uint64_t *pdpt_of(struct mmu *m, uint64_t cr3)
{
	uint64_t base = cr3 & 0xffffffe0ull;
	const uint64_t *p = gfn_hva(m, base >> 12);

	return p ? p + (base & 0xfff) / 8 : NULL;
}

/* walk_load_pdptes() for the loaded MMU and the PDPT at @p: the same rule
 * (SDM 4.4.1, Table 4-8). A PDPT outside RAM reads as all ones there:
 * present with reserved bits set. */
static bool load_pdptes(struct mmu *m, const uint64_t *p, uint64_t pdpte[4])
{
	uint64_t rsvd = 0x1e6ull | (~0ull << m->cfg.maxphyaddr);
	int i;

	if (!p)
		return false;
	for (i = 0; i < 4; i++) {
		pdpte[i] = __atomic_load_n(&p[i], __ATOMIC_ACQUIRE);
		if ((pdpte[i] & PTE_P) && (pdpte[i] & rsvd))
			return false;
	}
	return true;
}

/* MOV CR3 with the loaded PAE CR3 loads the same four PDPTEs from memory
 * again (SDM 4.4.1); usually they are the ones the pinned root was built
 * from (its entries 4..7), which passed the reserved-bit check then with
 * the same MAXPHYADDR: then nothing changes, and nothing needs checking. */
static bool pdptes_unchanged(const struct mmu *m)
{
	const uint64_t *p = m->pdpt_hva, *r = sp_table(m, sp_get(m, m->root)) + 4;

	return p && __atomic_load_n(&p[0], __ATOMIC_ACQUIRE) == r[0] &&
	       __atomic_load_n(&p[1], __ATOMIC_ACQUIRE) == r[1] &&
	       __atomic_load_n(&p[2], __ATOMIC_ACQUIRE) == r[2] &&
	       __atomic_load_n(&p[3], __ATOMIC_ACQUIRE) == r[3];
}

/* load_cr3_only() when the root may change: a new CR3, or new PDPTEs. */
static __attribute__((noinline)) int switch_cr3(struct mmu *m, uint64_t cr3,
						uint64_t *host_cr3)
{
	struct walk_ctx *c = &m->wc;
	const uint64_t *pdpt = m->pdpt_hva;
	uint32_t idx;
	int r;

	if (c->mode == PAGING_PAE) {
		uint64_t pdpte[4];

		if (cr3 != m->gs.cr3)
			pdpt = pdpt_of(m, cr3);
		if (!load_pdptes(m, pdpt, pdpte))
			return MMU_ERR_GP;
		c->pdpte[0] = pdpte[0];
		c->pdpte[1] = pdpte[1];
		c->pdpte[2] = pdpte[2];
		c->pdpte[3] = pdpte[3];
		m->pdpt_hva = pdpt;
	}
	c->cr3 = cr3;
	m->gs.cr3 = cr3;
	r = root_for(m, c, m->role_base, &idx);
	if (r != MMU_OK) {
		m->loaded = false;   /* fatal for the VM anyway */
		leaf_cache_forget(m);
		return r;
	}
	pin_root(m, idx);
	soft_tlb_flush(m);
	*host_cr3 = m->root_hpa;
	return MMU_OK;
}

/* Only CR3 changed (a process switch, or a TLB flush by reloading it): the
 * walk context and role base stay; the PAE PDPTEs are reloaded as MOV CR3
 * does (SDM 4.4.1). A CR3 equal to the loaded one (with the same PDPTEs)
 * keeps the pinned root: the shadows are exact, so a flush has nothing to
 * do but drop the software TLBs. */
static int load_cr3_only(struct mmu *m, uint64_t cr3, uint64_t *host_cr3)
{
	if (cr3 != m->gs.cr3 || (m->wc.mode == PAGING_PAE && !pdptes_unchanged(m)))
		return switch_cr3(m, cr3, host_cr3);
	m->stats.cr3_reused++;
	soft_tlb_flush(m);
	*host_cr3 = m->root_hpa;
	return MMU_OK;
}

/* mmu_load_context() when the paging mode or its controls may change. */
static __attribute__((noinline)) int load_full(struct mmu *m,
					       const struct mmu_guest_state *gs,
					       uint64_t *host_cr3)
{
	struct walk_ctx c;
	uint32_t base, idx;
	int r;

	make_walk_ctx(m, gs, &c);
	if (c.mode == PAGING_PAE &&
	    !walk_load_pdptes(m->slots, gs->cr3, c.maxphyaddr, c.pdpte))
		return MMU_ERR_GP;
	base = role_base_of(m, &c, gs);
	r = root_for(m, &c, base, &idx);
	if (r != MMU_OK)
		return r;
	pin_root(m, idx);
	leaf_cache_forget(m);   /* what it found used the old rules */
	m->gs = *gs;
	m->wc = c;
	m->leaf_rsvd = walk_leaf_reserved(&c);
	m->pdpt_hva = c.mode == PAGING_PAE ? pdpt_of(m, gs->cr3) : NULL;
	m->role_base = base;
	m->loaded = true;
	soft_tlb_flush(m);
	*host_cr3 = m->root_hpa;
	return MMU_OK;
}

int mmu_load_context(struct mmu *m, const struct mmu_guest_state *gs,
		     uint64_t *host_cr3)
{
	if (m->loaded && gs->cr0 == m->gs.cr0 && gs->cr4 == m->gs.cr4 &&
	    gs->efer == m->gs.efer)
		return load_cr3_only(m, gs->cr3, host_cr3);
	return load_full(m, gs, host_cr3);
}

void mmu_hw_control(const struct mmu_guest_state *gs, uint64_t *hw_cr0,
		    uint64_t *hw_cr4)
{
	const uint64_t paging_cr4 = CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCIDE |
				    CR4_PKE | CR4_LA57 | CR4_SMEP | CR4_SMAP;
	uint64_t cr4 = (gs->cr4 & ~paging_cr4) | CR4_PAE;

	/* Shadows never set G, and SMEP/SMAP act on shadow U bits that equal
	 * the guest's only while the guest pages (its PG=0 identity map is
	 * all-user). */
	if (gs->cr0 & CR0_PG)
		cr4 |= gs->cr4 & (CR4_SMEP | CR4_SMAP);
	*hw_cr0 = gs->cr0 | CR0_PG | CR0_PE | CR0_WP;
	*hw_cr4 = cr4;
}

/* At CPL < 3 a #PF exit does not say whether a supervisor access was
 * implicit (descriptor tables, TSS), and with EFLAGS.AC=1 SMAP treats the
 * two differently (SDM 4.6.1). The shadow's U bit is the guest's, so the
 * hardware itself applied the right rule: when it refused a present entry
 * that already grants this access as an explicit one, the access was
 * implicit. (Without this, the exit would refill the same entry forever.) */
static bool hw_saw_implicit(const struct mmu *m, uint64_t gva, uint32_t ec,
			    uint32_t acc)
{
	uint64_t spte;

	if (!(m->role_base & ROLE_SMAP) || !(ec & PFEC_P) ||
	    (acc & (WALK_USER | WALK_IMPLICIT | WALK_FETCH)) || !(acc & WALK_AC))
		return false;
	spte = shadow_leaf(m, gva);
	return (spte & PTE_P) && (spte & PTE_US) &&
	       (!(acc & WALK_WRITE) || (spte & PTE_RW));
}


static bool canonical(uint64_t gva)
{
	uint64_t top = gva >> 47;

	return top == 0 || top == 0x1ffff;
}


/* A frame the access cannot use as RAM: none of the memslots covers it, or
 * it is read-only RAM (ROM) and this is a write. Else *hpa, *flags. */
static bool is_mmio(const struct mmu *m, uint64_t gpa, uint32_t acc,
		    uint64_t *hpa, uint32_t *flags)
{
	if (!memslot_frame(m->slots, gpa >> 12, hpa, NULL, flags))
		return true;
	return (acc & WALK_WRITE) && (*flags & MEMSLOT_READONLY);
}

enum mmu_outcome mmu_mmio_answer(struct mmu *m, uint64_t gva, uint32_t key,
				 uint64_t gpa, struct mmu_fault *out)
{
	struct mmu_mmio_entry *e = &m->mmio_cache[(gva >> 12) & (MMU_MMIO_CACHE - 1)];

	e->gen = m->tlb_gen;
	e->gva_page = gva >> 12;
	e->gpa_page = gpa >> 12;
	e->key = key;
	out->gpa = gpa;
	m->stats.mmio_exits++;
	return MMU_MMIO;
}

/* With hardware NXE=0 and SMEP=0 a #PF exit cannot say "fetch" (no I/D
 * bit, SDM 4.7), so a supervisor fetch looks like a read. The two differ
 * only under SMAP: a read of a user page faults, a fetch does not. When the
 * entry was not present and the read would fault but a fetch would not,
 * fill it as for a fetch: if the access really was a read, the hardware's
 * own SMAP check faults again on the now present entry (P=1), and that
 * second fault is walked as the read it is. */
static bool maybe_fetch(const struct mmu *m, uint32_t ec, uint32_t acc)
{
	return !(m->role_base & (ROLE_HWNX | ROLE_SMEP)) &&
	       (m->role_base & ROLE_SMAP) &&
	       !(ec & (PFEC_P | PFEC_W | PFEC_U | PFEC_I)) &&
	       !(acc & WALK_IMPLICIT);
}

/* The guest's own walk for this exit, with the fetch-or-read ambiguity
 * above resolved (which may add WALK_FETCH to *acc). For an MMIO target
 * the probe's result is enough: nothing is filled, and the emulator
 * translates each access of the instruction with its true type. */
static int guest_walk(struct mmu *m, uint64_t gva, uint32_t ec, uint32_t *acc,
		      struct walk_result *w)
{
	uint64_t hpa;
	uint32_t sflags;
	int r = walk(&m->wc, gva, *acc, w);

	if (r != WALK_FAULT || !maybe_fetch(m, ec, *acc))
		return r;
	if (walk(&m->wc, gva, *acc | WALK_FETCH | WALK_NO_AD, w) != WALK_OK)
		return walk(&m->wc, gva, *acc, w);   /* the read's own fault */
	*acc |= WALK_FETCH;
	if (is_mmio(m, w->gpa, *acc, &hpa, &sflags))
		return WALK_OK;
	return walk(&m->wc, gva, *acc, w);
}

static enum mmu_outcome inject_pf(struct mmu *m, uint64_t gva,
				  const struct walk_result *w,
				  struct mmu_fault *out)
{
	out->error_code = w->error_code;
	out->cr2 = gva;
	m->stats.guest_faults++;
	return MMU_INJECT_PF;
}

static enum mmu_outcome fatal(struct mmu_fault *out, const char *why)
{
	out->reason = why;
	return MMU_FATAL;
}

/* The full page-fault path: the guest's walk decides between reflecting
 * the fault and going on; then the memslots decide between filling the
 * shadow and handing the access to the emulator as MMIO (cached under
 * @key). */
static enum mmu_outcome
page_fault_walk(struct mmu *m, uint64_t gva, uint32_t error_code, uint32_t ctx,
		uint32_t acc, uint32_t key, struct mmu_fault *out)
{
	struct walk_result w;
	uint32_t sflags;
	uint64_t hpa;
	int r;

	if (hw_saw_implicit(m, gva, error_code, acc))
		acc |= WALK_IMPLICIT;
	r = guest_walk(m, gva, error_code, &acc, &w);
	if (r == WALK_FAULT)
		return inject_pf(m, gva, &w, out);
	if (r == WALK_GP)
		return MMU_INJECT_GP;
	if (r == WALK_BUSY)   /* tables changing under us: let it fault again */
		return MMU_FIXED;
	/* Guest tables outside RAM cannot be write-protected: never shadow. */
	if (!w.tables_ram)
		return mmu_mmio_answer(m, gva, key, w.gpa, out);
	if (is_mmio(m, w.gpa, acc, &hpa, &sflags)) {
		shadow_path(m, gva, &w);   /* watch the tables behind the cache */
		return mmu_mmio_answer(m, gva, key, w.gpa, out);
	}
	return shadow_fill(m, gva, acc, ctx, &w, hpa, sflags, out);
}

/*
 * The page-fault exit path (DESIGN.md) for what the shadow alone cannot
 * settle (mmu_page_fault_walk() in fill.c tries that first): @gva is
 * already linear, pf_exits already counted.
 */
enum mmu_outcome mmu_fault_full(struct mmu *m, uint64_t gva, uint32_t error_code, uint32_t ctx,
				struct mmu_fault *out)
{
	out->error_code = 0;
	out->cr2 = out->gpa = 0;
	out->reason = NULL;
	if (!m->loaded)
		return fatal(out, "page fault before any context was loaded");
	if (error_code & PFEC_RSVD)
		return fatal(out, "reserved bit set in a shadow entry");
	return page_fault_walk(m, gva, error_code, ctx, access_of(error_code, ctx),
			       mmu_mmio_key(error_code, ctx), out);
}

/* INVLPG changes no shadow: the shadows follow the guest's tables exactly
 * at all times (every shadowed table is write-protected, and each write
 * to it updates the shadows at once), so there is no stale translation to
 * drop. Only the MMIO translation cache, a software TLB, is flushed. (The
 * VMX side may stop exiting on INVLPG altogether.) */
void mmu_invlpg(struct mmu *m, uint64_t gva)
{
	(void)gva;
	m->stats.invlpg++;
	soft_tlb_flush(m);
}

int mmu_translate(struct mmu *m, uint64_t gva, uint32_t acc, uint64_t *gpa,
		  uint32_t *pf_error)
{
	struct walk_result w;
	int r;

	if (!m->loaded)
		return MMU_ERR_BUSY;
	if (m->wc.mode == PAGING_LONG && !canonical(gva))
		return MMU_ERR_GP;
	if (shadow_translate(m, linear(m, gva), acc, gpa))
		return MMU_OK;
	r = walk(&m->wc, linear(m, gva), acc, &w);
	switch (r) {
	case WALK_OK:
		*gpa = w.gpa;
		return MMU_OK;
	case WALK_FAULT:
		*pf_error = w.error_code;
		return MMU_ERR_PF;
	case WALK_GP:
		return MMU_ERR_GP;
	default:
		return MMU_ERR_BUSY;
	}
}
