/* Host tests for the i8042 keyboard controller (emul/dev/i8042.c) and the
 * reset controls at ports 0xCF9 and 0x92 (emul/dev/resetctl.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "emul/dev/i8042.h"
#include "emul/dev/resetctl.h"

struct env {
	struct i8042 k;
	struct resetctl rc;
	unsigned resets, poweroffs;
	unsigned rises[16];
	bool level[16];
};

static void on_reset(void *ctx) { ((struct env *)ctx)->resets++; }
static void on_poweroff(void *ctx) { ((struct env *)ctx)->poweroffs++; }

static void irq_set(void *ctx, unsigned line, bool level)
{
	struct env *e = ctx;
	assert_true(line == 1 || line == 12);
	assert_true(level != e->level[line]);
	e->rises[line] += level;
	e->level[line] = level;
}

static struct env *setup(void)
{
	static struct env e;
	memset(&e, 0, sizeof(e));
	struct irq_line irq = { irq_set, &e };
	struct vm_control ctl = { on_reset, on_poweroff, &e };
	i8042_init(&e.k, &irq, &ctl);
	resetctl_init(&e.rc, &ctl);
	return &e;
}

static uint8_t status(struct env *e) { return (uint8_t)i8042_cmd_ops.read(&e->k, 0, 1); }
static void cmd(struct env *e, uint8_t v) { i8042_cmd_ops.write(&e->k, 0, 1, v); }
static void data_out(struct env *e, uint8_t v) { i8042_data_ops.write(&e->k, 0, 1, v); }
static uint8_t data_in(struct env *e) { return (uint8_t)i8042_data_ops.read(&e->k, 0, 1); }

/* Read one byte the way drivers do: wait for OBF (bounded), then read. */
static uint8_t expect_byte(struct env *e)
{
	assert_true(status(e) & 0x01);
	return data_in(e);
}

static void power_on_status(void **state)
{
	(void)state;
	struct env *e = setup();
	uint8_t st = status(e);
	assert_int_equal(st & 0x01, 0);		/* nothing to read */
	assert_int_equal(st & 0x02, 0);		/* never busy */
	assert_int_equal(st & 0x04, 0x04);	/* system flag: POST done */
	assert_int_equal(st & 0x10, 0x10);	/* not inhibited */
	assert_true(i8042_a20(&e->k));
	assert_int_equal(e->resets, 0);
}

static void fe_pulses_reset(void **state)
{
	(void)state;
	struct env *e = setup();
	cmd(e, 0xfe);
	assert_int_equal(e->resets, 1);
	assert_int_equal(e->poweroffs, 0);
	cmd(e, 0xff);		/* pulse nothing */
	cmd(e, 0xfd);		/* bit 0 set: not the reset line */
	assert_int_equal(e->resets, 1);
	cmd(e, 0xf0);		/* pulses all four bits: reset included */
	assert_int_equal(e->resets, 2);
}

static void linux_reboot_kbd_loop(void **state)
{
	(void)state;
	struct env *e = setup();
	/* Linux native_machine_emergency_restart, BOOT_KBD: wait !IBF, 0xFE. */
	for (int i = 0; i < 10; i++) {
		unsigned spins = 0;
		while ((status(e) & 0x02) && spins < 100000)
			spins++;
		assert_int_equal(spins, 0);
		cmd(e, 0xfe);
	}
	assert_int_equal(e->resets, 10);
}

static void self_test_and_interface_tests(void **state)
{
	(void)state;
	struct env *e = setup();
	cmd(e, 0xaa);
	assert_int_equal(status(e) & 0x08, 0x08);	/* last write was a command */
	assert_int_equal(expect_byte(e), 0x55);
	assert_int_equal(status(e) & 0x01, 0);
	cmd(e, 0xab);
	assert_int_equal(expect_byte(e), 0x00);
	cmd(e, 0xa9);
	assert_int_equal(expect_byte(e), 0x00);
	cmd(e, 0xa4);
	assert_int_equal(expect_byte(e), 0xf1);
	assert_int_equal(data_in(e), 0xf1);	/* empty buffer: the last byte again */
	assert_int_equal(e->resets, 0);
}

