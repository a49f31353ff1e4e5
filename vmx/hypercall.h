/* Shade's hypercall ABI (VMCALL from CPL 0; at CPL > 0 the guest gets #UD).
 * RAX = function; results in RAX (RDX:RAX for 64-bit values); unknown
 * functions return -1 (all ones). RIP advances past VMCALL. */
#ifndef VMX_HYPERCALL_H
#define VMX_HYPERCALL_H

#define SHADE_HC_ABI_VERSION	1

enum shade_hypercall {
	SHADE_HC_VERSION = 0,		/* -> RAX = SHADE_HC_ABI_VERSION */
	SHADE_HC_PRINT = 1,		/* RBX = linear address, RCX = length (<= 4096) -> 0 or -1 */
	SHADE_HC_EXIT = 2,		/* RBX = status: the VM ends; never returns */
	SHADE_HC_EXIT_COUNT = 3,	/* -> RDX:RAX = VM exits this vCPU has taken */
};

#define SHADE_HC_PRINT_MAX	4096

#endif
