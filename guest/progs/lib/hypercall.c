#include "hypercall.h"
#include "string.h"
#include "cpu.h"

#define CPUID_HV_BIT (1u << 31)         /* CPUID.1:ECX, "hypervisor present" */
#define LEAF_HV_BASE 0x40000000u

/* "Shade" followed by seven NUL bytes, as EBX:ECX:EDX. */
static const char shade_sig[12] = "Shade";

void hv_signature(char sig[13], uint32_t *max_leaf)
{
	struct cpuid_regs r = cpuid(LEAF_HV_BASE);

	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	sig[12] = '\0';
	if (max_leaf)
		*max_leaf = r.eax;
}

bool shade_present(void)
{
	char sig[13];

	if (!(cpuid(1).ecx & CPUID_HV_BIT))
		return false;
	hv_signature(sig, NULL);
	return memcmp(sig, shade_sig, sizeof(shade_sig)) == 0;
}

uint32_t hc_version(void)
{
	return (uint32_t)vmcall3(HC_VERSION, 0, 0);
}

uint32_t hc_print(const void *buf, uint32_t len)
{
	return (uint32_t)vmcall3(HC_PRINT, (uint32_t)buf, len);
}

uint64_t hc_exit_count(void)
{
	return vmcall3(HC_EXIT_COUNT, 0, 0);
}

void hc_exit(uint32_t status)
{
	vmcall3(HC_EXIT, status, 0);
}
