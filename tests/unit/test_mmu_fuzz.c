/* libFuzzer harness for mmu/ (make fuzz-mmu): hostile guest page tables.
 *
 * The input is the guest: its first page tables (copied into guest RAM),
 * its control registers, and a stream of operations (accesses, writes to
 * guest memory the way the emulator does them, INVLPG, CR3 loads). After
 * every access the shadow must be exact (the hardware, modelled by the
 * walker over the shadow tables, allows nothing the guest's tables forbid,
 * and maps to the same frame) and no shadow entry may map anything but
 * RAM. Any violation aborts. No cmocka: plain checks and abort(). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mmu/mmu.h"
#include "mmu/shadow.h"

#define RAM_PAGES   64u                  /* 256 KiB of guest RAM at gpa 0 */
#define RAM_HPA     0x80000000ull
#define POOL_HPA    0x00100000ull
#define POOL_PAGES  40u

static uint8_t *ram, *arena;
static uint8_t used[POOL_PAGES];
static struct memslots slots, hw_slots;

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "violated: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static uint64_t f_alloc(void *o, uint32_t fl)
{
	(void)o; (void)fl;
	for (unsigned i = 0; i < POOL_PAGES; i++)
		if (!used[i]) {
			used[i] = 1;
			memset(arena + i * 4096, 0, 4096);
			return POOL_HPA + i * 4096ull;
		}
	return 0;
}
static void f_free(void *o, uint64_t h) { (void)o; used[(h - POOL_HPA) / 4096] = 0; }
static void *f_p2v(void *o, uint64_t h) { (void)o; return arena + (h - POOL_HPA); }

static const uint32_t kinds[] = {
	WALK_USER, WALK_USER | WALK_WRITE, WALK_USER | WALK_FETCH, 0, WALK_WRITE,
	WALK_FETCH, WALK_AC, WALK_WRITE | WALK_AC, WALK_IMPLICIT,
	WALK_IMPLICIT | WALK_WRITE,
};

static int hw_walk(struct mmu *m, const struct mmu_guest_state *gs, uint64_t la,
		   uint32_t acc, struct walk_result *w)
{
	uint64_t cr0, cr4;
	struct walk_ctx c;

	mmu_hw_control(gs, &cr0, &cr4);
	memset(&c, 0, sizeof(c));
	c.slots = &hw_slots;
	c.mode = (gs->cr0 & CR0_PG) && (gs->efer & (EFER_LME | EFER_LMA)) ? PAGING_LONG : PAGING_PAE;
	c.cr3 = m->root_hpa;
	c.wp = true;
	c.nxe = m->cfg.hw_nxe_always || (gs->efer & EFER_NXE);
	c.smep = cr4 & CR4_SMEP;
	c.smap = cr4 & CR4_SMAP;
	c.gbpages = true;
	c.maxphyaddr = 40;
	if (c.mode == PAGING_PAE)
		CHECK(walk_load_pdptes(&hw_slots, c.cr3, 40, c.pdpte));
	return walk(&c, la, acc | WALK_NO_AD, w);
}

static uint32_t pf_ctx(uint32_t acc)
{
	return ((acc & (WALK_USER | WALK_IMPLICIT)) ? MMU_PF_CPL3 : 0) |
	       ((acc & WALK_AC) ? MMU_PF_AC : 0);
}

/* The shadow allows nothing the guest forbids, for every access type. */
static void check_exact(struct mmu *m, const struct mmu_guest_state *gs, uint64_t la)
{
	for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct walk_result hwr, gw;

		if (hw_walk(m, gs, la, kinds[k], &hwr) != WALK_OK)
			continue;
		CHECK(walk(&m->wc, la, kinds[k] | WALK_NO_AD, &gw) == WALK_OK);
		CHECK(hwr.gpa == RAM_HPA + gw.gpa);
		if (kinds[k] & WALK_WRITE)
			CHECK(gw.dirty);
	}
}

static void check_pool(struct mmu *m)
{
	for (uint32_t i = 0; i < m->nsp; i++) {
		struct mmu_sp *sp = sp_get(m, i);
		uint64_t *t = sp->table;

		for (unsigned e = 0; e < 512; e++) {
			if (!(sp->flags & SP_USED)) {
				CHECK(t[e] == 0);
			} else if (role_level(sp->role) == 1 && (t[e] & PTE_P)) {
				CHECK((t[e] & PTE_ADDR_MASK) >= RAM_HPA);
				CHECK((t[e] & PTE_ADDR_MASK) < RAM_HPA + RAM_PAGES * 4096ull);
			}
		}
	}
}

