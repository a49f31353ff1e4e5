/* mmu/walk.c against the SDM: every paging mode x page size x rights at
 * every level x CR0.WP/CR4.SMEP/CR4.SMAP/EFER.NXE x access type, compared
 * with a reference written from SDM Vol. 3A 4.6.1 (access rights) and 4.7
 * (error code); plus reserved bits, A/D bits, PSE-36, PDPTE registers,
 * and a table of literal cases. */
#include "tests/unit/mmu_fake.h"

#define RAM_SIZE (8u << 20)
#define TARGET   0x40000000ull      /* 1 GiB aligned: fits every page size */
#define CR3      0x1000ull

static uint8_t *ram;
static struct memslots slots;

/* One linear address per mode with a different index at every level. */
static uint64_t test_la(enum paging_mode mode)
{
	switch (mode) {
	case PAGING_32:  return (5ull << 22) | (9ull << 12) | 0x123;
	case PAGING_PAE: return (2ull << 30) | (7ull << 21) | (9ull << 12) | 0x123;
	default:         return (3ull << 39) | (5ull << 30) | (7ull << 21) | (9ull << 12) | 0x123;
	}
}

/* Where the table of @level sits: the top table at CR3, then one page per
 * level further down. */
static uint64_t table_gpa(enum paging_mode mode, int level)
{
	return CR3 + 0x1000ull * (paging_format(mode)->top - level);
}

static uint64_t entry_gpa(enum paging_mode mode, int level, uint64_t la)
{
	const struct paging_format *f = paging_format(mode);
	return table_gpa(mode, level) + paging_index(f, level, la) * f->entry_bytes;
}

static uint64_t get_entry(enum paging_mode mode, int level, uint64_t la)
{
	uint64_t v = 0;
	memcpy(&v, ram + entry_gpa(mode, level, la), paging_format(mode)->entry_bytes);
	return v;
}

static void put_entry(enum paging_mode mode, int level, uint64_t la, uint64_t v)
{
	memcpy(ram + entry_gpa(mode, level, la), &v, paging_format(mode)->entry_bytes);
}

/* Build the path of test_la(mode) down to a leaf at @leaf_level mapping
 * TARGET; @bits[level] are ORed into each entry (U/S, R/W, XD...). */
static void build(enum paging_mode mode, int leaf_level, const uint64_t bits[5])
{
	const struct paging_format *f = paging_format(mode);
	uint64_t la = test_la(mode);
	int level;

	memset(ram, 0, 0x10000);
	for (level = f->top; level >= leaf_level; level--) {
		uint64_t e;

		if (mode == PAGING_PAE && level == 3) {   /* PDPTE: no rights bits */
			put_entry(mode, 3, la, table_gpa(mode, 2) | PTE_P);
			continue;
		}
		if (level == leaf_level)
			e = TARGET | PTE_P | bits[level] | (level > 1 ? PTE_PS : 0);
		else
			e = table_gpa(mode, level - 1) | PTE_P | bits[level];
		put_entry(mode, level, la, e);
	}
}

static struct walk_ctx ctx_for(enum paging_mode mode, bool wp, bool smep,
			       bool smap, bool nxe)
{
	struct walk_ctx c = { .slots = &slots, .mode = mode, .cr3 = CR3,
			      .wp = wp, .pse = true, .smep = smep, .smap = smap,
			      .nxe = nxe && mode >= PAGING_PAE, .gbpages = true,
			      .maxphyaddr = 36 };
	if (mode == PAGING_PAE)
		assert_true(walk_load_pdptes(&slots, CR3, 36, c.pdpte));
	return c;
}

/* ---- the reference, from the SDM's words ---------------------------- */

struct ref_in {
	enum paging_mode mode;
	int leaf_level;
	uint64_t bits[5];
	bool wp, smep, smap, nxe;
	bool write, fetch, user, implicit, ac;
};

/* SDM 4.7: the bits of the error code that describe the access. */
static uint32_t ref_access_bits(const struct ref_in *r)
{
	uint32_t ec = 0;
	bool pae_format = r->mode == PAGING_PAE || r->mode == PAGING_LONG;

	if (r->write) ec |= 2;          /* W/R */
	if (r->user) ec |= 4;           /* U/S: a user-mode access */
	/* I/D: an instruction fetch, if CR4.SMEP=1, or CR4.PAE=1 and NXE=1. */
	if (r->fetch && (r->smep || (pae_format && r->nxe)))
		ec |= 16;
	return ec;
}

