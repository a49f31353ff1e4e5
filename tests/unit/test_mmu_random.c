/* mmu/: randomized sequences of guest accesses, guest page-table edits
 * (through the emulator path and through plain stores), INVLPG, CR3
 * switches and CR0/CR4/EFER changes, under a roomy and a tiny shadow pool.
 * After every step the shadow must be exact: whatever the "hardware"
 * allows on the shadow, the guest's own tables allow too, to the same
 * guest-physical page; and no shadow entry ever maps MMIO. */
#include "tests/unit/mmu_guestpt.h"
#include "mmu/shadow.h"
#include <stdio.h>

#define MiB (1ull << 20)
#define RAM (8 * MiB)
#define NSPACES 3
#define NLA 12

struct world {
	struct fake_vm vm;
	struct gpt g[NSPACES];
	struct mmu_guest_state gs[NSPACES];
	struct mmu_guest_state cur;
	uint64_t la[NLA];
	uint64_t targets[24];
	unsigned ntargets;
	uint64_t rng;
	unsigned long checks;
};

/* Writes done by mmu_table_write_fast() (the VMX side's replay of a store
 * that repeats the last emulated page-table write), over all runs. */
static unsigned long fast_writes;

static uint32_t rnd(struct world *w)
{
	w->rng = w->rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(w->rng >> 33);
}

static uint64_t pick_target(struct world *w, int level)
{
	uint64_t span = paging_entry_span(paging_format(w->g[0].mode), level);
	uint64_t t = w->targets[rnd(w) % w->ntargets];

	return t & ~(span - 1);
}

static uint64_t rnd_rights(struct world *w, bool leaf)
{
	uint64_t r = 0;
	unsigned x = rnd(w);

	if (x & 1 || !(x & 8)) r |= PTE_RW;
	if (x & 2 || !(x & 16)) r |= PTE_US;
	if (w->g[0].mode != PAGING_32 && (x & 4) && (x & 32) && (x & 128)) r |= PTE_NX;
	if (leaf && (x & 64)) r |= PTE_D;
	return r;
}

/* Linear addresses that share tables in interesting ways. */
static void choose_addresses(struct world *w)
{
	enum paging_mode mode = w->g[0].mode;
	static const uint64_t base32[] = { 0x00400000, 0x00401000, 0x00800000,
					   0x00a00000, 0x40000000, 0xc0000000 };
	static const uint64_t base64[] = { 0x400000, 0x401000, 0x600000,
					   0x40000000, 0x7f8000000000ull,
					   0xffff800000000000ull };
	unsigned i;

	for (i = 0; i < NLA; i++) {
		uint64_t b = mode == PAGING_LONG ? base64[i % 6] : base32[i % 6];
		if (mode == PAGING_PAE && b == 0xc0000000)
			b = 0x80000000;
		w->la[i] = b + (i / 6) * 0x3000 + (rnd(w) & 0xff8);
	}
}

/* Like gpt_entry(), but gives up (0) where an earlier mapping put a leaf
 * on the way. */
static uint64_t safe_entry(struct world *w, struct gpt *g, uint64_t la, int level)
{
	const struct paging_format *f = paging_format(g->mode);
	uint64_t table = g->mode == PAGING_PAE ? g->cr3 : (g->cr3 & ~0xfffull);
	int l;

	for (l = f->top; l > level; l--) {
		uint64_t ea = table + paging_index(f, l, la) * f->entry_bytes;
		uint64_t e = gpt_get(g, ea);

		if (!(e & PTE_P)) {
			if (g->next + 4096 > g->limit)
				return 0;
			e = gpt_alloc(g) | (g->mode == PAGING_PAE && l == 3 ? PTE_P
						: TBL_ALL | rnd_rights(w, false));
			gpt_set(g, ea, e);
		} else if ((e & PTE_PS) && l <= 3 && !(g->mode == PAGING_PAE && l == 3)) {
			return 0;
		}
		table = gpt_next_table(g, e);
		if (table >= RAM)
			return 0;
	}
	return table + paging_index(f, level, la) * f->entry_bytes;
}

