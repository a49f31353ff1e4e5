/* The 8259A pair (master 0x20/0x21, slave 0xa0/0xa1). */
#ifndef GUEST_PIC_H
#define GUEST_PIC_H

#include <stdint.h>

#define PIC_VECTOR_BASE 0x20    /* IRQ n -> vector 0x20 + n after pic_init */

/* ICW1-4: edge triggered, cascade on IRQ2, vectors from `base`, all
 * lines masked. */
void pic_init(uint8_t base);
void pic_mask(unsigned irq);
void pic_unmask(unsigned irq);
uint16_t pic_imr(void);
/* OCW3 reads: the interrupt request and in-service registers. */
uint16_t pic_irr(void);
uint16_t pic_isr(void);
/* Non-specific EOI (to the slave and the master for IRQ 8..15). */
void pic_eoi(unsigned irq);

#endif
