/*
 * bench-paging: what paging costs a guest, in each paging mode (32-bit,
 * PAE, 4-level), measured with RDTSC (one tick per emulated instruction
 * under Bochs `clock: sync=none`) and, under Shade, EXIT_COUNT:
 *
 *   <m>-first-touch   first access to a page after paging came on (under
 *                     Shade: a #PF exit and a shadow fill)
 *   <m>-retouch       the same pages again
 *   <m>-cr3-reload    MOV CR3 with the current root
 *   <m>-cr3-switch    MOV CR3 alternating between two address spaces
 *   <m>-cr3-new-root  MOV CR3 to an address space never loaded before,
 *                     plus one access through it
 *   <m>-invlpg        INVLPG of a mapped page
 *   <m>-pt-write      a 32-bit store into a live page-table entry (a
 *                     hypervisor may stop write-protecting a table that
 *                     is written often: then this gets cheap)
 *   <m>-pt-update     what an OS does to remap a page: store the PTE,
 *                     INVLPG, touch the page
 *   <m>-pt-write-emulated  a 32-bit store into a live PTE (accessed bit
 *                     set, so a shadow can map it at once), then a read of
 *                     the page it maps: the read keeps the table in use,
 *                     so a shadowing hypervisor keeps trapping its writes.
 *                     Under Shade: one exit per op, the cost of one
 *                     emulated page-table write
 *   <m>-mmio-read-cold  bench-exits' mmio-read-cold with paging on: 32
 *                     different load instructions in turn, each on its own
 *                     offset of one of 16 pages mapped (uncached) to
 *                     pc-testdev's echo RAM at 0xff000000: more than any
 *                     cache of Shade's holds, so each is walked through
 *                     the guest's tables, fetched, decoded and executed
 *   <m>-memory-workload  one pass reading 8 MiB with a 64-byte stride
 *                     (ticks per pass; compare with bare Bochs for the
 *                     overhead ratio)
 *
 * All page tables are built while paging is still off, so setting up costs
 * no exits. Lines: BENCH <name> ticks=<per op> exits=<per op> iterations=<n>,
 * ticks net of the bare loop (an empty operation through the same call).
 */
#include "guest.h"
#include "paging.h"
#include "longmode.h"

#define IDENTITY_END  0x01000000u
#define FRAMES_BASE   0x01000000u   /* 256 frames the touch regions map */
#define WORK_PA       0x01800000u   /* 8 MiB the workload reads */
#define WORK_SIZE     0x00800000u
#define VA_TOUCH      0x50000000u
#define REGION_PAGES  256u
#define REGIONS       4u
#define VA_WORK       0x60000000u
#define VA_MMIO       0x70000000u   /* 16 pages of pc-testdev's echo RAM */
#define MMIO_PA       0xff000000u
#define MMIO_PAGES    16u
#define NEW_ROOTS     16u
#define ITERATIONS    1000u
#define WORK_PASSES   4u
#define STRIDE        64u

struct bench_ctx {
	enum pg_mode mode;
	const char *prefix;
	struct aspace a, b, fresh[NEW_ROOTS];
	uint32_t pte_addr;              /* the PTE of VA_TOUCH in a */
	uint32_t pte_lo[2];             /* two values for its low half */
	uint32_t pte_acc[2];            /* the same with the accessed bit */
};

static struct bench_ctx ctx;
static bool under_shade;
static uint32_t region;                 /* the region a touch loop reads */
static volatile uint32_t sink;

typedef void (*op_fn)(uint32_t i);

static void op_nothing(uint32_t i) { (void)i; asm volatile(""); }

static void op_touch(uint32_t i)
{
	sink = *(volatile uint32_t *)(VA_TOUCH + (region * REGION_PAGES + i) *
				      PAGE_SIZE);
}

static void op_cr3_reload(uint32_t i) { (void)i; write_cr3(ctx.a.root); }
static void op_cr3_switch(uint32_t i)
{
	write_cr3(i & 1 ? ctx.b.root : ctx.a.root);
}

static void op_cr3_new_root(uint32_t i)
{
	write_cr3(ctx.fresh[i].root);
	sink = *(volatile uint32_t *)VA_TOUCH;
}