static void build_space(struct world *w, unsigned s)
{
	struct gpt *g = &w->g[s];
	int top = paging_format(g->mode)->top;
	unsigned i;

	for (i = 0; i < NLA; i++) {
		int level = 1 + (int)(rnd(w) % 3);

		if (level > 2 && g->mode != PAGING_LONG)
			level = 2;
		if (level >= top)
			level = 1;
		if (rnd(w) % 4 == 0)
			level = 1;
		uint64_t ea = safe_entry(w, g, w->la[i], level);
		if (!ea || (gpt_get(g, ea) & PTE_P))
			continue;
		gpt_set(g, ea, pick_target(w, level) | PTE_P | rnd_rights(w, true) |
			(level > 1 ? PTE_PS : 0));
	}
	if (!w->gs[s].cr0)
		w->gs[s] = gpt_state(g);
}

static void setup_world(struct world *w, enum paging_mode mode, uint32_t pool,
			uint64_t seed)
{
	unsigned s;

	memset(w, 0, sizeof(*w));
	w->rng = seed;
	fake_hw_nxe_always = seed & 1;   /* both ways the VMX side may run NXE */
	fake_scatter = seed & 2;         /* pool pages in one run, or scattered */
	fake_vm_setup(&w->vm, RAM, pool, pool + 4, 0, false);
	for (s = 0; s < NSPACES; s++)
		gpt_init(&w->g[s], &w->vm, mode, 1 * MiB + s * 0x40000,
			 1 * MiB + (s + 1) * 0x40000);
	/* Targets: plain RAM, MMIO beyond RAM, and the guest's own tables. */
	w->targets[w->ntargets++] = 0x200000;
	w->targets[w->ntargets++] = 0x600000;
	w->targets[w->ntargets++] = 0x7ff000;
	w->targets[w->ntargets++] = RAM;            /* MMIO */
	w->targets[w->ntargets++] = 0xfec00000;     /* MMIO */
	w->targets[w->ntargets++] = 0x3000;
	choose_addresses(w);
	for (s = 0; s < NSPACES; s++) {
		w->targets[w->ntargets++] = w->g[s].cr3 & ~0xfffull;
		w->targets[w->ntargets++] = (w->g[s].cr3 & ~0xfffull) + 0x1000;
		w->targets[w->ntargets++] = (w->g[s].cr3 & ~0xfffull) + 0x2000;
	}
	for (s = 0; s < NSPACES; s++)
		build_space(w, s);
	w->cur = w->gs[0];
	gs_load(&w->vm, &w->cur);
}

