/* mmu/ cost driver (not a unit test): replays what guest/progs/bench-paging
 * does against fake guest memory, each phase between callgrind dumps, so
 * `make mmu-cost` counts the instructions mmu/ spends per operation (the
 * unit Bochs ticks count in; mmu/ is built with the hypervisor's flags).
 * Without valgrind it still runs (and checks the outcomes), printing
 * nothing useful. */
#include "tests/unit/mmu_guestpt.h"
#include "mmu/shadow.h"
#include <stdio.h>
#include <valgrind/callgrind.h>

#define MiB (1ull << 20)
#define RAM (48 * MiB)
#define IDENTITY_END 0x01000000ull
#define FRAMES_BASE  0x01000000ull
#define WORK_PA      0x01800000ull
#define WORK_SIZE    0x00800000ull
#define VA_TOUCH     0x50000000ull
#define VA_WORK      0x60000000ull
#define VA_SPARSE    0x70000000ull   /* one page per 64 KiB: no neighbours */
#define REGION_PAGES 256u
#define REGIONS      4u
#define NEW_ROOTS    16u
#define ITER         1000u

static struct fake_vm vm;
static struct gpt a, b, fresh[NEW_ROOTS];
static struct mmu_guest_state gsa, gsb, gsf[NEW_ROOTS];
static uint64_t pte_addr;

static void identity(struct gpt *g)
{
	for (uint64_t pa = 0; pa < IDENTITY_END; pa += 4096)
		gpt_map(g, pa, pa, 1, PTE_RW, TBL_ALL);
}

static void build(enum paging_mode mode)
{
	uint64_t next = 0x200000;

	gpt_init(&a, &vm, mode, next, next + 0x100000);
	identity(&a);
	gpt_init(&b, &vm, mode, 0x300000, 0x340000);
	identity(&b);
	for (unsigned p = 0; p < REGIONS * REGION_PAGES; p++)
		gpt_map(&a, VA_TOUCH + p * 4096ull,
			FRAMES_BASE + (p % REGION_PAGES) * 4096ull, 1, PTE_RW, TBL_ALL);
	for (uint64_t off = 0; off < WORK_SIZE; off += 4096)
		gpt_map(&a, VA_WORK + off, WORK_PA + off, 1, PTE_RW, TBL_ALL);
	for (unsigned p = 0; p < REGION_PAGES; p++)
		gpt_map(&a, VA_SPARSE + p * 0x10000ull, FRAMES_BASE + p * 4096ull, 1,
			PTE_RW, TBL_ALL);
	gpt_map(&b, VA_TOUCH, FRAMES_BASE, 1, PTE_RW, TBL_ALL);
	next = b.next;
	for (unsigned i = 0; i < NEW_ROOTS; i++) {
		struct gpt *f = &fresh[i];
		uint64_t span = paging_entry_span(paging_format(mode), 2);

		gpt_init(f, &vm, mode, next, next + 0x8000);
		for (uint64_t va = 0; va < IDENTITY_END; va += span) {
			uint64_t e = gpt_get(&a, gpt_entry(&a, va, 2, TBL_ALL));
			gpt_set(f, gpt_entry(f, va, 2, TBL_ALL), e);
		}
		gpt_map(f, VA_TOUCH, FRAMES_BASE, 1, PTE_RW, TBL_ALL);
		next = f->next;
		gsf[i] = gpt_state(f);
	}
	gsa = gpt_state(&a);
	gsb = gpt_state(&b);
	pte_addr = gpt_entry(&a, VA_TOUCH, 1, TBL_ALL);
}

static void fault(uint64_t la, uint32_t ec)
{
	struct mmu_fault out;
	enum mmu_outcome o = mmu_page_fault(&vm.mmu, la, ec, 0, &out);

	if (o != MMU_FIXED && o != MMU_EMULATE)
		fail_msg("fault at %#llx: outcome %d", (unsigned long long)la, o);
}

/* What the hardware does: a #PF exit only if the shadow has no entry. */
static void touch(uint64_t la)
{
	if (!(fake_shadow_leaf(&vm, vm.mmu.root_hpa, gs_long(&gsa), la) & PTE_P))
		fault(la, 0);
}

static void load(const struct mmu_guest_state *gs)
{
	uint64_t cr3;

	if (mmu_load_context(&vm.mmu, gs, &cr3) != MMU_OK)
		fail_msg("load_context");
}

static const char *prefix;

static void phase(const char *what)
{
	char name[64];

	snprintf(name, sizeof(name), "%s-%s", prefix, what);
	CALLGRIND_DUMP_STATS_AT(name);
}

