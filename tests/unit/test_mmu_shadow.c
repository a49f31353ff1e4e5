/* mmu/: the shadow MMU for paging guests, against guest tables built in
 * fake RAM. "Hardware" runs each access on the shadow (mmu_fake.h); every
 * #PF goes through mmu_page_fault() like on a real exit. */
#include "tests/unit/mmu_guestpt.h"
#include "mmu/shadow.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define RAM (16 * MiB)
#define TBL_BASE (1 * MiB)
#define TBL_END  (2 * MiB)

static struct fake_vm vm;

static int setup(void **state)
{
	(void)state;
	fake_vm_setup(&vm, RAM, 256, 256, 64, false);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_vm_teardown(&vm);
	return 0;
}

static uint64_t leaf_of(uint64_t la, const struct mmu_guest_state *gs)
{
	return fake_shadow_leaf(&vm, vm.mmu.root_hpa, gs_long(gs), la);
}

/* ---- fills in every mode and page size ---- */

struct size_case { enum paging_mode mode; int level; uint64_t la, gpa; };
static const struct size_case sizes[] = {
	{ PAGING_32,   1, 0x00403123, 0x00805000 },
	{ PAGING_32,   2, 0x00c01234, 0x00400000 },     /* 4 MiB */
	{ PAGING_PAE,  1, 0xc0403123, 0x00805000 },
	{ PAGING_PAE,  2, 0x80201234, 0x00600000 },     /* 2 MiB */
	{ PAGING_LONG, 1, 0xffff800000403123ull, 0x00805000 },
	{ PAGING_LONG, 2, 0x00007f0000201234ull, 0x00600000 },
	{ PAGING_LONG, 3, 0x0000004000301234ull, 0x00000000 },  /* 1 GiB */
};

static void fills_every_mode_and_size(void **state)
{
	unsigned i;
	(void)state;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const struct size_case *k = &sizes[i];
		uint64_t span = paging_entry_span(paging_format(k->mode), k->level);
		uint64_t off, page = k->la & ~(span - 1);
		struct mmu_guest_state gs;
		struct mmu_fault out;
		struct gpt g;

		gpt_init(&g, &vm, k->mode, TBL_BASE, TBL_END);
		gpt_map(&g, page, k->gpa, k->level, PTE_RW | PTE_US, TBL_ALL);
		gs = gpt_state(&g);
		gs_load(&vm, &gs);
		/* first, last and a middle 4 KiB frame of the page */
		for (off = 0; off < span; off += span > 4096 ? span / 2 - 4096 : 4096) {
			uint64_t la = page + off;

			if (k->gpa + off >= RAM)
				break;
			assert_int_equal(gpt_access(&vm, &gs, la, WALK_USER, &out), MMU_FIXED);
			assert_int_equal(gpt_access(&vm, &gs, la + 8, WALK_WRITE, &out), MMU_FIXED);
			assert_int_equal(leaf_of(la, &gs) & PTE_ADDR_MASK,
					 FAKE_RAM_HPA + k->gpa + off);
		}
	}
}

static void read_fill_is_read_only_until_dirty(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t la = 0x400000, pte;
	(void)state;

	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	gpt_map(&g, la, 0x800000, 1, PTE_RW, TBL_ALL);
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	pte = gpt_entry(&g, la, 1, 0);
	assert_int_equal(gpt_access(&vm, &gs, la, 0, &out), MMU_FIXED);
	assert_int_equal(gpt_get(&g, pte) & (PTE_A | PTE_D), PTE_A);
	assert_false(leaf_of(la, &gs) & PTE_RW);   /* guest D=0: catch the first write */
	assert_int_equal(vm.mmu.stats.fills, 1);
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_WRITE, &out), MMU_FIXED);
	assert_int_equal(gpt_get(&g, pte) & (PTE_A | PTE_D), PTE_A | PTE_D);
	assert_true(leaf_of(la, &gs) & PTE_RW);
	assert_int_equal(vm.mmu.stats.fills, 2);
	/* A/D in the upper levels: A only. */
	assert_int_equal(gpt_get(&g, gpt_entry(&g, la, 2, 0)) & (PTE_A | PTE_D), PTE_A);
}

static void fill_prefetches_neighbours_the_guest_allows(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t la = 0x400000;
	unsigned i;
	(void)state;

	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	for (i = 0; i < 20; i++)
		gpt_map(&g, la + i * 4096, 0x800000 + i * 4096, 1, PTE_RW | PTE_US, TBL_ALL);
	/* neighbours: 1 accessed+dirty, 2 accessed, 3 not accessed,
	 * 4 accessed but MMIO, 5 accessed supervisor-only, 17 outside the block */
	/* the faulting PTE itself was accessed before: the guest pre-sets A */
	gpt_set(&g, gpt_entry(&g, la, 1, 0), 0x800000 | PTE_P | PTE_RW | PTE_US | PTE_A);
	gpt_set(&g, gpt_entry(&g, la + 1 * 4096, 1, 0), 0x801000 | PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D);
	gpt_set(&g, gpt_entry(&g, la + 2 * 4096, 1, 0), 0x802000 | PTE_P | PTE_RW | PTE_US | PTE_A);
	gpt_set(&g, gpt_entry(&g, la + 4 * 4096, 1, 0), 0xfee00000 | PTE_P | PTE_RW | PTE_A | PTE_D);
	gpt_set(&g, gpt_entry(&g, la + 5 * 4096, 1, 0), 0x805000 | PTE_P | PTE_RW | PTE_A | PTE_D);
	gpt_set(&g, gpt_entry(&g, la + 17 * 4096, 1, 0), 0x811000 | PTE_P | PTE_RW | PTE_A | PTE_D);
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_USER, &out), MMU_FIXED);
	assert_int_equal(leaf_of(la + 4096, &gs) & (PTE_ADDR_MASK | PTE_P | PTE_RW | PTE_US),
			 (FAKE_RAM_HPA + 0x801000) | PTE_P | PTE_RW | PTE_US);
	assert_int_equal(leaf_of(la + 2 * 4096, &gs) & (PTE_P | PTE_RW | PTE_US), PTE_P | PTE_US);
	/* not accessed: mapped too, read-only, and the guest's A set as a CPU
	 * caching a speculative translation sets it (SDM 4.10.2.3); D stays
	 * clear until a real write */
	assert_int_equal(leaf_of(la + 3 * 4096, &gs) & (PTE_ADDR_MASK | PTE_P | PTE_RW | PTE_US),
			 (FAKE_RAM_HPA + 0x803000) | PTE_P | PTE_US);
	assert_int_equal(gpt_get(&g, gpt_entry(&g, la + 3 * 4096, 1, 0)) & (PTE_A | PTE_D), PTE_A);
	assert_int_equal(leaf_of(la + 4 * 4096, &gs), 0);    /* MMIO: never */
	assert_int_equal(leaf_of(la + 5 * 4096, &gs) & (PTE_P | PTE_RW | PTE_US), PTE_P | PTE_RW);
	assert_int_equal(leaf_of(la + 17 * 4096, &gs), 0);
	/* outside the block nothing was touched */
	assert_int_equal(gpt_get(&g, gpt_entry(&g, la + 18 * 4096, 1, 0)) & PTE_A, 0);
	/* 1, 2, 3, 5 and 6..15 */
	assert_int_equal(vm.mmu.stats.prefetches, 14);
	/* nothing the guest forbids became possible */
	assert_int_equal(gpt_access(&vm, &gs, la + 5 * 4096, WALK_USER, &out), MMU_INJECT_PF);
	assert_int_equal(gpt_access(&vm, &gs, la + 2 * 4096, WALK_USER | WALK_WRITE, &out), MMU_FIXED);
	assert_true(gpt_get(&g, gpt_entry(&g, la + 2 * 4096, 1, 0)) & PTE_D);
	assert_int_equal(gpt_access(&vm, &gs, la + 3 * 4096, WALK_USER | WALK_WRITE, &out), MMU_FIXED);
	assert_true(gpt_get(&g, gpt_entry(&g, la + 3 * 4096, 1, 0)) & PTE_D);
	/* a not-present neighbour stays unmapped and untouched */
	gpt_map(&g, 0x500000, 0x900000, 1, PTE_RW | PTE_US, TBL_ALL);
	gpt_set(&g, gpt_entry(&g, 0x501000, 1, TBL_ALL), 0x901000 | PTE_RW | PTE_US);
	assert_int_equal(gpt_access(&vm, &gs, 0x500000, WALK_USER, &out), MMU_FIXED);
	assert_int_equal(leaf_of(0x501000, &gs), 0);
	assert_int_equal(gpt_get(&g, gpt_entry(&g, 0x501000, 1, 0)), 0x901000 | PTE_RW | PTE_US);
	/* a 2 MiB page: the whole aligned block of 16 frames comes at once */
	gpt_map(&g, 0x40000000, 0x600000, 2, PTE_RW | PTE_A | PTE_D, TBL_ALL);
	assert_int_equal(gpt_access(&vm, &gs, 0x40005000, WALK_WRITE, &out), MMU_FIXED);
	for (i = 0; i < 16; i++)
		assert_int_equal(leaf_of(0x40000000 + i * 4096, &gs) & (PTE_ADDR_MASK | PTE_RW),
				 (FAKE_RAM_HPA + 0x600000 + i * 4096) | PTE_RW);
	assert_int_equal(leaf_of(0x40010000, &gs), 0);
}

