/* Host tests for the port/MMIO bus and the guest UART model (emul/dev). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "emul/dev/iobus.h"
#include "emul/dev/uart16550.h"
#include "emul/dev/iomem.h"

struct fake { uint64_t last_off, last_val; unsigned last_size, writes; };

static uint64_t fake_read(void *dev, uint64_t off, unsigned size)
{
	(void)dev;
	return 0x1122334455667788ull + off + size;
}

static void fake_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct fake *f = dev;
	f->last_off = off, f->last_size = size, f->last_val = val, f->writes++;
}

static const struct io_dev_ops fake_ops = { fake_read, fake_write };

static void unclaimed_reads_all_ones(void **state)
{
	(void)state;
	struct iobus b = { 0 };
	uint64_t v;
	assert_false(iobus_read(&b, 0x1234, 1, &v));
	assert_int_equal(v, 0xff);
	assert_false(iobus_read(&b, 0x1234, 2, &v));
	assert_int_equal(v, 0xffff);
	assert_false(iobus_read(&b, 0x1234, 4, &v));
	assert_int_equal(v, 0xffffffffull);
	assert_false(iobus_read(&b, 0x1234, 8, &v));
	assert_int_equal(v, ~0ull);
	assert_false(iobus_write(&b, 0x1234, 4, 7));
	assert_int_equal(b.unclaimed, 5);
}

static void ranges_route_and_refuse_overlap(void **state)
{
	(void)state;
	struct iobus b = { 0 };
	struct fake a = { 0 }, c = { 0 };
	assert_true(iobus_add(&b, 0x3f8, 8, &fake_ops, &a, "a"));
	assert_true(iobus_add(&b, 0x80, 1, &fake_ops, &c, "c"));
	assert_false(iobus_add(&b, 0x3ff, 2, &fake_ops, &c, "overlap-end"));
	assert_false(iobus_add(&b, 0x3f0, 9, &fake_ops, &c, "overlap-start"));
	assert_false(iobus_add(&b, ~0ull - 1, 4, &fake_ops, &c, "wraps"));
	assert_false(iobus_add(&b, 0x10, 0, &fake_ops, &c, "empty"));
	assert_true(iobus_add(&b, 0x400, 1, &fake_ops, &c, "adjacent"));
	assert_true(iobus_write(&b, 0x3fd, 1, 0x1ff));
	assert_int_equal(a.last_off, 5);
	assert_int_equal(a.last_val, 0xff);	/* masked to the access size */
	uint64_t v;
	assert_true(iobus_read(&b, 0x3f9, 2, &v));
	assert_int_equal(v, (0x1122334455667788ull + 1 + 2) & 0xffff);
	assert_null(iobus_find(&b, 0x3f7));
	assert_null(iobus_find(&b, 0x401));
	assert_non_null(iobus_find(&b, 0x80));
}

static void last_hit_cache_never_misroutes(void **state)
{
	(void)state;
	struct iobus b = { 0 };
	struct fake a = { 0 }, c = { 0 };
	assert_true(iobus_add(&b, 0x100, 4, &fake_ops, &a, "a"));
	assert_true(iobus_add(&b, 0x200, 4, &fake_ops, &c, "c"));
	for (int i = 0; i < 50; i++) {
		uint64_t port = (i % 3 == 0) ? 0x102 : (i % 3 == 1) ? 0x203 : 0x104;
		bool hit = iobus_write(&b, port, 1, (uint64_t)i);
		if (port == 0x104) {
			assert_false(hit);	/* just past "a": must not hit the cached range */
			continue;
		}
		struct fake *f = port < 0x200 ? &a : &c;
		assert_true(hit);
		assert_int_equal(f->last_val, (uint64_t)i);
		assert_int_equal(f->last_off, port & 3);
	}
	/* A range added later invalidates the cache position. */
	assert_true(iobus_add(&b, 0x10, 4, &fake_ops, &c, "low"));
	assert_true(iobus_write(&b, 0x101, 1, 0x77));
	assert_int_equal(a.last_val, 0x77);
}

