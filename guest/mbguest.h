/* Building a guest's own Multiboot v1 information in its RAM (Multiboot
 * Specification 0.6.96, section 3.3), as GRUB would for a real machine.
 *
 * Guest-physical layout (RAM is [0, mem), mem >= 2 MiB):
 *
 *   0x00000 - 0x00fff   untouched (real-mode IVT/BDA area)
 *   0x01000             the Multiboot info structure (116 bytes, zeroed)
 *   0x01100             memory map: 3 entries of 24 bytes
 *   0x01200 - 0x013ff   module list: up to 32 entries of 16 bytes
 *   0x01400             boot loader name "Shade"
 *   0x02000 - 0x9efff   strings: the command line, then each module string
 *   0x9fc00 - 0xfffff   reserved in the memory map (EBDA, VGA, BIOS)
 *   0x100000 - ...      the kernel (mbload: segments must start >= 1 MiB)
 *   align_up(kernel_end, 4 KiB) ...  modules, each page aligned, in order
 *
 * The memory map says [0, 0x9fc00) available, [0x9fc00, 1 MiB) reserved,
 * [1 MiB, mem) available; mem_lower = 639, mem_upper = (mem - 1 MiB) / 1 KiB.
 * Info flags: MEM, CMDLINE, MODS, MMAP, LOADER_NAME (bits 0, 2, 3, 6, 9).
 * mod_end is exclusive (start + length), as GRUB does.
 *
 * The guest is entered in 32-bit protected mode with paging off,
 * EAX = MB_BOOTLOADER_MAGIC and EBX = the returned info address.
 */
#ifndef SHADE_GUEST_MBGUEST_H
#define SHADE_GUEST_MBGUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/diag.h"
#include "guest/guestram.h"

#define MB_BOOTLOADER_MAGIC	0x2BADB002u

#define MBGUEST_INFO		0x1000u
#define MBGUEST_MMAP		0x1100u
#define MBGUEST_MODS		0x1200u
#define MBGUEST_NAME		0x1400u
#define MBGUEST_STRINGS		0x2000u
#define MBGUEST_STRINGS_END	0x9f000u
#define MBGUEST_LOW_END		0x9fc00u	/* end of low usable RAM */
#define MBGUEST_HIGH		0x100000u	/* 1 MiB */
#define MBGUEST_MAX_MODS	32
#define MBGUEST_MIN_MEM		(2u << 20)
#define MBGUEST_MAX_MEM		(0xffffffffull + 1 - (1u << 20))	/* fields are 32-bit */

struct mbguest_module {
	const uint8_t *data;	/* the module's bytes (host memory) */
	uint64_t len;
	const char *string;	/* need not be NUL-terminated; NULL = "" */
	size_t string_len;
};

struct mbguest_params {
	uint64_t kernel_end;	/* mbload_info.load_hi: modules go above */
	const char *cmdline;	/* need not be NUL-terminated; NULL = "" */
	size_t cmdline_len;
	const struct mbguest_module *mods;
	unsigned nmods;
};

struct mbguest_layout {
	uint32_t info;		/* guest-physical address of the info: EBX */
	uint32_t mod_start[MBGUEST_MAX_MODS];	/* where each module went */
	uint64_t end;		/* first byte above the last module (or kernel) */
};

enum mbguest_err {
	MBGUEST_OK = 0,
	MBGUEST_ERAM,		/* RAM too small or too large for Multiboot */
	MBGUEST_ETOOMANY,	/* more than MBGUEST_MAX_MODS modules */
	MBGUEST_ESTRINGS,	/* command line + module strings do not fit */
	MBGUEST_ENOFIT,		/* a module does not fit in RAM */
};

/**
 * mbguest_build - write the info structure, memory map, strings and the
 * modules into @ram; fill @out (the info address goes in EBX).  Everything
 * is checked first: on an error @ram is untouched and @d names the cause.
 */
enum mbguest_err mbguest_build(const struct guest_ram *ram,
			       const struct mbguest_params *p,
			       struct mbguest_layout *out, struct diag *d);

#endif
