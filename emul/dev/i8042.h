/* The PC's 8042 keyboard controller, as far as kernels touch it: status and
 * command port 0x64, data port 0x60, the controller command byte, self and
 * interface tests, the output port (system reset line, A20 gate), pulsing
 * the reset line (0xFE), and a keyboard that answers the usual commands
 * (reset, identify, enable, LEDs...). There is no mouse: bytes for the
 * auxiliary device are answered with 0xFE.
 *
 * The VMX side:
 *   i8042_init(&kbc, &irq, &ctl)   irq lines 1 (keyboard) and 12 (aux)
 *   iobus_add(bus, 0x60, 1, &i8042_data_ops, &kbc, "i8042-data")
 *   iobus_add(bus, 0x64, 1, &i8042_cmd_ops, &kbc, "i8042-cmd")
 *   ctl.reset() is called on 0xFE (and any pulse or write of the output
 *   port's reset bit); i8042_a20(&kbc) tells the A20 gate's state. */
#ifndef EMUL_DEV_I8042_H
#define EMUL_DEV_I8042_H
#include <stdint.h>
#include <stdbool.h>
#include "emul/dev/iobus.h"
#include "emul/dev/irq.h"

#define I8042_QUEUE 16
#define I8042_IRQ_KBD 1
#define I8042_IRQ_AUX 12

struct i8042 {
	uint8_t ram[32];	/* controller RAM; byte 0 is the command byte */
	uint8_t outport;	/* output port: bit 0 reset (1 = run), bit 1 A20 */
	uint8_t pending;	/* controller command waiting for its data byte, or 0 */
	uint8_t kbd_pending;	/* keyboard command waiting for its parameter, or 0 */
	uint8_t scancode_set;
	uint8_t leds;
	bool scanning;		/* keyboard enabled (0xF4) */
	bool last_cmd;		/* status A2: the last write went to 0x64 */
	uint8_t last_read;	/* 0x60 reads this when the buffer is empty */
	struct { uint8_t byte; bool aux; } q[I8042_QUEUE];
	unsigned head, count;
	bool irq1, irq12;	/* levels last given to the lines */
	unsigned resets;	/* reset requests made (statistics) */
	struct irq_line irq;
	struct vm_control ctl;
};

extern const struct io_dev_ops i8042_data_ops, i8042_cmd_ops;

/* The state a BIOS leaves: command byte 0x45 (keyboard IRQ, system flag,
 * translation), A20 enabled, keyboard scanning. @irq, @ctl may be NULL. */
void i8042_init(struct i8042 *k, const struct irq_line *irq, const struct vm_control *ctl);
/* A scancode typed for this guest (dropped when the keyboard is disabled or
 * the buffer is full: false). */
bool i8042_kbd_input(struct i8042 *k, uint8_t byte);
bool i8042_a20(const struct i8042 *k);

#endif