static void guest_faults_are_reflected_untouched(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t la = 0x400000, pde;
	(void)state;

	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	gpt_map(&g, la, 0x800000, 1, PTE_US, TBL_ALL);       /* read-only user page */
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_USER | WALK_WRITE, &out), MMU_INJECT_PF);
	assert_int_equal(out.error_code, PFEC_P | PFEC_W | PFEC_U);
	assert_int_equal(out.cr2, la);
	pde = gpt_entry(&g, la, 2, 0);
	assert_false(gpt_get(&g, pde) & PTE_A);    /* the faulting walk set nothing */
	assert_int_equal(leaf_of(la, &gs), 0);     /* and filled nothing */
	assert_int_equal(gpt_access(&vm, &gs, la + 0x1000, 0, &out), MMU_INJECT_PF);
	assert_int_equal(out.error_code, 0);
	assert_int_equal(vm.mmu.stats.guest_faults, 2);
}

/* ---- write protection of guest tables ---- */

static void table_writes_are_emulated_and_tracked(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t la = 0x400000, alias = 0x600000, pte, pt;
	uint64_t newpte;
	(void)state;

	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	gpt_map(&g, la, 0x800000, 1, PTE_RW | PTE_D, TBL_ALL);
	pte = gpt_entry(&g, la, 1, 0);
	pt = pte & ~0xfffull;
	gpt_map(&g, alias, pt, 1, PTE_RW | PTE_D, TBL_ALL);   /* the PT, mapped as data */
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_WRITE, &out), MMU_FIXED);
	/* Reading the table through the alias is fine; writing it exits. */
	assert_int_equal(gpt_access(&vm, &gs, alias + (pte & 0xfff), 0, &out), MMU_FIXED);
	assert_false(leaf_of(alias, &gs) & PTE_RW);
	assert_int_equal(gpt_access(&vm, &gs, alias + (pte & 0xfff), WALK_WRITE, &out),
			 MMU_EMULATE);
	assert_int_equal(out.gpa, pte);
	assert_false(leaf_of(alias, &gs) & PTE_RW);
	/* The emulator's write moves the page: the old shadow entry is gone. */
	newpte = 0x900000 | PTE_P | PTE_RW;
	assert_int_equal(mmu_write_guest(&vm.mmu, pte, &newpte, 8), MMU_OK);
	assert_int_equal(gpt_get(&g, pte), newpte);
	assert_int_equal(leaf_of(la, &gs), 0);
	assert_int_equal(vm.mmu.stats.pt_writes, 1);
	assert_int_equal(gpt_access(&vm, &gs, la, 0, &out), MMU_FIXED);
	assert_int_equal(leaf_of(la, &gs) & PTE_ADDR_MASK, FAKE_RAM_HPA + 0x900000);
	/* A partial (4-byte) write to the high half of the entry counts too:
	 * the shadow entry is made again from the whole entry (A is set now). */
	assert_int_equal(mmu_write_guest(&vm.mmu, pte + 4, "\0\0\0\x80", 4), MMU_OK);
	assert_int_equal(leaf_of(la, &gs) & (PTE_ADDR_MASK | PTE_NX | PTE_P),
			 (FAKE_RAM_HPA + 0x900000) | PTE_NX | PTE_P);
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_FETCH, &out), MMU_INJECT_PF);
	assert_int_equal(out.error_code, PFEC_P | PFEC_I);   /* XD now */
	/* So does one to the low half: the new frame, still XD. */
	uint32_t lo = 0xa00000 | PTE_P | PTE_A;
	assert_int_equal(mmu_write_guest(&vm.mmu, pte, &lo, 4), MMU_OK);
	assert_int_equal(leaf_of(la, &gs) & (PTE_ADDR_MASK | PTE_NX | PTE_RW | PTE_P),
			 (FAKE_RAM_HPA + 0xa00000) | PTE_NX | PTE_P);
	lo = 0;
	assert_int_equal(mmu_write_guest(&vm.mmu, pte, &lo, 4), MMU_OK);
	assert_int_equal(leaf_of(la, &gs), 0);
	assert_int_equal(vm.mmu.stats.pt_writes, 4);
}

/* A write exit through the same guest PTE as the last one emulated is
 * answered from memory (mmu->ptw) only while that answer is still the
 * true one: the PTE unchanged, the path above it unchanged, the target
 * still a shadowed table. */
static void repeated_table_writes_stay_exact(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t la = 0x400000, alias = 0x600000, pte, pt, apte, apde, v, emul;
	unsigned k;
	(void)state;

	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	gpt_map(&g, la, 0x800000, 1, PTE_RW | PTE_A, TBL_ALL);
	gpt_map(&g, la + 0x1000, 0x801000, 1, PTE_RW | PTE_A, TBL_ALL);
	pte = gpt_entry(&g, la, 1, 0);
	pt = pte & ~0xfffull;
	gpt_map(&g, alias, pt, 1, PTE_RW, TBL_ALL);   /* the PT, as data */
	apte = gpt_entry(&g, alias, 1, 0);
	apde = gpt_entry(&g, alias, 2, 0);
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, la, 0, &out), MMU_FIXED);
	for (k = 0; k < 3; k++) {
		emul = vm.mmu.stats.emulate_exits;
		assert_int_equal(gpt_access(&vm, &gs, alias + 8 * k, WALK_WRITE, &out),
				 MMU_EMULATE);
		assert_int_equal(out.gpa, pt + 8 * k);
		assert_int_equal(vm.mmu.stats.emulate_exits, emul + 1);
		assert_true(gpt_get(&g, apte) & PTE_D);
	}
	/* the alias PTE becomes read-only: the write is the guest's fault */
	v = gpt_get(&g, apte) & ~PTE_RW;
	assert_int_equal(mmu_write_guest(&vm.mmu, apte, &v, 8), MMU_OK);
	assert_int_equal(gpt_access(&vm, &gs, alias, WALK_WRITE, &out), MMU_INJECT_PF);
	assert_int_equal(out.error_code, PFEC_P | PFEC_W);
	/* writable again, but D clear: emulated, and D set again */
	v |= PTE_RW;
	v &= ~PTE_D;
	assert_int_equal(mmu_write_guest(&vm.mmu, apte, &v, 8), MMU_OK);
	assert_int_equal(gpt_access(&vm, &gs, alias, WALK_WRITE, &out), MMU_EMULATE);
	assert_true(gpt_get(&g, apte) & PTE_D);
	/* the alias now names another frame (no table): a plain write */
	v = gpt_get(&g, apte);
	v = (v & ~PTE_ADDR_MASK) | 0x900000;
	assert_int_equal(mmu_write_guest(&vm.mmu, apte, &v, 8), MMU_OK);
	assert_int_equal(gpt_access(&vm, &gs, alias, WALK_WRITE, &out), MMU_FIXED);
	v = (v & ~PTE_ADDR_MASK) | pt;
	assert_int_equal(mmu_write_guest(&vm.mmu, apte, &v, 8), MMU_OK);
	assert_int_equal(gpt_access(&vm, &gs, alias, WALK_WRITE, &out), MMU_EMULATE);
	/* the PDE above the alias loses RW: the guest's fault */
	v = gpt_get(&g, apde) & ~PTE_RW;
	assert_int_equal(mmu_write_guest(&vm.mmu, apde, &v, 8), MMU_OK);
	assert_int_equal(gpt_access(&vm, &gs, alias, WALK_WRITE, &out), MMU_INJECT_PF);
	v |= PTE_RW;
	assert_int_equal(mmu_write_guest(&vm.mmu, apde, &v, 8), MMU_OK);
	assert_int_equal(gpt_access(&vm, &gs, alias, WALK_WRITE, &out), MMU_EMULATE);
	/* during event delivery it is never emulated: the table is unshadowed */
	emul = vm.mmu.stats.emulate_exits;
	assert_int_equal(mmu_page_fault(&vm.mmu, alias, PFEC_P | PFEC_W, MMU_PF_EVENT, &out),
			 MMU_FIXED);
	assert_int_equal(vm.mmu.stats.emulate_exits, emul);
	assert_true(leaf_of(alias, &gs) & PTE_RW);
	/* shadowed again by the next use of la; then written without use
	 * until it is unshadowed: from then on the write goes through */
	assert_int_equal(gpt_access(&vm, &gs, la, 0, &out), MMU_FIXED);
	assert_false(leaf_of(alias, &gs) & PTE_RW);
	for (k = 0; k < 4; k++) {   /* SP_FLOOD_WRITES */
		assert_int_equal(gpt_access(&vm, &gs, alias + 0x800, WALK_WRITE, &out),
				 MMU_EMULATE);
		v = 0;
		assert_int_equal(mmu_write_guest(&vm.mmu, out.gpa, &v, 8), MMU_OK);
	}
	assert_int_equal(gpt_access(&vm, &gs, alias + 0x800, WALK_WRITE, &out), MMU_FIXED);
	assert_true(leaf_of(alias, &gs) & PTE_RW);
}

