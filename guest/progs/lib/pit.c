/* 8254 programming per the Intel 8254 data sheet: control word at 0x43,
 * channel 0 at 0x40, LSB then MSB. */
#include "pit.h"
#include "cpu.h"

#define PIT_CH0  0x40
#define PIT_CTRL 0x43

static void program(uint8_t mode, uint16_t count)
{
	outb(PIT_CTRL, 0x30 | (mode << 1));     /* ch 0, lobyte/hibyte */
	outb(PIT_CH0, count & 0xff);
	outb(PIT_CH0, count >> 8);
}

void pit_periodic(uint16_t count)
{
	program(2, count);
}

void pit_oneshot(uint16_t count)
{
	program(0, count);
}

uint16_t pit_read(void)
{
	uint8_t lo, hi;

	outb(PIT_CTRL, 0x00);                   /* latch channel 0 */
	lo = inb(PIT_CH0);
	hi = inb(PIT_CH0);
	return lo | (uint16_t)hi << 8;
}