/* Returns -1 if the access is allowed, else the #PF error code. */
static int ref_outcome(const struct ref_in *r)
{
	const struct paging_format *f = paging_format(r->mode);
	bool user_addr = true, writable = true, xd = false;
	int level;

	/* Walk top-down: with NXE=0 the XD bit is reserved (4.4, 4.5), and a
	 * reserved bit ends the walk with P=1, RSVD=1. */
	for (level = f->top; level >= r->leaf_level; level--) {
		uint64_t b = r->bits[level];
		if (r->mode == PAGING_PAE && level == 3)
			continue;
		if ((b & PTE_NX) && !r->nxe && r->mode != PAGING_32)
			return (int)(1 | 8 | ref_access_bits(r));
		user_addr = user_addr && (b & PTE_US);
		writable = writable && (b & PTE_RW);
		xd = xd || ((b & PTE_NX) && r->nxe);
	}
	if (r->user) {                       /* user-mode access (4.6.1) */
		bool ok = user_addr;
		if (r->write)
			ok = ok && writable;
		if (r->fetch)
			ok = ok && !xd;
		return ok ? -1 : (int)(1 | ref_access_bits(r));
	}
	/* supervisor-mode access */
	bool explicit_ac = !r->implicit && r->ac;
	bool ok;
	if (r->fetch) {
		if (user_addr && r->smep)
			ok = false;
		else
			ok = !xd;
	} else if (!r->write) {
		ok = !user_addr || !r->smap || explicit_ac;
	} else if (!r->wp) {
		ok = !user_addr || !r->smap || explicit_ac;
	} else {
		ok = writable && (!user_addr || !r->smap || explicit_ac);
	}
	return ok ? -1 : (int)(1 | ref_access_bits(r));
}

static uint32_t acc_of(const struct ref_in *r)
{
	return (r->write ? WALK_WRITE : 0) | (r->fetch ? WALK_FETCH : 0) |
	       (r->user ? WALK_USER : 0) | (r->implicit ? WALK_IMPLICIT : 0) |
	       (r->ac ? WALK_AC : 0);
}

static uint64_t page_size_of(enum paging_mode mode, int leaf_level)
{
	return paging_entry_span(paging_format(mode), leaf_level);
}

/* Run one case and check outcome, error code, gpa and A/D bits. */
static void check_case(const struct ref_in *r)
{
	const struct paging_format *f = paging_format(r->mode);
	uint64_t la = test_la(r->mode), before[5] = { 0 };
	struct walk_ctx c;
	struct walk_result w;
	int expect, got, level;

	build(r->mode, r->leaf_level, r->bits);
	c = ctx_for(r->mode, r->wp, r->smep, r->smap, r->nxe);
	for (level = f->top; level >= r->leaf_level; level--)
		before[level] = get_entry(r->mode, level, la);
	expect = ref_outcome(r);
	got = walk(&c, la, acc_of(r), &w);
	if (expect < 0) {
		if (got != WALK_OK)
			fail_msg("mode %d leaf %d bits %llx/%llx/%llx/%llx wp%d smep%d smap%d nxe%d "
				 "w%d f%d u%d i%d ac%d: expected OK, got %d ec %x",
				 r->mode, r->leaf_level, (unsigned long long)r->bits[4],
				 (unsigned long long)r->bits[3], (unsigned long long)r->bits[2],
				 (unsigned long long)r->bits[1], r->wp, r->smep, r->smap, r->nxe,
				 r->write, r->fetch, r->user, r->implicit, r->ac, got, w.error_code);
		assert_int_equal(w.gpa, TARGET + (la & (page_size_of(r->mode, r->leaf_level) - 1)));
		/* SDM 4.8: A in every entry used, D in the leaf on a write. */
		for (level = f->top; level >= r->leaf_level; level--) {
			uint64_t e = get_entry(r->mode, level, la), want = before[level];
			if (!(r->mode == PAGING_PAE && level == 3))
				want |= PTE_A;
			if (level == r->leaf_level && r->write)
				want |= PTE_D;
			assert_int_equal(e, want);
		}
		return;
	}
	if (got != WALK_FAULT || (int)w.error_code != expect)
		fail_msg("mode %d leaf %d bits %llx/%llx/%llx/%llx wp%d smep%d smap%d nxe%d "
			 "w%d f%d u%d i%d ac%d: expected #PF %x, got %d ec %x",
			 r->mode, r->leaf_level, (unsigned long long)r->bits[4],
			 (unsigned long long)r->bits[3], (unsigned long long)r->bits[2],
			 (unsigned long long)r->bits[1], r->wp, r->smep, r->smap, r->nxe,
			 r->write, r->fetch, r->user, r->implicit, r->ac, expect, got, w.error_code);
	/* A faulting walk leaves the guest's entries alone. */
	for (level = f->top; level >= r->leaf_level; level--)
		assert_int_equal(get_entry(r->mode, level, la), before[level]);
}

