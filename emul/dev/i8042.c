/* 8042 keyboard controller (IBM PC/AT Technical Reference, "Keyboard
 * Controller": status register, commands 0x20-0xFF, output port; IBM
 * "Keyboard/Auxiliary Device Controller" for the PS/2 additions 0xA7-0xA9,
 * 0xD2-0xD4) with an MF2 keyboard behind it (IBM PS/2 Technical Reference,
 * "Keyboard commands").
 *
 * Commands complete at once: IBF is always 0, and the answer is in the
 * output buffer when the guest next reads the status. */
#include "emul/dev/i8042.h"

#define ST_OBF		0x01
#define ST_SYS		0x04
#define ST_A2		0x08	/* last write was a command (port 0x64) */
#define ST_UNLOCKED	0x10	/* keyboard not inhibited by the keylock */
#define ST_AUX_OBF	0x20
#define CB_KBD_INT	0x01
#define CB_AUX_INT	0x02
#define CB_SYS		0x04
#define CB_KBD_OFF	0x10
#define CB_AUX_OFF	0x20
#define CB_XLATE	0x40
#define OP_RESET	0x01	/* output port bit 0: the CPU reset line, active low */
#define OP_A20		0x02
#define OP_OBF_KBD	0x10
#define OP_OBF_AUX	0x20
#define KBD_ACK		0xfa
#define KBD_RESEND	0xfe
#define KBD_BAT_OK	0xaa

static void update_irq(struct i8042 *k)
{
	bool full = k->count != 0, aux = full && k->q[k->head].aux;
	bool irq1 = full && !aux && (k->ram[0] & CB_KBD_INT);
	bool irq12 = aux && (k->ram[0] & CB_AUX_INT);
	if (irq1 != k->irq1)
		irq_line_set(&k->irq, I8042_IRQ_KBD, k->irq1 = irq1);
	if (irq12 != k->irq12)
		irq_line_set(&k->irq, I8042_IRQ_AUX, k->irq12 = irq12);
}

static void push(struct i8042 *k, uint8_t byte, bool aux)
{
	if (k->count == I8042_QUEUE)
		return;		/* overrun: the byte is lost, as on the chip */
	unsigned tail = (k->head + k->count++) % I8042_QUEUE;
	k->q[tail].byte = byte;
	k->q[tail].aux = aux;
	update_irq(k);
}

/* Reading the buffer lowers IRQ; the next byte raises it again (an edge). */
static uint8_t pop(struct i8042 *k)
{
	if (!k->count)
		return k->last_read;
	k->last_read = k->q[k->head].byte;
	k->head = (k->head + 1) % I8042_QUEUE;
	k->count--;
	if (k->irq1)
		irq_line_set(&k->irq, I8042_IRQ_KBD, k->irq1 = false);
	if (k->irq12)
		irq_line_set(&k->irq, I8042_IRQ_AUX, k->irq12 = false);
	update_irq(k);
	return k->last_read;
}

static void request_reset(struct i8042 *k)
{
	k->resets++;
	vm_control_reset(&k->ctl);
}

/* Output port (command 0xD1): bit 0 low holds the CPU in reset. */
static void write_outport(struct i8042 *k, uint8_t v)
{
	k->outport = v | OP_RESET;
	if (!(v & OP_RESET))
		request_reset(k);
}

static uint8_t read_outport(const struct i8042 *k)
{
	uint8_t v = k->outport & ~(OP_OBF_KBD | OP_OBF_AUX);
	if (k->count)
		v |= k->q[k->head].aux ? OP_OBF_AUX : OP_OBF_KBD;
	return v;
}

/* A byte the keyboard sends: responses pass the translation unchanged. */
static void kbd_send(struct i8042 *k, uint8_t b)
{
	push(k, b, false);
}

static void kbd_param(struct i8042 *k, uint8_t cmd, uint8_t v)
{
	k->kbd_pending = 0;
	if (cmd == 0xed) {
		k->leds = v & 7;
	} else if (cmd == 0xf0) {
		if (v == 0) {
			kbd_send(k, KBD_ACK);
			kbd_send(k, k->scancode_set);
			return;
		}
		if (v <= 3)
			k->scancode_set = v;
	}
	kbd_send(k, KBD_ACK);
}

/* Keyboard commands (IBM PS/2 Technical Reference, Keyboard). */
static void kbd_command(struct i8042 *k, uint8_t v)
{
	if (k->kbd_pending) {
		kbd_param(k, k->kbd_pending, v);
		return;
	}
	switch (v) {
	case 0xed:		/* set LEDs */
	case 0xf3:		/* typematic rate */
	case 0xf0:		/* scancode set */
		k->kbd_pending = v;
		kbd_send(k, KBD_ACK);
		break;
	case 0xee:		/* echo */
		kbd_send(k, 0xee);
		break;
	case 0xf2:		/* identify: MF2, translated when the controller translates */
		kbd_send(k, KBD_ACK);
		kbd_send(k, 0xab);
		kbd_send(k, (k->ram[0] & CB_XLATE) ? 0x41 : 0x83);
		break;
	case 0xf4:
		k->scanning = true;
		kbd_send(k, KBD_ACK);
		break;
	case 0xf5:		/* disable and set defaults */
		k->scanning = false;
		kbd_send(k, KBD_ACK);
		break;
	case 0xf6:
	case 0xf7: case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc: case 0xfd:
		kbd_send(k, KBD_ACK);
		break;
	case 0xff:		/* reset: ACK, then the self-test (BAT) result */
		k->scanning = true;
		k->scancode_set = 2;
		k->leds = 0;
		kbd_send(k, KBD_ACK);
		kbd_send(k, KBD_BAT_OK);
		break;
	default:
		kbd_send(k, KBD_RESEND);
		break;
	}
}

