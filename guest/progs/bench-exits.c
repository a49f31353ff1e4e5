/*
 * bench-exits: what one exit costs, measured from inside the guest.
 *
 * Under Bochs with `clock: sync=none` the TSC advances by one per emulated
 * instruction, so an RDTSC delta is the number of instructions spent,
 * guest and hypervisor together (DESIGN.md "Measuring speed"). Each
 * operation runs WARMUP times, then ITERATIONS times between two RDTSCs
 * through the same indirect call; the cost of that bare loop (an empty
 * operation) is measured the same way and subtracted. Under Shade the
 * EXIT_COUNT hypercall around the timed loop gives the exits per operation.
 *
 * Output, one line per operation:
 *   BENCH <name> ticks=<per op> exits=<per op, rounded> iterations=<n>
 */
#include "guest.h"
#include "lapic.h"
#include "pic.h"

#define ITERATIONS 1000
#define WARMUP 100
#define PORT_UNCLAIMED 0x250

struct bench {
	const char *name;
	void (*op)(void);
	bool needs_shade;       /* VMCALL raises #UD elsewhere */
};

static void op_nothing(void) { asm volatile(""); }
static void op_cpuid(void) { cpuid(0); }
static void op_vmcall_version(void) { vmcall3(HC_VERSION, 0, 0); }
static void op_in_com1_lsr(void) { inb(COM1_LSR); }
static void op_in_unclaimed(void) { inb(PORT_UNCLAIMED); }
static void op_out_port80(void) { outb(0x80, 0); }
static void op_rdmsr_sysenter_cs(void) { rdmsr(0x174); }

/* MMIO through Shade's instruction emulator: pc-testdev's echo RAM at
 * 0xff000000 (paging is off, so the address is also the gpa).
 *   mmio-read/-write: the same instruction on the same register each time:
 *     the cached path (the move, its bytes and the page's translation
 *     remembered and validated).
 *   mmio-read-alternating: two instructions on two pages, in turn: the
 *     caches hold a few of each, so this stays on the cached path too.
 *   mmio-read-uncached: one instruction reading four pages in turn whose
 *     numbers share a slot of the shadow MMU's MMIO cache (page & 3): every
 *     access walks and misses the memslots; the one instruction is held
 *     decoded (its bytes compared) and replayed on the new page.
 *   mmio-read-cold: 32 different load instructions in turn, each on its
 *     own offset of one of 16 pages: more instructions than any cache of
 *     Shade's holds, so each access is walked, fetched, decoded and
 *     executed by the emulator from scratch. */
#define MMIO_A ((volatile uint32_t *)0xff000100u)
#define MMIO_B ((volatile uint32_t *)0xff002200u)
static void op_mmio_read(void) { (void)*MMIO_A; }
static void op_mmio_write(void) { *MMIO_A = 0x12345678; }
static __attribute__((noinline)) void mmio_read_b(void) { (void)*MMIO_B; }
static void op_mmio_read_alternating(void)
{
	static unsigned n;
	if (n++ & 1)
		(void)*MMIO_A;
	else
		mmio_read_b();
}
#define COLD(i) case i: (void)*(volatile uint32_t *)(0xff000000u + ((i) & 15) * 0x1000u + (i) * 8u); break;
static void op_mmio_read_cold(void)
{
	static unsigned n;
	switch (n++ & 31) {
	COLD(0) COLD(1) COLD(2) COLD(3) COLD(4) COLD(5) COLD(6) COLD(7)
	COLD(8) COLD(9) COLD(10) COLD(11) COLD(12) COLD(13) COLD(14) COLD(15)
	COLD(16) COLD(17) COLD(18) COLD(19) COLD(20) COLD(21) COLD(22) COLD(23)
	COLD(24) COLD(25) COLD(26) COLD(27) COLD(28) COLD(29) COLD(30) COLD(31)
	}
}
static void op_mmio_read_uncached(void)
{
	static unsigned n;
	(void)*(volatile uint32_t *)(0xff000100u + ((n++ & 3) << 14));
}

/* Interrupt round trip: a fixed self-IPI through the local APIC's ICR, the
 * guest's handler runs (and EOIs), back in the loop. Vector 0x40. */
#define IPI_VECTOR 0x40
static volatile uint32_t ipis;
static void ipi_handler(struct exc_frame *f) { (void)f; ipis++; lapic_eoi(); }
/* A device interrupt: pc-testdev's IRQ-line port raises ISA IRQ5; through
 * the 8259A (LAPIC in virtual-wire mode) to the handler, which lowers the
 * line and EOIs. On machines without pc-testdev nothing arrives: skipped. */
#define TESTDEV_IRQ_PORT(n) (0x2000 + (n))
#define DEV_IRQ 5
static volatile uint32_t dev_irqs;
static void dev_irq_handler(struct exc_frame *f)
{
	(void)f;
	outb(TESTDEV_IRQ_PORT(DEV_IRQ), 0);
	pic_eoi(DEV_IRQ);
	dev_irqs++;
}
static void op_device_irq(void)
{
	uint32_t before = dev_irqs;
	outb(TESTDEV_IRQ_PORT(DEV_IRQ), 1);
	for (int i = 0; i < 100000 && dev_irqs == before; i++)
		;
}

