#include "lapic.h"

uint32_t lapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(LAPIC_BASE + reg);
}

void lapic_write(uint32_t reg, uint32_t val)
{
	*(volatile uint32_t *)(LAPIC_BASE + reg) = val;
}

void lapic_enable(uint8_t spurious_vector)
{
	lapic_write(LAPIC_SVR, SVR_ENABLE | spurious_vector);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

int lapic_bit(uint32_t reg, unsigned vector)
{
	return (lapic_read(reg + (vector / 32) * 0x10) >> (vector % 32)) & 1;
}
