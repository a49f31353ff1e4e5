/* Shade's own check of a VMCS guest state against the VM-entry rules (SDM
 * Vol. 3C 27.3.1), so a refused entry names the field and the rule, on real
 * hardware as in Bochs. Pure: the caller snapshots the fields. */
#ifndef VMX_GUEST_CHECK_H
#define VMX_GUEST_CHECK_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_COUNT };

struct seg_state {
	uint16_t sel;
	uint64_t base;
	uint32_t limit, ar;
};

struct guest_state {
	uint64_t cr0, cr4, dr7, rflags, efer, rip;
	bool ia32e;			/* VM-entry control "IA-32e mode guest" */
	bool load_efer;			/* VM-entry control "load IA32_EFER" */
	struct seg_state seg[SEG_COUNT];
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
	uint32_t activity, interruptibility;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

/* NULL when every checked rule holds; else a message naming the field and
 * the rule, written into @buf. */
const char *vmx_check_guest(const struct guest_state *g, char *buf, size_t size);

#endif