static const uint32_t kinds[] = {
	WALK_USER, WALK_USER | WALK_WRITE, WALK_USER | WALK_FETCH,
	0, WALK_WRITE, WALK_FETCH, WALK_AC, WALK_WRITE | WALK_AC,
	WALK_IMPLICIT, WALK_IMPLICIT | WALK_WRITE,
	WALK_IMPLICIT | WALK_AC | ACC_CPL0, WALK_IMPLICIT | WALK_WRITE | WALK_AC | ACC_CPL0,
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* The invariant: the shadow never allows more than the guest's tables. */
static void check_exact(struct world *w)
{
	unsigned i, k;

	for (i = 0; i < NLA; i++) {
		for (k = 0; k < NKINDS; k++) {
			struct walk_result gw;
			uint64_t hpa;
			uint32_t ec;

			uint32_t acc = kinds[k] & ~ACC_CPL0, pf = 0;
			uint64_t gpa = 0;
			int g, t;

			/* the emulator's translation (which may read the shadow)
			 * agrees with the guest's own walk */
			g = walk(&w->vm.mmu.wc, w->la[i], acc | WALK_NO_AD, &gw);
			t = mmu_translate(&w->vm.mmu, w->la[i], acc | MMU_ACC_PROBE, &gpa, &pf);
			if (g == WALK_OK) {
				assert_int_equal(t, MMU_OK);
				assert_int_equal(gpa, gw.gpa);
			} else {
				assert_int_equal(t, MMU_ERR_PF);
				assert_int_equal(pf, gw.error_code);
			}
			if (hw(&w->vm, &w->cur, w->la[i], acc, &hpa, &ec) != WALK_OK)
				continue;
			w->checks++;
			if (walk(&w->vm.mmu.wc, w->la[i], acc | WALK_NO_AD, &gw) != WALK_OK)
				fail_msg("shadow allows la %#llx kind %#x, guest faults %#x",
					 (unsigned long long)w->la[i], kinds[k], gw.error_code);
			assert_int_equal(hpa, FAKE_RAM_HPA + gw.gpa);
			/* a shadow entry is a cached translation: the guest's A is
			 * set (fills, and prefetches that set it first) */
			assert_true(gw.was_accessed);
			if (kinds[k] & WALK_WRITE)
				assert_true(gw.dirty);
		}
	}
}

/* No present leaf entry of any shadow page maps anything but RAM. */
static void check_no_mmio_mapped(struct world *w)
{
	struct mmu *m = &w->vm.mmu;
	uint32_t i;

	for (i = 0; i < m->nsp; i++) {
		struct mmu_sp *sp = sp_get(m, i);
		uint64_t *t;
		unsigned e;

		t = fake_p2v(&w->vm.host, sp->hpa);
		if (!(sp->flags & SP_USED)) {       /* free pages are all zero */
			for (e = 0; e < 512; e++)
				assert_int_equal(t[e], 0);
			continue;
		}
		if (role_level(sp->role) != 1)
			continue;
		for (e = 0; e < 512; e++) {
			if (!(t[e] & PTE_P))
				continue;
			assert_true((t[e] & PTE_ADDR_MASK) >= FAKE_RAM_HPA);
			assert_true((t[e] & PTE_ADDR_MASK) < FAKE_RAM_HPA + RAM);
		}
	}
	assert_int_equal(m->stats.sp_created - m->stats.sp_dropped, m->nsp - m->nfree);
}

/* A plausible new value for an entry at @level (0: unknown, e.g. a data
 * store that lands in a table): flip one bit, clear it, point it at one of
 * the guest's tables, or make it a leaf on one of the targets. */
static uint64_t plausible_entry(struct world *w, uint64_t old, int level)
{
	static const uint64_t bits[] = { PTE_P, PTE_RW, PTE_US, PTE_A, PTE_D,
					 PTE_NX, PTE_PS, PTE_PCD };
	unsigned x = rnd(w) % 8;
	struct gpt *g = &w->g[rnd(w) % NSPACES];

	if (x == 0)
		return 0;
	if (x <= 3)
		return old ^ bits[rnd(w) % (w->g[0].mode == PAGING_32 ? 5 : 8)];
	if (x <= 5 && level != 1) {
		uint64_t base = g->cr3 & ~0xfffull;
		uint64_t t = base + 0x1000 * (rnd(w) % ((g->next - base) / 0x1000));
		return t | PTE_P | PTE_A | rnd_rights(w, false);
	}
	if (level == 0)
		level = 1;
	return pick_target(w, level) | PTE_P | rnd_rights(w, true) |
	       (rnd(w) % 2 ? PTE_A : 0) | (level > 1 ? PTE_PS : 0);
}

/* The emulator finishing an MMU_EMULATE: translate, then write by gpa. */
static void emulate_write(struct world *w, uint64_t la, uint32_t acc)
{
	struct gpt *g = &w->g[0];
	uint64_t gpa, old = 0, v;
	uint32_t pf;
	unsigned eb = gpt_eb(g);

	if (mmu_translate(&w->vm.mmu, la & ~(uint64_t)(eb - 1), acc, &gpa, &pf) != MMU_OK)
		return;
	assert_int_equal(mmu_read_guest(&w->vm.mmu, gpa, &old, eb), MMU_OK);
	v = plausible_entry(w, old, 0);
	assert_int_equal(mmu_write_guest(&w->vm.mmu, gpa, &v, eb), MMU_OK);
}

/* A store exit the MMU may finish itself (mmu_table_write_fast()): if it
 * does, it wrote where the guest's walk leads, and the shadows stay exact
 * (check_exact() after the step). */
static bool fast_table_write(struct world *w, uint64_t la, uint32_t acc)
{
	unsigned eb = gpt_eb(&w->g[0]);
	uint64_t a = la & ~(uint64_t)(eb - 1), hpa, gpa, old = 0, v;
	struct walk_result gw;
	uint32_t ec;

	if (!(acc & WALK_WRITE) || hw(&w->vm, &w->cur, a, acc & ~ACC_CPL0, &hpa, &ec) == WALK_OK ||
	    walk(&w->vm.mmu.wc, a, (acc & ~ACC_CPL0) | WALK_NO_AD, &gw) != WALK_OK ||
	    mmu_read_guest(&w->vm.mmu, gw.gpa, &old, eb) != MMU_OK)
		return false;   /* not a write the MMU could be asked to emulate */
	v = plausible_entry(w, old, 0);
	if (!mmu_table_write_fast(&w->vm.mmu, a, ec, pf_ctx(acc), &v, eb, &gpa))
		return false;
	assert_int_equal(gpa, gw.gpa);
	uint64_t now = 0;
	assert_int_equal(mmu_read_guest(&w->vm.mmu, gpa, &now, eb), MMU_OK);
	assert_int_equal(now, v);
	fast_writes++;
	return true;
}

/* The quick MMIO question (mmu_mmio_fault(), asked first while MMIO is
 * what faults lately) on an access the shadow refuses: when it answers,
 * the guest's walk allows the access, to that gpa, which is no RAM; and
 * the full path (gpt_access() after it) says MMIO at the same gpa. */
static unsigned long quick_mmio_answers, quick_mmio_asked;

static void quick_mmio(struct world *w, uint64_t la, uint32_t acc)
{
	uint32_t a = acc & ~ACC_CPL0, ec;
	uint64_t hpa, gpa;
	struct walk_result gw;
	struct mmu_fault out;

	if (hw(&w->vm, &w->cur, la, a, &hpa, &ec) == WALK_OK)
		return;   /* no exit */
	quick_mmio_asked++;
	if (!mmu_mmio_fault(&w->vm.mmu, la, ec, pf_ctx(acc), &gpa))
		return;
	quick_mmio_answers++;
	assert_int_equal(walk(&w->vm.mmu.wc, la, a | WALK_NO_AD, &gw), WALK_OK);
	assert_int_equal(gpa, gw.gpa);
	assert_true(gpa >= RAM);
	assert_int_equal(gpt_access(&w->vm, &w->cur, la, acc, &out), MMU_MMIO);
	assert_int_equal(out.gpa, gpa);
}

static void step_access(struct world *w)
{
	uint64_t la = w->la[rnd(w) % NLA];
	uint32_t acc = kinds[rnd(w) % NKINDS];
	struct mmu_fault out;
	enum mmu_outcome o;

	if (rnd(w) % 2 && fast_table_write(w, la, acc))
		return;
	if (rnd(w) % 2)
		quick_mmio(w, la, acc);
	o = gpt_access(&w->vm, &w->cur, la, acc, &out);
	acc &= ~ACC_CPL0;

	if (o == MMU_FIXED && (acc & WALK_WRITE) && rnd(w) % 2) {
		/* A plain store through the shadow, as the CPU would do it. */
		uint64_t hpa;
		uint32_t ec;
		unsigned eb = gpt_eb(&w->g[0]);

		assert_int_equal(hw(&w->vm, &w->cur, la, acc, &hpa, &ec), WALK_OK);
		hpa &= ~(uint64_t)(eb - 1);
		uint64_t old = 0, v;
		memcpy(&old, w->vm.ram + (hpa - FAKE_RAM_HPA), eb);
		v = plausible_entry(w, old, 0);
		memcpy(w->vm.ram + (hpa - FAKE_RAM_HPA), &v, eb);
	} else if (o == MMU_EMULATE) {
		emulate_write(w, la, acc);
		/* The same store instruction again, on entries of the same page
		 * (an OS filling a table): the MMU's memo may finish them. */
		for (unsigned k = 0; k < 3 && rnd(w) % 4; k++) {
			check_exact(w);
			fast_table_write(w, (la & ~0xfffull) | ((la + 8 * (rnd(w) % 4)) & 0xfffull), acc);
		}
	} else {
		assert_true(o == MMU_FIXED || o == MMU_INJECT_PF || o == MMU_MMIO);
	}
}

static void step_edit_table(struct world *w)
{
	unsigned s = rnd(w) % NSPACES, i = rnd(w) % NLA;
	struct gpt *g = &w->g[s];
	int top = paging_format(g->mode)->top;
	int level = 1 + (int)(rnd(w) % (unsigned)top);
	const struct paging_format *f = paging_format(g->mode);
	uint64_t table = g->mode == PAGING_PAE ? g->cr3 : (g->cr3 & ~0xfffull);
	int l;

	/* Follow the path down to @level, through present table entries. */
	for (l = top; l > level; l--) {
		uint64_t e = gpt_get(g, table + paging_index(f, l, w->la[i]) * f->entry_bytes);
		if (!(e & PTE_P) || (l <= 3 && (e & PTE_PS) && !(g->mode == PAGING_PAE && l == 3)))
			return;
		table = gpt_next_table(g, e);
		if (table >= RAM)
			return;
	}
	uint64_t ea = table + paging_index(f, level, w->la[i]) * f->entry_bytes;
	if (g->mode == PAGING_PAE && level == 3)
		return;      /* PDPTEs: only at CR3 load, kept valid */
	uint64_t v = plausible_entry(w, gpt_get(g, ea), level);
	assert_int_equal(mmu_write_guest(&w->vm.mmu, ea, &v, f->entry_bytes), MMU_OK);
}

static void step_context(struct world *w)
{
	unsigned s = rnd(w) % NSPACES, x = rnd(w);
	struct mmu_guest_state gs = w->gs[s];
	uint64_t cr3;

	if ((x & 3) == 0) gs.cr0 &= ~CR0_WP;
	if ((x & 12) == 0) gs.cr4 |= CR4_SMEP;
	if ((x & 48) == 0) gs.cr4 |= CR4_SMAP;
	if ((x & 192) == 0) gs.efer &= ~EFER_NXE;
	if (mmu_load_context(&w->vm.mmu, &gs, &cr3) == MMU_OK)
		w->cur = gs;
}

static void run(enum paging_mode mode, uint32_t pool, uint64_t seed, unsigned steps)
{
	struct world *w = calloc(1, sizeof(*w));
	unsigned n;

	setup_world(w, mode, pool, seed);
	assert_true((w->vm.mmu.linear_hpa != 0) == !fake_scatter ||
		    (w->vm.host.low.npages % 7) == 0);
	for (n = 0; n < steps; n++) {
		unsigned x = rnd(w) % 100;

		if (x < 4)
			build_space(w, rnd(w) % NSPACES);   /* the guest repairs a space */
		else if (x < 70)
			step_access(w);
		else if (x < 85)
			step_edit_table(w);
		else if (x < 92)
			mmu_invlpg(&w->vm.mmu, w->la[rnd(w) % NLA]);
		else
			step_context(w);
		check_exact(w);
		if (n % 64 == 0)
			check_no_mmio_mapped(w);
	}
	check_no_mmio_mapped(w);
	if (getenv("MMU_RANDOM_VERBOSE")) {
		char line[512];
		mmu_counters_format(&w->vm.mmu, line, sizeof(line));
		fprintf(stderr, "mode %d pool %u seed %llu: checks=%lu %s\n", mode, pool,
			(unsigned long long)seed, w->checks, line);
	}
	assert_true(w->checks > 0);
	assert_true(w->vm.mmu.stats.fills > 0);
	if (pool < 40)
		assert_true(w->vm.mmu.stats.sp_reclaimed > 0);
	fake_vm_teardown(&w->vm);
	free(w);
}

#define SEEDS 20
static void random_32bit(void **s)      { (void)s; for (uint64_t i = 1; i <= SEEDS; i++) run(PAGING_32, 256, i, 1500); }
static void random_pae(void **s)        { (void)s; for (uint64_t i = 1; i <= SEEDS; i++) run(PAGING_PAE, 256, i, 1500); }
static void random_long(void **s)       { (void)s; for (uint64_t i = 1; i <= SEEDS; i++) run(PAGING_LONG, 256, i, 1500); }
static void random_32bit_tiny(void **s) { (void)s; for (uint64_t i = 1; i <= SEEDS; i++) run(PAGING_32, 14, 100 + i, 1500); }
static void random_pae_tiny(void **s)   { (void)s; for (uint64_t i = 1; i <= SEEDS; i++) run(PAGING_PAE, 14, 100 + i, 1500); }
static void random_long_tiny(void **s)  { (void)s; for (uint64_t i = 1; i <= SEEDS; i++) run(PAGING_LONG, 16, 100 + i, 1500); }

/* The runs above took the fast page-table write often enough to count. */
static void fast_writes_were_checked(void **s)
{
	(void)s;
	printf("# %lu page-table writes through mmu_table_write_fast()\n", fast_writes);
	assert_true(fast_writes > 200);
	printf("# %lu of %lu exits answered MMIO by mmu_mmio_fault()\n", quick_mmio_answers, quick_mmio_asked);
	assert_true(quick_mmio_answers > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_32bit),
		cmocka_unit_test(random_pae),
		cmocka_unit_test(random_long),
		cmocka_unit_test(random_32bit_tiny),
		cmocka_unit_test(random_pae_tiny),
		cmocka_unit_test(random_long_tiny),
		cmocka_unit_test(fast_writes_were_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
