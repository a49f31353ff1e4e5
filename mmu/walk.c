/* The guest page-table walker (SDM Vol. 3A, 4.3-4.7, 4.8 for A/D bits).
 *
 * One walk for every mode: the format descriptor (paging.h) says how many
 * levels there are, where each index sits and which levels may hold large
 * pages; the few true differences between formats (entry width, reserved
 * bits, where a large page keeps its address) are small functions below. */
#include <string.h>
#include "mmu/walk.h"

#define WALK_ATTEMPTS 8

static uint64_t genmask(int hi, int lo)
{
	if (hi < lo)
		return 0;
	return (~0ull >> (63 - hi)) & (~0ull << lo);
}

static bool is_large(const struct walk_ctx *c, int level, uint64_t e)
{
	const struct paging_format *f = paging_format(c->mode);

	if (!(e & PTE_PS) || !(f->large_levels & (1u << level)))
		return false;
	/* 32-bit paging: PS is ignored unless CR4.PSE=1 (SDM 4.3). */
	return c->mode != PAGING_32 || c->pse;
}

/* The reserved bits every present entry of a 64-bit format has: address
 * bits from MAXPHYADDR up, and XD without EFER.NXE. 32-bit: none. */
static uint64_t rsvd_common(const struct walk_ctx *c)
{
	int m = c->maxphyaddr;
	uint64_t mask;

	if (c->mode == PAGING_32)
		return 0;
	mask = c->mode == PAGING_PAE ? genmask(62, m) : genmask(51, m);
	if (!c->nxe)
		mask |= PTE_NX;
	return mask;
}

/* Reserved bits of a present entry: SDM Vol. 3A, Tables 4-4 (32-bit),
 * 4-8..4-11 (PAE) and 4-14..4-19 (4-level); @common is rsvd_common(). */
static uint64_t rsvd_mask(const struct walk_ctx *c, int level, uint64_t e,
			  uint64_t common)
{
	uint64_t mask = common;

	if (c->mode == PAGING_32) {
		int b, m40 = c->maxphyaddr < 40 ? c->maxphyaddr : 40;

		if (!is_large(c, level, e))
			return 0;
		/* 4 MiB page: bit 21, and PSE-36 address bits beyond MAXPHYADDR. */
		mask = 1ull << 21;
		for (b = m40 > 32 ? m40 : 32; b <= 39; b++)
			mask |= 1ull << (b - 19);
		return mask;
	}
	if (c->mode == PAGING_LONG && level == 4)
		mask |= PTE_PS;
	if (c->mode == PAGING_LONG && level == 3 && !c->gbpages)
		mask |= PTE_PS;
	else if (is_large(c, level, e))
		mask |= genmask(paging_format(c->mode)->shift[level] - 1, 13);
	return mask;
}

uint64_t walk_leaf_reserved(const struct walk_ctx *c)
{
	/* A 4 KiB PTE has only the bits every entry of its format reserves. */
	return rsvd_common(c);
}

bool walk_entry_reserved(const struct walk_ctx *c, int level, uint64_t e)
{
	return (e & PTE_P) && (e & rsvd_mask(c, level, e, rsvd_common(c)));
}

static uint64_t table_addr(const struct walk_ctx *c, uint64_t e)
{
	return c->mode == PAGING_32 ? (e & 0xfffff000ull) : (e & PTE_ADDR_MASK);
}

static uint64_t large_addr(const struct walk_ctx *c, int level, uint64_t e)
{
	uint64_t span = paging_entry_span(paging_format(c->mode), level);

	if (c->mode == PAGING_32)   /* PSE-36: bits 20:13 hold PA[39:32] */
		return (e & 0xffc00000ull) | (((e >> 13) & 0xff) << 32);
	return e & PTE_ADDR_MASK & ~(span - 1);
}

static uint64_t entry_rights(const struct walk_ctx *c, uint64_t e)
{
	uint64_t r = 0;

	if (e & PTE_RW)
		r |= ACC_W;
	if (e & PTE_US)
		r |= ACC_U;
	if (!(c->nxe && (e & PTE_NX)))
		r |= ACC_X;
	return r;
}

uint32_t walk_pf_error(const struct walk_ctx *c, uint32_t acc, bool present,
		       bool rsvd)
{
	uint32_t ec = 0;

	if (present)
		ec |= PFEC_P;
	if (rsvd)
		ec |= PFEC_RSVD;
	if (acc & WALK_WRITE)
		ec |= PFEC_W;
	if (acc & WALK_USER)
		ec |= PFEC_U;
	/* I/D is reported only with SMEP, or NXE under PAE/4-level (4.7). */
	if ((acc & WALK_FETCH) &&
	    (c->smep || (c->nxe && c->mode >= PAGING_PAE)))
		ec |= PFEC_I;
	return ec;
}

