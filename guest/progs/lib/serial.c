/*
 * COM1 output. The only register we program is LCR, to 8N1 with DLAB clear:
 * Bochs's UART comes out of reset with LCR = 0, i.e. 5-bit characters, and
 * masks every byte to 5 bits. We never touch the divisor: that needs
 * DLAB=1 and a write to 0x3f8, which a UART model that only knows THR and
 * LSR (Shade's first one) would print as a character; no emulator here
 * cares about the baud rate anyway.
 *
 * Every wait is bounded so that a missing UART (LSR reading 0xff or 0)
 * cannot hang a test.
 */
#include "serial.h"
#include "cpu.h"

#define POLL_LIMIT 100000
#define COM1_LCR (COM1_BASE + 3)
#define LCR_8N1 0x03

static void wait_lsr(uint8_t bit)
{
	for (int i = 0; i < POLL_LIMIT; i++) {
		if (inb(COM1_LSR) & bit)
			return;
		pause();
	}
}

void serial_init(void)
{
	outb(COM1_LCR, LCR_8N1);
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
