/* The chipset's Reset Control Register at port 0xCF9 (Intel PIIX4 data
 * sheet 4.1.17 "RC -- Reset Control Register"; ICH: also FULL_RST, bit 3).
 * Writing RST_CPU (bit 2) resets the system: hard with SYS_RST (bit 1),
 * soft without; Shade resets the whole VM either way.
 *
 * The VMX side: resetctl_init(&rc, &ctl);
 *   iobus_add(bus, 0xcf9, 1, &resetctl_ops, &rc, "rst-ctl")
 * (0xCF9 sits inside the PCI configuration ports 0xCF8-0xCFF: a PCI host
 * model there must pass byte accesses at 0xCF9 on to this one.) */
#ifndef EMUL_DEV_RESETCTL_H
#define EMUL_DEV_RESETCTL_H
#include <stdint.h>
#include <stdbool.h>
#include "emul/dev/iobus.h"
#include "emul/dev/irq.h"

struct resetctl {
	uint8_t val;		/* SYS_RST and FULL_RST as written */
	unsigned resets;	/* resets requested */
	bool last_hard;		/* the last one was a hard (or full) reset */
	struct vm_control ctl;
};

extern const struct io_dev_ops resetctl_ops;
void resetctl_init(struct resetctl *rc, const struct vm_control *ctl);

#endif
