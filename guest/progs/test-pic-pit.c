/*
 * test-pic-pit: the 8259A PIC pair and the 8254 PIT channel 0 (issue 5):
 * initialisation (ICW1-4) and the mask register, IRQ 0 delivered at the
 * programmed vector, ISR set in the handler and cleared by EOI, IRR
 * pending while masked and delivered on unmask, PIT mode 2 (periodic) and
 * mode 0 (one shot), the latch command. Runs on bare QEMU/Bochs too.
 */
#include "guest.h"
#include "pic.h"
#include "pit.h"

#define VEC_TIMER (PIC_VECTOR_BASE + 0)
#define PIT_1KHZ  (PIT_HZ / 1000)

static volatile uint32_t ticks;
static volatile bool isr_seen_in_handler;

static void on_timer(struct exc_frame *f)
{
	(void)f;
	ticks++;
	isr_seen_in_handler = pic_isr() & 1;
	pic_eoi(0);
}

/* Wait for `wraps` reloads of channel 0 (its count jumps up), with
 * interrupts as they are; bounded. */
static bool wait_pit_wraps(unsigned wraps)
{
	uint16_t last = pit_read();

	for (uint32_t i = 0; wraps && i < 50000000; i++) {
		uint16_t now = pit_read();

		if (now > last)
			wraps--;
		last = now;
	}
	return wraps == 0;
}

static void test_counting(void)
{
	uint16_t a, b;

	pit_periodic(0xffff);
	a = pit_read();
	for (volatile int i = 0; i < 2000; i++)
		;
	b = pit_read();
	if (a == b)
		printf("  pit count stayed at %u\n", a);
	check(a != b, "pit-latch-counts-down");
}

static void test_periodic(void)
{
	pit_periodic(PIT_1KHZ);
	ticks = 0;
	pic_unmask(0);
	for (int i = 0; i < 10; i++)
		irq_wait();
	check_eq(ticks, 10, "pic-pit-irq0-ten-ticks");
	check_eq(irq_count(VEC_TIMER), 10, "pic-irq0-vector");
	check(isr_seen_in_handler, "pic-isr-set-in-handler");
	check(!(pic_isr() & 1), "pic-isr-clear-after-eoi");
	check_eq(irq_unhandled(), 0, "pic-no-stray-vectors");
}

/* Timer interrupts reach a guest that never exits on its own: a spin loop
 * with no I/O, no HLT (a hypervisor must interrupt it with its own timer:
 * the VMX-preemption timer, or the host's PIT where there is none). */
static void test_spinning(void)
{
	pit_periodic(PIT_1KHZ);
	ticks = 0;
	pic_unmask(0);
	irq_enable();
	for (volatile uint32_t i = 0; i < 200000000u && ticks < 3; i++)
		;
	irq_disable();
	check(ticks >= 3, "pit-irq-while-spinning");
}

static void test_masking(void)
{
	uint32_t before;
	bool waited;

	pic_mask(0);
	check(pic_imr() & 1, "pic-imr-mask-bit");
	before = ticks;
	irq_enable();
	waited = wait_pit_wraps(5);     /* 5 ms at 1 kHz */
	irq_disable();
	check(waited && ticks == before, "pic-masked-irq0-not-delivered");
	check(pic_irr() & 1, "pic-irr-pending-while-masked");
	pic_unmask(0);
	irq_enable();
	for (volatile int i = 0; i < 100 && ticks == before; i++)
		;
	irq_disable();
	check(ticks > before, "pic-unmask-delivers-pending");
}

static void test_oneshot(void)
{
	bool waited;

	pic_mask(0);
	irq_disable();
	pit_oneshot(2000);
	/* A tick of the previous periodic mode may have latched IRQ0 while
	 * interrupts were off (printing the results above takes longer than a
	 * period on a slow UART or under a hypervisor): let it in first, so
	 * only the one-shot's own interrupt is counted. */
	pic_unmask(0);
	asm volatile("sti; nop; nop; cli" ::: "memory");
	ticks = 0;
	irq_wait();
	/* In mode 0 the counter wraps and goes on without a new interrupt. */
	irq_enable();
	waited = wait_pit_wraps(1);
	irq_disable();
	check(waited && ticks == 1, "pit-mode0-one-interrupt");
	if (ticks != 1)
		printf("  %u interrupts in mode 0\n", ticks);
}

/* Channel 2 is gated by port 0x61 bit 0 and its output reads back as
 * port 0x61 bit 5 (the PC speaker wiring). Mode 0: OUT2 is low while
 * counting and goes high at terminal count. */
static void test_channel2(void)
{
	uint8_t p61 = inb(0x61);
	bool low = false, high = false;

	outb(0x61, (p61 & ~0x03) | 0x00);       /* gate off, speaker off */
	outb(0x43, 0xb0);                       /* ch 2, lo/hi, mode 0 */
	outb(0x42, 0x00);
	outb(0x42, 0x10);                       /* 4096 counts, ~3.4 ms */
	outb(0x61, (p61 & ~0x02) | 0x01);       /* gate on */
	low = !(inb(0x61) & 0x20);
	for (uint32_t i = 0; i < 10000000 && !high; i++)
		high = inb(0x61) & 0x20;
	outb(0x61, p61 & ~0x03);
	check(low, "pit-ch2-out-low-while-counting");
	check(high, "pit-ch2-out-high-at-terminal-count");
}

int guest_main(void)
{
	pic_init(PIC_VECTOR_BASE);
	check_eq(pic_imr(), 0xfffb, "pic-init-imr");
	irq_set_handler(VEC_TIMER, on_timer);
	test_counting();
	test_periodic();
	test_spinning();
	test_masking();
	test_oneshot();
	test_channel2();
	pic_mask(0);
	return report_done();
}
