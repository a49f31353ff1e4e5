/* The Multiboot v1 information structure GRUB hands Shade (Multiboot
 * Specification 0.6.96, section 3.3 "Boot information format").
 *
 * Shade reads it through a callback so the same parser runs on fake memory
 * in host tests.  Everything in it is treated as hostile: every address is
 * read through the callback (which may refuse), every count and length is
 * capped, every string must end within MBINFO_MAX_STR bytes, and the results
 * land in fixed-size arrays inside struct mbinfo.  Problems are reported to a
 * diag and counted; what can be clamped is clamped.
 *
 * Typical use in the hypervisor (RAM identity-mapped):
 *
 *	static struct mbinfo mi;          // ~40 KiB: keep it out of the stack
 *	if (!mbinfo_parse(ebx, read_phys, NULL, &mi, &d))  -> cannot continue
 *	for each mi.ranges[i] of type MB_MEM_AVAILABLE: frames_add_usable()
 *	n = mbinfo_reserved(&mi, __image_start, __image_end, resv, MBINFO_MAX_RESERVED);
 *	for each resv[i]: frames_reserve(); then frames_finalize()
 *	if (mi.mod_problems) -> bad-guest: some module or its string was refused
 */
#ifndef SHADE_GUEST_MBINFO_H
#define SHADE_GUEST_MBINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/diag.h"

/* Multiboot v1 info flags (spec 3.3). */
#define MBI_FLAG_MEM		(1u << 0)	/* mem_lower, mem_upper */
#define MBI_FLAG_BOOTDEV	(1u << 1)
#define MBI_FLAG_CMDLINE	(1u << 2)
#define MBI_FLAG_MODS		(1u << 3)
#define MBI_FLAG_AOUT_SYMS	(1u << 4)
#define MBI_FLAG_ELF_SHDR	(1u << 5)
#define MBI_FLAG_MMAP		(1u << 6)
#define MBI_FLAG_DRIVES		(1u << 7)
#define MBI_FLAG_CONFIG		(1u << 8)
#define MBI_FLAG_LOADER_NAME	(1u << 9)
#define MBI_FLAG_APM		(1u << 10)
#define MBI_FLAG_VBE		(1u << 11)
#define MBI_FLAG_FRAMEBUFFER	(1u << 12)

/* Field offsets in the info structure (spec 3.3). */
#define MBI_OFF_FLAGS		0
#define MBI_OFF_MEM_LOWER	4
#define MBI_OFF_MEM_UPPER	8
#define MBI_OFF_BOOT_DEVICE	12
#define MBI_OFF_CMDLINE		16
#define MBI_OFF_MODS_COUNT	20
#define MBI_OFF_MODS_ADDR	24
#define MBI_OFF_SYMS		28
#define MBI_OFF_MMAP_LENGTH	44
#define MBI_OFF_MMAP_ADDR	48
#define MBI_OFF_DRIVES_LENGTH	52
#define MBI_OFF_DRIVES_ADDR	56
#define MBI_OFF_CONFIG_TABLE	60
#define MBI_OFF_LOADER_NAME	64
#define MBI_OFF_APM_TABLE	68
#define MBI_OFF_VBE		72
#define MBI_OFF_FRAMEBUFFER	88
#define MBI_SIZE_MAX		116	/* with the framebuffer fields */
#define MBI_MOD_SIZE		16	/* mod_start, mod_end, string, reserved */
#define MBI_MMAP_ENTRY_MIN	20	/* the entry's size field counts these */

/* Memory map entry types (spec 3.3). */
#define MB_MEM_AVAILABLE	1
#define MB_MEM_RESERVED		2
#define MB_MEM_ACPI		3
#define MB_MEM_NVS		4
#define MB_MEM_BAD		5

