/* Host tests for QEMU's pc-testdev I/O ports (emul/dev/pctestdev.c),
 * reached through a real iobus as the VMX side registers them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "emul/dev/iobus.h"
#include "emul/dev/pctestdev.h"

struct lines { int level[32]; unsigned calls, last; uint64_t flushed[8]; unsigned nflush; };

static void set_line(void *ctx, unsigned line, bool level)
{
	struct lines *l = ctx;
	l->calls++;
	l->last = line;
	if (line < 32)
		l->level[line] = level;
}

static void flush(void *ctx, uint64_t gpa)
{
	struct lines *l = ctx;
	if (l->nflush < 8)
		l->flushed[l->nflush++] = gpa;
}

struct rig { struct iobus bus; struct pctestdev t; struct lines l; };

static void rig_init(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 32; i++)
		r->l.level[i] = -1;
	pctestdev_init(&r->t, (struct irq_line){ set_line, &r->l }, flush, &r->l);
	assert_true(iobus_add(&r->bus, PCTESTDEV_PORT_BASE, PCTESTDEV_PORT_LEN,
			      &pctestdev_port_ops, &r->t, "pc-testdev"));
	assert_true(iobus_add(&r->bus, PCTESTDEV_IRQ_BASE, PCTESTDEV_IRQ_LEN,
			      &pctestdev_irq_ops, &r->t, "pc-testdev-irq"));
}

static uint64_t in(struct rig *r, uint64_t port, unsigned size)
{
	uint64_t v = 0;
	assert_true(iobus_read(&r->bus, port, size, &v));
	return v;
}

static void out(struct rig *r, uint64_t port, unsigned size, uint64_t v)
{
	assert_true(iobus_write(&r->bus, port, size, v));
}

static void readback_dword(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	assert_int_equal(in(&r, 0xe0, 4), 0);
	out(&r, 0xe0, 4, 0xdeadbeef);
	assert_int_equal(in(&r, 0xe0, 4), 0xdeadbeef);
	assert_int_equal(in(&r, 0xe0, 2), 0xbeef);
	assert_int_equal(in(&r, 0xe2, 2), 0xdead);
	assert_int_equal(in(&r, 0xe1, 1), 0xbe);
	assert_int_equal(in(&r, 0xe3, 1), 0xde);
}

static void readback_byte_lanes(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	out(&r, 0xe0, 4, 0x11223344);
	out(&r, 0xe2, 1, 0xaa);			/* replaces one lane only */
	assert_int_equal(in(&r, 0xe0, 4), 0x11aa3344);
	out(&r, 0xe1, 2, 0x5566);		/* lanes 1 and 2 */
	assert_int_equal(in(&r, 0xe0, 4), 0x11556644);
}

static void byte_window_aliases_register(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	out(&r, 0xe8, 4, 0xcafef00d);		/* QEMU: split into 4 byte writes */
	assert_int_equal(in(&r, 0xe0, 4), 0xcafef00d);
	assert_int_equal(in(&r, 0xeb, 1), 0xca);
	out(&r, 0xe0, 2, 0x1234);
	assert_int_equal(in(&r, 0xe8, 4), 0xcafe1234);
}

static void flush_port(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	out(&r, 0xe4, 4, 0x123456);
	assert_int_equal(r.l.nflush, 1);
	assert_int_equal(r.l.flushed[0], 0x123000);	/* page of the address */
	out(&r, 0xe4, 1, 0x5000);			/* QEMU: 32-bit accesses only */
	out(&r, 0xe4, 2, 0x5000);
	assert_int_equal(r.l.nflush, 1);
	assert_int_equal(in(&r, 0xe4, 4), 0);
	assert_int_equal(r.t.data, 0);			/* flush did not touch data */
}

static void irq_line_port(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	out(&r, 0x2000 + 10, 1, 1);
	assert_int_equal(r.l.level[10], 1);
	assert_int_equal(r.l.last, 10);
	out(&r, 0x2000 + 10, 1, 0x80);			/* any non-zero value is "high" */
	assert_int_equal(r.l.level[10], 1);
	out(&r, 0x2000 + 10, 1, 0);
	assert_int_equal(r.l.level[10], 0);
	out(&r, 0x2000 + 23, 1, 1);
	assert_int_equal(r.l.level[23], 1);
	out(&r, 0x2000, 1, 1);
	assert_int_equal(r.l.level[0], 1);
	assert_int_equal(r.l.calls, 5);
	assert_int_equal(in(&r, 0x2000 + 10, 1), 0);
}

static void irq_port_bounds_and_sizes(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	out(&r, 0x2004, 2, 0x0101);			/* not a byte access: dropped */
	out(&r, 0x2004, 4, 1);
	assert_int_equal(r.l.calls, 0);
	uint64_t v;
	assert_false(iobus_write(&r.bus, 0x2000 + 24, 1, 1));	/* past the 24 lines */
	assert_false(iobus_read(&r.bus, 0xec, 1, &v));
	assert_int_equal(r.l.calls, 0);
	/* Direct calls with hostile offsets never reach the line callback. */
	pctestdev_irq_ops.write(&r.t, 1000, 1, 1);
	pctestdev_port_ops.write(&r.t, ~0ull - 2, 8, ~0ull);
	assert_int_equal(r.l.calls, 0);
	assert_int_equal(r.t.data, 0);
}

static void unconnected_callbacks(void **state)
{
	(void)state;
	struct pctestdev t;
	pctestdev_init(&t, (struct irq_line){ 0 }, NULL, NULL);
	pctestdev_irq_ops.write(&t, 3, 1, 1);
	pctestdev_port_ops.write(&t, 4, 4, 0x1000);
	assert_int_equal(t.flushes, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(readback_dword),
		cmocka_unit_test(readback_byte_lanes),
		cmocka_unit_test(byte_window_aliases_register),
		cmocka_unit_test(flush_port),
		cmocka_unit_test(irq_line_port),
		cmocka_unit_test(irq_port_bounds_and_sizes),
		cmocka_unit_test(unconnected_callbacks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