static void pte_writes_prefetch_what_the_cpu_could_use(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t la = 0x400000, pte, v, fills;
	uint32_t v32;
	(void)state;

	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	gpt_map(&g, la, 0x800000, 1, PTE_RW | PTE_US, TBL_ALL);
	pte = gpt_entry(&g, la, 1, 0);
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_USER, &out), MMU_FIXED);
	/* accessed and dirty: mapped writable at once, no exit needed */
	v = 0x900000 | PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D;
	assert_int_equal(mmu_write_guest(&vm.mmu, pte, &v, 8), MMU_OK);
	assert_int_equal(leaf_of(la, &gs) & (PTE_ADDR_MASK | PTE_RW | PTE_US | PTE_P),
			 (FAKE_RAM_HPA + 0x900000) | PTE_RW | PTE_US | PTE_P);
	fills = vm.mmu.stats.fills;
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_USER | WALK_WRITE, &out), MMU_FIXED);
	assert_int_equal(vm.mmu.stats.fills, fills);
	assert_int_equal(vm.mmu.stats.prefetches, 1);
	/* accessed, not dirty: read-only until the first write */
	v = 0x900000 | PTE_P | PTE_RW | PTE_US | PTE_A;
	assert_int_equal(mmu_write_guest(&vm.mmu, pte, &v, 8), MMU_OK);
	assert_int_equal(leaf_of(la, &gs) & (PTE_RW | PTE_P), PTE_P);
	/* a PTE pointing at a guest table: prefetched read-only */
	v = (pte & ~0xfffull) | PTE_P | PTE_RW | PTE_A | PTE_D;
	assert_int_equal(mmu_write_guest(&vm.mmu, pte, &v, 8), MMU_OK);
	assert_int_equal(leaf_of(la, &gs) & (PTE_RW | PTE_P), PTE_P);
	assert_int_equal(vm.mmu.stats.prefetches, 3);
	/* not accessed: the CPU must set A first, so no prefetch */
	v = 0x900000 | PTE_P | PTE_RW | PTE_US;
	assert_int_equal(mmu_write_guest(&vm.mmu, pte, &v, 8), MMU_OK);
	assert_int_equal(leaf_of(la, &gs), 0);
	/* MMIO, reserved bits, half an entry: nothing */
	v = 0xfee00000 | PTE_P | PTE_RW | PTE_A | PTE_D;
	assert_int_equal(mmu_write_guest(&vm.mmu, pte, &v, 8), MMU_OK);
	assert_int_equal(leaf_of(la, &gs), 0);
	v = (1ull << 40) | 0x900000 | PTE_P | PTE_A;
	assert_int_equal(mmu_write_guest(&vm.mmu, pte, &v, 8), MMU_OK);
	assert_int_equal(leaf_of(la, &gs), 0);
	v32 = 0x900000 | PTE_P | PTE_A;
	assert_int_equal(mmu_write_guest(&vm.mmu, pte, &v32, 4), MMU_OK);
	assert_int_equal(leaf_of(la, &gs), 0);
	assert_int_equal(gpt_access(&vm, &gs, la, 0, &out), MMU_INJECT_PF);
	assert_int_equal(out.error_code, PFEC_P | PFEC_RSVD);   /* bit 40 stayed */
	/* four writes that installed nothing: the frame is no longer shadowed */
	assert_int_equal(vm.mmu.stats.prefetches, 3);
	assert_int_equal(vm.mmu.stats.unshadowed, 1);
}

static void new_table_write_protects_old_mappings(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t data = 0x400000, frame = 0x700000, pde;
	(void)state;

	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	gpt_map(&g, data, frame, 1, PTE_RW | PTE_D, TBL_ALL);   /* a data page... */
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, data, WALK_WRITE, &out), MMU_FIXED);
	assert_true(leaf_of(data, &gs) & PTE_RW);
	memset(vm.ram + frame, 0, 4096);
	/* ...becomes the page table for 0x40000000 (written through the PD). */
	pde = gpt_entry(&g, 0x40000000, 2, TBL_ALL);
	uint64_t v = frame | TBL_ALL;
	assert_int_equal(mmu_write_guest(&vm.mmu, pde, &v, 8), MMU_OK);
	v = 0x800000 | PTE_P | PTE_RW;
	assert_int_equal(mmu_write_guest(&vm.mmu, frame, &v, 8), MMU_OK);
	assert_int_equal(gpt_access(&vm, &gs, 0x40000000, 0, &out), MMU_FIXED);
	/* Now the data mapping of that frame must be read-only. */
	assert_false(leaf_of(data, &gs) & PTE_RW);
	assert_int_equal(gpt_access(&vm, &gs, data + 8, WALK_WRITE, &out), MMU_EMULATE);
	assert_int_equal(out.gpa, frame + 8);
}

static void event_delivery_unshadows_instead_of_emulating(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t la = 0x400000, alias = 0x600000, pt;
	uint64_t hpa;
	uint32_t ec;
	(void)state;

	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	gpt_map(&g, la, 0x800000, 1, PTE_RW, TBL_ALL);
	pt = gpt_entry(&g, la, 1, 0) & ~0xfffull;
	gpt_map(&g, alias, pt, 1, PTE_RW, TBL_ALL);     /* "the stack is a page table" */
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, la, 0, &out), MMU_FIXED);
	assert_int_equal(hw(&vm, &gs, alias, WALK_WRITE, &hpa, &ec), WALK_FAULT);
	assert_int_equal(mmu_page_fault(&vm.mmu, alias, ec, MMU_PF_EVENT, &out), MMU_FIXED);
	assert_int_equal(hw(&vm, &gs, alias, WALK_WRITE, &hpa, &ec), WALK_OK);
	assert_int_equal(hpa, FAKE_RAM_HPA + pt);
	assert_int_equal(leaf_of(la, &gs), 0);    /* the PT's shadow went away */
	assert_true(vm.mmu.stats.unshadowed > 0);
	/* and comes back on the next use, write-protecting the alias again */
	assert_int_equal(gpt_access(&vm, &gs, la, 0, &out), MMU_FIXED);
	assert_false(leaf_of(alias, &gs) & PTE_RW);
}

