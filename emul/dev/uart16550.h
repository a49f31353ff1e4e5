/* A guest's 16550A UART (issue-2 level: registers, FIFO-less receive of one
 * byte at a time, no interrupts yet). Output bytes go to a sink callback. */
#ifndef EMUL_DEV_UART16550_H
#define EMUL_DEV_UART16550_H
#include <stdint.h>
#include <stdbool.h>
#include "emul/dev/iobus.h"

#define UART_RX_BUF 64

struct uart16550 {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	uint8_t rx[UART_RX_BUF];
	unsigned rx_head, rx_count;
	void (*out)(void *ctx, uint8_t byte);
	void *out_ctx;
};

extern const struct io_dev_ops uart16550_ops;
void uart16550_init(struct uart16550 *u, void (*out)(void *, uint8_t), void *ctx);
/* A byte typed on the host console for this guest; false if the buffer is full. */
bool uart16550_receive(struct uart16550 *u, uint8_t byte);

#endif
