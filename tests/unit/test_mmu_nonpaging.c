/* mmu/: memslots and the shadow MMU for a guest with paging off (CR0.PG=0):
 * a PAE-format identity map of the memslots, built on demand. */
#include "tests/unit/mmu_guestpt.h"

#define MiB (1ull << 20)

static const struct mmu_guest_state pg_off = { .cr0 = CR0_PE, .cr3 = 0,
					       .cr4 = 0, .efer = 0 };

static uint64_t load(struct fake_vm *vm, const struct mmu_guest_state *gs)
{
	uint64_t cr3 = 0;

	assert_int_equal(mmu_load_context(&vm->mmu, gs, &cr3), MMU_OK);
	assert_int_not_equal(cr3, 0);
	assert_true(cr3 < (1ull << 32));        /* a PAE CR3 is 32 bits */
	assert_true((cr3 & 0xfff) == 0);
	return cr3;
}

static enum mmu_outcome fault(struct fake_vm *vm, uint64_t gva, uint32_t ec,
			      struct mmu_fault *out)
{
	return mmu_page_fault(&vm->mmu, gva, ec, 0, out);
}

/* ---- memslots ---- */

static void memslot_add_rejects_bad_ranges(void **state)
{
	struct memslots ms;
	static uint8_t buf[4096] __attribute__((aligned(4096)));
	(void)state;

	memslots_init(&ms);
	assert_int_equal(memslot_add(&ms, 0, 0, 0, buf, 0), MEMSLOT_ERR_ALIGN);
	assert_int_equal(memslot_add(&ms, 0x800, 4096, 0, buf, 0), MEMSLOT_ERR_ALIGN);
	assert_int_equal(memslot_add(&ms, 0, 4097, 0, buf, 0), MEMSLOT_ERR_ALIGN);
	assert_int_equal(memslot_add(&ms, 0, 4096, 0x10, buf, 0), MEMSLOT_ERR_ALIGN);
	assert_int_equal(memslot_add(&ms, 0, 4096, 0, buf + 1, 0), MEMSLOT_ERR_ALIGN);
	assert_int_equal(memslot_add(&ms, 0xfffffffffffff000ull, 0x2000, 0, buf, 0),
			 MEMSLOT_ERR_RANGE);
	assert_int_equal(memslot_add(&ms, 0, 0x2000, 0xfffffffffffff000ull, buf, 0),
			 MEMSLOT_ERR_RANGE);
	/* The very last frame of the address space is fine. */
	assert_int_equal(memslot_add(&ms, 0xfffffffffffff000ull, 0x1000, 0, buf, 0),
			 MEMSLOT_OK);
	assert_int_equal(ms.count, 1);
}

static void memslot_add_rejects_overlaps(void **state)
{
	struct memslots ms;
	(void)state;

	memslots_init(&ms);
	assert_int_equal(memslot_add(&ms, 0x10000, 0x10000, 0x100000, NULL, 0), MEMSLOT_OK);
	assert_int_equal(memslot_add(&ms, 0x1f000, 0x1000, 0x200000, NULL, 0), MEMSLOT_ERR_OVERLAP);
	assert_int_equal(memslot_add(&ms, 0xf000, 0x2000, 0x200000, NULL, 0), MEMSLOT_ERR_OVERLAP);
	assert_int_equal(memslot_add(&ms, 0x0, 0x100000, 0x200000, NULL, 0), MEMSLOT_ERR_OVERLAP);
	assert_int_equal(memslot_add(&ms, 0x12000, 0x1000, 0x200000, NULL, 0), MEMSLOT_ERR_OVERLAP);
	/* Touching ranges are not overlapping. */
	assert_int_equal(memslot_add(&ms, 0xf000, 0x1000, 0x200000, NULL, 0), MEMSLOT_OK);
	assert_int_equal(memslot_add(&ms, 0x20000, 0x1000, 0x300000, NULL, 0), MEMSLOT_OK);
	assert_int_equal(ms.count, 3);
	assert_true(ms.slot[0].gpa < ms.slot[1].gpa && ms.slot[1].gpa < ms.slot[2].gpa);
}