static void write_flood_unshadows(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t la = 0x400000, pt, zero = 0;
	unsigned i;
	(void)state;

	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	gpt_map(&g, la, 0x800000, 1, PTE_RW, TBL_ALL);
	pt = gpt_entry(&g, la, 1, 0) & ~0xfffull;
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, la, 0, &out), MMU_FIXED);
	for (i = 0; i < 8; i++)      /* the guest recycles the frame as data */
		assert_int_equal(mmu_write_guest(&vm.mmu, pt + 512 + 8 * i, &zero, 8), MMU_OK);
	assert_int_equal(vm.mmu.stats.pt_writes, 4);   /* then it stopped being a table */
	assert_int_equal(vm.mmu.stats.unshadowed, 1);
}

/* ---- CR3 switches and roles ---- */

static void cr3_switch_reuses_roots(void **state)
{
	struct gpt a, b;
	struct mmu_guest_state ga, gb;
	struct mmu_fault out;
	uint64_t ra, rb, fills;
	(void)state;

	gpt_init(&a, &vm, PAGING_LONG, TBL_BASE, TBL_BASE + 64 * 4096);
	gpt_init(&b, &vm, PAGING_LONG, TBL_BASE + 64 * 4096, TBL_END);
	gpt_map(&a, 0x400000, 0x800000, 1, PTE_RW | PTE_US, TBL_ALL);
	gpt_map(&b, 0x400000, 0x900000, 1, PTE_RW | PTE_US, TBL_ALL);
	ga = gpt_state(&a);
	gb = gpt_state(&b);
	ra = gs_load(&vm, &ga);
	assert_int_equal(gpt_access(&vm, &ga, 0x400000, WALK_USER, &out), MMU_FIXED);
	rb = gs_load(&vm, &gb);
	assert_int_not_equal(ra, rb);
	assert_int_equal(gpt_access(&vm, &gb, 0x400000, WALK_USER, &out), MMU_FIXED);
	assert_int_equal(leaf_of(0x400000, &gb) & PTE_ADDR_MASK, FAKE_RAM_HPA + 0x900000);
	fills = vm.mmu.stats.fills;
	assert_int_equal(gs_load(&vm, &ga), ra);
	assert_int_equal(gpt_access(&vm, &ga, 0x400000, WALK_USER, &out), MMU_FIXED);
	assert_int_equal(vm.mmu.stats.fills, fills);    /* nothing to refill */
	assert_int_equal(leaf_of(0x400000, &ga) & PTE_ADDR_MASK, FAKE_RAM_HPA + 0x800000);
	assert_int_equal(vm.mmu.stats.cr3_rebuilt, 2);
	assert_int_equal(vm.mmu.stats.cr3_reused, 1);
	/* CR4.PGE toggles and CR3 reloads of the same tables keep the root. */
	ga.cr4 |= CR4_PGE;
	assert_int_equal(gs_load(&vm, &ga), ra);
}

static void roles_split_on_wp_nxe_smep_smap(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs, v;
	uint64_t roots[5];
	unsigned i, j;
	(void)state;

	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	gpt_map(&g, 0x400000, 0x800000, 1, PTE_RW | PTE_US, TBL_ALL);
	gs = gpt_state(&g);
	roots[0] = gs_load(&vm, &gs);
	v = gs; v.cr0 &= ~CR0_WP;   roots[1] = gs_load(&vm, &v);
	v = gs; v.efer &= ~EFER_NXE; roots[2] = gs_load(&vm, &v);
	v = gs; v.cr4 |= CR4_SMEP;  roots[3] = gs_load(&vm, &v);
	v = gs; v.cr4 |= CR4_SMAP;  roots[4] = gs_load(&vm, &v);
	for (i = 0; i < 5; i++)
		for (j = i + 1; j < 5; j++)
			assert_int_not_equal(roots[i], roots[j]);
	assert_int_equal(gs_load(&vm, &gs), roots[0]);
}

/* ---- CR0.WP=0 ---- */

static void wp0_supervisor_write_keeps_users_out(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t la = 0x400000;
	(void)state;

	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	gpt_map(&g, la, 0x800000, 1, PTE_US, TBL_ALL);     /* read-only user page */
	gs = gpt_state(&g);
	gs.cr0 &= ~CR0_WP;
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_WRITE, &out), MMU_FIXED);
	assert_int_equal(leaf_of(la, &gs) & (PTE_RW | PTE_US), PTE_RW);
	/* the guest's D bit was set by the write, its R/W stays 0 */
	assert_int_equal(gpt_get(&g, gpt_entry(&g, la, 1, 0)) & (PTE_RW | PTE_D), PTE_D);
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_USER, &out), MMU_FIXED);
	assert_int_equal(leaf_of(la, &gs) & (PTE_RW | PTE_US), PTE_US);
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_USER | WALK_WRITE, &out), MMU_INJECT_PF);
	assert_int_equal(out.error_code, PFEC_P | PFEC_W | PFEC_U);
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_WRITE, &out), MMU_FIXED);
	/* with SMEP the supervisor-only mapping must still refuse fetches */
	gs.cr4 |= CR4_SMEP;
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_WRITE, &out), MMU_FIXED);
	assert_true(leaf_of(la, &gs) & PTE_NX);
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_FETCH, &out), MMU_INJECT_PF);
	assert_int_equal(out.error_code, PFEC_P | PFEC_I);
	/* with SMAP hiding U would let AC=0 reads through: emulate instead */
	gs.cr4 = (gs.cr4 & ~CR4_SMEP) | CR4_SMAP;
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_WRITE | WALK_AC, &out), MMU_EMULATE);
	assert_int_equal(out.gpa, 0x800000);
	assert_int_equal(gpt_access(&vm, &gs, la, 0, &out), MMU_INJECT_PF);   /* SMAP */
	assert_int_equal(out.error_code, PFEC_P);
}

static void wp0_smep_without_hardware_nx_emulates(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t la = 0x400000;
	(void)state;

	/* Hardware NXE follows the guest's (0): NX cannot guard the
	 * supervisor-only mapping, so the write is emulated. */
	assert_false(vm.mmu.cfg.hw_nxe_always);
	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	gpt_map(&g, la, 0x800000, 1, PTE_US, TBL_ALL);
	gs = gpt_state(&g);
	gs.cr0 &= ~CR0_WP;
	gs.cr4 |= CR4_SMEP;
	gs.efer &= ~EFER_NXE;
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_WRITE, &out), MMU_EMULATE);
	assert_int_equal(out.gpa, 0x800000);
	assert_false(leaf_of(la, &gs) & PTE_NX);
	/* Same guest, hardware NXE forced on: the NX trick is used. */
	fake_vm_teardown(&vm);
	fake_hw_nxe_always = true;
	fake_vm_setup(&vm, RAM, 256, 256, 64, false);
	fake_hw_nxe_always = false;
	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	gpt_map(&g, la, 0x800000, 1, PTE_US, TBL_ALL);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_WRITE, &out), MMU_FIXED);
	assert_int_equal(leaf_of(la, &gs) & (PTE_NX | PTE_US | PTE_RW), PTE_NX | PTE_RW);
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_FETCH, &out), MMU_INJECT_PF);
	assert_int_equal(out.error_code, PFEC_P | PFEC_I);   /* SMEP reports I/D */
	/* Hardware NXE changing with the guest's splits the roles. */
	uint64_t r1 = vm.mmu.root_hpa;
	gs.efer |= EFER_NXE;
	assert_int_not_equal(gs_load(&vm, &gs), r1);
}

/* Hardware NXE=0, SMEP=0: #PF exits carry no I/D bit, so a supervisor
 * fetch from a user page looks like a read, which SMAP would refuse. */
static void smap_fetch_without_id_bit(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t la = 0x400000;
	(void)state;

	gpt_init(&g, &vm, PAGING_PAE, TBL_BASE, TBL_END);
	gpt_map(&g, la, 0x800000, 1, PTE_US, TBL_ALL);
	gpt_map(&g, la + 0x1000, 0x801000, 1, PTE_US, TBL_ALL);
	gpt_map(&g, la + 0x2000, 0xfee00000, 1, PTE_US, TBL_ALL);
	gs = gpt_state(&g);
	gs.efer = 0;
	gs.cr4 |= CR4_SMAP;
	gs_load(&vm, &gs);
	/* the fetch runs (the fill lets the hardware tell fetch from read) */
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_FETCH, &out), MMU_FIXED);
	/* a read of the same page: first exit fills, the hardware's own SMAP
	 * check on the present entry exits again and that is reflected */
	assert_int_equal(gpt_access(&vm, &gs, la + 0x1000, 0, &out), MMU_INJECT_PF);
	assert_int_equal(out.error_code, PFEC_P);
	assert_int_equal(gpt_access(&vm, &gs, la, 0, &out), MMU_INJECT_PF);
	assert_int_equal(out.error_code, PFEC_P);
	/* with AC=1 the read is fine */
	assert_int_equal(gpt_access(&vm, &gs, la, WALK_AC, &out), MMU_FIXED);
	/* MMIO behind it: the emulator's translation decides */
	assert_int_equal(gpt_access(&vm, &gs, la + 0x2000, 0, &out), MMU_INJECT_PF);
	assert_int_equal(out.error_code, PFEC_P);
	assert_int_equal(gpt_access(&vm, &gs, la + 0x2000, WALK_FETCH, &out), MMU_MMIO);
}

