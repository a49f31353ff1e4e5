/* Leaving the machine cleanly under QEMU, Bochs, and real hardware. */
#include "drivers/power.h"
#include "drivers/uart.h"
#include "lib/log.h"
#include "lib/x86.h"

static uint16_t s5_pm1a, s5_pm1b, s5_typa, s5_typb;

void power_set_acpi_s5(uint16_t pm1a_cnt, uint16_t pm1b_cnt, uint16_t slp_typa, uint16_t slp_typb)
{
	s5_pm1a = pm1a_cnt;
	s5_pm1b = pm1b_cnt;
	s5_typa = slp_typa;
	s5_typb = slp_typb;
}

void machine_end(const char *reason, int status)
{
	cli();
	kprintf("shade: end reason=%s status=%d\n", reason, status);
	uart_flush();

	/* QEMU's isa-debug-exit ends QEMU with (v << 1) | 1; absent elsewhere,
	 * where the write is ignored. */
	outb(0xf4, (uint8_t)status);
	/* Bochs: the shutdown port takes the string "Shutdown". */
	for (const char *p = "Shutdown"; *p; p++)
		outb(0x8900, (uint8_t)*p);
	/* ACPI S5: SLP_TYP in bits 10-12, SLP_EN bit 13 (ACPI spec 4.8.3.2.1). */
	if (s5_pm1a) {
		outw(s5_pm1a, (uint16_t)((s5_typa << 10) | (1 << 13)));
		if (s5_pm1b)
			outw(s5_pm1b, (uint16_t)((s5_typb << 10) | (1 << 13)));
	}
	for (;;)
		hlt();
}