/* memslot_gap(): the whole uncovered range around an address, below the
 * first slot, between two, above the last, and none inside a slot; every
 * address of a gap is no slot's (random probes agree with the lookup). */
static void memslot_gaps_are_exact(void **state)
{
	struct memslots ms;
	uint64_t lo, len, x = 12345;
	(void)state;

	memslots_init(&ms);
	assert_true(memslot_gap(&ms, 0x5000, &lo, &len));
	assert_int_equal(lo, 0);
	assert_int_equal(len, ~0ull);
	assert_int_equal(memslot_add(&ms, 0x100000, 0x100000, 0x400000, NULL, 0), MEMSLOT_OK);
	assert_int_equal(memslot_add(&ms, 0x300000, 0x1000, 0x800000, NULL, 0), MEMSLOT_OK);
	assert_true(memslot_gap(&ms, 0xff000, &lo, &len));
	assert_int_equal(lo, 0);
	assert_int_equal(len, 0x100000);
	assert_false(memslot_gap(&ms, 0x100000, &lo, &len));
	assert_false(memslot_gap(&ms, 0x1fffff, &lo, &len));
	assert_true(memslot_gap(&ms, 0x200000, &lo, &len));
	assert_int_equal(lo, 0x200000);
	assert_int_equal(len, 0x100000);
	assert_true(memslot_gap(&ms, 0xff000000, &lo, &len));
	assert_int_equal(lo, 0x301000);
	assert_int_equal(len, 0 - 0x301000ull);
	for (unsigned i = 0; i < 100000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t a = (x >> 40) << 4, b;
		if (memslot_gap(&ms, a, &lo, &len)) {
			assert_null(memslot_lookup(&ms, a));
			assert_true(a - lo < len);
			b = lo + (x >> 20) % len;   /* another address of the gap */
			assert_null(memslot_lookup(&ms, b));
			if (lo)
				assert_non_null(memslot_lookup(&ms, lo - 1));
		} else {
			assert_non_null(memslot_lookup(&ms, a));
		}
	}
}

static void memslot_lookup_is_per_frame(void **state)
{
	struct memslots ms;
	uint64_t hpa;
	uint32_t flags;
	unsigned i;
	(void)state;

	memslots_init(&ms);
	/* Added out of order: slot i covers [i*2M, i*2M + 1M). */
	for (i = 0; i < MEMSLOTS_MAX; i++) {
		unsigned k = (i * 7) % MEMSLOTS_MAX;
		assert_int_equal(memslot_add(&ms, k * 2 * MiB, MiB, 0x40000000ull + k * MiB,
					     NULL, k & 1 ? MEMSLOT_READONLY : 0), MEMSLOT_OK);
	}
	assert_int_equal(memslot_add(&ms, 64 * MiB, 4096, 0, NULL, 0), MEMSLOT_ERR_FULL);
	for (i = 0; i < MEMSLOTS_MAX; i++) {
		uint64_t gpa = i * 2 * MiB;
		assert_true(memslot_frame(&ms, gpa >> 12, &hpa, NULL, &flags));
		assert_int_equal(hpa, 0x40000000ull + i * MiB);
		assert_int_equal(flags, i & 1 ? MEMSLOT_READONLY : 0);
		assert_true(memslot_frame(&ms, (gpa + MiB - 4096) >> 12, &hpa, NULL, NULL));
		assert_int_equal(hpa, 0x40000000ull + i * MiB + MiB - 4096);
		assert_false(memslot_frame(&ms, (gpa + MiB) >> 12, NULL, NULL, NULL));
		assert_null(memslot_lookup(&ms, gpa + 2 * MiB - 1));
	}
	assert_false(memslot_frame(&ms, ~0ull, NULL, NULL, NULL));
}

