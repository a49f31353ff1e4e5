/* One VM from its plan: load its kernel (Multiboot or Linux bzImage), hand
 * it its modules, and say how to enter it.  Portable glue over mbload,
 * mbguest and bzimage so the hypervisor only creates the VM's RAM, calls
 * vmload() and starts the vCPU from struct vm_entry.
 *
 * Kernel kinds are told apart by bzimage_probe() (0xAA55 at 0x1FE and
 * "HdrS" at 0x202); anything else must be a Multiboot kernel.
 *   Multiboot: modules are the VM's initrd (if any) first, then its
 *              role=module entries in line order; the command line is the
 *              kernel's REST.  Entry per Multiboot spec 3.2.
 *   Linux:     the initrd becomes the ramdisk; role=module entries are
 *              refused (Linux has nowhere to receive them).  Entry per the
 *              32-bit boot protocol (bzimage.h).
 */
#ifndef SHADE_GUEST_VMLOAD_H
#define SHADE_GUEST_VMLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "guest/diag.h"
#include "guest/guestram.h"
#include "guest/modopts.h"

/* The bytes of module i, indexed like the modopts array. */
struct vmload_module {
	const uint8_t *data;
	uint64_t len;
};

enum vm_entry_kind {
	VM_ENTRY_MULTIBOOT,
	VM_ENTRY_LINUX,
};

/*
 * How to start the vCPU: 32-bit protected mode, paging off, IF = 0, flat
 * 4 GiB code and data segments (base 0), the registers below, all other
 * general registers 0.  For Linux the GDT at gdt_base/gdt_limit holds the
 * descriptors behind cs and ds (DS, ES, SS = ds); for Multiboot
 * gdt_limit is 0 (the guest loads its own GDT before reloading segments)
 * and cs/ds are only a suggestion for the hidden selector values.
 */
struct vm_entry {
	enum vm_entry_kind kind;
	uint32_t eip;
	uint32_t eax, ebx, esi;
	uint16_t cs, ds;
	uint32_t gdt_base;
	uint16_t gdt_limit;
	uint64_t kernel_lo, kernel_hi;	/* guest-physical, for the log */
	unsigned nmods;			/* modules handed over (initrd included) */
	char name[64];			/* the kernel's path, or "module N" */
};

enum vmload_err {
	VMLOAD_OK = 0,
	VMLOAD_EPLAN,		/* the plan names no kernel / bad indices */
	VMLOAD_EKERNEL,		/* mbload or bzimage refused the kernel */
	VMLOAD_EMODULES,	/* modules do not fit / Linux given extra modules */
};

/**
 * vmload - build the VM described by @plan (from modopts_group) in @ram.
 * @opts and @bytes are the module arrays given to modopts_group, @n their
 * length.  Every refusal goes to @d naming the module.
 */
enum vmload_err vmload(const struct guest_ram *ram, const struct vm_plan *plan,
		       const struct modopts *opts,
		       const struct vmload_module *bytes, unsigned n,
		       struct vm_entry *out, struct diag *d);

#endif
