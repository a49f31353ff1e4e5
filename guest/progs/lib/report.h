/*
 * Test reporting: one line per check, "PASS name" or "FAIL name", which the
 * integration runner reads. Details go on a separate indented line so the
 * PASS/FAIL line carries the name only.
 */
#ifndef GUEST_REPORT_H
#define GUEST_REPORT_H

#include <stdint.h>
#include <stdbool.h>

bool check(bool cond, const char *name);
/* check(got == want) with both values printed on failure. */
bool check_eq(uint64_t got, uint64_t want, const char *name);
/* "SKIP name (why)": for checks that cannot run here; never counted as PASS. */
void skip(const char *name, const char *why);
#define REPORT_NOTHING_RAN 2

/* Print the totals and return the exit status: 0 when something passed
 * and nothing failed, 1 when a check failed, REPORT_NOTHING_RAN (2) when
 * every check was skipped. */
int report_done(void);
unsigned report_failures(void);

#endif