static void memslot_hva_needs_one_slot(void **state)
{
	struct memslots ms;
	static uint8_t a[8192] __attribute__((aligned(4096)));
	static uint8_t b[4096] __attribute__((aligned(4096)));
	(void)state;

	memslots_init(&ms);
	assert_int_equal(memslot_add(&ms, 0, 8192, 0x1000000, a, 0), MEMSLOT_OK);
	assert_int_equal(memslot_add(&ms, 8192, 4096, 0x3000000, b, 0), MEMSLOT_OK);
	assert_ptr_equal(memslot_hva(&ms, 4095, 2), a + 4095);
	assert_ptr_equal(memslot_hva(&ms, 8190, 2), a + 8190);
	assert_null(memslot_hva(&ms, 8191, 2));      /* straddles two slots */
	assert_ptr_equal(memslot_hva(&ms, 8192, 4096), b);
	assert_null(memslot_hva(&ms, 8193, 4096));
	assert_null(memslot_hva(&ms, 0, 0));
}

/* ---- the nonpaging shadow ---- */

static void nonpaging_fill_maps_identity(void **state)
{
	struct fake_vm vm;
	struct mmu_fault out;
	uint64_t cr3, hpa, e;
	uint32_t ec;
	(void)state;

	fake_vm_setup(&vm, 16 * MiB, 64, 64, 64, false);
	cr3 = load(&vm, &pg_off);
	assert_int_equal(fake_hw_access(&vm, cr3, false, 0x5123, WALK_WRITE, false,
					false, true, &hpa, &ec), WALK_FAULT);
	assert_int_equal(ec & PFEC_P, 0);       /* not present before the fill */
	assert_int_equal(fault(&vm, 0x5123, PFEC_W, &out), MMU_FIXED);
	e = fake_shadow_leaf(&vm, cr3, false, 0x5123);
	assert_int_equal(e & PTE_ADDR_MASK, FAKE_RAM_HPA + 0x5000);
	/* PG=0: everything may read, write and execute, at any CPL. */
	assert_true(e & PTE_RW);
	assert_true(e & PTE_US);
	assert_false(e & PTE_NX);
	assert_int_equal(fake_hw_access(&vm, cr3, false, 0x5123,
					WALK_WRITE | WALK_USER, false, false, true, &hpa, &ec),
			 WALK_OK);
	assert_int_equal(hpa, FAKE_RAM_HPA + 0x5123);
	assert_int_equal(fake_hw_access(&vm, cr3, false, 0x5fff, WALK_FETCH | WALK_USER,
					false, false, true, &hpa, &ec), WALK_OK);
	/* One fill; its aligned block of 16 neighbours came along (prefetch),
	 * nothing beyond it. */
	assert_int_equal(fake_shadow_leaf(&vm, cr3, false, 0x6000) & PTE_ADDR_MASK,
			 FAKE_RAM_HPA + 0x6000);
	assert_int_equal(fake_shadow_leaf(&vm, cr3, false, 0x0000) & PTE_ADDR_MASK,
			 FAKE_RAM_HPA);
	assert_int_equal(fake_shadow_leaf(&vm, cr3, false, 0x10000), 0);
	assert_int_equal(vm.mmu.stats.fills, 1);
	assert_int_equal(vm.mmu.stats.prefetches, 15);
	assert_int_equal(vm.mmu.stats.pf_exits, 1);
	fake_vm_teardown(&vm);
}

static void nonpaging_high_addresses_wrap_to_32_bits(void **state)
{
	struct fake_vm vm;
	struct mmu_fault out;
	uint64_t cr3;
	(void)state;

	fake_vm_setup(&vm, 4 * MiB, 64, 64, 0, false);
	cr3 = load(&vm, &pg_off);
	/* With PG=0 linear addresses are 32 bits: bit 32 and up are dropped. */
	assert_int_equal(fault(&vm, 0x100003000ull, 0, &out), MMU_FIXED);
	assert_int_equal(fake_shadow_leaf(&vm, cr3, false, 0x3000) & PTE_ADDR_MASK,
			 FAKE_RAM_HPA + 0x3000);
	fake_vm_teardown(&vm);
}

