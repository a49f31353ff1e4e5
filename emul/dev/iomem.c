/* Echo memory behind the MMIO bus. The bus hands accesses of 1, 2, 4 or 8
 * bytes at offsets inside the claimed range; an access running past the end
 * is clipped (reads of the missing bytes give all-ones). */
#include <string.h>
#include "emul/dev/iomem.h"

static uint64_t iomem_read(void *dev, uint64_t off, unsigned size)
{
	struct iomem *m = dev;
	uint64_t v = ~0ull;
	m->reads++;
	if (off < m->size) {
		unsigned n = m->size - off < size ? (unsigned)(m->size - off) : size;
		memcpy(&v, m->buf + off, n);
	}
	return v;
}

static void iomem_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct iomem *m = dev;
	m->writes++;
	if (off < m->size) {
		unsigned n = m->size - off < size ? (unsigned)(m->size - off) : size;
		memcpy(m->buf + off, &val, n);
	}
}

const struct io_dev_ops iomem_ops = { iomem_read, iomem_write };
