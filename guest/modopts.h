/* GRUB module lines: which VM a module belongs to and what it is.
 *
 * Multiboot hands Shade each module's string.  GRUB 2 passes only the words
 * after the file name; QEMU's -kernel loader and GRUB legacy put the file
 * name first.  So the first word is taken as the path only when it is no
 * option (no '=' and not "--"):
 *
 *   [/boot/FILE] [vm=N] [role=kernel|initrd|module] [mem=SIZE] [-- REST]
 *
 *   vm=N      0..7 (default 0)
 *   role=     kernel: the VM's Multiboot kernel or bzImage
 *             initrd: a Linux initrd, or the first module of a Multiboot guest
 *             module: any other module, handed to the guest in line order
 *             default: see modopts_group()
 *   mem=SIZE  the VM's RAM, 4M..3G, a multiple of 4K (K/M/G suffixes,
 *             decimal or 0x-hex); default 64M.  Any module of the VM may say
 *             it; two different values for one VM are an error.
 *   -- REST   everything after a standalone "--" word (blanks around it
 *             trimmed): the guest's command line for a kernel, the module
 *             string for an initrd or module (default: the module's path,
 *             empty when there is none).
 *
 * An empty string is a module with every option at its default.  Each key
 * may appear once per line.  All spans point into the caller's string,
 * which must outlive the results.
 */
#ifndef SHADE_GUEST_MODOPTS_H
#define SHADE_GUEST_MODOPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/diag.h"
#include "guest/optlex.h"

#define MODOPTS_MAX_VMS		8
#define MODOPTS_MAX_LINE	4096		/* bytes of a module string */
#define MODOPTS_MEM_MIN		(4ull << 20)
#define MODOPTS_MEM_MAX		(3ull << 30)
#define MODOPTS_MEM_DEFAULT	(64ull << 20)
#define VMPLAN_MAX_MODS		16		/* role=module entries per VM */

enum mod_role {
	MOD_ROLE_UNSET,		/* no role= given */
	MOD_ROLE_KERNEL,
	MOD_ROLE_INITRD,
	MOD_ROLE_MODULE,
};

struct modopts {
	struct tok path;	/* first word if it is no option; else empty */
	struct tok rest;	/* after "--", trimmed; empty if none */
	bool has_rest;		/* a "--" word was present */
	uint8_t vm;		/* 0..7, default 0 */
	enum mod_role role;	/* as given (MOD_ROLE_UNSET if not) */
	uint64_t mem;		/* bytes, 0 if not given */
};

/**
 * modopts_parse - parse one module string @s (@len bytes, need not be
 * NUL-terminated; at most MODOPTS_MAX_LINE are accepted).  @index is only
 * used to name the module in messages ("module 2 '/boot/k': ...").
 * Returns true if the line was fully understood; on false @m still holds
 * what could be parsed and @d says why.
 */
bool modopts_parse(const char *s, size_t len, unsigned index,
		   struct modopts *m, struct diag *d);

/** modopts_string - the string the guest sees for a non-kernel module:
 * REST if "--" was given, else the path. */
struct tok modopts_string(const struct modopts *m);

/* One VM to build, indices refer to the module list given to modopts_group. */
struct vm_plan {
	bool present;		/* some module names this VM */
	int kernel;		/* -1: none */
	int initrd;		/* -1: none */
	unsigned nmods;		/* role=module entries, in line order */
	uint8_t mods[VMPLAN_MAX_MODS];
	uint64_t mem;		/* bytes */
	struct tok cmdline;	/* the kernel's REST */
};

/**
 * modopts_group - sort @n parsed module lines into VMs.
 *
 * A module with no role= is the kernel when it is its VM's first such
 * module and no module of that VM says role=kernel; every other module
 * without role= is a plain module.  Refused (one message each, naming the
 * module): two kernels for a VM, two initrds, a VM with modules but no
 * kernel, two different mem= values, more than VMPLAN_MAX_MODS modules.
 * @plans[v] is filled for every v < MODOPTS_MAX_VMS (present = false for
 * unused VMs).  Returns the number of problems (0: every plan is usable).
 */
unsigned modopts_group(const struct modopts *m, unsigned n,
		       struct vm_plan plans[MODOPTS_MAX_VMS], struct diag *d);

const char *mod_role_name(enum mod_role r);

#endif