static void nonpaging_mmio_is_never_mapped(void **state)
{
	struct fake_vm vm;
	struct mmu_fault out;
	uint64_t cr3;
	unsigned i;
	(void)state;

	fake_vm_setup(&vm, 16 * MiB, 64, 64, 64, false);
	cr3 = load(&vm, &pg_off);
	for (i = 0; i < 3; i++) {
		assert_int_equal(fault(&vm, 0xfee000b0, PFEC_W, &out), MMU_MMIO);
		assert_int_equal(out.gpa, 0xfee000b0);
	}
	assert_int_equal(vm.mmu.stats.mmio_exits, 3);
	assert_int_equal(vm.mmu.stats.mmio_cache_hits, 2);   /* one walk, two hits */
	assert_int_equal(fault(&vm, 0x01000000, 0, &out), MMU_MMIO);  /* first byte past RAM */
	assert_int_equal(out.gpa, 0x01000000);
	assert_int_equal(fake_shadow_leaf(&vm, cr3, false, 0xfee000b0), 0);
	assert_int_equal(fake_shadow_leaf(&vm, cr3, false, 0x01000000), 0);
	assert_int_equal(vm.mmu.stats.fills, 0);
	/* RAM right next to it still fills, MMIO next to a filled frame does not. */
	assert_int_equal(fault(&vm, 0x00fff000, PFEC_W, &out), MMU_FIXED);
	assert_int_equal(fault(&vm, 0x01000000, PFEC_W, &out), MMU_MMIO);
	assert_int_equal(fake_shadow_leaf(&vm, cr3, false, 0x01000000), 0);
	fake_vm_teardown(&vm);
}

/* The quick MMIO question (mmu_mmio_fault()): answered once the MMU's
 * fast path has the leaf of the region (the first fault there links it,
 * the next one finds it: see mmu_page_fault_walk()), for MMIO only,
 * with the same gpa and counts as the full path; never for RAM, a
 * present-page fault or event delivery; a fetch takes the full access
 * check (and passes: no SMEP with paging off). */
static void nonpaging_quick_mmio_answers_as_the_full_path(void **state)
{
	struct fake_vm vm;
	struct mmu_fault out;
	uint64_t gpa = 0, mmio;
	uint32_t ctx;
	(void)state;

	fake_vm_setup(&vm, 16 * MiB, 64, 64, 64, false);
	load(&vm, &pg_off);
	assert_false(mmu_mmio_fault(&vm.mmu, 0xfee000b0, PFEC_W, 0, &gpa));   /* no leaf yet */
	assert_int_equal(fault(&vm, 0xfee000b0, PFEC_W, &out), MMU_MMIO);
	assert_int_equal(fault(&vm, 0xfee0f0b0, PFEC_W, &out), MMU_MMIO);
	mmio = vm.mmu.stats.mmio_exits;
	for (ctx = 0; ctx <= MMU_PF_CPL3; ctx += MMU_PF_CPL3) {
		assert_true(mmu_mmio_fault(&vm.mmu, 0xfee00300, PFEC_W | (ctx ? PFEC_U : 0), ctx, &gpa));
		assert_int_equal(gpa, 0xfee00300);
		assert_true(mmu_mmio_fault(&vm.mmu, 0xfee01004, 0, ctx, &gpa));
		assert_int_equal(gpa, 0xfee01004);
		assert_true(mmu_mmio_fault(&vm.mmu, 0xfee01004, PFEC_I, ctx, &gpa));
	}
	assert_int_equal(vm.mmu.stats.mmio_exits, mmio + 6);
	assert_int_equal(vm.mmu.stats.fills, 0);
	assert_false(mmu_mmio_fault(&vm.mmu, 0xfee01004, PFEC_P, 0, &gpa));
	assert_false(mmu_mmio_fault(&vm.mmu, 0xfee01004, PFEC_RSVD, 0, &gpa));
	assert_false(mmu_mmio_fault(&vm.mmu, 0xfee01004, 0, MMU_PF_EVENT, &gpa));
	/* RAM in a region the MMU has the leaf of: no answer, nothing counted */
	assert_int_equal(fault(&vm, 0x00e00000, 0, &out), MMU_FIXED);
	assert_int_equal(fault(&vm, 0x00f00000, 0, &out), MMU_FIXED);
	assert_int_equal(vm.mmu.leaf_region, 0x00f00000 >> 21);
	mmio = vm.mmu.stats.mmio_exits;
	uint64_t pf = vm.mmu.stats.pf_exits;
	assert_false(mmu_mmio_fault(&vm.mmu, 0x00e40000, 0, 0, &gpa));
	assert_int_equal(vm.mmu.stats.pf_exits, pf);
	assert_int_equal(vm.mmu.stats.mmio_exits, mmio);
	/* ... while past RAM, in the next region, MMIO is (once its leaf is
	 * the one the MMU has) */
	assert_int_equal(fault(&vm, 0x01000000, 0, &out), MMU_MMIO);
	assert_int_equal(fault(&vm, 0x01004000, 0, &out), MMU_MMIO);
	assert_true(mmu_mmio_fault(&vm.mmu, 0x01000008, PFEC_W, 0, &gpa));
	assert_int_equal(gpa, 0x01000008);
	fake_vm_teardown(&vm);
}