#define MBINFO_MAX_MODS		32
#define MBINFO_MAX_MMAP		128	/* memory map entries kept */
#define MBINFO_MAX_RANGES	MBINFO_MAX_MMAP
#define MBINFO_MAX_STR		4096	/* bytes of one string, NUL included */
#define MBINFO_MAX_NAME		64	/* boot loader name, NUL included */
#define MBINFO_MAX_MMAP_LEN	65536	/* mmap_length beyond this is absurd */
#define MBINFO_POOL		(6 * MBINFO_MAX_STR)
#define MBINFO_MAX_RESERVED	(8 + 2 * MBINFO_MAX_MODS + MBINFO_MAX_MMAP)

/*
 * Reads @len bytes of host-physical memory at @addr into @dst.  Returns
 * false (and need not write @dst) when any byte is not readable RAM.
 * Requests never exceed 4 KiB and never cross a 4 KiB page boundary
 * when reading strings.
 */
typedef bool (*mb_read_fn)(void *ctx, uint64_t addr, void *dst, size_t len);

struct mb_range {
	uint64_t base;
	uint64_t len;		/* > 0; base + len never wraps */
	uint32_t type;		/* MB_MEM_*, or anything a BIOS said */
};

struct mb_module {
	uint32_t index;		/* position in GRUB's module list */
	uint32_t start, end;	/* [start, end): end is exclusive (GRUB) */
	uint32_t string_addr;	/* 0 if the module had no string */
	uint32_t string_len;	/* bytes, NUL excluded */
	uint32_t string_off;	/* into mbinfo.pool */
};

struct mbinfo {
	uint32_t addr;		/* the info structure's own address */
	uint32_t size;		/* its bytes as implied by the flags */
	uint32_t flags;
	uint32_t mem_lower_kb, mem_upper_kb;	/* 0 unless MBI_FLAG_MEM */

	bool has_cmdline;
	uint32_t cmdline_addr, cmdline_len, cmdline_off;
	bool has_loader_name;
	uint32_t loader_name_addr, loader_name_len, loader_name_off;

	uint32_t mods_addr;	/* as given */
	uint32_t mods_count;	/* as given (may exceed nmods) */
	unsigned nmods;
	struct mb_module mods[MBINFO_MAX_MODS];

	uint32_t mmap_addr, mmap_length;	/* as given, 0 without a map */
	bool ranges_from_mmap;	/* else made from mem_lower/mem_upper */
	unsigned nranges;
	struct mb_range ranges[MBINFO_MAX_RANGES];

	unsigned problems;	/* everything reported */
	unsigned mod_problems;	/* of which: a module was refused or lost */

	uint32_t pool_used;
	char pool[MBINFO_POOL];	/* NUL-terminated copies of the strings */
};

/**
 * mbinfo_parse - read the info structure at @addr through @read.
 * Returns false only when nothing usable came out (the structure itself is
 * unreadable, or there is no memory information at all); @mi is still
 * consistent then (counts 0).  Every clamp and refusal goes to @d.
 */
bool mbinfo_parse(uint32_t addr, mb_read_fn read, void *ctx,
		  struct mbinfo *mi, struct diag *d);

/* The copied strings: always NUL-terminated, "" when absent. */
const char *mbinfo_cmdline(const struct mbinfo *mi);
const char *mbinfo_loader_name(const struct mbinfo *mi);
const char *mbinfo_mod_string(const struct mbinfo *mi, unsigned i);

/**
 * mbinfo_reserved - the ranges the frame allocator must never hand out:
 * the image [@image_start, @image_end), the info structure, the module
 * list, the memory map array, the command line, the loader name, every
 * module's contents and string, and every memory-map range whose type is
 * not MB_MEM_AVAILABLE.  Written to @out sorted by base, overlapping or
 * touching ranges merged, each widened to whole 4 KiB pages.  Returns how
 * many were written (at most @max; MBINFO_MAX_RESERVED is always enough).
 */
unsigned mbinfo_reserved(const struct mbinfo *mi, uint64_t image_start,
			 uint64_t image_end, struct mb_range *out, unsigned max);

const char *mb_mem_type_name(uint32_t type);

#endif
