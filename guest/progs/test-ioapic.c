/*
 * test-ioapic: the I/O APIC at 0xFEC00000 (issue 5): version and size,
 * redirection entries read back, the PIT's ISA IRQ 0 delivered through
 * pin 2 to the local APIC at the programmed vector, and masking the pin.
 * (IRQ 0 on pin 2 is the PC wiring QEMU and Bochs use and the MADT
 * announces with an interrupt source override; the 8259A stays masked.)
 */
#include "guest.h"
#include "lapic.h"
#include "pic.h"
#include "pit.h"

#define IOAPIC_BASE 0xfec00000u
#define IOREGSEL    0x00
#define IOWIN       0x10
#define IOAPIC_VER  0x01
#define REDIR_LO(n) (0x10 + 2 * (n))
#define REDIR_HI(n) (0x11 + 2 * (n))
#define REDIR_MASKED (1u << 16)
#define REDIR_RO_BITS ((1u << 12) | (1u << 14))   /* delivery status, remote IRR */
#define PIT_PIN 2
#define VEC_PIT 0x60

static uint32_t io_read(uint32_t reg)
{
	*(volatile uint32_t *)(IOAPIC_BASE + IOREGSEL) = reg;
	return *(volatile uint32_t *)(IOAPIC_BASE + IOWIN);
}

static void io_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(IOAPIC_BASE + IOREGSEL) = reg;
	*(volatile uint32_t *)(IOAPIC_BASE + IOWIN) = v;
}

static void on_pit(struct exc_frame *f)
{
	(void)f;
	lapic_eoi();
}

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

int guest_main(void)
{
	uint32_t ver, max, lo, before;
	bool waited;

	if (!(cpuid(1).edx & (1u << 9))) {
		skip("ioapic", "no local APIC in CPUID");
		return report_done();
	}
	ver = io_read(IOAPIC_VER);
	max = (ver >> 16) & 0xff;
	printf("test-ioapic: version register %08x (%u pins)\n", ver, max + 1);
	check((ver & 0xff) >= 0x11 && (ver & 0xff) <= 0x20 && max >= 23,
	      "ioapic-version");

	io_write(REDIR_HI(10), 0x01000000);
	io_write(REDIR_LO(10), REDIR_MASKED | 0x8000 | 0x55);  /* level, vector 0x55 */
	lo = io_read(REDIR_LO(10)) & ~REDIR_RO_BITS;
	check_eq(lo, REDIR_MASKED | 0x8000 | 0x55, "ioapic-redir-lo-readback");
	check_eq(io_read(REDIR_HI(10)) & 0xff000000, 0x01000000,
		 "ioapic-redir-hi-readback");
	io_write(REDIR_LO(10), REDIR_MASKED);

	pic_init(0x20);                 /* 8259A: everything masked */
	lapic_enable(0xff);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	irq_set_handler(VEC_PIT, on_pit);
	io_write(REDIR_HI(PIT_PIN), lapic_read(LAPIC_ID) & 0xff000000);
	io_write(REDIR_LO(PIT_PIN), VEC_PIT);   /* fixed, physical, edge, unmasked */
	pit_periodic(PIT_HZ / 1000);
	for (int i = 0; i < 5; i++)
		irq_wait();
	check_eq(irq_count(VEC_PIT), 5, "ioapic-pit-routed-to-vector");
	check_eq(irq_unhandled(), 0, "ioapic-no-stray-vectors");

	io_write(REDIR_LO(PIT_PIN), REDIR_MASKED | VEC_PIT);
	/* Edges the I/O APIC sent before the mask may wait in the local
	 * APIC's IRR: let them in first. */
	irq_enable();
	for (volatile int i = 0; i < 100; i++)
		;
	before = irq_count(VEC_PIT);
	waited = wait_pit_wraps(5);
	irq_disable();
	if (irq_count(VEC_PIT) != before)
		printf("  %u interrupts through the masked pin\n",
		       irq_count(VEC_PIT) - before);
	check(waited && irq_count(VEC_PIT) == before, "ioapic-masked-pin-silent");
	return report_done();
}
