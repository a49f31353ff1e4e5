/*
 * COM1 output. We never reprogram the UART: firmware-less loaders (QEMU
 * -kernel) leave it usable, Bochs's model works at reset defaults, and
 * Shade's first UART model only implements THR and LSR, where a divisor
 * write through DLAB would print garbage.
 *
 * Every wait is bounded so that a missing UART (LSR reading 0xff or 0)
 * cannot hang a test.
 */
#include "serial.h"
#include "cpu.h"

#define POLL_LIMIT 100000

static void wait_lsr(uint8_t bit)
{
	for (int i = 0; i < POLL_LIMIT; i++) {
		if (inb(COM1_LSR) & bit)
			return;
		pause();
	}
}

void serial_putc(char c)
{
	if (c == '\n')
		serial_putc('\r');
	wait_lsr(LSR_THRE);
	outb(COM1_BASE, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		serial_putc(s[i]);
}

/* Wait until the last byte has left the shift register (LSR.TEMT): machines
 * that power off right after would otherwise lose the tail of the output. */
void serial_drain(void)
{
	wait_lsr(LSR_TEMT);
}
