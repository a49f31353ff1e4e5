/*
 * test-paging-switch: the paging suite in every mode one after the other,
 * twice (32-bit, PAE, 4-level, 32-bit, ...): each suite builds its tables,
 * turns paging on in its mode and off again, so this also checks the
 * switches between paging off, 32-bit, PAE and IA-32e mode.
 */
#include "guest.h"
#include "paging-suite.h"

int guest_main(void)
{
	static const enum pg_mode order[] = {
		PG_MODE_32, PG_MODE_PAE, PG_MODE_4LEVEL,
		PG_MODE_PAE, PG_MODE_32, PG_MODE_4LEVEL,
	};

	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		paging_suite(order[i]);
	return report_done();
}
