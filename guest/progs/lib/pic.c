/* 8259A programming per the Intel 8259A data sheet (ICW1-ICW4, OCW1-OCW3). */
#include "pic.h"
#include "cpu.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1

#define ICW1_INIT_ICW4 0x11     /* edge, cascade, ICW4 follows */
#define ICW4_8086      0x01
#define OCW2_EOI       0x20
#define OCW3_READ_IRR  0x0a
#define OCW3_READ_ISR  0x0b

void pic_init(uint8_t base)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, base);          /* ICW2: vector base */
	outb(PIC2_DATA, base + 8);
	outb(PIC1_DATA, 1u << 2);       /* ICW3: slave on IRQ2 */
	outb(PIC2_DATA, 2);             /* ICW3: slave identity */
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, 0xfb);          /* OCW1: all masked but the cascade */
	outb(PIC2_DATA, 0xff);
}

uint16_t pic_imr(void)
{
	return inb(PIC1_DATA) | (uint16_t)inb(PIC2_DATA) << 8;
}

void pic_mask(unsigned irq)
{
	uint16_t port = irq < 8 ? PIC1_DATA : PIC2_DATA;

	outb(port, inb(port) | (1u << (irq & 7)));
}

void pic_unmask(unsigned irq)
{
	uint16_t port = irq < 8 ? PIC1_DATA : PIC2_DATA;

	outb(port, inb(port) & ~(1u << (irq & 7)));
}

static uint16_t read_ocw3(uint8_t ocw3)
{
	outb(PIC1_CMD, ocw3);
	outb(PIC2_CMD, ocw3);
	return inb(PIC1_CMD) | (uint16_t)inb(PIC2_CMD) << 8;
}

uint16_t pic_irr(void)
{
	return read_ocw3(OCW3_READ_IRR);
}

uint16_t pic_isr(void)
{
	return read_ocw3(OCW3_READ_ISR);
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}
