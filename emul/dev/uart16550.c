/* 16550A register model (National Semiconductor PC16550D data sheet). */
#include "emul/dev/uart16550.h"

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define LCR_DLAB	0x80
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

void uart16550_init(struct uart16550 *u, void (*out)(void *, uint8_t), void *ctx)
{
	*u = (struct uart16550){ .lcr = 0x03, .dll = 1, .out = out, .out_ctx = ctx };
}

bool uart16550_receive(struct uart16550 *u, uint8_t byte)
{
	if (u->rx_count == UART_RX_BUF)
		return false;
	u->rx[(u->rx_head + u->rx_count++) % UART_RX_BUF] = byte;
	return true;
}

static uint64_t uart_read(void *dev, uint64_t off, unsigned size)
{
	struct uart16550 *u = dev;
	(void)size;
	bool dlab = u->lcr & LCR_DLAB;
	switch (off) {
	case RBR_THR:
		if (dlab)
			return u->dll;
		if (!u->rx_count)
			return 0;
		{
			uint8_t b = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % UART_RX_BUF;
			u->rx_count--;
			return b;
		}
	case IER:
		return dlab ? u->dlm : u->ier;
	case IIR_FCR:
		/* No interrupt pending; FIFOs-enabled bits mirror FCR bit 0. */
		return (u->fcr & 1) ? 0xc1 : 0x01;
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		/* Transmission is instantaneous: THR and the shifter are always empty. */
		return LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0);
	case MSR:
		/* Loopback off: report CTS, DSR, DCD asserted. */
		return (u->mcr & 0x10) ? ((u->mcr & 0x0f) << 4) : 0xb0;
	default:
		return u->scr;
	}
}

static void uart_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct uart16550 *u = dev;
	uint8_t v = (uint8_t)val;
	(void)size;
	bool dlab = u->lcr & LCR_DLAB;
	switch (off) {
	case RBR_THR:
		if (dlab)
			u->dll = v;
		else if (u->mcr & 0x10)
			uart16550_receive(u, v);	/* loopback mode */
		else if (u->out)
			u->out(u->out_ctx, v);
		break;
	case IER:
		if (dlab)
			u->dlm = v;
		else
			u->ier = v & 0x0f;
		break;
	case IIR_FCR:
		u->fcr = v;
		if (v & 0x02)
			u->rx_count = 0;	/* clear receive FIFO */
		break;
	case LCR:
		u->lcr = v;
		break;
	case MCR:
		u->mcr = v & 0x1f;
		break;
	case SCR:
		u->scr = v;
		break;
	default:
		break;		/* LSR and MSR are read-only */
	}
}

const struct io_dev_ops uart16550_ops = { uart_read, uart_write };