/* The entries one walk used, for setting A/D afterwards. */
struct walk_trace {
	uint64_t e[6];
	void *p[6];      /* host pointer of the entry, NULL if none/not RAM */
};

/* Guest tables almost always share one memslot: try the last one first. */
static void *table_hva(const struct walk_ctx *c, const struct memslot **last,
		       uint64_t gpa, unsigned len)
{
	const struct memslot *s = *last;

	if (s && gpa >= s->gpa && gpa - s->gpa <= s->size - len)
		return (char *)s->hva + (gpa - s->gpa);
	s = memslot_lookup(c->slots, gpa);
	if (!s || gpa - s->gpa > s->size - len)
		return NULL;
	*last = s;
	return (char *)s->hva + (gpa - s->gpa);
}

static uint64_t read_entry(const struct walk_ctx *c, uint64_t gpa, void **p,
			   struct walk_result *w, const struct memslot **last)
{
	unsigned eb = paging_format(c->mode)->entry_bytes;

	*p = table_hva(c, last, gpa, eb);
	if (!*p) { /* a table outside RAM reads as the bus floats: all ones */
		w->tables_ram = false;
		return eb == 4 ? 0xffffffffull : ~0ull;
	}
	if (eb == 4)
		return __atomic_load_n((uint32_t *)*p, __ATOMIC_ACQUIRE);
	return __atomic_load_n((uint64_t *)*p, __ATOMIC_ACQUIRE);
}

static void walk_none(uint64_t la, struct walk_result *w)
{
	int l;

	w->gpa = la & 0xffffffffull;
	w->page_gpa = 0;
	w->page_size = 1ull << 32;
	w->leaf_level = 5;
	w->access = ACC_ALL;
	for (l = 0; l < 6; l++)
		w->access_above[l] = ACC_ALL;
	w->dirty = true;
	w->was_accessed = true;
}

static int fault(const struct walk_ctx *c, uint32_t acc, bool present,
		 bool rsvd, struct walk_result *w)
{
	w->error_code = walk_pf_error(c, acc, present, rsvd);
	return WALK_FAULT;
}

/* Start of the walk: PAE takes its top level from the PDPTE registers. */
static int walk_top(const struct walk_ctx *c, uint64_t la, uint32_t acc,
		    struct walk_result *w, struct walk_trace *t, int *level,
		    uint64_t *table)
{
	const struct paging_format *f = paging_format(c->mode);
	uint64_t pdpte;

	*level = f->top;
	w->access_above[f->top] = ACC_ALL;
	t->p[f->top] = NULL;
	if (c->mode != PAGING_PAE) {
		*table = table_addr(c, c->cr3);
		return WALK_OK;
	}
	w->table_gfn[3] = (c->cr3 & 0xffffffe0ull) >> 12;
	pdpte = c->pdpte[paging_index(f, 3, la)];
	if (!(pdpte & PTE_P))
		return fault(c, acc, false, false, w);
	w->access_above[2] = ACC_ALL;   /* PDPTEs carry no rights (4.4.1) */
	*level = 2;
	*table = pdpte & PTE_ADDR_MASK;
	return WALK_OK;
}

static void set_leaf(const struct walk_ctx *c, int level, uint64_t la,
		     uint64_t e, struct walk_result *w)
{
	const struct paging_format *f = paging_format(c->mode);
	bool large = level > 1;

	w->leaf_level = level;
	w->page_size = paging_entry_span(f, level);
	w->page_gpa = large ? large_addr(c, level, e) : table_addr(c, e);
	w->gpa = w->page_gpa + (la & (w->page_size - 1));
	w->dirty = e & PTE_D;
	w->was_accessed = e & PTE_A;
	w->cache = (uint8_t)(e & (PTE_PWT | PTE_PCD));
	if (large ? (e & PTE_PAT_LARGE) : (e & PTE_PAT))
		w->cache |= (uint8_t)PTE_PAT;
}

static int walk_once(const struct walk_ctx *c, uint64_t la, uint32_t acc,
		     struct walk_result *w, struct walk_trace *t)
{
	const struct paging_format *f = paging_format(c->mode);
	const struct memslot *last = NULL;
	uint64_t table, e = 0, common = rsvd_common(c);
	uint32_t rights = ACC_ALL;
	int level, r;

