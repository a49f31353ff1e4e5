/* Host tests for the \_S5 finder (drivers/acpi_s5.c) on crafted AML. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "drivers/acpi.h"

static void finds_byte_prefixed_package(void **state)
{
	(void)state;
	/* Name (_S5, Package (0x04) { 0x05, 0x05, Zero, Zero }) */
	const uint8_t aml[] = { 0x10, 0x20, 0x08, '_', 'S', '5', '_', 0x12, 0x0a, 0x04,
				0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };
	uint16_t a = 9, b = 9;
	assert_true(acpi_find_s5(aml, sizeof(aml), &a, &b));
	assert_int_equal(a, 5);
	assert_int_equal(b, 5);
}

static void finds_zero_one_and_root_prefix(void **state)
{
	(void)state;
	/* Name (\_S5, Package () { Zero, One }) as QEMU's DSDT has it. */
	const uint8_t aml[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x00, 0x01 };
	uint16_t a = 9, b = 9;
	assert_true(acpi_find_s5(aml, sizeof(aml), &a, &b));
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
}

static void ignores_s5_that_is_not_a_name(void **state)
{
	(void)state;
	/* "_S5_" inside a method body (no NameOp before it), then truncated. */
	const uint8_t aml[] = { 0x70, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 0x07, 0x0a, 0x07 };
	uint16_t a, b;
	assert_false(acpi_find_s5(aml, sizeof(aml), &a, &b));
}

static void refuses_truncated_package(void **state)
{
	(void)state;
	const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a };
	uint16_t a, b;
	for (size_t n = 0; n <= sizeof(aml); n++)
		assert_false(acpi_find_s5(aml, n, &a, &b));
	assert_false(acpi_find_s5(NULL, 100, &a, &b));
}

static void multi_byte_pkglength(void **state)
{
	(void)state;
	/* PkgLength with one follow byte (lead bits 7-6 = 01). */
	const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x46, 0x00, 0x02, 0x0b, 0x07, 0x00, 0x0a, 0x03 };
	uint16_t a, b;
	assert_true(acpi_find_s5(aml, sizeof(aml), &a, &b));
	assert_int_equal(a, 7);
	assert_int_equal(b, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_byte_prefixed_package),
		cmocka_unit_test(finds_zero_one_and_root_prefix),
		cmocka_unit_test(ignores_s5_that_is_not_a_name),
		cmocka_unit_test(refuses_truncated_package),
		cmocka_unit_test(multi_byte_pkglength),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
