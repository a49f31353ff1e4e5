/* The chipset's reset controls: the Reset Control Register at port 0xCF9
 * (Intel PIIX4 data sheet 4.1.17 "RC -- Reset Control Register"; ICH: also
 * FULL_RST, bit 3).
 * Writing RST_CPU (bit 2) resets the system: hard with SYS_RST (bit 1),
 * soft without; Shade resets the whole VM either way. Also System Control
 * Port A at 0x92 (PIIX4 "Port 92h", IBM PS/2 "System Control Port A"):
 * bit 0 FAST_INIT (0 -> 1 resets the CPU: the VM here), bit 1 fast A20.
 *
 * The VMX side: resetctl_init(&rc, &ctl);
 *   iobus_add(bus, 0xcf9, 1, &resetctl_ops, &rc, "rst-ctl")
 *   iobus_add(bus, 0x92, 1, &resetctl_port92_ops, &rc, "port92")
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
	uint8_t port92;		/* port 0x92 as written (bits 0, 1) */
	struct vm_control ctl;
};

extern const struct io_dev_ops resetctl_ops, resetctl_port92_ops;
/* Power-on: 0xCF9 reads 0, port 0x92 reads 0x02 (A20 on). */
void resetctl_init(struct resetctl *rc, const struct vm_control *ctl);
/* The A20 gate as port 0x92 sets it (the i8042 output port has its own). */
bool resetctl_a20(const struct resetctl *rc);

#endif
