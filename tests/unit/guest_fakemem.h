/* Fake host-physical memory for the guest/ unit tests: one buffer at
 * physical 0 with an optional unreadable hole, read through the same
 * callback type the hypervisor gives mbinfo_parse. */
#ifndef SHADE_TESTS_GUEST_FAKEMEM_H
#define SHADE_TESTS_GUEST_FAKEMEM_H

#include "tests/unit/guest_test.h"

#define FAKEMEM_SIZE (2u << 20)

struct fakemem {
	uint8_t *buf;		/* FAKEMEM_SIZE bytes at physical 0 */
	uint64_t size;		/* readable bytes from 0 (<= FAKEMEM_SIZE) */
	uint64_t hole_lo, hole_hi;	/* [lo, hi) unreadable */
	unsigned reads;
	size_t max_read;
};

static inline bool fakemem_read(void *ctx, uint64_t a, void *dst, size_t len)
{
	struct fakemem *m = ctx;

	m->reads++;
	if (len > m->max_read)
		m->max_read = len;
	if (len > 4096)
		fail_msg("a read of %zu bytes: the parser promised at most 4096", len);
	if (a >= m->size || len > m->size - a)
		return false;
	if (a < m->hole_hi && m->hole_lo < a + len)
		return false;
	memcpy(dst, m->buf + a, len);
	return true;
}

static inline void fakemem_reset(struct fakemem *m)
{
	static uint8_t mem[FAKEMEM_SIZE];

	memset(mem, 0, sizeof(mem));
	*m = (struct fakemem){ .buf = mem, .size = FAKEMEM_SIZE };
}

static inline void fm_str(struct fakemem *m, uint32_t a, const char *s)
{
	memcpy(m->buf + a, s, strlen(s) + 1);
}

#endif
