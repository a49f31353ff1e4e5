/* Host tests for QEMU fw_cfg (emul/dev/fw_cfg.c) through the port bus, as a
 * guest driver reads it: outw(0x510, key), then inb(0x511) byte by byte. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "emul/dev/iobus.h"
#include "emul/dev/fw_cfg.h"

struct rig { struct iobus bus; struct fw_cfg fw; };

static void rig_init(struct rig *r, uint64_t ram, uint16_t cpus, uint16_t max)
{
	memset(r, 0, sizeof(*r));
	fw_cfg_init(&r->fw, ram, cpus, max);
	assert_true(iobus_add(&r->bus, FW_CFG_PORT_BASE, FW_CFG_PORT_LEN, &fw_cfg_ops, &r->fw, "fw_cfg"));
}

static void sel(struct rig *r, uint16_t key)
{
	assert_true(iobus_write(&r->bus, 0x510, 2, key));
}

static void rd(struct rig *r, void *buf, size_t n)
{
	uint8_t *p = buf;
	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		assert_true(iobus_read(&r->bus, 0x511, 1, &v));
		assert_true(v <= 0xff);
		p[i] = (uint8_t)v;
	}
}

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint32_t be(const uint8_t *p, unsigned n)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void signature_and_id(void **state)
{
	(void)state;
	struct rig r;
	uint8_t b[8];
	rig_init(&r, 64 << 20, 1, 1);
	sel(&r, FW_CFG_SIGNATURE);
	rd(&r, b, 4);
	assert_memory_equal(b, "QEMU", 4);
	sel(&r, FW_CFG_ID);
	rd(&r, b, 4);
	assert_int_equal(le(b, 4), 1);			/* traditional interface, no DMA */
}

static void past_end_reads_zero(void **state)
{
	(void)state;
	struct rig r;
	uint8_t b[12];
	rig_init(&r, 64 << 20, 1, 1);
	sel(&r, FW_CFG_SIGNATURE);
	rd(&r, b, 12);
	assert_memory_equal(b, "QEMU\0\0\0\0\0\0\0\0", 12);
	sel(&r, 0x1234);				/* no such item */
	rd(&r, b, 4);
	assert_int_equal(le(b, 4), 0);
	sel(&r, 0x8003);				/* arch-local e820: not provided */
	rd(&r, b, 4);
	assert_int_equal(le(b, 4), 0);
	/* Reading far past the end never wraps the offset back into the item. */
	sel(&r, FW_CFG_SIGNATURE);
	for (int i = 0; i < 100000; i++)
		(void)fw_cfg_read_byte(&r.fw);
	assert_int_equal(fw_cfg_read_byte(&r.fw), 0);
}

static void reselect_rewinds(void **state)
{
	(void)state;
	struct rig r;
	uint8_t b[4];
	rig_init(&r, 64 << 20, 1, 1);
	sel(&r, FW_CFG_SIGNATURE);
	rd(&r, b, 2);
	assert_memory_equal(b, "QE", 2);
	rd(&r, b, 2);
	assert_memory_equal(b, "MU", 2);
	sel(&r, FW_CFG_SIGNATURE);
	rd(&r, b, 1);
	assert_int_equal(b[0], 'Q');
	sel(&r, FW_CFG_SIGNATURE | 0x4000);		/* write-channel bit is ignored */
	rd(&r, b, 4);
	assert_memory_equal(b, "QEMU", 4);
}

static void ram_and_cpus(void **state)
{
	(void)state;
	struct rig r;
	uint8_t b[8];
	rig_init(&r, 0x1c0000000ull, 2, 8);		/* 7 GiB: above 32 bits */
	sel(&r, FW_CFG_RAM_SIZE);
	rd(&r, b, 8);
	assert_int_equal(le(b, 8), 0x1c0000000ull);
	sel(&r, FW_CFG_NB_CPUS);
	rd(&r, b, 4);
	assert_int_equal(le(b, 2), 2);
	assert_int_equal(le(b + 2, 2), 0);		/* 16-bit item, then zeros */
	sel(&r, FW_CFG_MAX_CPUS);
	rd(&r, b, 2);
	assert_int_equal(le(b, 2), 8);
}

static void empty_file_dir(void **state)
{
	(void)state;
	struct rig r;
	uint8_t b[8];
	rig_init(&r, 64 << 20, 1, 1);
	sel(&r, FW_CFG_FILE_DIR);
	rd(&r, b, 8);
	assert_int_equal(be(b, 4), 0);
	assert_int_equal(be(b + 4, 4), 0);
}