/* The seven access types: read/write/fetch at CPL 3, read/write/fetch at
 * CPL < 3, implicit supervisor read/write; each with AC=0 and AC=1. */
struct access_kind { bool write, fetch, user, implicit; };
static const struct access_kind kinds[] = {
	{ false, false, true,  false }, { true, false, true,  false },
	{ false, true,  true,  false }, { false, false, false, false },
	{ true,  false, false, false }, { false, true,  false, false },
	{ false, false, false, true  }, { true,  false, false, true  },
};

/* All rights combinations at every level of one mode and page size. */
static void sweep(enum paging_mode mode, int leaf_level)
{
	const struct paging_format *f = paging_format(mode);
	const uint64_t rights[] = { 0, PTE_US, PTE_RW, PTE_US | PTE_RW,
				    PTE_NX, PTE_NX | PTE_US, PTE_NX | PTE_RW,
				    PTE_NX | PTE_US | PTE_RW };
	unsigned nr = mode == PAGING_32 ? 4 : 8;   /* no XD in 32-bit entries */
	int levels[4], nlev = 0, level;
	unsigned long combos = 1, combo, count = 0;

	for (level = f->top; level >= leaf_level; level--)
		if (!(mode == PAGING_PAE && level == 3))
			levels[nlev++] = level;
	for (level = 0; level < nlev; level++)
		combos *= nr;
	for (combo = 0; combo < combos; combo++) {
		struct ref_in r = { .mode = mode, .leaf_level = leaf_level };
		unsigned long v = combo;
		unsigned cr, k, ac;

		for (level = 0; level < nlev; level++, v /= nr)
			r.bits[levels[level]] = rights[v % nr];
		for (cr = 0; cr < 16; cr++) {
			r.wp = cr & 1; r.smep = cr & 2; r.smap = cr & 4; r.nxe = cr & 8;
			if (mode == PAGING_32 && r.nxe)
				continue;
			for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
				for (ac = 0; ac < 2; ac++) {
					r.write = kinds[k].write; r.fetch = kinds[k].fetch;
					r.user = kinds[k].user; r.implicit = kinds[k].implicit;
					r.ac = ac;
					check_case(&r);
					count++;
				}
			}
		}
	}
	assert_true(count > 0);
}

static void sweep_32bit_4k(void **s)  { (void)s; sweep(PAGING_32, 1); }
static void sweep_32bit_4m(void **s)  { (void)s; sweep(PAGING_32, 2); }
static void sweep_pae_4k(void **s)    { (void)s; sweep(PAGING_PAE, 1); }
static void sweep_pae_2m(void **s)    { (void)s; sweep(PAGING_PAE, 2); }
static void sweep_long_4k(void **s)   { (void)s; sweep(PAGING_LONG, 1); }
static void sweep_long_2m(void **s)   { (void)s; sweep(PAGING_LONG, 2); }
static void sweep_long_1g(void **s)   { (void)s; sweep(PAGING_LONG, 3); }

/* ---- literal cases, error codes as a CPU delivers them --------------- */