static void touched_collects_range_flags(void **state)
{
	(void)state;
	struct iobus b = { 0 };
	struct fake a = { 0 }, c = { 0 };
	uint64_t v;
	uint32_t gen = b.gen;
	assert_true(iobus_add(&b, 0x20, 2, &fake_ops, &a, "pic"));
	assert_true(iobus_add(&b, 0x3f8, 8, &fake_ops, &c, "uart"));
	/* callers holding a range (the MMIO fast path) see every change */
	assert_int_equal(b.gen, gen + 2);
	assert_true(iobus_set_flags(&b, 0x20, IO_RANGE_EVENTS));
	assert_int_equal(b.gen, gen + 3);
	assert_false(iobus_set_flags(&b, 0x21, IO_RANGE_EVENTS));
	assert_false(iobus_add(&b, 0x21, 1, &fake_ops, &a, "overlap"));
	assert_int_equal(b.gen, gen + 3);
	iobus_read(&b, 0x3f8, 1, &v);
	iobus_write(&b, 0x1234, 1, 0);
	assert_int_equal(b.touched, 0);
	iobus_write(&b, 0x21, 1, 0xff);
	assert_int_equal(b.touched, IO_RANGE_EVENTS);
	b.touched = 0;
	iobus_read(&b, 0x20, 1, &v);
	assert_int_equal(b.touched, IO_RANGE_EVENTS);
	/* a device whose reads change nothing (LAPIC, IOAPIC): reads leave
	 * the bus untouched, by either path, writes do not */
	assert_true(iobus_set_flags(&b, 0x3f8, IO_RANGE_EVENTS | IO_RANGE_QUIET_READS));
	b.touched = 0;
	iobus_read(&b, 0x3f8, 1, &v);
	iobus_read(&b, 0x21, 1, &v);	/* the other range: last moves */
	assert_int_equal(b.touched, IO_RANGE_EVENTS);
	b.touched = 0;
	assert_true(iobus_read_any(&b, 0x3f9, 1, &v));
	iobus_read(&b, 0x3fa, 2, &v);
	assert_int_equal(b.touched, 0);
	assert_int_equal(b.r[b.last].touch[IOBUS_READ], 0);
	iobus_write(&b, 0x3f8, 1, 1);
	assert_int_equal(b.touched, IO_RANGE_EVENTS);
	b.touched = 0;
	assert_true(iobus_write_any(&b, 0x3f8, 1, 1));
	assert_int_equal(b.touched, IO_RANGE_EVENTS);
	/* a device that only reads (or only writes) can't be called
	 * directly for both (io_range.rw, the MMIO fast path's test) */
	static const struct io_dev_ops read_only = { fake_read, NULL };
	assert_true(iobus_add(&b, 0x500, 4, &read_only, &a, "ro"));
	assert_false(iobus_find(&b, 0x500)->rw);
	assert_true(iobus_find(&b, 0x3f8)->rw);
	/* flags cleared again: nothing is touched */
	assert_true(iobus_set_flags(&b, 0x3f8, 0));
	b.touched = 0;
	iobus_read(&b, 0x3f8, 1, &v);
	iobus_write(&b, 0x3f8, 1, 1);
	assert_int_equal(b.touched, 0);
}

static void bus_fills_up(void **state)
{
	(void)state;
	struct iobus b = { 0 };
	struct fake f = { 0 };
	for (int i = 0; i < IOBUS_MAX_RANGES; i++)
		assert_true(iobus_add(&b, 0x1000 - i * 0x10, 4, &fake_ops, &f, "x"));
	assert_false(iobus_add(&b, 0x5000, 4, &fake_ops, &f, "full"));
	for (int i = 0; i < IOBUS_MAX_RANGES; i++)
		assert_non_null(iobus_find(&b, 0x1000 - i * 0x10 + 3));
}

static char out[64];
static unsigned out_len;
static void sink(void *ctx, uint8_t byte)
{
	(void)ctx;
	if (out_len < sizeof(out))
		out[out_len++] = (char)byte;
}

static void uart_transmits_and_receives(void **state)
{
	(void)state;
	struct uart16550 u;
	out_len = 0;
	uart16550_init(&u, sink, 0);
	const struct io_dev_ops *o = &uart16550_ops;
	assert_int_equal(o->read(&u, 5, 1) & 0x61, 0x60);	/* THRE|TEMT, no DR */
	o->write(&u, 0, 1, 'h');
	o->write(&u, 0, 1, 'i');
	assert_memory_equal(out, "hi", 2);
	assert_true(uart16550_receive(&u, 'x'));
	assert_int_equal(o->read(&u, 5, 1) & 1, 1);
	assert_int_equal(o->read(&u, 0, 1), 'x');
	assert_int_equal(o->read(&u, 5, 1) & 1, 0);
	/* Divisor latch: DLAB routes offsets 0/1 to DLL/DLM, not THR. */
	o->write(&u, 3, 1, 0x83);
	o->write(&u, 0, 1, 0x0c);
	o->write(&u, 1, 1, 0x00);
	assert_int_equal(o->read(&u, 0, 1), 0x0c);
	assert_int_equal(out_len, 2);
	o->write(&u, 3, 1, 0x03);
	o->write(&u, 7, 1, 0x5a);
	assert_int_equal(o->read(&u, 7, 1), 0x5a);
	/* Loopback: transmitted bytes come back as received ones. */
	o->write(&u, 4, 1, 0x10);
	o->write(&u, 0, 1, 'L');
	assert_int_equal(out_len, 2);
	assert_int_equal(o->read(&u, 0, 1), 'L');
}

