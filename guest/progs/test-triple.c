/*
 * test-triple: loads an empty IDT (limit 0) and raises #UD. Delivery of #UD
 * finds no gate -> #GP, whose delivery fails too -> #DF, whose delivery
 * fails -> triple fault (SDM Vol. 3A 6.15, Interrupt 8, Table 6-5).
 * Under Shade the VM must be stopped with reason vm-fault (tools/shade-run
 * exit 245); bare QEMU with -no-reboot / Bochs with reset_on_triple_fault=0
 * stop the machine. Reaching the line after UD2 is a failure.
 */
#include "guest.h"

int guest_main(void)
{
	printf("test-triple: loading an empty IDT and executing UD2; "
	       "expect the VM to be stopped by a triple fault\n");
	serial_drain();
	idt_load_empty();
	asm volatile("ud2");
	idt_init();
	printf("FAIL test-triple: execution continued after the triple fault\n");
	return 1;
}