	r = walk_top(c, la, acc, w, t, &level, &table);
	if (r != WALK_OK)
		return r;
	for (; level >= 1; level--) {
		w->table_gfn[level] = table >> 12;
		w->access_above[level] = (uint8_t)rights;
		e = read_entry(c, table + (uint64_t)paging_index(f, level, la) *
				      f->entry_bytes, &t->p[level], w, &last);
		t->e[level] = e;
		if (!(e & PTE_P))
			return fault(c, acc, false, false, w);
		if (e & rsvd_mask(c, level, e, common))
			return fault(c, acc, true, true, w);
		rights &= entry_rights(c, e);
		if (level == 1 || is_large(c, level, e))
			break;
		table = table_addr(c, e);
	}
	set_leaf(c, level, la, e, w);
	w->access = (uint8_t)rights;
	if (!walk_rights_allow(c, acc, rights))
		return fault(c, acc, true, false, w);
	return WALK_OK;
}

/* Set @bits in the entry at @p that the walk read as @seen. False if the
 * entry changed meanwhile in anything but A/D (the walk must be redone). */
static bool set_bits(void *p, unsigned eb, uint64_t seen, uint64_t bits)
{
	const uint64_t ad = PTE_A | PTE_D;
	int tries;

	for (tries = 0; tries < WALK_ATTEMPTS; tries++) {
		uint64_t cur = eb == 4 ? __atomic_load_n((uint32_t *)p, __ATOMIC_ACQUIRE)
				       : __atomic_load_n((uint64_t *)p, __ATOMIC_ACQUIRE);
		if ((cur & ~ad) != (seen & ~ad))
			return false;
		if ((cur & bits) == bits)
			return true;
		if (eb == 4) {
			uint32_t old = (uint32_t)cur;
			if (__atomic_compare_exchange_n((uint32_t *)p, &old,
					(uint32_t)(cur | bits), false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return true;
		} else {
			uint64_t old = cur;
			if (__atomic_compare_exchange_n((uint64_t *)p, &old,
					cur | bits, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return true;
		}
	}
	return false;
}

/* SDM 4.8: A in every entry used, D in the leaf on a write. Top-down, the
 * order the CPU uses them. */
static bool set_accessed_dirty(const struct walk_ctx *c, uint32_t acc,
			       const struct walk_result *w,
			       const struct walk_trace *t)
{
	const struct paging_format *f = paging_format(c->mode);
	int level;

	for (level = f->top; level >= w->leaf_level; level--) {
		uint64_t bits = PTE_A;

		if (!t->p[level])   /* PAE PDPTE register, or not RAM */
			continue;
		if (level == w->leaf_level && (acc & WALK_WRITE))
			bits |= PTE_D;
		if ((t->e[level] & bits) == bits)   /* already set when read */
			continue;
		if (!set_bits(t->p[level], f->entry_bytes, t->e[level], bits))
			return false;
	}
	return true;
}

static bool canonical48(uint64_t la)
{
	uint64_t top = la >> 47;
	return top == 0 || top == 0x1ffff;
}

int walk(const struct walk_ctx *c, uint64_t la, uint32_t acc,
	 struct walk_result *w)
{
	int attempt, r;

	/* No memset: the hypervisor's is byte-wise and this is the hot path.
	 * The arrays are written for every level the walk uses. */
	w->gpa = w->page_gpa = w->page_size = 0;
	w->leaf_level = 0;
	w->access = 0;
	w->dirty = false;
	w->was_accessed = false;
	w->cache = 0;
	w->error_code = 0;
	w->tables_ram = true;
	if (c->mode == PAGING_NONE) {
		walk_none(la, w);
		return WALK_OK;
	}
	if (c->mode == PAGING_LONG) {
		if (!canonical48(la))
			return WALK_GP;
	} else {
		la &= 0xffffffffull;
	}
	for (attempt = 0; attempt < WALK_ATTEMPTS; attempt++) {
		struct walk_trace t;

		w->tables_ram = true;
		r = walk_once(c, la, acc, w, &t);
		if (r != WALK_OK || (acc & WALK_NO_AD))
			return r;
		if (set_accessed_dirty(c, acc, w, &t)) {
			if (acc & WALK_WRITE)
				w->dirty = true;
			return WALK_OK;
		}
	}
	return WALK_BUSY;
}

bool walk_load_pdptes(const struct memslots *slots, uint64_t cr3,
		      uint8_t maxphyaddr, uint64_t pdpte[4])
{
	/* PDPTE reserved bits: 2:1, 8:5, 63:MAXPHYADDR (SDM Table 4-8). */
	const uint64_t rsvd = 0x1e6ull | genmask(63, maxphyaddr);
	uint64_t base = cr3 & 0xffffffe0ull;
	/* 32-byte aligned: the four entries share one page, one lookup. */
	const uint64_t *p = memslot_hva(slots, base, 32);
	int i;

	for (i = 0; i < 4; i++) {
		pdpte[i] = p ? __atomic_load_n(&p[i], __ATOMIC_ACQUIRE) : ~0ull;
		if ((pdpte[i] & PTE_P) && (pdpte[i] & rsvd))
			return false;
	}
	return true;
}
