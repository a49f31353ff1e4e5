/* The VT-x availability decision as plain data in, plain data out, so the
 * answers for machines Shade can't be tested on here (VT-x locked off by the
 * firmware, an unlocked IA32_FEATURE_CONTROL) are unit-tested
 * (SDM Vol. 3C 24.6, 24.7; Vol. 4 IA32_FEATURE_CONTROL). */
#include "vmx/probe.h"
#include "vmx/vmx_defs.h"

#define FC_LOCK			(1ull << 0)
#define FC_VMXON_OUTSIDE_SMX	(1ull << 2)

enum vmx_probe_result vmx_probe_decide(const struct vmx_probe_in *in, uint64_t *fc_write, const char **why)
{
	*fc_write = 0;
	if (!(in->cpuid1_ecx & (1u << 5))) {
		*why = "VT-x not available on this CPU (CPUID.1:ECX.VMX is 0)";
		return VMX_PROBE_NO_VMX;
	}
	if (in->feature_control & FC_LOCK) {
		if (!(in->feature_control & FC_VMXON_OUTSIDE_SMX)) {
			*why = "VT-x disabled by firmware (IA32_FEATURE_CONTROL is locked with VMX off; enable it in the firmware setup)";
			return VMX_PROBE_DISABLED;
		}
	} else {
		/* Unlocked: enable VMX outside SMX and lock, as firmware should. */
		*fc_write = in->feature_control | FC_LOCK | FC_VMXON_OUTSIDE_SMX;
	}
	/* The VMCS must be reachable as write-back memory (BASIC[53:50] = 6). */
	if (((in->basic >> 50) & 0xf) != 6) {
		*why = "VT-x reports a VMCS memory type other than write-back; unsupported";
		return VMX_PROBE_UNSUPPORTED;
	}
	if (!((in->exit_ctls >> 32) & VM_EXIT_HOST_ADDR_SPACE_SIZE)) {
		*why = "VT-x cannot return to a 64-bit host on this CPU (no host address-space size exit control)";
		return VMX_PROBE_UNSUPPORTED;
	}
	*why = 0;
	return VMX_PROBE_OK;
}