/* CPL 0 with AC=1 doing an implicit access (a GDT in a user page): the
 * exit cannot say "implicit", but the hardware's refusal of a present,
 * exact entry does. No endless refill. */
static void implicit_access_with_ac_at_cpl0(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t la = 0x400000, hpa;
	uint32_t ec;
	(void)state;

	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	gpt_map(&g, la, 0x800000, 1, PTE_US | PTE_RW, TBL_ALL);
	gs = gpt_state(&g);
	gs.cr4 |= CR4_SMAP;
	gs_load(&vm, &gs);
	/* first exit: not present; the MMU sees an explicit AC=1 read: fill */
	assert_int_equal(hw(&vm, &gs, la, WALK_IMPLICIT | WALK_AC, &hpa, &ec), WALK_FAULT);
	assert_int_equal(mmu_page_fault(&vm.mmu, la, ec, MMU_PF_AC, &out), MMU_FIXED);
	/* the hardware's implicit-access SMAP check refuses the present entry */
	assert_int_equal(hw(&vm, &gs, la, WALK_IMPLICIT | WALK_AC, &hpa, &ec), WALK_FAULT);
	assert_int_equal(ec, PFEC_P);
	assert_int_equal(mmu_page_fault(&vm.mmu, la, ec, MMU_PF_AC, &out), MMU_INJECT_PF);
	assert_int_equal(out.error_code, PFEC_P);
	/* an explicit AC=1 read of the same page simply works */
	assert_int_equal(hw(&vm, &gs, la, WALK_AC, &hpa, &ec), WALK_OK);
}

/* A table shared by more address spaces than a shadow page tracks
 * parents for (like a kernel half shared by every process). */
static void many_parents_unlink_by_scan(void **state)
{
	struct gpt g[6];
	struct mmu_guest_state gs[6];
	struct mmu_fault out;
	uint64_t la = 0xffff800000400000ull, pml4e, v;
	unsigned i;
	(void)state;

	gpt_init(&g[0], &vm, PAGING_LONG, TBL_BASE, TBL_BASE + 0x10000);
	gpt_map(&g[0], la, 0x800000, 1, PTE_RW, TBL_ALL);
	pml4e = gpt_get(&g[0], g[0].cr3 + 256 * 8);
	for (i = 1; i < 6; i++) {
		gpt_init(&g[i], &vm, PAGING_LONG, TBL_BASE + 0x10000 * i,
			 TBL_BASE + 0x10000 * (i + 1));
		gpt_set(&g[i], g[i].cr3 + 256 * 8, pml4e);   /* share the PDPT */
	}
	for (i = 0; i < 6; i++) {
		gs[i] = gpt_state(&g[i]);
		gs_load(&vm, &gs[i]);
		assert_int_equal(gpt_access(&vm, &gs[i], la, 0, &out), MMU_FIXED);
	}
	/* The guest rewrites the shared PDPT until Shade stops shadowing it:
	 * every root's link to it must go. */
	v = 0;
	for (i = 0; i < 4; i++)
		assert_int_equal(mmu_write_guest(&vm.mmu, (pml4e & PTE_ADDR_MASK) + 8 * (100 + i),
						 &v, 8), MMU_OK);
	assert_true(vm.mmu.stats.unshadowed > 0);
	for (i = 0; i < 6; i++) {
		gs_load(&vm, &gs[i]);
		assert_int_equal(leaf_of(la, &gs[i]), 0);
		assert_int_equal(gpt_access(&vm, &gs[i], la, 0, &out), MMU_FIXED);
		assert_int_equal(leaf_of(la, &gs[i]) & PTE_ADDR_MASK, FAKE_RAM_HPA + 0x800000);
	}
}

/* ---- large pages over RAM and MMIO ---- */

static void large_page_spanning_ram_and_mmio(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t la;
	(void)state;

	/* Identity map of the first 4 GiB with 2 MiB pages, like test kernels. */
	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	for (la = 0; la < 4 * GiB; la += 2 * MiB)
		gpt_map(&g, la, la, 2, PTE_RW | PTE_D, TBL_ALL);
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, 0x1000, WALK_WRITE, &out), MMU_FIXED);
	assert_int_equal(gpt_access(&vm, &gs, 0xfee00030, WALK_WRITE, &out), MMU_MMIO);
	assert_int_equal(out.gpa, 0xfee00030);
	assert_int_equal(leaf_of(0xfee00030, &gs), 0);
	/* the last RAM frame and the first MMIO frame of one 2 MiB page */
	fake_vm_teardown(&vm);
	fake_vm_setup(&vm, RAM - 4096 * 3, 256, 256, 64, false);
	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	for (la = 0; la < 4 * GiB; la += 2 * MiB)
		gpt_map(&g, la, la, 2, PTE_RW | PTE_D, TBL_ALL);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, RAM - 4 * 4096, WALK_WRITE, &out), MMU_FIXED);
	assert_int_equal(gpt_access(&vm, &gs, RAM - 3 * 4096, WALK_WRITE, &out), MMU_MMIO);
	assert_int_equal(gpt_access(&vm, &gs, RAM - 2 * 4096, 0, &out), MMU_MMIO);
	assert_int_equal(leaf_of(RAM - 4 * 4096, &gs) & PTE_ADDR_MASK,
			 FAKE_RAM_HPA + RAM - 4 * 4096);
	assert_int_equal(leaf_of(RAM - 3 * 4096, &gs), 0);
	assert_int_equal(leaf_of(RAM - 2 * 4096, &gs), 0);
}

static void large_page_dirty_bit(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t la = 0x200000, pde;
	uint64_t hpa;
	uint32_t ec;
	(void)state;

	gpt_init(&g, &vm, PAGING_PAE, TBL_BASE, TBL_END);
	gpt_map(&g, la, 0x400000, 2, PTE_RW, TBL_ALL);
	pde = gpt_entry(&g, la, 2, 0);
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, la + 0x5000, 0, &out), MMU_FIXED);
	assert_int_equal(gpt_access(&vm, &gs, la + 0x6000, 0, &out), MMU_FIXED);
	assert_false(gpt_get(&g, pde) & PTE_D);
	assert_false(leaf_of(la + 0x5000, &gs) & PTE_RW);
	assert_int_equal(gpt_access(&vm, &gs, la + 0x5000, WALK_WRITE, &out), MMU_FIXED);
	assert_true(gpt_get(&g, pde) & PTE_D);
	assert_true(leaf_of(la + 0x5000, &gs) & PTE_RW);
	/* now dirty, the rest of the page may be written at once after a fill */
	assert_int_equal(gpt_access(&vm, &gs, la + 0x6000, WALK_WRITE, &out), MMU_FIXED);
	assert_int_equal(hw(&vm, &gs, la + 0x6000, WALK_WRITE, &hpa, &ec), WALK_OK);
	/* a guest clearing D (through its shadowed PD) is seen again */
	uint64_t v = gpt_get(&g, pde) & ~PTE_D;
	assert_int_equal(mmu_write_guest(&vm.mmu, pde, &v, 8), MMU_OK);
	assert_int_equal(gpt_access(&vm, &gs, la + 0x6000, 0, &out), MMU_FIXED);
	assert_false(leaf_of(la + 0x6000, &gs) & PTE_RW);
	assert_int_equal(gpt_access(&vm, &gs, la + 0x6000, WALK_WRITE, &out), MMU_FIXED);
	assert_true(gpt_get(&g, pde) & PTE_D);
}

/* ---- 32-bit guests on PAE shadows ---- */