static void command_byte_read_write(void **state)
{
	(void)state;
	struct env *e = setup();
	cmd(e, 0x20);
	uint8_t ctr = expect_byte(e);
	assert_int_equal(ctr, 0x45);
	cmd(e, 0x60);
	assert_int_equal(status(e) & 0x01, 0);
	data_out(e, 0x74);	/* Linux: disable kbd/aux, no IRQs, translate */
	assert_int_equal(status(e) & 0x08, 0);
	cmd(e, 0x20);
	assert_int_equal(expect_byte(e), 0x74);
	assert_int_equal(status(e) & 0x04, 0x04);
	cmd(e, 0x60);
	data_out(e, 0x40);	/* SYS flag off */
	assert_int_equal(status(e) & 0x04, 0);
	/* Controller RAM bytes 1-31. */
	cmd(e, 0x65);
	data_out(e, 0x99);
	cmd(e, 0x25);
	assert_int_equal(expect_byte(e), 0x99);
}

static void enable_disable_interfaces(void **state)
{
	(void)state;
	struct env *e = setup();
	cmd(e, 0xad);
	cmd(e, 0xa7);
	cmd(e, 0x20);
	assert_int_equal(expect_byte(e) & 0x30, 0x30);
	assert_false(i8042_kbd_input(&e->k, 0x1e));	/* keyboard disabled */
	cmd(e, 0xae);
	cmd(e, 0xa8);
	cmd(e, 0x20);
	assert_int_equal(expect_byte(e) & 0x30, 0x00);
	assert_true(i8042_kbd_input(&e->k, 0x1e));
	assert_int_equal(expect_byte(e), 0x1e);
}

static void output_port_and_a20(void **state)
{
	(void)state;
	struct env *e = setup();
	cmd(e, 0xd0);
	uint8_t op = expect_byte(e);
	assert_int_equal(op & 0x03, 0x03);	/* running, A20 on */
	cmd(e, 0xd1);
	data_out(e, 0xdd);			/* A20 off, reset bit high */
	assert_false(i8042_a20(&e->k));
	assert_int_equal(e->resets, 0);
	cmd(e, 0xd1);
	data_out(e, 0xdf);			/* the classic A20 enable */
	assert_true(i8042_a20(&e->k));
	cmd(e, 0xdd);
	assert_false(i8042_a20(&e->k));
	cmd(e, 0xdf);
	assert_true(i8042_a20(&e->k));
	cmd(e, 0xd1);
	data_out(e, 0xfe);			/* reset bit low: the CPU is reset */
	assert_int_equal(e->resets, 1);
	cmd(e, 0xd0);
	assert_int_equal(expect_byte(e) & 0x01, 0x01);
}

static void keyboard_reset_and_identify(void **state)
{
	(void)state;
	struct env *e = setup();
	data_out(e, 0xff);
	assert_int_equal(expect_byte(e), 0xfa);
	assert_int_equal(expect_byte(e), 0xaa);
	assert_int_equal(status(e) & 0x01, 0);
	data_out(e, 0xf2);
	assert_int_equal(expect_byte(e), 0xfa);
	assert_int_equal(expect_byte(e), 0xab);
	assert_int_equal(expect_byte(e), 0x41);	/* translated */
	cmd(e, 0x60);
	data_out(e, 0x05);			/* translation off */
	data_out(e, 0xf2);
	expect_byte(e);
	expect_byte(e);
	assert_int_equal(expect_byte(e), 0x83);
}

