/*
 * test-paging-32: the paging suite (paging-suite.c) in 32-bit (4 KiB and 4 MiB pages).
 * One PASS/FAIL line per check; exit status 0 when nothing failed.
 */
#include "guest.h"
#include "paging-suite.h"

int guest_main(void)
{
	paging_suite(PG_MODE_32);
	return report_done();
}