static void file_dir_and_contents(void **state)
{
	(void)state;
	struct rig r;
	static const char env[] = "TESTNAME=smp\nARGS=-v\n";
	static const uint8_t blob[3] = { 1, 2, 3 };
	uint8_t b[4 + 2 * 64 + 4], data[sizeof(env) + 3];
	rig_init(&r, 64 << 20, 1, 1);
	assert_int_equal(fw_cfg_add_file(&r.fw, "etc/test-env", env, sizeof(env) - 1), 0x20);
	assert_int_equal(fw_cfg_add_file(&r.fw, "opt/blob", blob, 3), 0x21);
	sel(&r, FW_CFG_FILE_DIR);
	rd(&r, b, sizeof(b));
	assert_int_equal(be(b, 4), 2);
	const uint8_t *e0 = b + 4, *e1 = b + 4 + 64;
	assert_int_equal(be(e0, 4), sizeof(env) - 1);
	assert_int_equal(be(e0 + 4, 2), 0x20);
	assert_int_equal(be(e0 + 6, 2), 0);		/* reserved */
	assert_string_equal((const char *)e0 + 8, "etc/test-env");
	for (int i = 8 + 12; i < 64; i++)
		assert_int_equal(e0[i], 0);		/* name NUL-padded */
	assert_int_equal(be(e1, 4), 3);
	assert_int_equal(be(e1 + 4, 2), 0x21);
	assert_string_equal((const char *)e1 + 8, "opt/blob");
	assert_int_equal(le(b + 4 + 128, 4), 0);	/* past the directory */

	sel(&r, 0x20);
	rd(&r, data, sizeof(data));
	assert_memory_equal(data, env, sizeof(env) - 1);
	for (size_t i = sizeof(env) - 1; i < sizeof(data); i++)
		assert_int_equal(data[i], 0);
	sel(&r, 0x21);
	rd(&r, data, 4);
	assert_memory_equal(data, "\1\2\3\0", 4);
	sel(&r, 0x22);					/* one past the last file */
	rd(&r, data, 2);
	assert_int_equal(le(data, 2), 0);
}

static void add_file_refusals(void **state)
{
	(void)state;
	struct fw_cfg fw;
	char name[80];
	fw_cfg_init(&fw, 1, 1, 1);
	assert_int_equal(fw_cfg_add_file(&fw, "", "x", 1), -1);
	assert_int_equal(fw_cfg_add_file(&fw, NULL, "x", 1), -1);
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	assert_int_equal(fw_cfg_add_file(&fw, name, "x", 1), -1);	/* 79 chars */
	name[56] = 0;
	assert_int_equal(fw_cfg_add_file(&fw, name, "x", 1), -1);	/* 56: no room for NUL */
	name[55] = 0;
	assert_int_equal(fw_cfg_add_file(&fw, name, "x", 1), 0x20);	/* 55 fits */
	assert_int_equal(fw_cfg_add_file(&fw, name, "y", 1), -1);	/* duplicate */
	for (int i = 1; i < FW_CFG_MAX_FILES; i++) {
		char n[8] = { 'f', (char)('a' + i), 0 };
		assert_int_equal(fw_cfg_add_file(&fw, n, NULL, 100), 0x20 + i);
	}
	assert_int_equal(fw_cfg_add_file(&fw, "full", "x", 1), -1);
	assert_int_equal(fw.nfiles, FW_CFG_MAX_FILES);
	/* A NULL-data file reads as empty, and its directory size says 0. */
	fw_cfg_select(&fw, 0x21);
	assert_int_equal(fw_cfg_read_byte(&fw), 0);
	assert_int_equal(be(fw.dir + 4 + 64, 4), 0);
}

static void full_dir_readable(void **state)
{
	(void)state;
	struct rig r;
	static uint8_t dir[FW_CFG_DIR_SIZE + 8];
	rig_init(&r, 1, 1, 1);
	for (int i = 0; i < FW_CFG_MAX_FILES; i++) {
		char n[16] = "file-";
		n[5] = (char)('A' + i);
		assert_true(fw_cfg_add_file(&r.fw, n, n, 6) >= 0);
	}
	sel(&r, FW_CFG_FILE_DIR);
	rd(&r, dir, sizeof(dir));
	assert_int_equal(be(dir, 4), FW_CFG_MAX_FILES);
	const uint8_t *last = dir + 4 + (FW_CFG_MAX_FILES - 1) * 64;
	assert_int_equal(be(last + 4, 2), 0x20 + FW_CFG_MAX_FILES - 1);
	assert_string_equal((const char *)last + 8, "file-P");
	for (int i = 0; i < 8; i++)
		assert_int_equal(dir[FW_CFG_DIR_SIZE + i], 0);
}

static void port_sizes(void **state)
{
	(void)state;
	struct rig r;
	uint64_t v;
	rig_init(&r, 1, 1, 1);
	sel(&r, FW_CFG_SIGNATURE);
	assert_true(iobus_read(&r.bus, 0x510, 1, &v));	/* byte at 0x510: data too */
	assert_int_equal(v, 'Q');
	assert_true(iobus_write(&r.bus, 0x511, 1, 0x55));	/* legacy write: ignored */
	assert_true(iobus_write(&r.bus, 0x510, 4, FW_CFG_ID));	/* not a selector write */
	assert_true(iobus_read(&r.bus, 0x511, 1, &v));
	assert_int_equal(v, 'E');
	assert_true(iobus_read(&r.bus, 0x510, 2, &v));	/* not decoded */
	assert_int_equal(v, 0xffff);
	assert_true(iobus_read(&r.bus, 0x511, 1, &v));
	assert_int_equal(v, 'M');
	assert_false(iobus_read(&r.bus, 0x514, 4, &v));	/* no DMA port */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(signature_and_id),
		cmocka_unit_test(past_end_reads_zero),
		cmocka_unit_test(reselect_rewinds),
		cmocka_unit_test(ram_and_cpus),
		cmocka_unit_test(empty_file_dir),
		cmocka_unit_test(file_dir_and_contents),
		cmocka_unit_test(add_file_refusals),
		cmocka_unit_test(full_dir_readable),
		cmocka_unit_test(port_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
