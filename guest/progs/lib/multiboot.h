/* The parts of the Multiboot v1 info structure the programs read
 * (Multiboot spec 3.3). */
#ifndef GUEST_MULTIBOOT_H
#define GUEST_MULTIBOOT_H

#include <stdint.h>

#define MB_BOOT_MAGIC 0x2BADB002

#define MB_INFO_MEM     (1u << 0)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MODS    (1u << 3)
#define MB_INFO_MMAP    (1u << 6)

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

/* Set by runtime_start() before guest_main() runs. */
extern uint32_t mb_magic;
extern const struct mb_info *mb_info;

#endif
