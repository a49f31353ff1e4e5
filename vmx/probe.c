/* VT-x availability on this CPU: read what vmx_probe_decide() needs. */
#include "vmx/probe.h"
#include "vmx/vmx_defs.h"
#include "lib/x86.h"
#include "lib/log.h"

bool vmx_probe(const char **why)
{
	/* Detect VMX with CPUID, never by whether RDMSR 0x480 faults: Bochs lets
	 * that read succeed even on models without VMX. */
	struct vmx_probe_in in = { .cpuid1_ecx = cpuid(1, 0).ecx };
	uint64_t fc;
	if (!(in.cpuid1_ecx & (1u << 5)))
		return vmx_probe_decide(&in, &fc, why) == VMX_PROBE_OK;
	in.feature_control = rdmsr(MSR_IA32_FEATURE_CONTROL);
	in.basic = rdmsr(MSR_IA32_VMX_BASIC);
	in.exit_ctls = rdmsr((in.basic & VMX_BASIC_TRUE_CTLS) ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
	enum vmx_probe_result r = vmx_probe_decide(&in, &fc, why);
	if (fc) {
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc);
		log_info("IA32_FEATURE_CONTROL was unlocked: enabled VMX and locked it");
	}
	return r == VMX_PROBE_OK;
}
