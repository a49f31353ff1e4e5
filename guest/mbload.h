/* Loading a Multiboot v1 guest kernel into a VM's RAM (Multiboot
 * Specification 0.6.96, section 3.1 "OS image format").
 *
 * The header is the first 4-byte aligned (magic 0x1BADB002, flags,
 * checksum) in the first 8192 bytes whose three words sum to 0 mod 2^32.
 * Flag bits 0-15 are requirements: Shade honours bit 0 (modules are always
 * page aligned) and bit 1 (memory information is always given) and refuses
 * the rest (bit 2, a video mode, and the undefined bits 3-15).  With flag
 * bit 16 the a.out-kludge addresses say what to load; otherwise the image
 * must be ELF32 (EM_386) or ELF64 (EM_X86_64), ET_EXEC, little-endian, and
 * its PT_LOAD segments are loaded at their physical addresses (p_paddr).
 *
 * Platform rule: everything loaded (file bytes and bss) must lie in
 * [1 MiB, RAM size).  The first MiB holds the guest's Multiboot info, its
 * strings and the BIOS-like reserved area (see mbguest.h).
 *
 * The entry point must lie in the file-backed part of a loaded executable
 * segment (ELF: PF_X; a.out: [load_addr, load_end_addr)).  An ELF entry
 * given as a virtual address inside a segment is translated to physical
 * (e_entry - p_vaddr + p_paddr), as GRUB does for higher-half kernels; the
 * result must be below 4 GiB since the guest starts in 32-bit protected
 * mode with paging off.
 *
 * Everything is checked before the first byte is written: a refused image
 * leaves the guest RAM untouched.
 */
#ifndef SHADE_GUEST_MBLOAD_H
#define SHADE_GUEST_MBLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/diag.h"
#include "guest/guestram.h"

#define MB_HEADER_MAGIC		0x1BADB002u
#define MB_HEADER_SEARCH	8192
#define MB_HFLAG_PAGE_ALIGN	(1u << 0)
#define MB_HFLAG_MEMINFO	(1u << 1)
#define MB_HFLAG_VIDEO		(1u << 2)
#define MB_HFLAG_AOUT_KLUDGE	(1u << 16)
#define MB_HFLAGS_HONOURED	(MB_HFLAG_PAGE_ALIGN | MB_HFLAG_MEMINFO)

#define MBLOAD_MIN_ADDR		0x100000u	/* 1 MiB */
#define MBLOAD_MAX_PHDRS	256		/* program headers looked at */
#define MBLOAD_MAX_SEGS		32		/* PT_LOAD segments loaded */

enum mbload_err {
	MBLOAD_OK = 0,
	MBLOAD_ENOHEADER,	/* no Multiboot header in the first 8 KiB */
	MBLOAD_ECHECKSUM,	/* a magic, but no checksum adds up */
	MBLOAD_EFLAGS,		/* required flag bits Shade cannot honour */
	MBLOAD_EAOUT,		/* a.out-kludge addresses inconsistent */
	MBLOAD_ENOTELF,		/* no a.out kludge and not ELF */
	MBLOAD_EELF,		/* ELF header unsupported or malformed */
	MBLOAD_ETRUNC,		/* headers or segment bytes beyond the file */
	MBLOAD_ESEGMENT,	/* a segment is malformed (filesz > memsz, wraps) */
	MBLOAD_EOVERLAP,	/* two segments overlap in guest RAM */
	MBLOAD_ERANGE,		/* outside [1 MiB, RAM size) */
	MBLOAD_EENTRY,		/* entry point not in loaded executable code */
	MBLOAD_EENTRY4G,	/* entry point above 4 GiB */
};

enum mbload_kind {
	MBLOAD_AOUT,
	MBLOAD_ELF32,
	MBLOAD_ELF64,
};

struct mb_header {
	uint32_t offset;	/* in the file */
	uint32_t flags;
	/* a.out kludge (valid with MB_HFLAG_AOUT_KLUDGE) */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

struct mbload_info {
	enum mbload_kind kind;
	struct mb_header hdr;
	uint32_t entry;		/* guest-physical, EIP at the start */
	uint64_t load_lo;	/* lowest guest-physical byte loaded */
	uint64_t load_hi;	/* one past the highest (bss included) */
	unsigned nsegs;		/* segments loaded */
};

/**
 * mb_find_header - locate a valid header in @img (@len bytes).
 * Returns MBLOAD_OK, MBLOAD_ENOHEADER or MBLOAD_ECHECKSUM (@d says where).
 * Also usable as a probe: "is this a Multiboot kernel?".
 */
enum mbload_err mb_find_header(const uint8_t *img, size_t len,
			       struct mb_header *h, struct diag *d);

/**
 * mbload - validate @img and load it into @ram.  @name (the module's path)
 * starts every message.  On MBLOAD_OK @info says what was loaded and where
 * to enter; on any error @ram is untouched and @d says why.
 */
enum mbload_err mbload(const uint8_t *img, size_t len, const char *name,
		       const struct guest_ram *ram, struct mbload_info *info,
		       struct diag *d);

/** mbload_err_name - short constant name ("no-header", "overlap", ...). */
const char *mbload_err_name(enum mbload_err e);

#endif