/* The data byte a controller command was waiting for. */
static void command_data(struct i8042 *k, uint8_t cmd, uint8_t v)
{
	if (cmd >= 0x60 && cmd <= 0x7f) {
		k->ram[cmd & 0x1f] = v;
		update_irq(k);
		return;
	}
	switch (cmd) {
	case 0xd1:
		write_outport(k, v);
		break;
	case 0xd2:		/* as if the keyboard sent it */
		push(k, v, false);
		break;
	case 0xd3:		/* as if the aux device sent it */
		push(k, v, true);
		break;
	default:		/* 0xd4: to the aux device, which is absent */
		push(k, KBD_RESEND, true);
		break;
	}
}

static void controller_command(struct i8042 *k, uint8_t v)
{
	k->pending = 0;
	if (v <= 0x3f && v >= 0x20) {
		push(k, k->ram[v & 0x1f], false);
		return;
	}
	if ((v >= 0x60 && v <= 0x7f) || (v >= 0xd1 && v <= 0xd4)) {
		k->pending = v;
		return;
	}
	if (v >= 0xf0) {	/* pulse output port bits whose mask bit is 0 */
		if (!(v & OP_RESET))
			request_reset(k);
		return;
	}
	switch (v) {
	case 0xa4: push(k, 0xf1, false); break;	/* no password installed */
	case 0xa7: k->ram[0] |= CB_AUX_OFF; break;
	case 0xa8: k->ram[0] &= ~CB_AUX_OFF; break;
	case 0xa9: push(k, 0x00, false); break;	/* aux interface test: OK */
	case 0xaa:				/* self-test passed */
		k->ram[0] |= CB_SYS;
		k->outport |= OP_RESET;
		push(k, 0x55, false);
		break;
	case 0xab: push(k, 0x00, false); break;	/* keyboard interface test: OK */
	case 0xad: k->ram[0] |= CB_KBD_OFF; break;
	case 0xae: k->ram[0] &= ~CB_KBD_OFF; break;
	case 0xc0: push(k, 0x80, false); break;	/* input port: keyboard not inhibited */
	case 0xd0: push(k, read_outport(k), false); break;
	case 0xdd: k->outport &= ~OP_A20; break;
	case 0xdf: k->outport |= OP_A20; break;
	case 0xe0: push(k, 0x00, false); break;	/* test inputs */
	default: break;
	}
	update_irq(k);
}

static uint64_t data_read(void *dev, uint64_t off, unsigned size)
{
	(void)off, (void)size;
	return pop(dev);
}

static void data_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct i8042 *k = dev;
	(void)off, (void)size;
	k->last_cmd = false;
	if (k->pending) {
		uint8_t cmd = k->pending;
		k->pending = 0;
		command_data(k, cmd, (uint8_t)val);
	} else {
		kbd_command(k, (uint8_t)val);
	}
}

static uint64_t status_read(void *dev, uint64_t off, unsigned size)
{
	const struct i8042 *k = dev;
	(void)off, (void)size;
	uint8_t st = ST_UNLOCKED | (k->ram[0] & CB_SYS ? ST_SYS : 0) | (k->last_cmd ? ST_A2 : 0);
	if (k->count)
		st |= ST_OBF | (k->q[k->head].aux ? ST_AUX_OBF : 0);
	return st;
}

static void cmd_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct i8042 *k = dev;
	(void)off, (void)size;
	k->last_cmd = true;
	controller_command(k, (uint8_t)val);
}

const struct io_dev_ops i8042_data_ops = { data_read, data_write };
const struct io_dev_ops i8042_cmd_ops = { status_read, cmd_write };

bool i8042_kbd_input(struct i8042 *k, uint8_t byte)
{
	if (!k->scanning || (k->ram[0] & CB_KBD_OFF) || k->count == I8042_QUEUE)
		return false;
	push(k, byte, false);
	return true;
}

bool i8042_a20(const struct i8042 *k)
{
	return k->outport & OP_A20;
}

void i8042_init(struct i8042 *k, const struct irq_line *irq, const struct vm_control *ctl)
{
	*k = (struct i8042){ 0 };
	if (irq)
		k->irq = *irq;
	if (ctl)
		k->ctl = *ctl;
	k->ram[0] = CB_KBD_INT | CB_SYS | CB_XLATE;
	k->outport = 0xcf;	/* reset inactive, A20 on, keyboard clock/data high */
	k->scanning = true;
	k->scancode_set = 2;
}
