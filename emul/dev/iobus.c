/* Sorted ranges with a binary search (the Jailhouse way for MMIO regions). */
#include "emul/dev/iobus.h"

bool iobus_add(struct iobus *b, uint64_t base, uint64_t len, const struct io_dev_ops *ops,
	       void *dev, const char *name)
{
	if (b->n == IOBUS_MAX_RANGES || len == 0 || base + len < base)
		return false;
	int i = 0;
	while (i < b->n && b->r[i].base < base)
		i++;
	if (i > 0 && b->r[i - 1].base + b->r[i - 1].len > base)
		return false;
	if (i < b->n && base + len > b->r[i].base)
		return false;
	for (int j = b->n; j > i; j--)
		b->r[j] = b->r[j - 1];
	b->r[i] = (struct io_range){ .base = base, .len = len, .ops = ops, .dev = dev, .name = name,
				     .rw = ops->read && ops->write };
	b->n++;
	b->last = 0;
	b->gen++;
	return true;
}

const struct io_range *iobus_find(const struct iobus *b, uint64_t addr)
{
	int lo = 0, hi = b->n - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		const struct io_range *r = &b->r[mid];
		if (addr < r->base)
			hi = mid - 1;
		else if (addr - r->base >= r->len)
			lo = mid + 1;
		else
			return r;
	}
	return 0;
}

bool iobus_set_flags(struct iobus *b, uint64_t base, uint32_t flags)
{
	for (int i = 0; i < b->n; i++)
		if (b->r[i].base == base) {
			b->r[i].flags = flags;
			b->r[i].touch[IOBUS_WRITE] = flags & IO_RANGE_EVENTS;
			b->r[i].touch[IOBUS_READ] = flags & IO_RANGE_QUIET_READS ? 0 : flags & IO_RANGE_EVENTS;
			b->gen++;
			return true;
		}
	return false;
}

static uint64_t ones(unsigned size)
{
	static const uint64_t mask[9] = {
		0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffffull, 0xffffffffffffull,
		0xffffffffffffffull, ~0ull,
	};
	return mask[size < 8 ? size : 8];
}

/* iobus_find() with a one-entry cache of the last range hit. */
static const struct io_range *lookup(struct iobus *b, uint64_t addr)
{
	const struct io_range *r = &b->r[b->last];
	if (b->n && addr - r->base < r->len)
		return r;
	r = iobus_find(b, addr);
	if (r)
		b->last = (int)(r - b->r);
	return r;
}

bool iobus_read_any(struct iobus *b, uint64_t addr, unsigned size, uint64_t *val)
{
	const struct io_range *r = lookup(b, addr);
	if (!r || !r->ops->read) {
		*val = ones(size);
		b->unclaimed += !r;
		return r != 0;
	}
	b->touched |= r->touch[IOBUS_READ];
	*val = r->ops->read(r->dev, addr - r->base, size) & ones(size);
	return true;
}

bool iobus_write_any(struct iobus *b, uint64_t addr, unsigned size, uint64_t val)
{
	const struct io_range *r = lookup(b, addr);
	if (!r) {
		b->unclaimed++;
		return false;
	}
	b->touched |= r->touch[IOBUS_WRITE];
	if (r->ops->write)
		r->ops->write(r->dev, addr - r->base, size, val & ones(size));
	return true;
}
