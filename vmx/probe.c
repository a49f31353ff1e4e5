/* VT-x availability (SDM Vol. 3C 24.6 "Discovering support for VMX", 24.7
 * "Enabling and entering VMX operation"). */
#include "vmx/probe.h"
#include "vmx/vmx_defs.h"
#include "lib/x86.h"
#include "lib/log.h"

#define FC_LOCK		(1u << 0)
#define FC_VMXON_OUTSIDE_SMX (1u << 2)

bool vmx_probe(const char **why)
{
	/* Detect VMX with CPUID, never by whether RDMSR 0x480 faults: Bochs lets
	 * that read succeed even on models without VMX. */
	if (!(cpuid(1, 0).ecx & (1u << 5))) {
		*why = "VT-x not available on this CPU (CPUID.1:ECX.VMX is 0)";
		return false;
	}
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (fc & FC_LOCK) {
		if (!(fc & FC_VMXON_OUTSIDE_SMX)) {
			*why = "VT-x disabled by firmware (IA32_FEATURE_CONTROL is locked with VMX off; enable it in the firmware setup)";
			return false;
		}
	} else {
		/* Unlocked: enable VMX outside SMX and lock, as firmware should. */
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FC_LOCK | FC_VMXON_OUTSIDE_SMX);
		log_info("IA32_FEATURE_CONTROL was unlocked: enabled VMX and locked it");
	}
	uint64_t basic = rdmsr(MSR_IA32_VMX_BASIC);
	/* Bit 48: VMXON/VMCS addresses limited to 32 bits; fine, we allocate low.
	 * Memory type must be write-back (6) for our VMCS accesses. */
	if (((basic >> 50) & 0xf) != 6) {
		*why = "VT-x reports a VMCS memory type other than write-back; unsupported";
		return false;
	}
	uint64_t exit_ctls = rdmsr((basic & VMX_BASIC_TRUE_CTLS) ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
	if (!((exit_ctls >> 32) & VM_EXIT_HOST_ADDR_SPACE_SIZE)) {
		*why = "VT-x cannot return to a 64-bit host on this CPU (no host address-space size exit control)";
		return false;
	}
	return true;
}
