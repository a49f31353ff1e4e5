/* A VM's I/O-port bus and MMIO bus: devices claim ranges; an access goes to
 * the one device whose range holds it. Unclaimed reads return all-ones and
 * unclaimed writes are dropped, as on a PC with nothing decoding the address. */
#ifndef EMUL_DEV_IOBUS_H
#define EMUL_DEV_IOBUS_H
#include <stdint.h>
#include <stdbool.h>

struct io_dev_ops {
	/* @off is relative to the range's base; @size is 1, 2, 4 or 8. */
	uint64_t (*read)(void *dev, uint64_t off, unsigned size);
	void (*write)(void *dev, uint64_t off, unsigned size, uint64_t val);
};

struct io_range {
	uint64_t base, len;
	const struct io_dev_ops *ops;
	void *dev;
	const char *name;
	uint32_t flags;			/* IO_RANGE_* */
	/* What a read [IOBUS_READ] or a write [IOBUS_WRITE] adds to
	 * iobus.touched (from flags). */
	uint32_t touch[2];
	bool rw;			/* the device reads and writes (ops has both) */
};
enum { IOBUS_READ, IOBUS_WRITE };

/* The device can raise interrupts or has timers: an access to it may change
 * what the VM's interrupt controllers and timers say (iobus.touched). */
#define IO_RANGE_EVENTS 1u
/* ... but reading it changes none of that (registers read back as stored,
 * counters computed from the time): only writes make iobus.touched. The
 * LAPIC and IOAPIC; a UART or RTC read clears interrupt flags. */
#define IO_RANGE_QUIET_READS 2u


#define IOBUS_MAX_RANGES 32

struct iobus {
	struct io_range r[IOBUS_MAX_RANGES];	/* sorted by base, non-overlapping */
	int n;
	int last;				/* index of the last range hit: drivers hammer one register */
	uint64_t unclaimed;			/* accesses nobody decoded */
	uint32_t gen;				/* moves when a range is added or its flags change */
	uint32_t touched;			/* flags of the ranges accessed since the caller cleared it */
};

/* Returns false when the range overlaps another or the bus is full. */
bool iobus_add(struct iobus *b, uint64_t base, uint64_t len, const struct io_dev_ops *ops,
	       void *dev, const char *name);
const struct io_range *iobus_find(const struct iobus *b, uint64_t addr);
/* Set IO_RANGE_* flags on the range that starts at @base; false if none does. */
bool iobus_set_flags(struct iobus *b, uint64_t base, uint32_t flags);
/* An access of @size bytes; returns false when no device claims @addr. */
bool iobus_read_any(struct iobus *b, uint64_t addr, unsigned size, uint64_t *val);
bool iobus_write_any(struct iobus *b, uint64_t addr, unsigned size, uint64_t val);

/* The low @size bytes (1 <= size <= 8). */
static inline uint64_t iobus_ones(unsigned size)
{
	return ~0ull >> (64 - 8 * size);
}

/* The same, inline where the range last hit holds @addr (drivers hammer
 * one register; unused range slots have len 0 and never match). */
static inline bool iobus_read(struct iobus *b, uint64_t addr, unsigned size, uint64_t *val)
{
	const struct io_range *r = &b->r[b->last];
	if (__builtin_expect(addr - r->base < r->len && r->ops->read, 1)) {
		b->touched |= r->touch[IOBUS_READ];
		*val = r->ops->read(r->dev, addr - r->base, size) & iobus_ones(size);
		return true;
	}
	return iobus_read_any(b, addr, size, val);
}

static inline bool iobus_write(struct iobus *b, uint64_t addr, unsigned size, uint64_t val)
{
	const struct io_range *r = &b->r[b->last];
	if (__builtin_expect(addr - r->base < r->len && r->ops->write, 1)) {
		b->touched |= r->touch[IOBUS_WRITE];
		r->ops->write(r->dev, addr - r->base, size, val & iobus_ones(size));
		return true;
	}
	return iobus_write_any(b, addr, size, val);
}

#endif
