/* Loading a Linux bzImage with the x86 boot protocol 2.10 or later
 * (Linux Documentation/arch/x86/boot.rst), entered through the 32-bit boot
 * protocol.
 *
 * Checked and refused with a message naming the field: boot_flag 0xAA55 at
 * 0x1FE, "HdrS" at 0x202, version >= 2.10, loadflags LOADED_HIGH (a
 * bzImage), setup_sects and syssize against the file length, kernel_alignment
 * a power of two, init_size covering the protected-mode code and fitting in
 * RAM, the command line within cmdline_size, the initrd within
 * initrd_addr_max and RAM.
 *
 * Guest-physical layout (RAM [0, mem), e820 as in mbguest.h:
 * [0, 0x9fc00) usable, [0x9fc00, 1 MiB) reserved, [1 MiB, mem) usable):
 *
 *   0x07000   GDT: 0x10 = flat 32-bit code, 0x18 = flat data (the
 *             protocol's __BOOT_CS and __BOOT_DS)
 *   0x10000   the zero page (struct boot_params, 4 KiB)
 *   0x20000   the command line (up to 0x9f000)
 *   kernel    relocatable: at pref_address when aligned and it fits, else
 *             at 1 MiB rounded up to kernel_alignment; not relocatable: at
 *             1 MiB (it moves itself to pref_address).  init_size bytes
 *             from there (and from pref_address) stay clear of the initrd;
 *             only the file bytes are written (fresh guest RAM is zero)
 *   initrd    as high as initrd_addr_max and RAM allow, page aligned, clear
 *             of the kernel's init_size
 *
 * 32-bit entry state the caller must set up (boot.rst, "32-bit boot
 * protocol"): protected mode, paging off, interrupts off, GDT loaded from
 * gdt_base/gdt_limit, CS = 0x10, DS = ES = SS = 0x18, ESI = zero_page,
 * EBP = EDI = EBX = 0, EIP = entry32.
 */
#ifndef SHADE_GUEST_BZIMAGE_H
#define SHADE_GUEST_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/diag.h"
#include "guest/guestram.h"

#define BZ_MIN_VERSION		0x020a
#define BZ_GDT			0x7000u
#define BZ_ZERO_PAGE		0x10000u
#define BZ_CMDLINE		0x20000u
#define BZ_CMDLINE_END		0x9f000u
#define BZ_BOOT_CS		0x10
#define BZ_BOOT_DS		0x18

enum bzimage_err {
	BZ_OK = 0,
	BZ_ETRUNC,		/* file shorter than its headers say */
	BZ_EMAGIC,		/* no boot_flag 0xAA55 or no "HdrS" */
	BZ_EVERSION,		/* protocol older than 2.10 */
	BZ_EHEADER,		/* a header field Shade cannot honour */
	BZ_ECMDLINE,		/* command line too long */
	BZ_ENOFIT,		/* the kernel does not fit in guest RAM */
	BZ_EINITRD,		/* the initrd does not fit */
};

struct bzimage_params {
	const char *cmdline;	/* need not be NUL-terminated; NULL = "" */
	size_t cmdline_len;
	const uint8_t *initrd;	/* NULL: none */
	uint64_t initrd_len;
};

struct bzimage_info {
	uint16_t version;	/* boot protocol, e.g. 0x020f */
	uint32_t setup_size;	/* bytes of real-mode setup in the file */
	uint64_t load_addr;	/* protected-mode kernel */
	uint64_t load_end;	/* load_addr + max(init_size, its file bytes) */
	uint32_t entry32;	/* EIP for the 32-bit boot protocol */
	uint64_t entry64;	/* load_addr + 0x200 if XLF_KERNEL_64, else 0 */
	uint32_t zero_page;	/* ESI */
	uint32_t gdt_base;
	uint16_t gdt_limit;
	uint32_t cmdline_addr;
	uint32_t initrd_addr;	/* 0 without an initrd */
	uint32_t initrd_len;
};

/** bzimage_probe - does @img look like a bzImage (0xAA55 and "HdrS")? */
bool bzimage_probe(const uint8_t *img, size_t len);

/**
 * bzimage_load - validate @img, place the kernel, command line, initrd,
 * GDT and zero page in @ram.  @name starts every message.  Everything is
 * checked before the first write: on an error @ram is untouched.
 */
enum bzimage_err bzimage_load(const uint8_t *img, size_t len, const char *name,
			      const struct guest_ram *ram,
			      const struct bzimage_params *p,
			      struct bzimage_info *info, struct diag *d);

const char *bzimage_err_name(enum bzimage_err e);

#endif
