/* Fake host and fake guest RAM for the mmu/ unit tests (host only).
 *
 * The "host" hands out pages from two arenas: a low one (host-physical
 * addresses below 4 GiB) and a high one (above), so tests can check where
 * PAE-format roots land. Guest RAM is one buffer described by memslots; its
 * host-physical addresses start at FAKE_RAM_HPA. The "hardware" view of a
 * shadow is obtained by walking it with mmu/walk.c over a memslot map of the
 * arenas (the walker itself is checked against the SDM in test_mmu_walk). */
#ifndef SHADE_TESTS_MMU_FAKE_H
#define SHADE_TESTS_MMU_FAKE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mmu/mmu.h"

#define FAKE_LOW_HPA   0x00100000ull
#define FAKE_HIGH_HPA  0x200000000ull
#define FAKE_RAM_HPA   0x80000000ull

struct fake_arena {
	uint8_t *mem;
	uint64_t base;
	uint32_t npages;
	uint8_t *used;
};

struct fake_host {
	struct fake_arena low, high;
	uint32_t live;          /* pages handed out and not freed */
	uint32_t fail_after;    /* refuse allocations beyond this many (0: never) */
	uint32_t calls;
};

struct fake_vm {
	struct fake_host host;
	struct mmu_host_ops ops;
	struct memslots slots;
	uint8_t *ram;
	uint64_t ram_size;
	struct mmu mmu;
	struct memslots hw_slots;  /* the arenas, for walking shadows */
};

static inline void fake_arena_init(struct fake_arena *a, uint64_t base,
				   uint32_t npages)
{
	a->base = base;
	a->npages = npages;
	a->mem = npages ? aligned_alloc(4096, (size_t)npages * 4096) : NULL;
	a->used = calloc(npages + 1, 1);
}

static bool fake_scatter;   /* hand pages out in a scrambled order */

static inline uint64_t fake_arena_alloc(struct fake_arena *a)
{
	uint32_t n, i;

	for (n = 0; n < a->npages; n++) {
		/* 7 is coprime with every arena size the tests use but 7*k */
		i = fake_scatter && a->npages % 7 ? (n * 7) % a->npages : n;
		if (!a->used[i]) {
			a->used[i] = 1;
			memset(a->mem + (size_t)i * 4096, 0, 4096);
			return a->base + (uint64_t)i * 4096;
		}
	}
	return 0;
}

static inline uint64_t fake_alloc(void *opaque, uint32_t flags)
{
	struct fake_host *h = opaque;
	uint64_t hpa = 0;

	h->calls++;
	if (h->fail_after && h->live >= h->fail_after)
		return 0;
	if (!(flags & MMU_ALLOC_BELOW_4G))
		hpa = fake_arena_alloc(&h->high);
	if (!hpa)
		hpa = fake_arena_alloc(&h->low);
	if (hpa)
		h->live++;
	return hpa;
}

static inline struct fake_arena *fake_arena_of(struct fake_host *h, uint64_t hpa)
{
	if (hpa >= h->low.base && hpa < h->low.base + (uint64_t)h->low.npages * 4096)
		return &h->low;
	if (hpa >= h->high.base && hpa < h->high.base + (uint64_t)h->high.npages * 4096)
		return &h->high;
	return NULL;
}

static inline void fake_free(void *opaque, uint64_t hpa)
{
	struct fake_host *h = opaque;
	struct fake_arena *a = fake_arena_of(h, hpa);

	assert_non_null(a);
	assert_true((hpa & 0xfff) == 0);
	assert_int_equal(a->used[(hpa - a->base) / 4096], 1);
	a->used[(hpa - a->base) / 4096] = 0;
	h->live--;
}

static inline void *fake_p2v(void *opaque, uint64_t hpa)
{
	struct fake_host *h = opaque;
	struct fake_arena *a = fake_arena_of(h, hpa);

	assert_non_null(a);
	return a->mem + (hpa - a->base);
}

/* A VM with @ram_size bytes of RAM at gpa 0 (unless @no_slot) and a pool
 * of @pool pages; @low/@high size the host arenas. */