#define U  PTE_US
#define W  PTE_RW
#define X  PTE_NX
#define UW (PTE_US | PTE_RW)
struct literal {
	enum paging_mode mode;
	int leaf;
	uint64_t bits[5];
	uint8_t wp, smep, smap, nxe;
	uint32_t acc;
	int ec;       /* -1: allowed */
};
static const struct literal literals[] = {
	/* user read of a user page; user write of a read-only user page */
	{ PAGING_LONG, 1, { 0, UW, UW, UW, UW }, 1, 0, 0, 0, WALK_USER, -1 },
	{ PAGING_LONG, 1, { 0, U, UW, UW, UW }, 1, 0, 0, 0, WALK_USER | WALK_WRITE, 0x07 },
	/* read-only at the PML4E alone also makes it read-only */
	{ PAGING_LONG, 1, { 0, UW, UW, UW, U }, 1, 0, 0, 0, WALK_USER | WALK_WRITE, 0x07 },
	/* user access to a supervisor page: P=1, U=1 */
	{ PAGING_LONG, 2, { 0, 0, W, UW, UW }, 1, 0, 0, 0, WALK_USER, 0x05 },
	/* supervisor write to read-only page: WP=1 faults, WP=0 does not */
	{ PAGING_PAE, 1, { 0, 0, W, 0, 0 }, 1, 0, 0, 0, WALK_WRITE, 0x03 },
	{ PAGING_PAE, 1, { 0, 0, W, 0, 0 }, 0, 0, 0, 0, WALK_WRITE, -1 },
	{ PAGING_32, 1, { 0, U, UW, 0, 0 }, 0, 0, 0, 0, WALK_WRITE, -1 },
	/* XD with NXE=1: fetch fault reports I/D; without NXE it is reserved */
	{ PAGING_LONG, 1, { 0, X | UW, UW, UW, UW }, 1, 0, 0, 1, WALK_USER | WALK_FETCH, 0x15 },
	{ PAGING_LONG, 1, { 0, X | UW, UW, UW, UW }, 1, 0, 0, 0, WALK_USER, 0x0d },
	{ PAGING_PAE, 2, { 0, 0, X | W, 0, 0 }, 1, 0, 0, 0, WALK_FETCH, 0x09 },
	/* SMEP: supervisor fetch from a user page; I/D even with NXE=0 */
	{ PAGING_32, 1, { 0, UW, UW, 0, 0 }, 1, 1, 0, 0, WALK_FETCH, 0x11 },
	/* no SMEP, no NXE: fetch faults carry no I/D */
	{ PAGING_32, 1, { 0, W, UW, 0, 0 }, 1, 0, 0, 0, WALK_USER | WALK_FETCH, 0x05 },
	/* 32-bit paging with (ignored) NXE: still no I/D */
	{ PAGING_PAE, 1, { 0, UW, UW, 0, 0 }, 1, 0, 0, 0, WALK_USER | WALK_FETCH, -1 },
	/* SMAP: supervisor read of a user page, AC=0 faults, AC=1 passes,
	 * implicit faults whatever AC says */
	{ PAGING_LONG, 1, { 0, UW, UW, UW, UW }, 1, 0, 1, 0, 0, 0x01 },
	{ PAGING_LONG, 1, { 0, UW, UW, UW, UW }, 1, 0, 1, 0, WALK_AC, -1 },
	{ PAGING_LONG, 1, { 0, UW, UW, UW, UW }, 1, 0, 1, 0, WALK_AC | WALK_IMPLICIT, 0x01 },
	{ PAGING_LONG, 1, { 0, UW, UW, UW, UW }, 1, 0, 1, 0, WALK_WRITE | WALK_IMPLICIT, 0x03 },
	/* SMAP + WP=0: supervisor write to a read-only user page with AC=1 */
	{ PAGING_LONG, 1, { 0, U, UW, UW, UW }, 0, 0, 1, 0, WALK_WRITE | WALK_AC, -1 },
	{ PAGING_LONG, 1, { 0, U, UW, UW, UW }, 1, 0, 1, 0, WALK_WRITE | WALK_AC, 0x03 },
};

