/* Finding SLP_TYP for S5 in AML without an interpreter: the firmware
 * declares Name (_S5, Package () { a, b, ... }), which encodes as
 * NameOp(0x08) "_S5_" PackageOp(0x12) PkgLength NumElements then the
 * elements as ZeroOp/OneOp/BytePrefix(0x0a) constants (ACPI 6.4, 20.2). */
#include "drivers/acpi.h"

/* One integer element: ZeroOp, OneOp, BytePrefix n, WordPrefix n. */
static bool aml_int(const uint8_t *p, const uint8_t *end, uint16_t *val, const uint8_t **next)
{
	if (p >= end)
		return false;
	switch (*p) {
	case 0x00: *val = 0; *next = p + 1; return true;
	case 0x01: *val = 1; *next = p + 1; return true;
	case 0x0a:
		if (end - p < 2)
			return false;
		*val = p[1];
		*next = p + 2;
		return true;
	case 0x0b:
		if (end - p < 3)
			return false;
		*val = (uint16_t)(p[1] | p[2] << 8);
		*next = p + 3;
		return true;
	default:
		return false;
	}
}

bool acpi_find_s5(const uint8_t *aml, size_t len, uint16_t *typa, uint16_t *typb)
{
	if (!aml || len < 5)
		return false;
	const uint8_t *end = aml + len;
	for (const uint8_t *p = aml; end - p >= 5; p++) {
		if (p[0] != '_' || p[1] != 'S' || p[2] != '5' || p[3] != '_')
			continue;
		/* Preceded by NameOp, directly or through a root/parent prefix. */
		if (!(p > aml && (p[-1] == 0x08 || ((p[-1] == '\\' || p[-1] == '^') && p - 1 > aml && p[-2] == 0x08))))
			continue;
		const uint8_t *q = p + 4;
		if (*q++ != 0x12)
			continue;
		/* PkgLength: bits 7-6 of the lead byte count the bytes that follow. */
		if (q >= end)
			return false;
		q += 1 + (*q >> 6);
		if (q >= end)
			return false;
		q++;	/* NumElements */
		uint16_t a, b;
		if (!aml_int(q, end, &a, &q) || !aml_int(q, end, &b, &q))
			return false;
		*typa = a & 7;
		*typb = b & 7;
		return true;
	}
	return false;
}
