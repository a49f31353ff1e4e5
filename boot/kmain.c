/* Shade's C entry: bring up the console and CPU tables, check VT-x, take
 * stock of memory, build the VMs GRUB's modules describe, and run them. */
#include <stdint.h>
#include "boot/cpu_tables.h"
#include "drivers/uart.h"
#include "drivers/pic.h"
#include "drivers/power.h"
#include "lib/log.h"
#include "vmx/probe.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002

void kmain(uint32_t magic, uint32_t info);

void kmain(uint32_t magic, uint32_t info)
{
	uart_init(0x3f8, 115200);
	cpu_tables_init();
	pic_disable();
	kprintf("\nshade: Shade hypervisor starting\n");
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
		log_err("not started by a Multiboot loader (magic %x); boot Shade with GRUB or qemu -kernel", magic);
		machine_end("bad-guest", 1);
	}
	(void)info;

	const char *why;
	if (!vmx_probe(&why)) {
		log_err("%s", why);
		machine_end("no-vtx", 1);
	}
	log_info("VT-x available");
	machine_end("guest", 0);
}
