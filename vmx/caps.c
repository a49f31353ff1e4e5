/* Capability MSRs and VMXON (SDM Vol. 3C 24.7, Appendix A). */
#include "vmx/caps.h"
#include "vmx/vmx_defs.h"
#include "vmx/vmx_ops.h"
#include "mmu/host/frames.h"
#include "lib/x86.h"
#include "lib/log.h"

struct vmx_caps vmx_caps;

void vmx_caps_read(void)
{
	struct vmx_caps *c = &vmx_caps;
	c->basic = rdmsr(MSR_IA32_VMX_BASIC);
	c->revision = c->basic & 0x7fffffff;
	/* Bit 55: the TRUE_ MSRs report the real allowed-0 settings of the
	 * "default1" controls (A.2); use them when present. */
	c->true_ctls = c->basic & VMX_BASIC_TRUE_CTLS;
	c->pin = rdmsr(c->true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
	c->cpu = rdmsr(c->true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS);
	c->exit = rdmsr(c->true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
	c->entry = rdmsr(c->true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS);
	c->cpu2 = (c->cpu >> 32) & CPU_SECONDARY_CONTROLS ? rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) : 0;
	c->misc = rdmsr(MSR_IA32_VMX_MISC);
	c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
}

uint32_t vmx_ctl(uint64_t cap, uint32_t want, uint32_t need, const char *name)
{
	uint32_t must = (uint32_t)cap, may = (uint32_t)(cap >> 32);
	if (need & ~may)
		panic("VT-x on this CPU lacks required %s controls %x (allowed %x)", name, need & ~may, may);
	return ((want | need) & may) | must;
}

uint64_t vmx_fix_cr0(uint64_t v)
{
	return (v | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1;
}

uint64_t vmx_fix_cr4(uint64_t v)
{
	return (v | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1;
}

void vmx_on(void)
{
	vmx_caps_read();
	/* Real CPUs check CR0/CR4 against the fixed MSRs at VMXON (Bochs does
	 * not): apply them first. */
	write_cr4(vmx_fix_cr4(read_cr4() | CR4_VMXE));
	write_cr0(vmx_fix_cr0(read_cr0()));

	uint64_t region = frame_alloc_below(1ull << 32);
	if (!region)
		panic("out of memory for the VMXON region");
	*(uint32_t *)phys_to_virt(region) = vmx_caps.revision;
	if (!vmxon(region))
		panic("VMXON failed (CR0=%lx CR4=%lx); is VMX already on?", read_cr0(), read_cr4());
	log_info("VMX on: VMCS revision %x, %s controls", vmx_caps.revision,
		 vmx_caps.true_ctls ? "TRUE" : "legacy");
}