static void literal_cases(void **state)
{
	unsigned i;
	(void)state;

	for (i = 0; i < sizeof(literals) / sizeof(literals[0]); i++) {
		const struct literal *l = &literals[i];
		struct walk_ctx c;
		struct walk_result w;
		int r;

		build(l->mode, l->leaf, l->bits);
		c = ctx_for(l->mode, l->wp, l->smep, l->smap, l->nxe);
		r = walk(&c, test_la(l->mode), l->acc, &w);
		if (l->ec < 0 && r != WALK_OK)
			fail_msg("literal %u: expected OK, got %d ec %#x", i, r, w.error_code);
		if (l->ec >= 0 && (r != WALK_FAULT || (int)w.error_code != l->ec))
			fail_msg("literal %u: expected #PF %#x, got %d ec %#x", i, l->ec, r,
				 w.error_code);
	}
}

/* ---- not present, reserved bits -------------------------------------- */

static void not_present_at_each_level(void **state)
{
	const enum paging_mode modes[] = { PAGING_32, PAGING_PAE, PAGING_LONG };
	const uint64_t all[5] = { 0, UW, UW, UW, UW };
	unsigned i;
	(void)state;

	for (i = 0; i < 3; i++) {
		enum paging_mode mode = modes[i];
		int level, top = paging_format(mode)->top;

		for (level = top; level >= 1; level--) {
			uint64_t la = test_la(mode);
			struct walk_ctx c;
			struct walk_result w;

			build(mode, 1, all);
			put_entry(mode, level, la, get_entry(mode, level, la) & ~PTE_P);
			c = ctx_for(mode, true, false, false, false);
			assert_int_equal(walk(&c, la, WALK_WRITE | WALK_USER, &w), WALK_FAULT);
			assert_int_equal(w.error_code, 0x06);
			/* Entries above the hole were not marked accessed. */
			if (level < top && !(mode == PAGING_PAE))
				assert_false(get_entry(mode, top, la) & PTE_A);
		}
	}
}

struct rsvd_case {
	enum paging_mode mode;
	int leaf;       /* page size of the path */
	int level;      /* entry that gets @bit */
	uint64_t bit;
	bool gbpages;
	int expect;     /* 1: RSVD fault, 0: fine */
};

static const struct rsvd_case rsvd_cases[] = {
	/* MAXPHYADDR = 36: bits 51:36 (4-level) / 62:36 (PAE) are reserved */
	{ PAGING_LONG, 1, 4, 1ull << 36, true, 1 },
	{ PAGING_LONG, 1, 1, 1ull << 51, true, 1 },
	{ PAGING_LONG, 1, 1, 1ull << 35, true, 0 },
	{ PAGING_LONG, 1, 1, 1ull << 52, true, 0 },   /* 62:52 ignored in 4-level */
	{ PAGING_LONG, 1, 2, 1ull << 62, true, 0 },
	{ PAGING_PAE, 1, 1, 1ull << 52, true, 1 },     /* ... but reserved in PAE */
	{ PAGING_PAE, 1, 2, 1ull << 62, true, 1 },
	{ PAGING_PAE, 1, 2, 1ull << 36, true, 1 },
	/* PS in a PML4E; PS in a PDPTE without 1-GiB page support */
	{ PAGING_LONG, 1, 4, PTE_PS, true, 1 },
	{ PAGING_LONG, 3, 3, 0, false, 1 },
	{ PAGING_LONG, 3, 3, 0, true, 0 },
	/* large pages: the bits between PAT and the address are reserved */
	{ PAGING_LONG, 3, 3, 1ull << 13, true, 1 },
	{ PAGING_LONG, 3, 3, 1ull << 29, true, 1 },
	{ PAGING_LONG, 3, 3, 1ull << 12, true, 0 },   /* PAT */
	{ PAGING_LONG, 2, 2, 1ull << 20, true, 1 },
	{ PAGING_PAE, 2, 2, 1ull << 13, true, 1 },
	{ PAGING_PAE, 2, 2, 1ull << 12, true, 0 },
	/* ...but not in a 4 KiB PTE (bit 7 is PAT there, bit 13 address) */
	{ PAGING_LONG, 1, 1, 1ull << 13, true, 0 },
	{ PAGING_LONG, 1, 1, PTE_PAT, true, 0 },
	/* ignored bits of table pointers: 11:9 and (4-level) 62:52 */
	{ PAGING_LONG, 1, 3, 7ull << 9, true, 0 },
	{ PAGING_LONG, 1, 4, 1ull << 52, true, 0 },
	/* 32-bit 4 MiB page: bit 21, and PSE-36 bits above MAXPHYADDR (36):
	 * PA bits 39:36 sit in entry bits 20:17 */
	{ PAGING_32, 2, 2, 1ull << 21, true, 1 },
	{ PAGING_32, 2, 2, 1ull << 17, true, 1 },
	{ PAGING_32, 2, 2, 1ull << 16, true, 0 },
	{ PAGING_32, 1, 1, 1ull << 7, true, 0 },      /* a 4 KiB PTE has none */
	{ PAGING_32, 1, 1, 1ull << 21, true, 0 },
	{ PAGING_32, 1, 2, 1ull << 6, true, 0 },       /* ignored in a table PDE */
};