static void nonpaging_slot_boundaries(void **state)
{
	struct fake_vm vm;
	struct mmu_fault out;
	uint64_t cr3;
	uint8_t *hole_ram;
	(void)state;

	/* RAM [0,1M) and a second slot [2M,3M) backed elsewhere; [1M,2M) MMIO. */
	fake_vm_setup(&vm, 1 * MiB, 64, 64, 64, false);
	hole_ram = aligned_alloc(4096, MiB);
	assert_int_equal(memslot_add(&vm.slots, 2 * MiB, MiB, 0x90000000ull, hole_ram, 0),
			 MEMSLOT_OK);
	cr3 = load(&vm, &pg_off);
	assert_int_equal(fault(&vm, MiB - 1, 0, &out), MMU_FIXED);
	assert_int_equal(fake_shadow_leaf(&vm, cr3, false, MiB - 1) & PTE_ADDR_MASK,
			 FAKE_RAM_HPA + MiB - 4096);
	assert_int_equal(fault(&vm, MiB, 0, &out), MMU_MMIO);
	assert_int_equal(fault(&vm, 2 * MiB - 1, 0, &out), MMU_MMIO);
	assert_int_equal(fault(&vm, 2 * MiB, 0, &out), MMU_FIXED);
	assert_int_equal(fake_shadow_leaf(&vm, cr3, false, 2 * MiB) & PTE_ADDR_MASK,
			 0x90000000ull);
	assert_int_equal(fault(&vm, 3 * MiB - 4096, 0, &out), MMU_FIXED);
	assert_int_equal(fake_shadow_leaf(&vm, cr3, false, 3 * MiB - 1) & PTE_ADDR_MASK,
			 0x90000000ull + MiB - 4096);
	assert_int_equal(fault(&vm, 3 * MiB, 0, &out), MMU_MMIO);
	assert_int_equal(fake_shadow_leaf(&vm, cr3, false, MiB), 0);
	assert_int_equal(fake_shadow_leaf(&vm, cr3, false, 3 * MiB), 0);
	fake_vm_teardown(&vm);
	free(hole_ram);
}

static void nonpaging_rom_slot_maps_read_only(void **state)
{
	struct fake_vm vm;
	struct mmu_fault out;
	uint64_t cr3, e;
	uint8_t *rom = aligned_alloc(4096, 65536);
	(void)state;

	fake_vm_setup(&vm, 1 * MiB, 64, 64, 64, false);
	assert_int_equal(memslot_add(&vm.slots, 0xffff0000ull, 65536, 0xa0000000ull,
				     rom, MEMSLOT_READONLY), MEMSLOT_OK);
	cr3 = load(&vm, &pg_off);
	assert_int_equal(fault(&vm, 0xfffffff0, PFEC_I, &out), MMU_FIXED);
	e = fake_shadow_leaf(&vm, cr3, false, 0xfffffff0);
	assert_int_equal(e & PTE_ADDR_MASK, 0xa000f000ull);
	assert_false(e & PTE_RW);
	/* A write to ROM is the device's business. */
	assert_int_equal(fault(&vm, 0xfffffff0, PFEC_P | PFEC_W, &out), MMU_MMIO);
	assert_int_equal(out.gpa, 0xfffffff0);
	assert_false(fake_shadow_leaf(&vm, cr3, false, 0xfffffff0) & PTE_RW);
	assert_int_equal(mmu_write_guest(&vm.mmu, 0xffff0000ull, "x", 1), MMU_ERR_NOT_RAM);
	fake_vm_teardown(&vm);
	free(rom);
}

