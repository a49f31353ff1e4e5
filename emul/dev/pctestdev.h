/* QEMU's pc-testdev, the I/O-port half (the 64 KiB RAM at 0xff000000 is
 * emul/dev/iomem.c). Layout as QEMU's hw/misc/pc-testdev.c registers it --
 * issue 5 says "ports 0xe0-0xe7", but the real device is:
 *   0xe0-0xe3  read-back register: any access size, reads return what was
 *              written (little-endian, byte lanes by port offset)
 *   0xe4-0xe7  flush-page port: a 32-bit write of a guest-physical address
 *              asks the host to drop its mappings of that page; reads give 0
 *   0xe8-0xeb  the same read-back register again (QEMU splits every access
 *              there into bytes; the result is identical)
 *   0x2000-0x2017  IRQ line port: a byte write of v to port 0x2000+n sets
 *              ISA/GSI line n to level (v != 0); reads give 0
 * Register pctestdev_port_ops at PCTESTDEV_PORT_BASE (PCTESTDEV_PORT_LEN
 * ports) and pctestdev_irq_ops at PCTESTDEV_IRQ_BASE (PCTESTDEV_IRQ_LEN). */
#ifndef EMUL_DEV_PCTESTDEV_H
#define EMUL_DEV_PCTESTDEV_H
#include <stdint.h>
#include "emul/dev/iobus.h"
#include "emul/dev/irq.h"

#define PCTESTDEV_PORT_BASE	0xe0
#define PCTESTDEV_PORT_LEN	12
#define PCTESTDEV_IRQ_BASE	0x2000
#define PCTESTDEV_IRQ_LEN	24

struct pctestdev {
	uint32_t data;			/* the read-back register */
	struct irq_line irq;		/* line n = ISA IRQ / GSI n */
	/* Flush-page request (guest-physical page address); may be NULL. */
	void (*flush_page)(void *ctx, uint64_t gpa);
	void *flush_ctx;
	uint32_t flushes;		/* statistics for tests and logs */
};

void pctestdev_init(struct pctestdev *t, struct irq_line irq,
		    void (*flush_page)(void *ctx, uint64_t gpa), void *flush_ctx);

extern const struct io_dev_ops pctestdev_port_ops;
extern const struct io_dev_ops pctestdev_irq_ops;

#endif
