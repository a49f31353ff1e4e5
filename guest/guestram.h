/* A VM's RAM as the loaders see it: guest-physical [0, size) backed by one
 * contiguous host buffer (the VM's RAM memslot, or a test's array).
 * The loaders write only through guest_ram_ptr() after guest_ram_fits(). */
#ifndef SHADE_GUEST_GUESTRAM_H
#define SHADE_GUEST_GUESTRAM_H

#include <stdbool.h>
#include <stdint.h>

struct guest_ram {
	uint8_t *host;		/* host pointer of guest-physical 0 */
	uint64_t size;		/* bytes of RAM: guest-physical [0, size) */
};

/* [gpa, gpa + len) lies inside the RAM (no wrap-around). */
static inline bool guest_ram_fits(const struct guest_ram *r, uint64_t gpa,
				  uint64_t len)
{
	return gpa <= r->size && len <= r->size - gpa;
}

static inline uint8_t *guest_ram_ptr(const struct guest_ram *r, uint64_t gpa)
{
	return r->host + gpa;
}

#endif