static void nonpaging_root_is_reused(void **state)
{
	struct fake_vm vm;
	struct mmu_guest_state wp = pg_off;
	uint64_t a, b, c;
	(void)state;

	fake_vm_setup(&vm, 1 * MiB, 64, 64, 64, false);
	a = load(&vm, &pg_off);
	b = load(&vm, &pg_off);
	/* With paging off, CR0.WP/CR4 paging bits change nothing: same root. */
	wp.cr0 |= CR0_WP;
	wp.cr4 |= CR4_PSE | CR4_SMEP;
	c = load(&vm, &wp);
	assert_int_equal(a, b);
	assert_int_equal(a, c);
	assert_int_equal(vm.mmu.stats.cr3_rebuilt, 1);
	assert_int_equal(vm.mmu.stats.cr3_reused, 2);
	fake_vm_teardown(&vm);
}

static void nonpaging_root_lands_below_4g(void **state)
{
	struct fake_vm vm;
	struct mmu_fault out;
	uint64_t cr3;
	unsigned i;
	(void)state;

	/* Only 2 low pages exist; every other page the pool takes is high. */
	fake_vm_setup(&vm, 64 * MiB, 40, 2, 64, false);
	cr3 = load(&vm, &pg_off);
	for (i = 0; i < 16; i++)
		assert_int_equal(fault(&vm, i * 2 * MiB, 0, &out), MMU_FIXED);
	assert_int_equal(fake_shadow_leaf(&vm, cr3, false, 6 * MiB) & PTE_ADDR_MASK,
			 FAKE_RAM_HPA + 6 * MiB);
	fake_vm_teardown(&vm);
}

static void nonpaging_without_low_pages_fails_cleanly(void **state)
{
	struct fake_vm vm;
	uint64_t cr3 = 0;
	(void)state;

	fake_vm_setup(&vm, 1 * MiB, 40, 0, 64, false);
	assert_int_equal(mmu_load_context(&vm.mmu, &pg_off, &cr3), MMU_ERR_NOMEM);
	fake_vm_teardown(&vm);
}

static void nonpaging_pool_exhaustion_reclaims(void **state)
{
	struct fake_vm vm;
	struct mmu_fault out;
	uint64_t cr3, hpa;
	uint32_t ec;
	unsigned i, round;
	(void)state;

	/* 12 pages of budget: a few go to metadata, the rest must serve a
	 * guest touching 64 different 2 MiB regions (64 page tables). */
	fake_vm_setup(&vm, 128 * MiB, 12, 64, 0, false);
	assert_true(vm.mmu.nsp >= 8 && vm.mmu.nsp < 12);
	cr3 = load(&vm, &pg_off);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 64; i++) {
			uint64_t gva = i * 2 * MiB + i * 4096;

			assert_int_equal(fault(&vm, gva, PFEC_W, &out), MMU_FIXED);
			assert_int_equal(fake_hw_access(&vm, cr3, false, gva, WALK_WRITE,
							false, false, true, &hpa, &ec), WALK_OK);
			assert_int_equal(hpa, FAKE_RAM_HPA + gva);
		}
	}
	assert_true(vm.mmu.stats.sp_reclaimed > 0);
	assert_int_equal(vm.mmu.stats.sp_created - vm.mmu.stats.sp_dropped,
			 vm.mmu.nsp - vm.mmu.nfree);
	/* Nothing beyond the budget was ever asked of the host. */
	assert_int_equal(vm.host.calls, 12);
	assert_int_equal(cr3, vm.mmu.root_hpa);   /* the root survived */
	fake_vm_teardown(&vm);
}

