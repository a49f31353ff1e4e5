/* Helpers shared by the guest/ unit tests (host only). */
#ifndef SHADE_TESTS_GUEST_TEST_H
#define SHADE_TESTS_GUEST_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "guest/diag.h"

/* A diag with a roomy buffer, reset per test. */
struct tdiag {
	struct diag d;
	char buf[8192];
};

static inline struct diag *tdiag_init(struct tdiag *t)
{
	diag_init(&t->d, t->buf, sizeof(t->buf));
	return &t->d;
}

/* Fail (printing every message) unless some message contains @needle. */
#define assert_diag_has(t, needle)                                          \
	do {                                                                \
		if (!strstr((t)->buf, (needle)))                            \
			fail_msg("no message contains \"%s\"; got:\n%s",    \
				 (needle), (t)->buf);                       \
	} while (0)

#define assert_diag_empty(t)                                                \
	do {                                                                \
		if ((t)->d.count)                                           \
			fail_msg("expected no messages; got:\n%s", (t)->buf); \
	} while (0)

/* Little-endian stores into a byte image. */
static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static inline void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

#endif