static void guest_32bit_quarters_and_halves(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	/* PTE index 700 of a guest PT lies in the second 2 MiB half. */
	uint64_t lo = 0x00c00000 + 5 * 4096, hi = 0x00c00000 + 700 * 4096;
	uint64_t far = 0xc0000000 + 0x3000, pte_hi, pte_lo;
	uint32_t v;
	(void)state;

	gpt_init(&g, &vm, PAGING_32, TBL_BASE, TBL_END);
	gpt_map(&g, lo, 0x500000, 1, PTE_RW | PTE_US, TBL_ALL);
	gpt_map(&g, hi, 0x501000, 1, PTE_RW | PTE_US, TBL_ALL);
	gpt_map(&g, far, 0x502000, 1, PTE_RW | PTE_US, TBL_ALL);
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, lo, WALK_USER, &out), MMU_FIXED);
	assert_int_equal(gpt_access(&vm, &gs, hi, WALK_USER, &out), MMU_FIXED);
	assert_int_equal(gpt_access(&vm, &gs, far, WALK_USER, &out), MMU_FIXED);
	assert_int_equal(leaf_of(hi, &gs) & PTE_ADDR_MASK, FAKE_RAM_HPA + 0x501000);
	assert_int_equal(leaf_of(far, &gs) & PTE_ADDR_MASK, FAKE_RAM_HPA + 0x502000);
	/* a 4-byte guest PTE write reaches the right half only */
	pte_hi = gpt_entry(&g, hi, 1, 0);
	pte_lo = gpt_entry(&g, lo, 1, 0);
	v = 0x503000 | PTE_P | PTE_US;
	assert_int_equal(mmu_write_guest(&vm.mmu, pte_hi, &v, 4), MMU_OK);
	assert_int_equal(leaf_of(hi, &gs), 0);
	assert_int_not_equal(leaf_of(lo, &gs), 0);
	assert_int_equal(gpt_access(&vm, &gs, hi, WALK_USER | WALK_WRITE, &out), MMU_INJECT_PF);
	assert_int_equal(out.error_code, PFEC_P | PFEC_W | PFEC_U);
	assert_int_equal(gpt_access(&vm, &gs, hi, WALK_USER, &out), MMU_FIXED);
	assert_int_equal(leaf_of(hi, &gs) & PTE_ADDR_MASK, FAKE_RAM_HPA + 0x503000);
	(void)pte_lo;
	/* a guest PDE write drops both shadow PDEs it feeds */
	v = 0;
	assert_int_equal(mmu_write_guest(&vm.mmu, gpt_entry(&g, lo, 2, 0), &v, 4), MMU_OK);
	assert_int_equal(leaf_of(lo, &gs), 0);
	assert_int_equal(leaf_of(hi, &gs), 0);
	assert_int_not_equal(leaf_of(far, &gs), 0);
	assert_int_equal(gpt_access(&vm, &gs, hi, WALK_USER, &out), MMU_INJECT_PF);
	assert_int_equal(out.error_code, PFEC_U);
}

static void guest_32bit_4m_page_with_pse36(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t pde;
	(void)state;

	gpt_init(&g, &vm, PAGING_32, TBL_BASE, TBL_END);
	gpt_map(&g, 0x800000, 0x400000, 2, PTE_RW, TBL_ALL);
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, 0xbff000, WALK_WRITE, &out), MMU_FIXED);
	assert_int_equal(leaf_of(0xbff000, &gs) & PTE_ADDR_MASK, FAKE_RAM_HPA + 0x7ff000);
	/* PSE-36: the page moves above 4 GiB, where there is no RAM: MMIO */
	pde = gpt_entry(&g, 0x800000, 2, 0);
	uint32_t v = (uint32_t)gpt_get(&g, pde) | (1u << 13);
	assert_int_equal(mmu_write_guest(&vm.mmu, pde, &v, 4), MMU_OK);
	assert_int_equal(gpt_access(&vm, &gs, 0xbff000, 0, &out), MMU_MMIO);
	assert_int_equal(out.gpa, 0x1007ff000ull);
	/* CR4.PSE=0: the same PDE points to a page table */
	memcpy(vm.ram + 0x402000, &(uint32_t){ 0x500000 | PTE_P }, 4);
	gs.cr4 &= ~CR4_PSE;
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, 0x800000, 0, &out), MMU_FIXED);
	assert_int_equal(leaf_of(0x800000, &gs) & PTE_ADDR_MASK, FAKE_RAM_HPA + 0x500000);
}

/* ---- PAE guests: PDPTE registers ---- */

static void pae_pdptes_load_with_cr3(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t root, pdpte0, bad, cr3 = 0;
	(void)state;

	gpt_init(&g, &vm, PAGING_PAE, TBL_BASE, TBL_END);
	gpt_map(&g, 0x1000, 0x500000, 1, PTE_RW, TBL_ALL);
	gs = gpt_state(&g);
	root = gs_load(&vm, &gs);
	assert_true(root < (1ull << 32));
	assert_int_equal(gpt_access(&vm, &gs, 0x1000, 0, &out), MMU_FIXED);
	/* Clearing PDPTE 0 in memory changes nothing before the next CR3 load */
	pdpte0 = gpt_get(&g, g.cr3);
	gpt_set(&g, g.cr3, 0);
	assert_int_equal(gpt_access(&vm, &gs, 0x1000, 0, &out), MMU_FIXED);
	assert_int_not_equal(gs_load(&vm, &gs), root);
	assert_int_equal(gpt_access(&vm, &gs, 0x1000, 0, &out), MMU_INJECT_PF);
	assert_int_equal(out.error_code, 0);
	/* PDPTE reserved bits: the load fails (#GP), the old context stays */
	bad = pdpte0 | PTE_RW;
	gpt_set(&g, g.cr3, bad);
	root = vm.mmu.root_hpa;
	assert_int_equal(mmu_load_context(&vm.mmu, &gs, &cr3), MMU_ERR_GP);
	assert_int_equal(vm.mmu.root_hpa, root);
	gpt_set(&g, g.cr3, pdpte0);
	assert_int_not_equal(gs_load(&vm, &gs), 0);
	assert_int_equal(gpt_access(&vm, &gs, 0x1000, 0, &out), MMU_FIXED);
}

/* A MOV CR3 with the loaded CR3 keeps the root only while the four
 * PDPTEs in memory are the ones it was built from; the PDPT read is the
 * one at the CR3 being loaded, after a switch away and back and after a
 * full context load too. */
static void pae_reload_rereads_pdptes(void **state)
{
	const uint64_t la = 0xc0001000;   /* through PDPTE 3 */
	struct gpt a, b;
	struct mmu_guest_state ga, gb;
	struct mmu_fault out;
	uint64_t ra, rb, r, e3, cr3 = 0;
	(void)state;

	gpt_init(&a, &vm, PAGING_PAE, TBL_BASE, TBL_BASE + 0x40000);
	gpt_map(&a, la, 0x500000, 1, PTE_RW, TBL_ALL);
	gpt_init(&b, &vm, PAGING_PAE, TBL_BASE + 0x40000, TBL_END);
	gpt_map(&b, la, 0x600000, 1, PTE_RW, TBL_ALL);
	ga = gpt_state(&a);
	gb = gpt_state(&b);
	ra = gs_load(&vm, &ga);
	assert_int_equal(gs_load(&vm, &ga), ra);
	assert_int_equal(gpt_access(&vm, &ga, la, 0, &out), MMU_FIXED);
	rb = gs_load(&vm, &gb);
	assert_int_not_equal(rb, ra);
	/* a's PDPTE 3 changes while b is loaded: b's reload keeps b's root,
	 * loading a sees the change */
	e3 = gpt_get(&a, a.cr3 + 24);
	gpt_set(&a, a.cr3 + 24, 0);
	assert_int_equal(gs_load(&vm, &gb), rb);
	assert_int_not_equal(gs_load(&vm, &ga), ra);
	assert_int_equal(gpt_access(&vm, &ga, la, 0, &out), MMU_INJECT_PF);
	/* a reserved bit on a reload of the same CR3: #GP, context kept */
	gpt_set(&a, a.cr3 + 24, e3 | PTE_RW);
	r = vm.mmu.root_hpa;
	assert_int_equal(mmu_load_context(&vm.mmu, &ga, &cr3), MMU_ERR_GP);
	assert_int_equal(vm.mmu.root_hpa, r);
	assert_int_equal(mmu_load_context(&vm.mmu, &ga, &cr3), MMU_ERR_GP);
	/* restored: the first root serves again */
	gpt_set(&a, a.cr3 + 24, e3);
	assert_int_equal(gs_load(&vm, &ga), ra);
	assert_int_equal(gpt_access(&vm, &ga, la, 0, &out), MMU_FIXED);
	/* after a full context load (CR0.WP changes) as well */
	ga.cr0 &= ~CR0_WP;
	r = gs_load(&vm, &ga);
	assert_int_equal(gs_load(&vm, &ga), r);
	gpt_set(&a, a.cr3 + 24, 0);
	assert_int_not_equal(gs_load(&vm, &ga), r);
	gpt_set(&a, a.cr3 + 24, e3 | (1ull << 40));   /* above MAXPHYADDR 36 */
	assert_int_equal(mmu_load_context(&vm.mmu, &ga, &cr3), MMU_ERR_GP);
}