static bool fake_hw_nxe_always;   /* how the next fake VM runs EFER.NXE */

static inline void fake_vm_setup(struct fake_vm *vm, uint64_t ram_size,
				 uint32_t pool, uint32_t low, uint32_t high,
				 bool no_slot)
{
	struct mmu_config cfg = { .pool_pages = pool, .maxphyaddr = 36,
				  .gbpages = true, .host_nx = true,
				  .hw_nxe_always = fake_hw_nxe_always };

	memset(vm, 0, sizeof(*vm));
	fake_arena_init(&vm->host.low, FAKE_LOW_HPA, low);
	fake_arena_init(&vm->host.high, FAKE_HIGH_HPA, high);
	vm->ops = (struct mmu_host_ops){ fake_alloc, fake_free, fake_p2v, &vm->host };
	vm->ram_size = ram_size;
	vm->ram = aligned_alloc(4096, ram_size);
	memset(vm->ram, 0, ram_size);
	memslots_init(&vm->slots);
	if (!no_slot)
		assert_int_equal(memslot_add(&vm->slots, 0, ram_size, FAKE_RAM_HPA,
					     vm->ram, 0), MEMSLOT_OK);
	memslots_init(&vm->hw_slots);
	if (low)
		memslot_add(&vm->hw_slots, FAKE_LOW_HPA, (uint64_t)low * 4096, FAKE_LOW_HPA,
			    vm->host.low.mem, 0);
	if (high)
		memslot_add(&vm->hw_slots, FAKE_HIGH_HPA, (uint64_t)high * 4096, FAKE_HIGH_HPA,
			    vm->host.high.mem, 0);
	assert_int_equal(mmu_init(&vm->mmu, &vm->ops, &vm->slots, &cfg), MMU_OK);
}

static inline void fake_vm_teardown(struct fake_vm *vm)
{
	mmu_destroy(&vm->mmu);
	assert_int_equal(vm->host.live, 0);   /* every page went back */
	free(vm->host.low.mem);
	free(vm->host.low.used);
	free(vm->host.high.mem);
	free(vm->host.high.used);
	free(vm->ram);
}

/* What the hardware would do with the shadow at @host_cr3: hardware runs
 * PAE (or 4-level if @long_mode) with CR0.WP=1 and the given EFER.NXE and
 * CR4.SMEP/SMAP. Returns WALK_OK with *hpa, or WALK_FAULT with *ec. */
static inline int fake_hw_access(struct fake_vm *vm, uint64_t host_cr3,
				 bool long_mode, uint64_t la, uint32_t acc,
				 bool smep, bool smap, bool nxe, uint64_t *hpa,
				 uint32_t *ec)
{
	struct walk_ctx c = {
		.slots = &vm->hw_slots,
		.mode = long_mode ? PAGING_LONG : PAGING_PAE,
		.cr3 = host_cr3, .wp = true, .nxe = nxe, .smep = smep,
		.smap = smap, .gbpages = true, .maxphyaddr = 40,
	};
	struct walk_result w;
	int r;

	if (!long_mode)
		assert_true(walk_load_pdptes(&vm->hw_slots, host_cr3, 40, c.pdpte));
	r = walk(&c, la, acc | WALK_NO_AD, &w);
	*hpa = w.gpa;
	*ec = w.error_code;
	return r;
}

/* The leaf shadow entry for @la, or 0 if the shadow has none. */
static inline uint64_t fake_shadow_leaf(struct fake_vm *vm, uint64_t host_cr3,
					bool long_mode, uint64_t la)
{
	const struct paging_format *f = paging_format(long_mode ? PAGING_LONG : PAGING_PAE);
	uint64_t table = host_cr3 & PTE_ADDR_MASK, e = 0;
	int level;

	for (level = f->top; level >= 1; level--) {
		uint64_t *t = fake_p2v(&vm->host, table);

		e = t[paging_index(f, level, la)];
		if (!(e & PTE_P))
			return 0;
		if (level > 1 && (e & PTE_PS))
			fail_msg("shadow uses a large page at level %d", level);
		table = e & PTE_ADDR_MASK;
	}
	return e;
}

#endif