static void run_mode(enum paging_mode mode, const char *pfx)
{
	uint64_t v0, v1;
	unsigned i;

	prefix = pfx;
	fake_vm_setup(&vm, RAM, 1024, 1100, 0, false);
	build(mode);
	/* the guest built its tables with paging off: direct shadows map
	 * that memory (tables included) writable */
	{
		struct mmu_guest_state off = { .cr0 = CR0_PE };

		load(&off);
		for (uint64_t pa = 0x100000; pa < 0x400000; pa += 4096)
			fault(pa, PFEC_W);
	}
	load(&gsa);
	/* the guest's code and stack live in the identity map */
	touch(0x100000);
	touch(0x1ff000);
	CALLGRIND_ZERO_STATS;
	for (i = 0; i < REGIONS * REGION_PAGES; i++)
		touch(VA_TOUCH + i * 4096ull);
	phase("first-touch-x1024");
	for (i = 0; i < REGIONS * REGION_PAGES; i++)
		touch(VA_TOUCH + i * 4096ull);
	phase("retouch-driver-only-x1024");
	touch(VA_SPARSE);
	CALLGRIND_ZERO_STATS;
	for (i = 1; i < REGION_PAGES; i++)
		touch(VA_SPARSE + i * 0x10000ull);
	phase("sparse-fill-x255");
	for (i = 0; i < ITER; i++)
		load(&gsa);
	phase("cr3-reload-x1000");
	for (i = 0; i < ITER; i++)
		load(i & 1 ? &gsb : &gsa);
	phase("cr3-switch-x1000");
	load(&gsa);
	CALLGRIND_ZERO_STATS;
	for (i = 0; i < NEW_ROOTS; i++) {
		load(&gsf[i]);
		touch(0x100000);
		touch(0x1ff000);
		touch(VA_TOUCH);
	}
	phase("cr3-new-root-x16");
	load(&gsa);
	touch(VA_TOUCH);
	v0 = gpt_get(&a, pte_addr);
	v1 = (FRAMES_BASE + 4096) | PTE_P | PTE_RW;
	CALLGRIND_ZERO_STATS;
	for (i = 0; i < 8; i++) {
		uint64_t v = i & 1 ? v1 : v0;
		/* the store: through the identity map, trapped while shadowed */
		if (frame_shadowed(&vm.mmu, pte_addr >> 12)) {
			struct mmu_fault out;

			if (mmu_page_fault(&vm.mmu, pte_addr, PFEC_P | PFEC_W, 0, &out) != MMU_EMULATE)
				fail_msg("PT write not emulated");
			mmu_write_guest(&vm.mmu, out.gpa, &v, gpt_eb(&a));
		} else {
			gpt_set(&a, pte_addr, v);
		}
		mmu_invlpg(&vm.mmu, VA_TOUCH);
		touch(VA_TOUCH);
	}
	phase("pt-update-x8");
	/* bench-paging's pt-write-emulated: the trapped store (#PF exit
	 * answered MMU_EMULATE, then the emulator's 32-bit write by gpa of a
	 * PTE with A set) and a read of the page it maps, which should need
	 * no exit */
	touch(VA_TOUCH);
	CALLGRIND_ZERO_STATS;
	for (i = 0; i < 64; i++) {
		uint32_t v = (uint32_t)((i & 1 ? v1 : v0) | PTE_A);
		struct mmu_fault out;

		if (mmu_page_fault(&vm.mmu, pte_addr, PFEC_P | PFEC_W, 0, &out) != MMU_EMULATE)
			fail_msg("PT write not emulated");
		mmu_write_guest(&vm.mmu, out.gpa, &v, sizeof(v));
		touch(VA_TOUCH);
	}
	phase("pt-write-emulated-x64");
	for (i = 0; i < ITER; i++)
		mmu_invlpg(&vm.mmu, VA_TOUCH + 4096);
	phase("invlpg-x1000");
	for (uint64_t off = 0; off < WORK_SIZE; off += 4096)
		touch(VA_WORK + off);
	phase("workload-pages-x2048");
	{
		char line[512];
		mmu_counters_format(&vm.mmu, line, sizeof(line));
		printf("%s: %s\n", pfx, line);
	}
	fake_vm_teardown(&vm);
}

static void all(void **state)
{
	(void)state;
	run_mode(PAGING_32, "pg32");
	run_mode(PAGING_PAE, "pae");
	run_mode(PAGING_LONG, "lm4");
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(all) };
	CALLGRIND_ZERO_STATS;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
