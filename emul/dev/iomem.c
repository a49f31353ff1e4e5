/* Echo memory behind the MMIO bus. The bus hands accesses of 1, 2, 4 or 8
 * bytes at offsets inside the claimed range; an access running past the end
 * is clipped (reads of the missing bytes give all-ones). */
#include <string.h>
#include "emul/dev/iomem.h"

/* Natural sizes inside the buffer: one load or store. */
static uint64_t load(const uint8_t *p, unsigned size)
{
	uint8_t b; uint16_t w; uint32_t d; uint64_t q;
	switch (size) {
	case 4: __builtin_memcpy(&d, p, 4); return d;
	case 1: __builtin_memcpy(&b, p, 1); return b;
	case 2: __builtin_memcpy(&w, p, 2); return w;
	default: __builtin_memcpy(&q, p, 8); return q;
	}
}

static void store(uint8_t *p, unsigned size, uint64_t v)
{
	uint8_t b = (uint8_t)v; uint16_t w = (uint16_t)v; uint32_t d = (uint32_t)v;
	switch (size) {
	case 1: __builtin_memcpy(p, &b, 1); break;
	case 2: __builtin_memcpy(p, &w, 2); break;
	case 4: __builtin_memcpy(p, &d, 4); break;
	default: __builtin_memcpy(p, &v, 8); break;
	}
}

/* A read running past the end (or beyond it): the bytes there, all-ones
 * for the rest. Apart, so that a plain read needs no stack. */
static __attribute__((noinline)) uint64_t clipped_read(const struct iomem *m, uint64_t off, unsigned size)
{
	uint64_t v = ~0ull;
	if (off < m->size) {
		unsigned n = m->size - off < size ? (unsigned)(m->size - off) : size;
		memcpy(&v, m->buf + off, n);
	}
	return v;
}

static uint64_t iomem_read(void *dev, uint64_t off, unsigned size)
{
	struct iomem *m = dev;
	m->reads++;
	if (off + size <= m->size && ((0x116u >> size) & 1))	/* 1, 2, 4, 8 */
		return load(m->buf + off, size);
	return clipped_read(m, off, size);
}

static void iomem_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct iomem *m = dev;
	m->writes++;
	if (off + size <= m->size && ((0x116u >> size) & 1)) {
		store(m->buf + off, size, val);
		return;
	}
	if (off < m->size) {
		unsigned n = m->size - off < size ? (unsigned)(m->size - off) : size;
		memcpy(m->buf + off, &val, n);
	}
}

const struct io_dev_ops iomem_ops = { iomem_read, iomem_write };