static void reserved_bits(void **state)
{
	unsigned i;
	(void)state;

	for (i = 0; i < sizeof(rsvd_cases) / sizeof(rsvd_cases[0]); i++) {
		const struct rsvd_case *k = &rsvd_cases[i];
		const uint64_t all[5] = { 0, UW, UW, UW, UW };
		uint64_t la = test_la(k->mode);
		struct walk_ctx c;
		struct walk_result w;
		int r;

		build(k->mode, k->leaf, all);
		put_entry(k->mode, k->level, la, get_entry(k->mode, k->level, la) | k->bit);
		c = ctx_for(k->mode, true, false, false, true);
		c.gbpages = k->gbpages;
		r = walk(&c, la, WALK_USER, &w);
		if (k->expect && (r != WALK_FAULT || w.error_code != 0x0d))
			fail_msg("rsvd case %u: expected #PF 0xd, got %d ec %#x", i, r, w.error_code);
		if (!k->expect && r != WALK_OK)
			fail_msg("rsvd case %u: expected OK, got %d ec %#x", i, r, w.error_code);
		if (k->expect)   /* nothing marked accessed */
			assert_false(get_entry(k->mode, paging_format(k->mode)->top, la) & PTE_A &&
				     k->mode != PAGING_PAE);
	}
}

static void pae_pdptes_are_registers(void **state)
{
	const uint64_t all[5] = { 0, UW, UW, UW, UW };
	uint64_t la = test_la(PAGING_PAE), pd[4];
	struct walk_ctx c;
	struct walk_result w;
	(void)state;

	build(PAGING_PAE, 1, all);
	c = ctx_for(PAGING_PAE, true, false, false, false);
	/* Changing the PDPT in memory changes nothing until the next load. */
	put_entry(PAGING_PAE, 3, la, 0);
	assert_int_equal(walk(&c, la, 0, &w), WALK_OK);
	assert_true(walk_load_pdptes(&slots, CR3, 36, pd));
	c.pdpte[0] = pd[0]; c.pdpte[1] = pd[1]; c.pdpte[2] = pd[2]; c.pdpte[3] = pd[3];
	assert_int_equal(walk(&c, la, 0, &w), WALK_FAULT);
	assert_int_equal(w.error_code, 0);
	/* Reserved PDPTE bits make the load itself fail (#GP on MOV CR3). */
	put_entry(PAGING_PAE, 3, la, table_gpa(PAGING_PAE, 2) | PTE_P | PTE_RW);
	assert_false(walk_load_pdptes(&slots, CR3, 36, pd));
	put_entry(PAGING_PAE, 3, la, table_gpa(PAGING_PAE, 2) | PTE_P | PTE_NX);
	assert_false(walk_load_pdptes(&slots, CR3, 36, pd));
	put_entry(PAGING_PAE, 3, la, table_gpa(PAGING_PAE, 2) | PTE_P | (1ull << 36));
	assert_false(walk_load_pdptes(&slots, CR3, 36, pd));
	assert_true(walk_load_pdptes(&slots, CR3, 40, pd));
	/* Not-present PDPTEs may hold anything. */
	put_entry(PAGING_PAE, 3, la, ~1ull);
	assert_true(walk_load_pdptes(&slots, CR3, 36, pd));
	/* CR3 bits 11:5 place the PDPT inside the page. */
	memset(ram + 0x5000, 0, 4096);
	memcpy(ram + 0x5020 + 16, &(uint64_t){ table_gpa(PAGING_PAE, 2) | PTE_P }, 8);
	assert_true(walk_load_pdptes(&slots, 0x5020, 36, pd));
	assert_int_equal(pd[2], table_gpa(PAGING_PAE, 2) | PTE_P);
}

