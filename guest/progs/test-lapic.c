/*
 * test-lapic: the local APIC in xAPIC mode (issue 5): version, TPR/PPR,
 * SVR, the timer in one-shot and periodic mode, a self-IPI with its IRR
 * and ISR bits, EOI, and TPR holding back a lower-class interrupt
 * (SDM Vol. 3A chapter 11). The 8259A stays fully masked.
 */
#include "guest.h"
#include "lapic.h"
#include "pic.h"

#define VEC_TIMER    0x40
#define VEC_IPI      0x41
#define VEC_SPURIOUS 0xff
#define ICR_SELF     (1u << 18)         /* destination shorthand: self */

static volatile bool isr_in_handler;

static void on_timer(struct exc_frame *f)
{
	(void)f;
	lapic_eoi();
}

static void on_ipi(struct exc_frame *f)
{
	(void)f;
	isr_in_handler = lapic_bit(LAPIC_ISR, VEC_IPI);
	lapic_eoi();
}

static void test_registers(void)
{
	uint32_t v = lapic_read(LAPIC_VERSION);

	printf("test-lapic: id=%x version=%x\n", lapic_read(LAPIC_ID), v);
	check((v & 0xff) >= 0x10 && ((v >> 16) & 0xff) >= 3,
	      "lapic-version-integrated");
	lapic_enable(VEC_SPURIOUS);
	check((lapic_read(LAPIC_SVR) & 0x1ff) == (SVR_ENABLE | VEC_SPURIOUS),
	      "lapic-svr-enable");
	lapic_write(LAPIC_TPR, 0x30);
	check_eq(lapic_read(LAPIC_TPR) & 0xff, 0x30, "lapic-tpr-readback");
	check_eq(lapic_read(LAPIC_PPR) & 0xf0, 0x30, "lapic-ppr-follows-tpr");
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_ESR, 0);
	check_eq(lapic_read(LAPIC_ESR), 0, "lapic-esr-clear");
}

static void test_timer(void)
{
	lapic_write(LAPIC_TIMER_DIV, 0x3);      /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);
	irq_reset_counts();
	lapic_write(LAPIC_TIMER_INIT, 20000);
	irq_wait();
	check_eq(irq_count(VEC_TIMER), 1, "lapic-timer-oneshot-fires");
	check_eq(lapic_read(LAPIC_TIMER_CUR), 0, "lapic-timer-oneshot-ends-at-0");

	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | LVT_PERIODIC);
	lapic_write(LAPIC_TIMER_INIT, 20000);
	for (int i = 0; i < 5; i++)
		irq_wait();
	check_eq(irq_count(VEC_TIMER), 6, "lapic-timer-periodic-fires");
	check(lapic_read(LAPIC_TIMER_CUR) != 0, "lapic-timer-periodic-reloads");
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0);
	check_eq(irq_unhandled(), 0, "lapic-no-stray-vectors");
}

static void spin_with_interrupts(void)
{
	irq_enable();
	for (volatile int i = 0; i < 1000; i++)
		;
	irq_disable();
}

static void test_self_ipi(void)
{
	irq_reset_counts();
	lapic_write(LAPIC_ICR_HI, 0);
	lapic_write(LAPIC_ICR_LO, ICR_SELF | VEC_IPI);
	check(lapic_bit(LAPIC_IRR, VEC_IPI), "lapic-self-ipi-pending-in-irr");
	spin_with_interrupts();
	check_eq(irq_count(VEC_IPI), 1, "lapic-self-ipi-delivered");
	check(isr_in_handler, "lapic-isr-set-in-handler");
	check(!lapic_bit(LAPIC_ISR, VEC_IPI), "lapic-isr-clear-after-eoi");

	/* TPR class 5 holds back vector 0x41 (class 4) (SDM 3A 11.8.3.1). */
	lapic_write(LAPIC_TPR, 0x50);
	lapic_write(LAPIC_ICR_LO, ICR_SELF | VEC_IPI);
	spin_with_interrupts();
	check_eq(irq_count(VEC_IPI), 1, "lapic-tpr-holds-back");
	lapic_write(LAPIC_TPR, 0);
	spin_with_interrupts();
	check_eq(irq_count(VEC_IPI), 2, "lapic-tpr-lowered-delivers");
}

/*
 * Priorities (SDM Vol. 3A 11.8.3): in the handler of 0x51 (class 5) with
 * IF set, a self-IPI of class 6 (0x61) preempts at once, one of class 3
 * (0x31) waits until 0x51's EOI.
 */
#define VEC_MID  0x51
#define VEC_HIGH 0x61
#define VEC_LOW  0x31

static volatile uint32_t order[4], order_n;

static void note(uint32_t v)
{
	if (order_n < 4)
		order[order_n++] = v;
}

