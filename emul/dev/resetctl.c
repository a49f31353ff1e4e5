/* Port 0xCF9 reset control (PIIX4 4.1.17): bit 1 SYS_RST selects a hard
 * reset, bit 2 RST_CPU starts the reset (it reads back 0), bit 3 FULL_RST
 * (ICH) asks for a full power cycle. */
#include "emul/dev/resetctl.h"

#define RC_SYS_RST	0x02
#define RC_RST_CPU	0x04
#define RC_FULL_RST	0x08

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

const struct io_dev_ops resetctl_ops = { rc_read, rc_write };

void resetctl_init(struct resetctl *rc, const struct vm_control *ctl)
{
	*rc = (struct resetctl){ 0 };
	if (ctl)
		rc->ctl = *ctl;
}
