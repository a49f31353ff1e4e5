/*
 * test-paging-4level: the paging suite (paging-suite.c) in 4-level in IA-32e compatibility mode (4 KiB, 2 MiB, 1 GiB pages, 64-bit addresses).
 * One PASS/FAIL line per check; exit status 0 when nothing failed.
 */
#include "guest.h"
#include "paging-suite.h"

int guest_main(void)
{
	paging_suite(PG_MODE_4LEVEL);
	return report_done();
}