/* ---- recursive maps, INVLPG, mode switches ---- */

static void recursive_mapping(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	const uint64_t self = 0xffffff8000000000ull;   /* PML4[511] = PML4 */
	uint64_t pml4e_of_0, la_pml4 = self | (511ull << 30) | (511ull << 21) | (511ull << 12);
	uint64_t v;
	(void)state;

	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	gpt_map(&g, 0x400000, 0x800000, 1, PTE_RW, TBL_ALL);
	gpt_set(&g, g.cr3 + 511 * 8, g.cr3 | PTE_P | PTE_RW);
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	/* Reading the PML4 through the self map */
	pml4e_of_0 = gpt_get(&g, g.cr3);
	assert_int_equal(gpt_access(&vm, &gs, la_pml4, 0, &out), MMU_FIXED);
	assert_int_equal(leaf_of(la_pml4, &gs) & PTE_ADDR_MASK, FAKE_RAM_HPA + g.cr3);
	assert_false(leaf_of(la_pml4, &gs) & PTE_RW);
	/* Writing a PTE through the self map: emulated, shadows follow */
	uint64_t la_pt = self | ((0x400000ull >> 12) << 3);   /* PTE of 0x400000 */
	assert_int_equal(gpt_access(&vm, &gs, 0x400000, 0, &out), MMU_FIXED);
	assert_int_equal(gpt_access(&vm, &gs, la_pt, WALK_WRITE, &out), MMU_EMULATE);
	assert_int_equal(out.gpa, gpt_entry(&g, 0x400000, 1, 0));
	v = 0x900000 | PTE_P | PTE_RW;
	assert_int_equal(mmu_write_guest(&vm.mmu, out.gpa, &v, 8), MMU_OK);
	assert_int_equal(gpt_access(&vm, &gs, 0x400000, 0, &out), MMU_FIXED);
	assert_int_equal(leaf_of(0x400000, &gs) & PTE_ADDR_MASK, FAKE_RAM_HPA + 0x900000);
	assert_int_equal(gpt_get(&g, g.cr3) & ~(PTE_A | PTE_D), pml4e_of_0 & ~(PTE_A | PTE_D));
}

/* mmu_hw_frame(): the frame the loaded shadow maps a gva to, following the
 * guest's own changes (the MMIO fast path checks code pages with it). */
static void hw_frame_follows_guest(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t pte, v;
	(void)state;

	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	gpt_map(&g, 0x400000, 0x800000, 1, PTE_RW, TBL_ALL);
	gpt_map(&g, 0x401000, 0x801000, 1, PTE_RW, TBL_ALL);
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	assert_int_equal(mmu_hw_frame(&vm.mmu, 0x400123), 0);   /* nothing shadowed yet */
	assert_int_equal(gpt_access(&vm, &gs, 0x400000, 0, &out), MMU_FIXED);
	assert_int_equal(mmu_hw_frame(&vm.mmu, 0x400123), FAKE_RAM_HPA + 0x800000);
	assert_int_equal(mmu_hw_frame(&vm.mmu, 0x401fff), FAKE_RAM_HPA + 0x801000); /* prefetched */
	assert_int_equal(mmu_hw_frame(&vm.mmu, 0x7ff000), 0);
	/* The guest points the PTE elsewhere (a trapped write): the shadow,
	 * and so the answer, follows at once. */
	pte = gpt_entry(&g, 0x400000, 1, 0);
	v = 0x900000 | PTE_P | PTE_RW;
	assert_int_equal(mmu_write_guest(&vm.mmu, pte, &v, 8), MMU_OK);
	assert_true(mmu_hw_frame(&vm.mmu, 0x400000) == FAKE_RAM_HPA + 0x900000 ||
		    mmu_hw_frame(&vm.mmu, 0x400000) == 0);
	v = 0;
	assert_int_equal(mmu_write_guest(&vm.mmu, pte, &v, 8), MMU_OK);
	assert_int_equal(mmu_hw_frame(&vm.mmu, 0x400000), 0);
}

/* An MMIO page next to RAM in one guest table: once the table's shadow is
 * linked, the fast fill answers MMIO itself: the right gpa, the guest's
 * A/D bits set as by the CPU's walk, nothing filled. */
static void fast_fill_answers_mmio(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t fills, hits;
	(void)state;

	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	gpt_map(&g, 0x400000, 0x800000, 1, PTE_RW, TBL_ALL);
	gpt_map(&g, 0x420000, 0xfee00000, 1, PTE_RW | PTE_PCD, TBL_ALL);
	gpt_map(&g, 0x421000, 0xfee01000, 1, PTE_RW | PTE_PCD, TBL_ALL);
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, 0x400000, 0, &out), MMU_FIXED);
	fills = vm.mmu.stats.fills;
	assert_false(gpt_get(&g, gpt_entry(&g, 0x420000, 1, 0)) & PTE_A);
	assert_int_equal(gpt_access(&vm, &gs, 0x420abc, WALK_WRITE, &out), MMU_MMIO);
	assert_int_equal(out.gpa, 0xfee00abc);
	assert_true(gpt_get(&g, gpt_entry(&g, 0x420000, 1, 0)) & PTE_A);
	assert_true(gpt_get(&g, gpt_entry(&g, 0x420000, 1, 0)) & PTE_D);
	assert_int_equal(vm.mmu.stats.fills, fills);
	assert_int_equal(leaf_of(0x420000, &gs) & PTE_P, 0);   /* no shadow entry for MMIO */
	/* the cache answers the next one */
	hits = vm.mmu.stats.mmio_cache_hits;
	assert_int_equal(gpt_access(&vm, &gs, 0x420ab0, WALK_WRITE, &out), MMU_MMIO);
	assert_int_equal(out.gpa, 0xfee00ab0);
	assert_int_equal(vm.mmu.stats.mmio_cache_hits, hits + 1);
	/* a second device page (another slot of the cache): both stay cached
	 * while a driver alternates between them */
	assert_int_equal(gpt_access(&vm, &gs, 0x421010, WALK_WRITE, &out), MMU_MMIO);
	assert_int_equal(out.gpa, 0xfee01010);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(gpt_access(&vm, &gs, i & 1 ? 0x421020 : 0x420020, WALK_WRITE, &out),
				 MMU_MMIO);
		assert_int_equal(out.gpa, i & 1 ? 0xfee01020 : 0xfee00020);
	}
	assert_int_equal(vm.mmu.stats.mmio_cache_hits, hits + 5);
}

