/* The local APIC in xAPIC mode (MMIO at its base, SDM Vol. 3A 11.4). */
#ifndef GUEST_LAPIC_H
#define GUEST_LAPIC_H

#include <stdint.h>

#define LAPIC_BASE    0xfee00000u
#define LAPIC_ID      0x020
#define LAPIC_VERSION 0x030
#define LAPIC_TPR     0x080
#define LAPIC_PPR     0x0a0
#define LAPIC_EOI     0x0b0
#define LAPIC_SVR     0x0f0
#define LAPIC_ISR     0x100
#define LAPIC_IRR     0x200
#define LAPIC_ESR     0x280
#define LAPIC_ICR_LO  0x300
#define LAPIC_ICR_HI  0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0

#define LVT_MASKED    (1u << 16)
#define LVT_PERIODIC  (1u << 17)
#define SVR_ENABLE    (1u << 8)

uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t val);
void lapic_enable(uint8_t spurious_vector);
void lapic_eoi(void);
/* Bit `vector` of the 256-bit ISR/IRR (reg = LAPIC_ISR or LAPIC_IRR). */
int lapic_bit(uint32_t reg, unsigned vector);

#endif