static void on_high(struct exc_frame *f) { (void)f; note(VEC_HIGH); lapic_eoi(); }
static void on_low(struct exc_frame *f) { (void)f; note(VEC_LOW); lapic_eoi(); }

static void on_mid(struct exc_frame *f)
{
	(void)f;
	note(VEC_MID);
	lapic_write(LAPIC_ICR_LO, ICR_SELF | VEC_LOW);
	lapic_write(LAPIC_ICR_LO, ICR_SELF | VEC_HIGH);
	irq_enable();
	for (volatile int i = 0; i < 1000; i++)
		;
	irq_disable();
	note(0xee);                     /* end of the 0x51 handler */
	lapic_eoi();
}

static void test_priorities(void)
{
	irq_set_handler(VEC_MID, on_mid);
	irq_set_handler(VEC_HIGH, on_high);
	irq_set_handler(VEC_LOW, on_low);
	order_n = 0;
	lapic_write(LAPIC_ICR_LO, ICR_SELF | VEC_MID);
	spin_with_interrupts();
	if (order_n != 4 || order[0] != VEC_MID || order[1] != VEC_HIGH ||
	    order[2] != 0xee || order[3] != VEC_LOW)
		printf("  order: %x %x %x %x (%u)\n", order[0], order[1],
		       order[2], order[3], order_n);
	check(order_n >= 2 && order[0] == VEC_MID && order[1] == VEC_HIGH,
	      "lapic-higher-class-nests");
	check(order_n == 4 && order[2] == 0xee && order[3] == VEC_LOW,
	      "lapic-lower-class-waits-for-eoi");
}

/* x2APIC: the same registers as MSRs 0x800 + offset/16 (SDM Vol. 3A
 * 11.12); the SELF IPI register is MSR 0x83F. Last, because the APIC
 * stays in x2APIC mode afterwards. */
#define MSR_APIC_BASE   0x1b
#define APIC_BASE_EXTD  (1u << 10)
#define APIC_BASE_EN    (1u << 11)
#define X2APIC_MSR(reg) (0x800 + ((reg) >> 4))
#define X2APIC_SELF_IPI 0x83f
#define VEC_X2_IPI      0x42

static void on_x2_ipi(struct exc_frame *f)
{
	(void)f;
	wrmsr(X2APIC_MSR(LAPIC_EOI), 0);
}

static void test_x2apic(void)
{
	uint32_t version = lapic_read(LAPIC_VERSION);
	uint64_t base = rdmsr(MSR_APIC_BASE), v = 0;

	if (!(cpuid(1).ecx & (1u << 21))) {
		skip("lapic-x2apic", "no x2APIC in CPUID");
		return;
	}
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
	check(rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD, "x2apic-enable");
	check(rdmsr_safe(X2APIC_MSR(LAPIC_VERSION), &v, NULL) == FAULT_NONE &&
	      (uint32_t)v == version, "x2apic-version-msr");
	wrmsr(X2APIC_MSR(LAPIC_TPR), 0x20);
	check_eq(rdmsr(X2APIC_MSR(LAPIC_TPR)) & 0xff, 0x20, "x2apic-tpr-msr");
	wrmsr(X2APIC_MSR(LAPIC_TPR), 0);
	irq_set_handler(VEC_X2_IPI, on_x2_ipi);
	wrmsr(X2APIC_SELF_IPI, VEC_X2_IPI);
	spin_with_interrupts();
	check_eq(irq_count(VEC_X2_IPI), 1, "x2apic-self-ipi");
	/* The ICR is one 64-bit MSR in x2APIC mode. */
	wrmsr(X2APIC_MSR(LAPIC_ICR_LO), ICR_SELF | VEC_X2_IPI);
	spin_with_interrupts();
	check_eq(irq_count(VEC_X2_IPI), 2, "x2apic-icr-self");
	/* The APIC stays in x2APIC mode: leaving it needs a trip through
	 * "disabled", which not every model lets software undo. */
}

int guest_main(void)
{
	uint64_t base = 0;

	if (!(cpuid(1).edx & (1u << 9))) {
		skip("lapic", "no local APIC in CPUID");
		return report_done();
	}
	rdmsr_safe(0x1b, &base, NULL);
	if ((base & 0xfffff000u) != LAPIC_BASE || !(base & (1u << 11))) {
		printf("test-lapic: IA32_APIC_BASE=0x%llx\n", base);
		skip("lapic", "APIC disabled or moved");
		return report_done();
	}
	pic_init(0x20);                 /* masks every 8259A line */
	irq_set_handler(VEC_TIMER, on_timer);
	irq_set_handler(VEC_IPI, on_ipi);
	test_registers();
	test_timer();
	test_self_ipi();
	test_priorities();
	test_x2apic();
	return report_done();
}