static void init_refuses_tiny_or_failing_pools(void **state)
{
	struct fake_vm vm;
	struct mmu m;
	struct mmu_config cfg = { .pool_pages = 5, .maxphyaddr = 36 };
	(void)state;

	fake_vm_setup(&vm, 1 * MiB, 64, 64, 0, false);
	assert_int_equal(mmu_init(&m, &vm.ops, &vm.slots, &cfg), MMU_ERR_NOMEM);
	assert_int_equal(vm.host.live, vm.mmu.nsp + vm.mmu.nmeta);
	cfg.pool_pages = 60;      /* the host runs dry half way */
	vm.host.fail_after = vm.host.live + 30;
	assert_int_equal(mmu_init(&m, &vm.ops, &vm.slots, &cfg), MMU_ERR_NOMEM);
	assert_int_equal(vm.host.live, vm.mmu.nsp + vm.mmu.nmeta);  /* all returned */
	vm.host.fail_after = 0;
	fake_vm_teardown(&vm);
}

static void nonpaging_reserved_bit_fault_is_fatal(void **state)
{
	struct fake_vm vm;
	struct mmu_fault out;
	(void)state;

	fake_vm_setup(&vm, 1 * MiB, 64, 64, 0, false);
	assert_int_equal(fault(&vm, 0x1000, 0, &out), MMU_FATAL);   /* nothing loaded */
	load(&vm, &pg_off);
	assert_int_equal(fault(&vm, 0x1000, PFEC_P | PFEC_RSVD, &out), MMU_FATAL);
	assert_non_null(out.reason);
	fake_vm_teardown(&vm);
}

static void guest_read_write_by_gpa(void **state)
{
	struct fake_vm vm;
	uint8_t buf[8];
	(void)state;

	fake_vm_setup(&vm, 1 * MiB, 64, 64, 0, false);
	assert_int_equal(mmu_write_guest(&vm.mmu, 0xffc, "abcdefgh", 8), MMU_OK);
	assert_memory_equal(vm.ram + 0xffc, "abcdefgh", 8);
	assert_int_equal(mmu_read_guest(&vm.mmu, 0xffc, buf, 8), MMU_OK);
	assert_memory_equal(buf, "abcdefgh", 8);
	/* Straddling the end of RAM: nothing happens at all. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(mmu_write_guest(&vm.mmu, MiB - 4, "12345678", 8), MMU_ERR_NOT_RAM);
	assert_int_equal(vm.ram[MiB - 4], 0);
	assert_int_equal(mmu_read_guest(&vm.mmu, MiB - 4, buf, 8), MMU_ERR_NOT_RAM);
	assert_int_equal(mmu_read_guest(&vm.mmu, ~0ull - 2, buf, 8), MMU_ERR_NOT_RAM);
	fake_vm_teardown(&vm);
}

static void hw_control_forces_paging_bits(void **state)
{
	struct mmu_guest_state gs = { .cr0 = CR0_PE | (1u << 5), .cr4 = CR4_PSE | CR4_SMEP | CR4_PGE | (1u << 9) };
	uint64_t cr0, cr4;
	(void)state;

	mmu_hw_control(&gs, &cr0, &cr4);
	assert_int_equal(cr0, CR0_PE | (1u << 5) | CR0_PG | CR0_WP);
	assert_int_equal(cr4, CR4_PAE | (1u << 9));   /* no SMEP while PG=0 */
	gs.cr0 |= CR0_PG;
	gs.cr4 |= CR4_SMAP;
	mmu_hw_control(&gs, &cr0, &cr4);
	assert_int_equal(cr4, CR4_PAE | (1u << 9) | CR4_SMEP | CR4_SMAP);
}

