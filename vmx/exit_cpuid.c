/* CPUID: one policy for what the guest sees. The host CPU's answer passes
 * through except for features Shade does not virtualize (hidden so a guest
 * never tries them) and the hypervisor leaves 0x40000000+. */
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"
#include "vmx/hypercall.h"
#include "lib/x86.h"

/* Leaf 1 ECX/EDX bits hidden (SDM Vol. 2A, CPUID, Table 3-10/3-11). */
#define L1_ECX_HIDE ((1u << 3) /* MONITOR */ | (1u << 5) /* VMX */ | (1u << 6) /* SMX */ | \
		     (1u << 17) /* PCID */ | (1u << 27) /* OSXSAVE: reflects the guest's CR4, set below */)
/* The virtual local APIC has x2APIC mode and the TSC-deadline timer,
 * whatever the host CPU has. */
#define L1_ECX_SHOW ((1u << 21) /* x2APIC */ | (1u << 24) /* TSC deadline */)
#define L1_ECX_HYPERVISOR (1u << 31)
#define L1_EDX_SHOW (1u << 9) /* APIC: the virtual local APIC */
#define L1_EDX_HIDE ((1u << 22) /* ACPI thermal */ | \
		     (1u << 29) /* TM */ | (1u << 7) /* MCE */ | (1u << 14) /* MCA: no MCG MSRs */ | \
		     (1u << 21) /* DS */ | (1u << 31) /* PBE */)
/* Leaf 1 ECX bits for features with MSRs Shade does not emulate. */
#define L1_ECX_HIDE_MSRS ((1u << 2) /* DTES64 */ | (1u << 4) /* DS-CPL */ | (1u << 7) /* EST */ | \
			  (1u << 8) /* TM2 */ | (1u << 15) /* PDCM */ | (1u << 18) /* DCA */)
/* Leaf 7.0 EBX: what may show (things that need no virtualization). */
#define L7_EBX_SHOW ((1u << 0) /* FSGSBASE */ | (1u << 3) /* BMI1 */ | (1u << 7) /* SMEP */ | \
		     (1u << 8) /* BMI2 */ | (1u << 9) /* ERMS */ | (1u << 18) /* RDSEED */ | \
		     (1u << 19) /* ADX */ | (1u << 20) /* SMAP */ | (1u << 23) /* CLFLUSHOPT */)

/* XSAVE area size for the components in @xcr0 (legacy area + header, then
 * each enabled component at the offset CPUID.0xD reports). */
static uint32_t xsave_size(uint64_t xcr0)
{
	uint32_t size = 576;
	for (uint32_t c = 2; c < 64; c++) {
		if (!((xcr0 >> c) & 1))
			continue;
		struct cpuid_regs r = cpuid(0xd, c);
		if (r.eax + r.ebx > size)
			size = r.eax + r.ebx;
	}
	return size;
}

static struct cpuid_regs hypervisor_leaf(uint32_t leaf)
{
	struct cpuid_regs r = { 0, 0, 0, 0 };
	if (leaf == 0x40000000) {
		/* Max hypervisor leaf and the 12-byte signature "Shade\0...". */
		r.eax = 0x40000001;
		r.ebx = 'S' | 'h' << 8 | 'a' << 16 | 'd' << 24;
		r.ecx = 'e';
		r.edx = 0;
	} else if (leaf == 0x40000001) {
		r.eax = SHADE_HC_ABI_VERSION;
	}
	return r;
}

/* The leaves Shade edits (bitmask of leaf numbers 0-31). */
#define EDITED_LEAVES ((1u << 1) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 0xa) | (1u << 0xd))

/* Out of line: most CPUIDs (leaf 0, the extended leaves) pass through and
 * shouldn't pay for the register pressure of the edits. */
static __attribute__((noinline)) struct cpuid_regs cpuid_edit(struct vcpu *v, uint32_t leaf, uint32_t sub,
								 struct cpuid_regs r)
{
	(void)v;
	switch (leaf) {
	case 1:
		r.ecx = (r.ecx & ~(L1_ECX_HIDE | L1_ECX_HIDE_MSRS)) | L1_ECX_HYPERVISOR | L1_ECX_SHOW;
		/* CPUID.1:ECX.OSXSAVE mirrors CR4.OSXSAVE: the guest's, not Shade's. */
		if (v->cr4 & CR4_OSXSAVE)
			r.ecx |= 1u << 27;
		/* Without guest XSAVE (no CPU support) AVX and friends can't be used. */
		if (!fpu_has_xsave())
			r.ecx &= ~((1u << 26) | (1u << 28) | (1u << 12) | (1u << 29));
		r.edx = (r.edx & ~L1_EDX_HIDE) | L1_EDX_SHOW;
		/* One logical processor, initial APIC ID 0. */
		r.ebx = (r.ebx & 0xffff) | (1u << 16);
		r.edx &= ~(1u << 28);	/* HTT */
		break;
	case 5:	/* MONITOR/MWAIT */
	case 6:	/* thermal and power */
	case 0xa: /* performance monitoring: no virtual PMU */
	case 0xd:
		/* XSAVE: only the components Shade lets guests enable. */
		if (!fpu_has_xsave()) {
			r = (struct cpuid_regs){ 0, 0, 0, 0 };
		} else if (sub == 0) {
			r.eax &= (uint32_t)fpu_guest_xcr0_mask();
			r.edx = 0;
			/* EBX: size for the guest's current XCR0; ECX: for all allowed. */
			r.ebx = xsave_size(v->fpu.xcr0);
			r.ecx = xsave_size(fpu_guest_xcr0_mask());
		} else if (sub == 1) {
			r.eax &= 1u << 0;	/* XSAVEOPT only: no XSAVEC/XSAVES/XFD */
			r.ebx = r.ecx = r.edx = 0;
		} else if (sub >= 2 && sub < 64 && ((fpu_guest_xcr0_mask() >> sub) & 1)) {
			/* component size and offset pass through */
		} else {
			r = (struct cpuid_regs){ 0, 0, 0, 0 };
		}
		break;
	case 7:
		if (sub == 0) {
			r.eax = 0;
			r.ebx &= L7_EBX_SHOW;
			r.ecx = 0;
			r.edx = 0;
		} else {
			r = (struct cpuid_regs){ 0, 0, 0, 0 };
		}
		break;
	default:
		break;
	}
	return r;
}

static struct cpuid_regs cpuid_policy(struct vcpu *v, uint32_t leaf, uint32_t sub)
{
	if ((leaf & 0xffffff00) == 0x40000000)
		return hypervisor_leaf(leaf);
	struct cpuid_regs r = cpuid(leaf, sub);
	if (leaf < 32 && ((EDITED_LEAVES >> leaf) & 1))
		r = cpuid_edit(v, leaf, sub, r);
	return r;
}

enum exit_action handle_cpuid(struct vcpu *v)
{
	uint64_t *g = v->regs.gpr;
	struct cpuid_regs r = cpuid_policy(v, (uint32_t)g[R_RAX], (uint32_t)g[R_RCX]);
	/* CPUID writes the 32-bit registers, zeroing the upper halves. */
	g[R_RAX] = r.eax;
	g[R_RBX] = r.ebx;
	g[R_RCX] = r.ecx;
	g[R_RDX] = r.edx;
	skip_instruction(v);
	return EXIT_RESUME;
}
