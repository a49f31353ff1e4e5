/* 16550 UART, polled. Before uart_init() runs, output goes to COM1 at the
 * firmware's settings so even the earliest panic is visible. */
#include "drivers/uart.h"
#include "lib/x86.h"

enum { THR = 0, RBR = 0, DLL = 0, IER = 1, DLM = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

static uint16_t base = 0x3f8;

void uart_init(uint16_t port, uint32_t baud)
{
	uint16_t div = baud ? (uint16_t)(115200 / baud) : 1;
	base = port;
	outb(base + IER, 0x00);		/* polled: no interrupts */
	outb(base + LCR, 0x80);		/* DLAB on */
	outb(base + DLL, div & 0xff);
	outb(base + DLM, div >> 8);
	outb(base + LCR, 0x03);		/* 8N1, DLAB off */
	outb(base + FCR, 0x07);		/* FIFOs on and cleared */
	outb(base + MCR, 0x03);		/* DTR, RTS */
}

void uart_putc(char c)
{
	/* Bounded wait: a missing UART must not hang the hypervisor. */
	for (unsigned i = 0; i < 100000 && !(inb(base + LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(base + THR, (uint8_t)c);
}

int uart_getc(void)
{
	if (!(inb(base + LSR) & LSR_DR))
		return -1;
	return inb(base + RBR);
}

void uart_flush(void)
{
	for (unsigned i = 0; i < 1000000 && !(inb(base + LSR) & LSR_TEMT); i++)
		cpu_relax();
}

uint16_t uart_port(void)
{
	return base;
}