static void counters_format_line(void **state)
{
	struct fake_vm vm;
	struct mmu_fault out;
	char buf[512], tiny[8];
	size_t n;
	(void)state;

	fake_vm_setup(&vm, 1 * MiB, 64, 64, 0, false);
	load(&vm, &pg_off);
	fault(&vm, 0x1000, 0, &out);
	fault(&vm, 0x200000, 0, &out);
	n = mmu_counters_format(&vm.mmu, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_non_null(strstr(buf, "pf-exits=2 guest-pf=0 fills=1 "));
	assert_non_null(strstr(buf, " mmio=1 "));
	assert_non_null(strstr(buf, " cr3-rebuilt=1 "));
	assert_int_equal(mmu_counters_format(&vm.mmu, tiny, sizeof(tiny)), n);
	assert_string_equal(tiny, "pf-exit");
	fake_vm_teardown(&vm);
}

/* Tables written with paging off sit in frames the direct (PG=0) shadow
 * maps writable; once they are shadowed as guest tables those entries
 * (and only those) turn read-only, in the PG=0 shadow too. */
static void nonpaging_mappings_of_new_tables_are_write_protected(void **state)
{
	struct fake_vm vm;
	struct mmu_fault out;
	struct mmu_guest_state gs;
	struct gpt g;
	uint64_t off_cr3, f;
	(void)state;

	fake_vm_setup(&vm, 16 * MiB, 64, 64, 64, false);
	off_cr3 = load(&vm, &pg_off);
	for (f = 0x100000; f < 0x110000; f += 4096)
		if (!(fake_shadow_leaf(&vm, off_cr3, false, f) & PTE_P))
			assert_int_equal(fault(&vm, f, PFEC_W, &out), MMU_FIXED);
	for (f = 0x100000; f < 0x110000; f += 4096)
		assert_true(fake_shadow_leaf(&vm, off_cr3, false, f) & PTE_RW);
	gpt_init(&g, &vm, PAGING_LONG, 0x100000, 0x108000);
	gpt_map(&g, 0x400000, 0x800000, 1, PTE_RW, TBL_ALL);
	gs = gpt_state(&g);
	gs_load(&vm, &gs);
	assert_int_equal(gpt_access(&vm, &gs, 0x400000, 0, &out), MMU_FIXED);
	for (f = 0x100000; f < 0x110000; f += 4096) {
		bool table = f < g.next;
		uint64_t e = fake_shadow_leaf(&vm, off_cr3, false, f);

		assert_true(e & PTE_P);
		assert_int_equal(!!(e & PTE_RW), !table);
	}
	/* back with paging off, a store into a table is emulated */
	load(&vm, &pg_off);
	assert_int_equal(fault(&vm, g.cr3 + 8, PFEC_P | PFEC_W, &out), MMU_EMULATE);
	assert_int_equal(out.gpa, g.cr3 + 8);
	fake_vm_teardown(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(memslot_add_rejects_bad_ranges),
		cmocka_unit_test(memslot_add_rejects_overlaps),
		cmocka_unit_test(memslot_lookup_is_per_frame),
		cmocka_unit_test(memslot_gaps_are_exact),
		cmocka_unit_test(nonpaging_quick_mmio_answers_as_the_full_path),
		cmocka_unit_test(memslot_hva_needs_one_slot),
		cmocka_unit_test(nonpaging_fill_maps_identity),
		cmocka_unit_test(nonpaging_high_addresses_wrap_to_32_bits),
		cmocka_unit_test(nonpaging_mmio_is_never_mapped),
		cmocka_unit_test(nonpaging_slot_boundaries),
		cmocka_unit_test(nonpaging_rom_slot_maps_read_only),
		cmocka_unit_test(nonpaging_mappings_of_new_tables_are_write_protected),
		cmocka_unit_test(nonpaging_root_is_reused),
		cmocka_unit_test(nonpaging_root_lands_below_4g),
		cmocka_unit_test(nonpaging_without_low_pages_fails_cleanly),
		cmocka_unit_test(nonpaging_pool_exhaustion_reclaims),
		cmocka_unit_test(init_refuses_tiny_or_failing_pools),
		cmocka_unit_test(nonpaging_reserved_bit_fault_is_fatal),
		cmocka_unit_test(guest_read_write_by_gpa),
		cmocka_unit_test(hw_control_forces_paging_bits),
		cmocka_unit_test(counters_format_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