static void op_xapic_tpr_read(void) { (void)lapic_read(LAPIC_TPR); }
static void op_xapic_tpr_write(void) { lapic_write(LAPIC_TPR, 0); }
static void op_xapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }
static void op_self_ipi(void)
{
	uint32_t before = ipis;
	lapic_write(LAPIC_ICR_LO, (1u << 18) | IPI_VECTOR);	/* shorthand: self, fixed */
	while (ipis == before)
		;
}
static void op_x2apic_tpr_write(void)
{
	static bool on;
	if (!on) {
		/* EXTD (x2APIC mode) where CPUID offers it; bare CPUs without it
		 * just get the xAPIC write measured under the same name. */
		if (cpuid(1).ecx & (1u << 21))
			wrmsr(0x1b, rdmsr(0x1b) | (1u << 10));
		on = true;
	}
	if (!(rdmsr(0x1b) & (1u << 10))) {
		lapic_write(LAPIC_TPR, 0);
		return;
	}
	wrmsr(0x808, 0);
}

static const struct bench benches[] = {
	{ "cpuid", op_cpuid, false },
	{ "vmcall-version", op_vmcall_version, true },
	{ "in-com1-lsr", op_in_com1_lsr, false },
	{ "in-unclaimed", op_in_unclaimed, false },
	{ "out-port80", op_out_port80, false },
	{ "rdmsr-sysenter-cs", op_rdmsr_sysenter_cs, false },
	{ "mmio-read", op_mmio_read, false },
	{ "mmio-write", op_mmio_write, false },
	{ "mmio-read-alternating", op_mmio_read_alternating, false },
	{ "mmio-read-uncached", op_mmio_read_uncached, false },
	{ "mmio-read-cold", op_mmio_read_cold, false },
	{ "xapic-tpr-read", op_xapic_tpr_read, false },
	{ "xapic-tpr-write", op_xapic_tpr_write, false },
	{ "xapic-eoi-write", op_xapic_eoi, false },
	{ "self-ipi-round-trip", op_self_ipi, false },
	{ "device-irq-round-trip", op_device_irq, true },
	/* last: x2APIC mode can't be left without disabling the APIC */
	{ "x2apic-tpr-msr-write", op_x2apic_tpr_write, false },
};

struct sample {
	uint64_t ticks;         /* for all ITERATIONS */
	uint64_t exits;         /* for all ITERATIONS, 0 without Shade */
};

static bool under_shade;

/* The timed loop. noinline + the indirect call keep it the same for every
 * operation, so the empty operation's cost is exactly the loop's. */
static __attribute__((noinline)) uint64_t time_loop(void (*op)(void), int n)
{
	uint64_t t0 = rdtsc();

	for (int i = 0; i < n; i++)
		op();
	return rdtsc() - t0;
}

static struct sample measure(void (*op)(void))
{
	struct sample s = { 0 };
	uint64_t e0 = 0, e1 = 0;

	time_loop(op, WARMUP);
	if (under_shade)
		e0 = hc_exit_count();
	s.ticks = time_loop(op, ITERATIONS);
	if (under_shade) {
		e1 = hc_exit_count();
		/* e1 counts the EXIT_COUNT VMCALL that read e0 as well. */
		s.exits = e1 - e0 - 1;
	}
	return s;
}

static uint64_t per_op(uint64_t total)
{
	return udiv64(total + ITERATIONS / 2, ITERATIONS, NULL);
}

int guest_main(void)
{
	struct sample loop;
	uint64_t overhead;

	under_shade = shade_present();
	printf("bench-exits: %s, %u iterations after %u warm-up, "
	       "ticks exclude the bare loop overhead\n",
	       under_shade ? "under Shade" : "bare machine (no exit counts)",
	       ITERATIONS, WARMUP);
	/* The local APIC for the interrupt benchmarks: enabled, IF on. */
	irq_set_handler(IPI_VECTOR, ipi_handler);
	pic_init(PIC_VECTOR_BASE);
	irq_set_handler(PIC_VECTOR_BASE + DEV_IRQ, dev_irq_handler);
	pic_unmask(DEV_IRQ);
	lapic_enable(0xff);
	irq_enable();
	loop = measure(op_nothing);
	overhead = loop.ticks;
	printf("BENCH loop-overhead ticks=%llu exits=%llu iterations=%u\n",
	       per_op(loop.ticks), per_op(loop.exits), ITERATIONS);
	for (unsigned i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		const struct bench *b = &benches[i];
		struct sample s;
		uint64_t net;

		if (b->needs_shade && !under_shade) {
			printf("bench-exits: %s skipped: not under Shade\n",
			       b->name);
			continue;
		}
		s = measure(b->op);
		net = s.ticks > overhead ? s.ticks - overhead : 0;
		printf("BENCH %s ticks=%llu exits=%llu iterations=%u\n",
		       b->name, per_op(net), per_op(s.exits), ITERATIONS);
	}
	return 0;
}
