/* Constants shared by the boot assembly and C. */
#ifndef BOOT_LAYOUT_H
#define BOOT_LAYOUT_H

#define BOOT_STACK_SIZE	(16 * 1024)
#define IST_STACK_SIZE	(8 * 1024)

/* Host GDT selectors (boot/gdt.c builds the final table in this order). */
#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_TSS		0x18

#endif
