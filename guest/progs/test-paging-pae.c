/*
 * test-paging-pae: the paging suite (paging-suite.c) in PAE (4 KiB and 2 MiB pages).
 * One PASS/FAIL line per check; exit status 0 when nothing failed.
 */
#include "guest.h"
#include "paging-suite.h"

int guest_main(void)
{
	paging_suite(PG_MODE_PAE);
	return report_done();
}
