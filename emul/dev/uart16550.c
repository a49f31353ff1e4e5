/* 16550A register model (National Semiconductor PC16550D data sheet):
 * IER enables the sources, IIR names the highest-priority one (received
 * data above transmitter empty), reading IIR while it names "transmitter
 * empty", or writing THR, clears that source. The IRQ pin follows OUT2. */
#include "emul/dev/uart16550.h"

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define LCR_DLAB	0x80
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

#define IER_RDI		0x01	/* received data available */
#define IER_THRI	0x02	/* transmitter holding register empty */
#define MCR_OUT2	0x08	/* gates the interrupt to the PIC on PCs */
#define IIR_NONE	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04

void uart16550_init(struct uart16550 *u, void (*out)(void *, uint8_t), void *ctx)
{
	*u = (struct uart16550){ .lcr = 0x03, .dll = 1, .out = out, .out_ctx = ctx };
}

void uart16550_connect_irq(struct uart16550 *u, struct irq_line irq, unsigned num)
{
	u->irq = irq;
	u->irq_num = num;
}

static uint8_t pending_iir(const struct uart16550 *u)
{
	if ((u->ier & IER_RDI) && u->rx_count)
		return IIR_RDI;
	if ((u->ier & IER_THRI) && u->thri)
		return IIR_THRI;
	return IIR_NONE;
}

static void update_irq(struct uart16550 *u)
{
	bool level = pending_iir(u) != IIR_NONE && (u->mcr & MCR_OUT2);
	if (level != u->irq_level) {
		u->irq_level = level;
		irq_line_set(&u->irq, u->irq_num, level);
	}
}

bool uart16550_receive(struct uart16550 *u, uint8_t byte)
{
	if (u->rx_count == UART_RX_BUF)
		return false;
	u->rx[(u->rx_head + u->rx_count++) % UART_RX_BUF] = byte;
	update_irq(u);
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
			update_irq(u);
			return b;
		}
	case IER:
		return dlab ? u->dlm : u->ier;
	case IIR_FCR: {
		/* The highest pending source; FIFOs-enabled bits mirror FCR bit 0.
		 * Reading IIR while it names THRE clears that source. */
		uint8_t iir = pending_iir(u);
		if (iir == IIR_THRI) {
			u->thri = false;
			update_irq(u);
		}
		return iir | ((u->fcr & 1) ? 0xc0 : 0);
	}
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
		else {
			if (u->mcr & 0x10)
				uart16550_receive(u, v);	/* loopback mode */
			else if (u->out)
				u->out(u->out_ctx, v);
			/* Sent at once: THR is empty again (the write cleared the
			 * old source, the empty register raises a new one). */
			u->thri = true;
			update_irq(u);
		}
		break;
	case IER:
		if (dlab) {
			u->dlm = v;
		} else {
			/* Enabling THRE with THR empty interrupts at once. */
			if ((v & IER_THRI) && !(u->ier & IER_THRI))
				u->thri = true;
			u->ier = v & 0x0f;
			update_irq(u);
		}
		break;
	case IIR_FCR:
		u->fcr = v;
		if (v & 0x02) {
			u->rx_count = 0;	/* clear receive FIFO */
			update_irq(u);
		}
		break;
	case LCR:
		u->lcr = v;
		break;
	case MCR:
		u->mcr = v & 0x1f;
		update_irq(u);
		break;
	case SCR:
		u->scr = v;
		break;
	default:
		break;		/* LSR and MSR are read-only */
	}
}

const struct io_dev_ops uart16550_ops = { uart_read, uart_write };
