#include "div64.h"

/*
 * Two DIVs: the high half first, then the remainder with the low half. The
 * second DIV cannot overflow because its high dividend (the remainder) is
 * smaller than the divisor (SDM Vol. 2A, DIV). d must be non-zero.
 */
uint64_t udiv64(uint64_t n, uint32_t d, uint32_t *rem)
{
	uint32_t hi = (uint32_t)(n >> 32), lo = (uint32_t)n;
	uint32_t qhi = hi / d, r = hi % d, qlo;

	asm("divl %[d]" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), [d] "rm"(d));
	if (rem)
		*rem = r;
	return ((uint64_t)qhi << 32) | qlo;
}