/* One guest access: run it on the shadow, exit to the MMU while it says
 * FIXED (at most a few times), play the emulator on EMULATE/MMIO. */
static void access(struct mmu *m, const struct mmu_guest_state *gs, uint64_t la,
		   uint32_t acc, uint64_t value)
{
	for (int iter = 0; iter < 4; iter++) {
		struct walk_result hwr;
		struct mmu_fault out;
		uint64_t gpa;
		uint32_t pf;

		if (hw_walk(m, gs, la, acc, &hwr) == WALK_OK)
			return;
		switch (mmu_page_fault(m, la, hwr.error_code, pf_ctx(acc), &out)) {
		case MMU_FIXED:
			continue;
		case MMU_EMULATE:
		case MMU_MMIO:
			if ((acc & WALK_WRITE) &&
			    mmu_translate(m, la & ~7ull, acc, &gpa, &pf) == MMU_OK)
				mmu_write_guest(m, gpa, &value, 8);
			return;
		case MMU_FATAL:
			CHECK(!"fatal outcome");
			return;
		default:
			return;
		}
	}
	CHECK(!"no progress");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mmu m;
	struct mmu_host_ops ops = { f_alloc, f_free, f_p2v, NULL };
	struct mmu_config cfg = { .pool_pages = POOL_PAGES, .maxphyaddr = 36,
				  .gbpages = true, .host_nx = true };
	struct mmu_guest_state gs = { .cr0 = CR0_PE };
	uint64_t cr3;
	size_t pos, n;

	if (size < 4)
		return 0;
	if (!ram) {
		ram = aligned_alloc(4096, RAM_PAGES * 4096);
		arena = aligned_alloc(4096, POOL_PAGES * 4096);
		memslots_init(&slots);
		memslot_add(&slots, 0, RAM_PAGES * 4096ull, RAM_HPA, ram, 0);
		memslots_init(&hw_slots);
		memslot_add(&hw_slots, POOL_HPA, POOL_PAGES * 4096ull, POOL_HPA, arena, 0);
	}
	memset(ram, 0, RAM_PAGES * 4096);
	cfg.hw_nxe_always = data[1] & 0x40;
	if (mmu_init(&m, &ops, &slots, &cfg) != MMU_OK)
		abort();
	/* control registers */
	switch (data[0] & 3) {
	case 1: gs.cr0 |= CR0_PG; break;
	case 2: gs.cr0 |= CR0_PG; gs.cr4 |= CR4_PAE; break;
	case 3: gs.cr0 |= CR0_PG; gs.cr4 |= CR4_PAE; gs.efer |= EFER_LME | EFER_LMA; break;
	}
	if (data[1] & 1) gs.cr0 |= CR0_WP;
	if (data[1] & 2) gs.cr4 |= CR4_SMEP;
	if (data[1] & 4) gs.cr4 |= CR4_SMAP;
	if (data[1] & 8) gs.efer |= EFER_NXE;
	if (data[1] & 16) gs.cr4 |= CR4_PSE;
	gs.cr3 = (uint64_t)(data[2] % RAM_PAGES) * 4096 + ((data[2] >> 6) << 5);
	/* the initial guest memory: up to 16 KiB of tables from the input */
	n = data[3] * 64u;
	if (n > size - 4)
		n = size - 4;
	if (n > 16384)
		n = 16384;
	memcpy(ram, data + 4, n);
	pos = 4 + n;
	if (mmu_load_context(&m, &gs, &cr3) != MMU_OK)
		goto out;
	/* operations, 10 bytes each */
	for (; pos + 10 <= size; pos += 10) {
		const uint8_t *op = data + pos;
		uint64_t la, v;

		memcpy(&la, op + 1, 4);
		la = (la & 0x3ffff) | ((uint64_t)(op[5] & 0xc0) << 24);   /* RAM and a bit beyond */
		if ((gs.efer & EFER_LMA) && (op[5] & 1))
			la |= 0xffff800000000000ull;
		memcpy(&v, op + 2, 8);
		switch (op[0] % 5) {
		case 0: case 1:
			access(&m, &gs, la, kinds[op[9] % 10], v);
			check_exact(&m, &gs, la);
			break;
		case 2:
			mmu_write_guest(&m, la & 0x3fff8, &v, 1 + op[9] % 8);
			check_exact(&m, &gs, la);
			break;
		case 3:
			mmu_invlpg(&m, la);
			break;
		case 4:
			gs.cr3 = (uint64_t)(op[9] % RAM_PAGES) * 4096;
			if (mmu_load_context(&m, &gs, &cr3) != MMU_OK)
				goto out;
			break;
		}
	}
	check_pool(&m);
out:
	mmu_destroy(&m);
	return 0;
}
