/* Deterministic PRNG and edge-value generators for the emulator tests. */
#ifndef SHADE_TEST_EMUL_RNG_H
#define SHADE_TEST_EMUL_RNG_H
#include <stdint.h>

static uint64_t emul_rng_state = 0x9e3779b97f4a7c15ull;

static inline void rng_seed(uint64_t s)
{
	emul_rng_state = s ? s : 0x9e3779b97f4a7c15ull;
}

/* xorshift64* */
static inline uint64_t rng64(void)
{
	uint64_t x = emul_rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	emul_rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static inline unsigned rng_below(unsigned n)
{
	return (unsigned)(rng64() % n);
}

/* An "interesting" value for an operand of `bytes` bytes: 0, +-1, the sign
 * boundaries, all-ones, small numbers, or random. */
static inline uint64_t rng_edge(unsigned bytes)
{
	uint64_t mask = bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
	uint64_t sign = 1ull << (8 * bytes - 1);

	switch (rng_below(12)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return mask;              /* -1, all ones */
	case 3: return sign;              /* most negative */
	case 4: return sign - 1;          /* most positive */
	case 5: return sign + 1;
	case 6: return rng_below(64);     /* small, also shift/bit counts */
	case 7: return (mask - rng_below(64)) & mask;
	case 8: return rng64() & 0x0101010101010101ull & mask;
	default: return rng64() & mask;
	}
}
#endif