static void keyboard_commands_with_parameters(void **state)
{
	(void)state;
	struct env *e = setup();
	data_out(e, 0xed);
	assert_int_equal(expect_byte(e), 0xfa);
	data_out(e, 0x07);
	assert_int_equal(expect_byte(e), 0xfa);
	assert_int_equal(e->k.leds, 7);
	data_out(e, 0xf0);
	assert_int_equal(expect_byte(e), 0xfa);
	data_out(e, 0x00);			/* query the scancode set */
	assert_int_equal(expect_byte(e), 0xfa);
	assert_int_equal(expect_byte(e), 0x02);
	data_out(e, 0xee);
	assert_int_equal(expect_byte(e), 0xee);
	data_out(e, 0xf5);
	assert_int_equal(expect_byte(e), 0xfa);
	assert_false(i8042_kbd_input(&e->k, 0x10));	/* scanning off */
	data_out(e, 0xf4);
	assert_int_equal(expect_byte(e), 0xfa);
	data_out(e, 0x42);			/* not a command */
	assert_int_equal(expect_byte(e), 0xfe);
}

static void irq1_per_byte(void **state)
{
	(void)state;
	struct env *e = setup();
	data_out(e, 0xff);			/* two bytes queued */
	assert_true(e->level[1]);
	assert_int_equal(e->rises[1], 1);
	data_in(e);
	assert_true(e->level[1]);		/* next byte: a new edge */
	assert_int_equal(e->rises[1], 2);
	data_in(e);
	assert_false(e->level[1]);
	cmd(e, 0x60);
	data_out(e, 0x44);			/* keyboard IRQ off */
	cmd(e, 0xaa);
	assert_false(e->level[1]);
	data_in(e);
	assert_int_equal(e->rises[12], 0);
}

static void aux_bytes_and_irq12(void **state)
{
	(void)state;
	struct env *e = setup();
	cmd(e, 0x60);
	data_out(e, 0x47);			/* aux IRQ on */
	cmd(e, 0xd3);
	data_out(e, 0x5a);			/* aux loopback (Linux i8042_check_aux) */
	assert_int_equal(status(e) & 0x21, 0x21);
	assert_true(e->level[12]);
	assert_false(e->level[1]);
	assert_int_equal(data_in(e), 0x5a);
	assert_false(e->level[12]);
	cmd(e, 0xd4);
	data_out(e, 0xff);			/* mouse reset: nobody there */
	assert_int_equal(status(e) & 0x21, 0x21);
	assert_int_equal(data_in(e), 0xfe);
	cmd(e, 0xd2);
	data_out(e, 0x1c);			/* as if typed */
	assert_int_equal(status(e) & 0x21, 0x01);
	assert_int_equal(data_in(e), 0x1c);
}

static void queue_overrun_bounded(void **state)
{
	(void)state;
	struct env *e = setup();
	for (unsigned i = 0; i < 100; i++)
		data_out(e, 0xee);
	unsigned n = 0;
	while ((status(e) & 1) && n < 1000) {
		assert_int_equal(data_in(e), 0xee);
		n++;
	}
	assert_int_equal(n, I8042_QUEUE);
}

static void random_bytes_stay_sane(void **state)
{
	(void)state;
	struct env *e = setup();
	uint32_t x = 99;
	for (unsigned i = 0; i < 100000; i++) {
		x = x * 1103515245 + 12345;
		unsigned r = x >> 8;
		uint8_t v = (uint8_t)(r >> 8);
		switch (r % 4) {
		case 0: cmd(e, v); break;
		case 1: data_out(e, v); break;
		case 2: status(e); break;
		default: data_in(e); break;
		}
		assert_true(e->k.count <= I8042_QUEUE);
		assert_true(e->level[1] == e->k.irq1 && e->level[12] == e->k.irq12);
		assert_false(e->level[1] && e->level[12]);
	}
}

