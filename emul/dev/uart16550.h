/* A guest's 16550A UART: the register set, a receive buffer, and the
 * interrupt logic (received data, transmitter empty, on one IRQ line gated
 * by MCR.OUT2 as on PCs). Transmission is instantaneous: output bytes go to
 * a sink callback. */
#ifndef EMUL_DEV_UART16550_H
#define EMUL_DEV_UART16550_H
#include <stdint.h>
#include <stdbool.h>
#include "emul/dev/iobus.h"
#include "emul/dev/irq.h"

#define UART_RX_BUF 64

struct uart16550 {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thri;		/* transmitter-empty interrupt pending (16550 "THRE" source) */
	bool irq_level;
	struct irq_line irq;
	unsigned irq_num;
	uint8_t rx[UART_RX_BUF];
	unsigned rx_head, rx_count;
	void (*out)(void *ctx, uint8_t byte);
	void *out_ctx;
};

extern const struct io_dev_ops uart16550_ops;
void uart16550_init(struct uart16550 *u, void (*out)(void *, uint8_t), void *ctx);
/* A byte typed on the host console for this guest; false if the buffer is full. */
bool uart16550_receive(struct uart16550 *u, uint8_t byte);
/* Connect the interrupt output (line @num of @irq, e.g. ISA IRQ4 for COM1). */
void uart16550_connect_irq(struct uart16550 *u, struct irq_line irq, unsigned num);

#endif
