/* Port 0xCF9 reset control (PIIX4 4.1.17): bit 1 SYS_RST selects a hard
 * reset, bit 2 RST_CPU starts the reset (it reads back 0), bit 3 FULL_RST
 * (ICH) asks for a full power cycle. Port 0x92 (PIIX4 "Port 92h"): bit 0
 * FAST_INIT resets the CPU on its 0 -> 1 transition, bit 1 FAST_A20. */
#include "emul/dev/resetctl.h"

#define RC_SYS_RST	0x02
#define RC_RST_CPU	0x04
#define RC_FULL_RST	0x08
#define P92_INIT	0x01
#define P92_A20		0x02

static uint64_t rc_read(void *dev, uint64_t off, unsigned size)
{
	const struct resetctl *rc = dev;
	(void)off, (void)size;
	return rc->val;
}

static void rc_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct resetctl *rc = dev;
	(void)size;
	if (off != 0)
		return;
	rc->val = (uint8_t)val & (RC_SYS_RST | RC_FULL_RST);
	if (!(val & RC_RST_CPU))
		return;
	rc->last_hard = val & (RC_SYS_RST | RC_FULL_RST);
	rc->resets++;
	vm_control_reset(&rc->ctl);
}

static uint64_t p92_read(void *dev, uint64_t off, unsigned size)
{
	const struct resetctl *rc = dev;
	(void)off, (void)size;
	return rc->port92;
}

static void p92_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct resetctl *rc = dev;
	(void)size;
	if (off != 0)
		return;
	bool rise = (val & P92_INIT) && !(rc->port92 & P92_INIT);
	rc->port92 = (uint8_t)val & (P92_INIT | P92_A20);
	if (!rise)
		return;
	rc->last_hard = false;	/* an INIT: a soft reset */
	rc->resets++;
	vm_control_reset(&rc->ctl);
}

const struct io_dev_ops resetctl_ops = { rc_read, rc_write };
const struct io_dev_ops resetctl_port92_ops = { p92_read, p92_write };

bool resetctl_a20(const struct resetctl *rc)
{
	return rc->port92 & P92_A20;
}

void resetctl_init(struct resetctl *rc, const struct vm_control *ctl)
{
	*rc = (struct resetctl){ .port92 = P92_A20 };
	if (ctl)
		rc->ctl = *ctl;
}