static void uart_receive_buffer_is_bounded(void **state)
{
	(void)state;
	struct uart16550 u;
	uart16550_init(&u, sink, 0);
	for (int i = 0; i < UART_RX_BUF; i++)
		assert_true(uart16550_receive(&u, (uint8_t)i));
	assert_false(uart16550_receive(&u, 0xee));
	for (int i = 0; i < UART_RX_BUF; i++)
		assert_int_equal(uart16550_ops.read(&u, 0, 1), (uint8_t)i);
	assert_int_equal(uart16550_ops.read(&u, 5, 1) & 1, 0);
}

static int irq_changes;
static bool irq_now;
static void irq_set(void *ctx, unsigned line, bool level)
{
	(void)ctx;
	assert_int_equal(line, 4);
	irq_changes++;
	irq_now = level;
}

static void uart_interrupts(void **state)
{
	(void)state;
	struct uart16550 u;
	const struct io_dev_ops *o = &uart16550_ops;
	uart16550_init(&u, sink, 0);
	uart16550_connect_irq(&u, (struct irq_line){ irq_set, 0 }, 4);
	irq_changes = 0;
	irq_now = false;
	assert_int_equal(o->read(&u, 2, 1) & 0x0f, 0x01);	/* IIR: none */
	/* THRE enabled with THR empty: pending at once, but OUT2 gates the pin */
	o->write(&u, 1, 1, 0x02);
	assert_int_equal(o->read(&u, 2, 1) & 0x0f, 0x02);	/* reading clears it */
	assert_int_equal(o->read(&u, 2, 1) & 0x0f, 0x01);
	assert_false(irq_now);
	o->write(&u, 4, 1, 0x08);				/* OUT2 */
	o->write(&u, 0, 1, 'a');				/* THR write: empty again */
	assert_true(irq_now);
	assert_int_equal(o->read(&u, 2, 1) & 0x0f, 0x02);
	assert_false(irq_now);
	/* Received data outranks THRE and lasts until the byte is read. */
	o->write(&u, 1, 1, 0x03);
	o->write(&u, 0, 1, 'b');
	assert_true(uart16550_receive(&u, 'x'));
	assert_int_equal(o->read(&u, 2, 1) & 0x0f, 0x04);
	assert_true(irq_now);
	assert_int_equal(o->read(&u, 0, 1), 'x');
	assert_int_equal(o->read(&u, 2, 1) & 0x0f, 0x02);	/* THRE still there */
	assert_int_equal(o->read(&u, 2, 1) & 0x0f, 0x01);
	assert_false(irq_now);
	/* IER 0: nothing. */
	o->write(&u, 1, 1, 0x00);
	assert_true(uart16550_receive(&u, 'y'));
	assert_false(irq_now);
	assert_int_equal(o->read(&u, 2, 1) & 0x0f, 0x01);
}

static void iomem_echoes_and_clips(void **state)
{
	(void)state;
	uint8_t backing[16];
	memset(backing, 0, sizeof(backing));
	struct iomem m = { backing, sizeof(backing), 0, 0 };
	struct iobus b = { 0 };
	assert_true(iobus_add(&b, 0xff000000, sizeof(backing), &iomem_ops, &m, "iomem"));
	assert_true(iobus_write(&b, 0xff000004, 4, 0xdeadbeef));
	uint64_t v;
	assert_true(iobus_read(&b, 0xff000004, 2, &v));
	assert_int_equal(v, 0xbeef);
	assert_true(iobus_read(&b, 0xff000006, 1, &v));
	assert_int_equal(v, 0xad);
	/* An 8-byte write at offset 12 keeps only the 4 bytes inside. */
	assert_true(iobus_write(&b, 0xff00000c, 8, 0x1122334455667788ull));
	assert_true(iobus_read(&b, 0xff00000c, 8, &v));
	assert_int_equal(v, 0xffffffff55667788ull);
	assert_int_equal(m.writes, 2);
	assert_int_equal(m.reads, 3);
	assert_false(iobus_read(&b, 0xff000010, 1, &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unclaimed_reads_all_ones),
		cmocka_unit_test(ranges_route_and_refuse_overlap),
		cmocka_unit_test(bus_fills_up),
		cmocka_unit_test(touched_collects_range_flags),
		cmocka_unit_test(last_hit_cache_never_misroutes),
		cmocka_unit_test(uart_transmits_and_receives),
		cmocka_unit_test(uart_receive_buffer_is_bounded),
		cmocka_unit_test(iomem_echoes_and_clips),
		cmocka_unit_test(uart_interrupts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