static void pse36_and_pse_off(void **state)
{
	uint64_t bits[5] = { 0, UW, UW, 0, 0 };
	uint64_t la = test_la(PAGING_32);
	struct walk_ctx c;
	struct walk_result w;
	(void)state;

	/* PA[39:32] = entry bits 20:13; 0x5 -> PA bits 32 and 34. */
	build(PAGING_32, 2, bits);
	put_entry(PAGING_32, 2, la, get_entry(PAGING_32, 2, la) | (0x5ull << 13));
	c = ctx_for(PAGING_32, true, false, false, false);
	c.maxphyaddr = 40;
	assert_int_equal(walk(&c, la, 0, &w), WALK_OK);
	assert_int_equal(w.gpa, 0x540000000ull + (la & 0x3fffff));
	assert_int_equal(w.page_size, 4u << 20);
	/* CR4.PSE=0: PS is ignored, the PDE points to a page table. */
	build(PAGING_32, 1, bits);
	put_entry(PAGING_32, 2, la, get_entry(PAGING_32, 2, la) | PTE_PS);
	c.pse = false;
	assert_int_equal(walk(&c, la, 0, &w), WALK_OK);
	assert_int_equal(w.gpa, TARGET + 0x123);
	assert_int_equal(w.leaf_level, 1);
}

static void accessed_dirty_rules(void **state)
{
	const uint64_t all[5] = { 0, UW, UW, UW, UW };
	uint64_t la = test_la(PAGING_LONG);
	struct walk_ctx c;
	struct walk_result w;
	int l;
	(void)state;

	/* Probe walks set nothing. */
	build(PAGING_LONG, 1, all);
	c = ctx_for(PAGING_LONG, true, false, false, true);
	assert_int_equal(walk(&c, la, WALK_WRITE | WALK_NO_AD, &w), WALK_OK);
	for (l = 4; l >= 1; l--)
		assert_false(get_entry(PAGING_LONG, l, la) & (PTE_A | PTE_D));
	assert_false(w.dirty);
	/* A read sets A only; a later write adds D to the leaf only. */
	assert_int_equal(walk(&c, la, 0, &w), WALK_OK);
	assert_int_equal(get_entry(PAGING_LONG, 1, la) & (PTE_A | PTE_D), PTE_A);
	assert_int_equal(walk(&c, la, WALK_WRITE, &w), WALK_OK);
	assert_true(w.dirty);
	assert_int_equal(get_entry(PAGING_LONG, 1, la) & (PTE_A | PTE_D), PTE_A | PTE_D);
	for (l = 4; l >= 2; l--)
		assert_int_equal(get_entry(PAGING_LONG, l, la) & (PTE_A | PTE_D), PTE_A);
	/* A 2 MiB page gets D in its PDE. */
	build(PAGING_LONG, 2, all);
	assert_int_equal(walk(&c, la, WALK_WRITE, &w), WALK_OK);
	assert_true(get_entry(PAGING_LONG, 2, la) & PTE_D);
	assert_false(get_entry(PAGING_LONG, 3, la) & PTE_D);
	/* A write that faults at the leaf sets nothing anywhere. */
	build(PAGING_LONG, 1, (const uint64_t[5]){ 0, U, UW, UW, UW });
	assert_int_equal(walk(&c, la, WALK_WRITE | WALK_USER, &w), WALK_FAULT);
	for (l = 4; l >= 1; l--)
		assert_false(get_entry(PAGING_LONG, l, la) & (PTE_A | PTE_D));
	/* 32-bit entries are 4 bytes: the neighbour entry stays untouched. */
	build(PAGING_32, 1, all);
	c = ctx_for(PAGING_32, true, false, false, false);
	memset(ram + entry_gpa(PAGING_32, 1, test_la(PAGING_32)) + 4, 0xee, 4);
	assert_int_equal(walk(&c, test_la(PAGING_32), WALK_WRITE, &w), WALK_OK);
	assert_int_equal(get_entry(PAGING_32, 1, test_la(PAGING_32)) & 0xfff,
			 PTE_P | UW | PTE_A | PTE_D);
	assert_int_equal(ram[entry_gpa(PAGING_32, 1, test_la(PAGING_32)) + 4], 0xee);
}

