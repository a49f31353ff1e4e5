/*
 * test-hltcli: CLI; HLT with nothing that could ever wake the CPU. Shade
 * must stop the VM with a message (reason vm-fault, shade-run exit 245).
 * On bare QEMU/Bochs the machine just sleeps until the outer timeout.
 */
#include "guest.h"

int guest_main(void)
{
	printf("test-hltcli: executing CLI; HLT, expect Shade to stop this VM\n");
	serial_drain();
	asm volatile("cli; hlt" ::: "memory");
	printf("FAIL test-hltcli: execution continued after CLI; HLT\n");
	return 1;
}
