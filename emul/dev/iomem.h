/* A RAM-like MMIO device: reads return what was last written (QEMU's
 * pc-testdev "iomem" at 0xff000000 behaves so). Every access to it goes
 * through the instruction emulator, which makes it the echo device the
 * emulator's guest tests aim at. */
#ifndef EMUL_DEV_IOMEM_H
#define EMUL_DEV_IOMEM_H
#include <stdint.h>
#include <stddef.h>
#include "emul/dev/iobus.h"

struct iomem {
	uint8_t *buf;	/* caller's backing, @size bytes */
	uint64_t size;
	uint64_t reads, writes;
};

extern const struct io_dev_ops iomem_ops;

#endif