static void recursive_mapping_walks(void **state)
{
	/* PML4[0x1ff] points at the PML4 itself: the classic self map. The
	 * walk through it uses the same entry at four levels. */
	uint64_t *pml4 = (uint64_t *)(ram + CR3);
	uint64_t la = 0xfffffffffffff000ull;     /* PML4 -> PML4 -> ... -> PML4 */
	struct walk_ctx c;
	struct walk_result w;
	(void)state;

	memset(ram, 0, 0x10000);
	pml4[0x1ff] = CR3 | PTE_P | PTE_RW;
	c = ctx_for(PAGING_LONG, true, false, false, false);
	assert_int_equal(walk(&c, la, WALK_WRITE, &w), WALK_OK);
	assert_int_equal(w.gpa, CR3);
	assert_int_equal(pml4[0x1ff], CR3 | PTE_P | PTE_RW | PTE_A | PTE_D);
	assert_int_equal(w.table_gfn[4], CR3 >> 12);
	assert_int_equal(w.table_gfn[1], CR3 >> 12);
}

static void odd_addresses(void **state)
{
	const uint64_t all[5] = { 0, UW, UW, UW, UW };
	struct walk_ctx c;
	struct walk_result w;
	uint64_t *pml4 = (uint64_t *)(ram + CR3);
	(void)state;

	build(PAGING_LONG, 1, all);
	c = ctx_for(PAGING_LONG, true, false, false, false);
	assert_int_equal(walk(&c, 0x0000800000000000ull, 0, &w), WALK_GP);
	assert_int_equal(walk(&c, 0xffff7fffffffffffull, 0, &w), WALK_GP);
	/* A table outside RAM reads as all ones: reserved bits, RSVD fault. */
	pml4[0] = 0x7ff000ull * 16 | PTE_P | PTE_RW;   /* past the 8 MiB of RAM */
	assert_int_equal(walk(&c, 0x1000, 0, &w), WALK_FAULT);
	assert_int_equal(w.error_code, PFEC_P | PFEC_RSVD);
	/* 32-bit modes only see the low 32 bits of an address. */
	build(PAGING_32, 1, all);
	c = ctx_for(PAGING_32, true, false, false, false);
	assert_int_equal(walk(&c, test_la(PAGING_32) | (7ull << 32), 0, &w), WALK_OK);
	assert_int_equal(w.gpa, TARGET + 0x123);
	/* Paging off: identity, 32 bits. */
	c.mode = PAGING_NONE;
	assert_int_equal(walk(&c, 0x1234567890ull, WALK_WRITE | WALK_USER, &w), WALK_OK);
	assert_int_equal(w.gpa, 0x34567890ull);
}

static int setup(void **state)
{
	(void)state;
	ram = aligned_alloc(4096, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	memslots_init(&slots);
	assert_int_equal(memslot_add(&slots, 0, RAM_SIZE, FAKE_RAM_HPA, ram, 0), MEMSLOT_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(literal_cases),
		cmocka_unit_test(sweep_32bit_4k),
		cmocka_unit_test(sweep_32bit_4m),
		cmocka_unit_test(sweep_pae_4k),
		cmocka_unit_test(sweep_pae_2m),
		cmocka_unit_test(sweep_long_4k),
		cmocka_unit_test(sweep_long_2m),
		cmocka_unit_test(sweep_long_1g),
		cmocka_unit_test(not_present_at_each_level),
		cmocka_unit_test(reserved_bits),
		cmocka_unit_test(pae_pdptes_are_registers),
		cmocka_unit_test(pse36_and_pse_off),
		cmocka_unit_test(accessed_dirty_rules),
		cmocka_unit_test(recursive_mapping_walks),
		cmocka_unit_test(odd_addresses),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