static void cf9_hard_and_soft_reset(void **state)
{
	(void)state;
	struct env *e = setup();
	assert_int_equal(resetctl_ops.read(&e->rc, 0, 1), 0);
	/* Linux BOOT_CF9_FORCE: cf9 = inb & ~6; outb(cf9|2); outb(cf9|6). */
	resetctl_ops.write(&e->rc, 0, 1, 0x02);
	assert_int_equal(e->resets, 0);
	assert_int_equal(resetctl_ops.read(&e->rc, 0, 1), 0x02);
	resetctl_ops.write(&e->rc, 0, 1, 0x06);
	assert_int_equal(e->resets, 1);
	assert_true(e->rc.last_hard);
	assert_int_equal(resetctl_ops.read(&e->rc, 0, 1), 0x02);	/* RST_CPU reads 0 */
	resetctl_ops.write(&e->rc, 0, 1, 0x04);	/* soft reset */
	assert_int_equal(e->resets, 2);
	assert_false(e->rc.last_hard);
	resetctl_ops.write(&e->rc, 0, 1, 0x0e);	/* full reset */
	assert_int_equal(e->resets, 3);
	assert_true(e->rc.last_hard);
	assert_int_equal(resetctl_ops.read(&e->rc, 0, 1), 0x0a);
	resetctl_ops.write(&e->rc, 0, 1, 0xf1);	/* no RST_CPU: nothing */
	assert_int_equal(e->resets, 3);
	assert_int_equal(e->poweroffs, 0);
}

static void port92_fast_init_and_a20(void **state)
{
	(void)state;
	struct env *e = setup();
	assert_int_equal(resetctl_port92_ops.read(&e->rc, 0, 1), 0x02);
	assert_true(resetctl_a20(&e->rc));
	resetctl_port92_ops.write(&e->rc, 0, 1, 0x00);	/* A20 off */
	assert_false(resetctl_a20(&e->rc));
	assert_int_equal(e->resets, 0);
	resetctl_port92_ops.write(&e->rc, 0, 1, 0x03);	/* FAST_INIT 0 -> 1 */
	assert_int_equal(e->resets, 1);
	assert_false(e->rc.last_hard);
	resetctl_port92_ops.write(&e->rc, 0, 1, 0x03);	/* still 1: no new edge */
	assert_int_equal(e->resets, 1);
	assert_int_equal(resetctl_port92_ops.read(&e->rc, 0, 1), 0x03);
	resetctl_port92_ops.write(&e->rc, 0, 1, 0xfe);	/* reserved bits dropped */
	assert_int_equal(resetctl_port92_ops.read(&e->rc, 0, 1), 0x02);
	resetctl_port92_ops.write(&e->rc, 0, 1, 0x01);
	assert_int_equal(e->resets, 2);
}

static void cf9_without_callbacks(void **state)
{
	(void)state;
	struct resetctl rc;
	resetctl_init(&rc, NULL);
	resetctl_ops.write(&rc, 0, 1, 0x06);
	assert_int_equal(rc.resets, 1);
	struct i8042 k;
	i8042_init(&k, NULL, NULL);
	i8042_cmd_ops.write(&k, 0, 1, 0xfe);
	i8042_data_ops.write(&k, 0, 1, 0xff);
	assert_int_equal(k.resets, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(power_on_status),
		cmocka_unit_test(fe_pulses_reset),
		cmocka_unit_test(linux_reboot_kbd_loop),
		cmocka_unit_test(self_test_and_interface_tests),
		cmocka_unit_test(command_byte_read_write),
		cmocka_unit_test(enable_disable_interfaces),
		cmocka_unit_test(output_port_and_a20),
		cmocka_unit_test(keyboard_reset_and_identify),
		cmocka_unit_test(keyboard_commands_with_parameters),
		cmocka_unit_test(irq1_per_byte),
		cmocka_unit_test(aux_bytes_and_irq12),
		cmocka_unit_test(queue_overrun_bounded),
		cmocka_unit_test(random_bytes_stay_sane),
		cmocka_unit_test(cf9_hard_and_soft_reset),
		cmocka_unit_test(port92_fast_init_and_a20),
		cmocka_unit_test(cf9_without_callbacks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
