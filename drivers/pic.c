/* The host's legacy 8259 pair: Shade runs with interrupts off and polls, so
 * the PICs are remapped away from the exception vectors and fully masked
 * (a stray IRQ must never look like a CPU exception). */
#include "drivers/pic.h"
#include "lib/x86.h"

void pic_disable(void)
{
	outb(0x20, 0x11);	/* ICW1: init, ICW4 needed */
	outb(0xa0, 0x11);
	outb(0x21, 0x20);	/* ICW2: master vectors 0x20-0x27 */
	outb(0xa1, 0x28);	/* slave 0x28-0x2f */
	outb(0x21, 0x04);	/* ICW3 */
	outb(0xa1, 0x02);
	outb(0x21, 0x01);	/* ICW4: 8086 mode */
	outb(0xa1, 0x01);
	outb(0x21, 0xff);	/* mask all */
	outb(0xa1, 0xff);
}
