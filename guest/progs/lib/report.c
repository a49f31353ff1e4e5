#include "report.h"
#include "printf.h"

static unsigned passed, failed, skipped;

bool check(bool cond, const char *name)
{
	printf("%s %s\n", cond ? "PASS" : "FAIL", name);
	if (cond)
		passed++;
	else
		failed++;
	return cond;
}

bool check_eq(uint64_t got, uint64_t want, const char *name)
{
	if (got != want)
		printf("  %s: got 0x%llx, want 0x%llx\n", name,
		       (unsigned long long)got, (unsigned long long)want);
	return check(got == want, name);
}

void skip(const char *name, const char *why)
{
	printf("SKIP %s (%s)\n", name, why);
	skipped++;
}

unsigned report_failures(void)
{
	return failed;
}

int report_done(void)
{
	printf("DONE passed=%u failed=%u skipped=%u\n", passed, failed, skipped);
	if (failed)
		return 1;
	/* A program that checked nothing has not passed. */
	return passed ? 0 : REPORT_NOTHING_RAN;
}
