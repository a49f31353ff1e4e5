/*
 * guest_exit(status):
 *  - under Shade: the EXIT hypercall (the VM ends with exactly `status`);
 *  - elsewhere: QEMU's isa-debug-exit at port 0xf4 (QEMU exits with
 *    (status << 1) | 1), then Bochs's shutdown port 0x8900 ("Shutdown"),
 *    then halt with interrupts off.
 * Either way the UART is drained first (LSR.TEMT) so no output is lost.
 */
#include "exit.h"
#include "hypercall.h"
#include "serial.h"
#include "cpu.h"

#define PORT_DEBUG_EXIT 0xf4
#define PORT_BOCHS_SHUTDOWN 0x8900

void guest_exit(uint32_t status)
{
	serial_drain();
	if (shade_present())
		hc_exit(status);
	/* Not Shade, or EXIT came back: the bare-machine ways out. */
	outb(PORT_DEBUG_EXIT, (uint8_t)status);
	for (const char *s = "Shutdown"; *s; s++)
		outb(PORT_BOCHS_SHUTDOWN, (uint8_t)*s);
	for (;;) {
		cli();
		hlt();
	}
}