static void op_invlpg(uint32_t i) { (void)i; invlpg(VA_TOUCH); }
static void op_pt_write(uint32_t i)
{
	*(volatile uint32_t *)ctx.pte_addr = ctx.pte_lo[i & 1];
}

static void op_pt_update(uint32_t i)
{
	*(volatile uint32_t *)ctx.pte_addr = ctx.pte_lo[i & 1];
	invlpg(VA_TOUCH);
	sink = *(volatile uint32_t *)VA_TOUCH;
}

static void op_pt_write_emulated(uint32_t i)
{
	*(volatile uint32_t *)ctx.pte_addr = ctx.pte_acc[i & 1];
	sink = *(volatile uint32_t *)VA_TOUCH;
}

#define COLD(k) case k: sink = *(volatile uint32_t *)(VA_MMIO + ((k) & 15) * PAGE_SIZE + (k) * 8u); break;
static void op_mmio_read_cold(uint32_t i)
{
	switch (i & 31) {
	COLD(0) COLD(1) COLD(2) COLD(3) COLD(4) COLD(5) COLD(6) COLD(7)
	COLD(8) COLD(9) COLD(10) COLD(11) COLD(12) COLD(13) COLD(14) COLD(15)
	COLD(16) COLD(17) COLD(18) COLD(19) COLD(20) COLD(21) COLD(22) COLD(23)
	COLD(24) COLD(25) COLD(26) COLD(27) COLD(28) COLD(29) COLD(30) COLD(31)
	}
}
#undef COLD

static void op_workload_pass(uint32_t i)
{
	uint32_t sum = 0;

	(void)i;
	for (uint32_t off = 0; off < WORK_SIZE; off += STRIDE)
		sum += *(volatile uint32_t *)(VA_WORK + off);
	sink = sum;
}

struct sample {
	uint64_t ticks, exits;
};

static __attribute__((noinline)) uint64_t time_loop(op_fn op, uint32_t n)
{
	uint64_t t0 = rdtsc();

	for (uint32_t i = 0; i < n; i++)
		op(i);
	return rdtsc() - t0;
}

static struct sample measure(op_fn op, uint32_t n)
{
	struct sample s = { 0, 0 };
	uint64_t e0 = under_shade ? hc_exit_count() : 0;

	s.ticks = time_loop(op, n);
	if (under_shade)
		s.exits = hc_exit_count() - e0 - 1;
	return s;
}

static uint64_t per_op(uint64_t total, uint32_t n)
{
	return udiv64(total + n / 2, n, NULL);
}

static uint64_t loop_overhead;          /* ticks per iteration */

static void report(const char *what, struct sample s, uint32_t n)
{
	uint64_t ticks = per_op(s.ticks, n);

	ticks = ticks > loop_overhead ? ticks - loop_overhead : 0;
	printf("BENCH %s-%s ticks=%llu exits=%llu iterations=%u\n", ctx.prefix,
	       what, ticks, per_op(s.exits, n), n);
}

/* ---- set-up, all with paging off ------------------------------------------- */

static bool build_common(struct aspace *as, enum pg_mode mode)
{
	return pg_init(as, mode) &&
	       pg_identity(as, 0, IDENTITY_END, PTE_P | PTE_W);
}

