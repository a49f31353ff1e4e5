/* VMX capabilities of this CPU, read once from the capability MSRs. */
#ifndef VMX_CAPS_H
#define VMX_CAPS_H
#include <stdint.h>
#include <stdbool.h>

struct vmx_caps {
	uint64_t basic;
	uint32_t revision;
	bool true_ctls;
	/* allowed-0 (must be 1) in the low half, allowed-1 (may be 1) high. */
	uint64_t pin, cpu, cpu2, exit, entry;
	uint64_t misc;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

extern struct vmx_caps vmx_caps;

void vmx_caps_read(void);
/* The value of a control field: @want bits the CPU allows, plus every bit
 * it requires. A bit of @need it can't set stops Shade with @name. */
uint32_t vmx_ctl(uint64_t cap, uint32_t want, uint32_t need, const char *name);
static inline bool vmx_ctl_allowed(uint64_t cap, uint32_t bit) { return (cap >> 32) & bit; }
/* Apply the CR0/CR4 fixed bits (SDM Vol. 3C A.7, A.8). */
uint64_t vmx_fix_cr0(uint64_t v);
uint64_t vmx_fix_cr4(uint64_t v);
/* Turn VMX on on this CPU (CR4.VMXE, VMXON). */
void vmx_on(void);

#endif