static void invlpg_and_mmio_cache(void **state)
{
	struct gpt g;
	struct mmu_guest_state gs;
	struct mmu_fault out;
	uint64_t pte, v;
	(void)state;

	gpt_init(&g, &vm, PAGING_LONG, TBL_BASE, TBL_END);
	gpt_map(&g, 0x400000, 0x800000, 1, PTE_RW, TBL_ALL);
	gpt_map(&g, 0x600000, 0xfee00000, 1, PTE_RW | PTE_PCD, TBL_ALL);
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, 0x400000, 0, &out), MMU_FIXED);
	/* the shadow is exact, so INVLPG has nothing to drop: the entry stays */
	mmu_invlpg(&vm.mmu, 0x400000);
	assert_int_equal(leaf_of(0x400000, &gs) & PTE_ADDR_MASK, FAKE_RAM_HPA + 0x800000);
	assert_int_equal(gpt_access(&vm, &gs, 0x400000, 0, &out), MMU_FIXED);
	assert_int_equal(vm.mmu.stats.invlpg, 1);
	/* MMIO: one walk, then cache hits while nothing changes */
	assert_int_equal(gpt_access(&vm, &gs, 0x600010, WALK_WRITE, &out), MMU_MMIO);
	assert_int_equal(gpt_access(&vm, &gs, 0x600014, WALK_WRITE, &out), MMU_MMIO);
	assert_int_equal(out.gpa, 0xfee00014);
	assert_int_equal(vm.mmu.stats.mmio_cache_hits, 1);
	/* a different kind of access walks again */
	assert_int_equal(gpt_access(&vm, &gs, 0x600014, 0, &out), MMU_MMIO);
	assert_int_equal(vm.mmu.stats.mmio_cache_hits, 1);
	mmu_invlpg(&vm.mmu, 0x600000);
	assert_int_equal(gpt_access(&vm, &gs, 0x600014, 0, &out), MMU_MMIO);
	assert_int_equal(vm.mmu.stats.mmio_cache_hits, 1);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, 0x600014, 0, &out), MMU_MMIO);
	assert_int_equal(vm.mmu.stats.mmio_cache_hits, 1);
	assert_int_equal(gpt_access(&vm, &gs, 0x600014, 0, &out), MMU_MMIO);
	assert_int_equal(vm.mmu.stats.mmio_cache_hits, 2);
	/* a guest page-table write invalidates it too: the page becomes RAM */
	assert_int_equal(gpt_access(&vm, &gs, 0x400000, 0, &out), MMU_FIXED); /* PT shadowed */
	pte = gpt_entry(&g, 0x600000, 1, 0);
	v = 0xa00000 | PTE_P | PTE_RW;
	assert_int_equal(mmu_write_guest(&vm.mmu, pte, &v, 8), MMU_OK);
	assert_int_equal(gpt_access(&vm, &gs, 0x600014, 0, &out), MMU_FIXED);
	assert_int_equal(leaf_of(0x600014, &gs) & PTE_ADDR_MASK, FAKE_RAM_HPA + 0xa00000);
	assert_int_equal(vm.mmu.stats.mmio_cache_hits, 2);
}

static void mode_switches(void **state)
{
	struct gpt g32, gpae, glong;
	struct mmu_guest_state off = { .cr0 = CR0_PE }, s32, spae, slong;
	struct mmu_fault out;
	uint64_t r;
	(void)state;

	gpt_init(&g32, &vm, PAGING_32, TBL_BASE, TBL_BASE + 0x10000);
	gpt_init(&gpae, &vm, PAGING_PAE, TBL_BASE + 0x10000, TBL_BASE + 0x20000);
	gpt_init(&glong, &vm, PAGING_LONG, TBL_BASE + 0x20000, TBL_END);
	gpt_map(&g32, 0x400000, 0x500000, 1, PTE_RW, TBL_ALL);
	gpt_map(&gpae, 0x400000, 0x600000, 1, PTE_RW, TBL_ALL);
	gpt_map(&glong, 0x400000, 0x700000, 1, PTE_RW, TBL_ALL);
	s32 = gpt_state(&g32);
	spae = gpt_state(&gpae);
	slong = gpt_state(&glong);
	for (int round = 0; round < 2; round++) {
		r = gs_load(&vm, &off);
		assert_true(r < (1ull << 32));
		assert_int_equal(gpt_access(&vm, &off, 0x400000, WALK_WRITE, &out), MMU_FIXED);
		assert_int_equal(leaf_of(0x400000, &off) & PTE_ADDR_MASK, FAKE_RAM_HPA + 0x400000);
		r = gs_load(&vm, &s32);
		assert_true(r < (1ull << 32));
		assert_int_equal(gpt_access(&vm, &s32, 0x400000, WALK_WRITE, &out), MMU_FIXED);
		assert_int_equal(leaf_of(0x400000, &s32) & PTE_ADDR_MASK, FAKE_RAM_HPA + 0x500000);
		r = gs_load(&vm, &spae);
		assert_true(r < (1ull << 32));
		assert_int_equal(gpt_access(&vm, &spae, 0x400000, WALK_WRITE, &out), MMU_FIXED);
		assert_int_equal(leaf_of(0x400000, &spae) & PTE_ADDR_MASK, FAKE_RAM_HPA + 0x600000);
		gs_load(&vm, &slong);
		assert_int_equal(gpt_access(&vm, &slong, 0x400000, WALK_WRITE, &out), MMU_FIXED);
		assert_int_equal(leaf_of(0x400000, &slong) & PTE_ADDR_MASK, FAKE_RAM_HPA + 0x700000);
	}
	assert_int_equal(vm.mmu.stats.cr3_rebuilt, 4);
	assert_int_equal(vm.mmu.stats.cr3_reused, 4);
}

/* access_of() (branch-free) gives the walker's flags as the SDM reads the
 * error code: every error code and context against the plain rules. */
static void access_of_follows_the_error_code(void **state)
{
	(void)state;
	for (uint32_t ec = 0; ec < 32; ec++) {
		for (uint32_t ctx = 0; ctx < 8; ctx++) {
			uint32_t want = 0;
			if (ec & PFEC_W)
				want |= WALK_WRITE;
			if (ec & PFEC_U)
				want |= WALK_USER;
			if (ec & PFEC_I)
				want |= WALK_FETCH;
			if ((ctx & MMU_PF_CPL3) && !(ec & PFEC_U))
				want |= WALK_IMPLICIT;
			if (ctx & MMU_PF_AC)
				want |= WALK_AC;
			assert_int_equal(access_of(ec, ctx), want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(access_of_follows_the_error_code),
		cmocka_unit_test_setup_teardown(fills_every_mode_and_size, setup, teardown),
		cmocka_unit_test_setup_teardown(read_fill_is_read_only_until_dirty, setup, teardown),
		cmocka_unit_test_setup_teardown(fill_prefetches_neighbours_the_guest_allows, setup, teardown),
		cmocka_unit_test_setup_teardown(guest_faults_are_reflected_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(table_writes_are_emulated_and_tracked, setup, teardown),
		cmocka_unit_test_setup_teardown(pte_writes_prefetch_what_the_cpu_could_use, setup, teardown),
		cmocka_unit_test_setup_teardown(new_table_write_protects_old_mappings, setup, teardown),
		cmocka_unit_test_setup_teardown(event_delivery_unshadows_instead_of_emulating, setup, teardown),
		cmocka_unit_test_setup_teardown(write_flood_unshadows, setup, teardown),
		cmocka_unit_test_setup_teardown(cr3_switch_reuses_roots, setup, teardown),
		cmocka_unit_test_setup_teardown(roles_split_on_wp_nxe_smep_smap, setup, teardown),
		cmocka_unit_test_setup_teardown(wp0_supervisor_write_keeps_users_out, setup, teardown),
		cmocka_unit_test_setup_teardown(wp0_smep_without_hardware_nx_emulates, setup, teardown),
		cmocka_unit_test_setup_teardown(smap_fetch_without_id_bit, setup, teardown),
		cmocka_unit_test_setup_teardown(implicit_access_with_ac_at_cpl0, setup, teardown),
		cmocka_unit_test_setup_teardown(many_parents_unlink_by_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(large_page_spanning_ram_and_mmio, setup, teardown),
		cmocka_unit_test_setup_teardown(large_page_dirty_bit, setup, teardown),
		cmocka_unit_test_setup_teardown(guest_32bit_quarters_and_halves, setup, teardown),
		cmocka_unit_test_setup_teardown(guest_32bit_4m_page_with_pse36, setup, teardown),
		cmocka_unit_test_setup_teardown(pae_pdptes_load_with_cr3, setup, teardown),
		cmocka_unit_test_setup_teardown(pae_reload_rereads_pdptes, setup, teardown),
		cmocka_unit_test_setup_teardown(repeated_table_writes_stay_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(recursive_mapping, setup, teardown),
		cmocka_unit_test_setup_teardown(invlpg_and_mmio_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(hw_frame_follows_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(fast_fill_answers_mmio, setup, teardown),
		cmocka_unit_test_setup_teardown(mode_switches, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