static bool build(enum pg_mode mode)
{
	static const char *const prefixes[] = { "pg32", "pae", "lm4" };
	bool ok;

	ctx.mode = mode;
	ctx.prefix = prefixes[mode];
	pg_pool_reset();
	ok = build_common(&ctx.a, mode) && build_common(&ctx.b, mode);
	for (uint32_t p = 0; ok && p < REGIONS * REGION_PAGES; p++)
		ok = pg_map(&ctx.a, VA_TOUCH + p * PAGE_SIZE,
			    FRAMES_BASE + (p % REGION_PAGES) * PAGE_SIZE, 0,
			    PTE_P | PTE_W);
	for (uint32_t off = 0; ok && off < WORK_SIZE; off += PAGE_SIZE)
		ok = pg_map(&ctx.a, VA_WORK + off, WORK_PA + off, 0,
			    PTE_P | PTE_W);
	for (uint32_t p = 0; ok && p < MMIO_PAGES; p++)
		ok = pg_map(&ctx.a, VA_MMIO + p * PAGE_SIZE, MMIO_PA + p * PAGE_SIZE, 0,
			    PTE_P | PTE_W | PTE_PCD | PTE_PWT);
	ok = ok && pg_map(&ctx.b, VA_TOUCH, FRAMES_BASE, 0, PTE_P | PTE_W);
	for (uint32_t i = 0; ok && i < NEW_ROOTS; i++) {
		uint32_t chunk = (uint32_t)pg_page_size(&ctx.a, 1);

		ok = pg_init(&ctx.fresh[i], mode);
		/* Share a's identity tables; map VA_TOUCH on its own. */
		for (uint32_t va = 0; ok && va < IDENTITY_END; va += chunk)
			ok = pg_install(&ctx.fresh[i], va, 1,
					pg_get(&ctx.a, va, 1));
		ok = ok && pg_map(&ctx.fresh[i], VA_TOUCH, FRAMES_BASE, 0,
				  PTE_P | PTE_W);
	}
	if (!ok)
		return false;
	ctx.pte_addr = pg_entry_addr(&ctx.a, VA_TOUCH, 0);
	ctx.pte_lo[0] = (uint32_t)pg_read_entry(&ctx.a, ctx.pte_addr);
	ctx.pte_lo[1] = (FRAMES_BASE + PAGE_SIZE) | (uint32_t)(PTE_P | PTE_W);
	ctx.pte_acc[0] = ctx.pte_lo[0] | (uint32_t)PTE_A;
	ctx.pte_acc[1] = ctx.pte_lo[1] | (uint32_t)PTE_A;
	return true;
}

/* ---- one mode --------------------------------------------------------------- */

static void bench_mode(enum pg_mode mode)
{
	struct sample s, sum = { 0, 0 };

	if (!build(mode)) {
		printf("bench-paging: %s: out of table pages\n",
		       pg_mode_name(mode));
		return;
	}
	pg_enable(&ctx.a);
	printf("bench-paging: %s paging, %u table pages\n", pg_mode_name(mode),
	       pg_pool_used());

	for (region = 0; region < REGIONS; region++) {
		s = measure(op_touch, REGION_PAGES);
		sum.ticks += s.ticks;
		sum.exits += s.exits;
	}
	report("first-touch", sum, REGIONS * REGION_PAGES);
	region = 0;
	report("retouch", measure(op_touch, REGION_PAGES), REGION_PAGES);
	report("cr3-reload", measure(op_cr3_reload, ITERATIONS), ITERATIONS);
	report("cr3-switch", measure(op_cr3_switch, ITERATIONS), ITERATIONS);
	write_cr3(ctx.a.root);
	report("cr3-new-root", measure(op_cr3_new_root, NEW_ROOTS), NEW_ROOTS);
	write_cr3(ctx.a.root);
	report("invlpg", measure(op_invlpg, ITERATIONS), ITERATIONS);
	report("pt-write", measure(op_pt_write, ITERATIONS), ITERATIONS);
	report("pt-update", measure(op_pt_update, ITERATIONS), ITERATIONS);
	report("pt-write-emulated", measure(op_pt_write_emulated, ITERATIONS),
	       ITERATIONS);
	report("mmio-read-cold", measure(op_mmio_read_cold, ITERATIONS), ITERATIONS);
	*(volatile uint32_t *)ctx.pte_addr = ctx.pte_lo[0];
	invlpg(VA_TOUCH);
	s = measure(op_workload_pass, WORK_PASSES);
	/* The loop overhead is per pass here: negligible, and subtracted. */
	report("memory-workload", s, WORK_PASSES);
	pg_disable();
}

int guest_main(void)
{
	static const enum pg_mode modes[] = {
		PG_MODE_32, PG_MODE_PAE, PG_MODE_4LEVEL,
	};

	under_shade = shade_present();
	printf("bench-paging: %s; ticks exclude the bare loop overhead\n",
	       under_shade ? "under Shade" : "bare machine (no exit counts)");
	loop_overhead = per_op(time_loop(op_nothing, ITERATIONS), ITERATIONS);
	printf("BENCH paging-loop-overhead ticks=%llu exits=0 iterations=%u\n",
	       loop_overhead, ITERATIONS);
	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		bench_mode(modes[i]);
	return 0;
}
