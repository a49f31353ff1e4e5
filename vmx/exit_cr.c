/* Control-register exits (SDM Vol. 3C 28.2.1, Table 28-3). The guest keeps
 * its own view of CR0/CR3/CR4 (read shadows and CR3-store exiting show it);
 * the hardware runs on shadow paging. Every write gets the checks the CPU
 * makes (SDM Vol. 3A 2.5, 10.8.5; Vol. 2 MOV CR). */
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"
#include "vmx/guest_mem.h"
#include "vmx/caps.h"
#include "vmx/fpu.h"
#include "lib/x86.h"
#include "lib/log.h"

#define CR_NUM(q)	((q) & 0xf)
#define CR_TYPE(q)	(((q) >> 4) & 3)
#define CR_GPR(q)	(((q) >> 8) & 0xf)
#define CR_LMSW_SRC(q)	(((q) >> 16) & 0xffff)
enum { MOV_TO_CR, MOV_FROM_CR, CLTS, LMSW };

/* Bits the guest may set in CR4: what the CPU supports, minus what Shade
 * hides (VMX, SMX, PCID, OSXSAVE, PKE, LA57 and friends). */
static uint64_t cr4_guest_ok(void)
{
	uint64_t ok = CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE |
		      CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	struct cpuid_regs l7 = cpuid(7, 0);
	if (l7.ebx & (1u << 0))
		ok |= CR4_FSGSBASE;
	if (l7.ebx & (1u << 7))
		ok |= CR4_SMEP;
	if (l7.ebx & (1u << 20))
		ok |= CR4_SMAP;
	if (l7.ecx & (1u << 2))
		ok |= CR4_UMIP;
	if (fpu_has_xsave())
		ok |= CR4_OSXSAVE;
	return ok & vmx_caps.cr4_fixed1;
}

static bool set_cr0(struct vcpu *v, uint64_t val)
{
	if (val >> 32)
		return false;					/* #GP: reserved bits */
	if ((val & CR0_PG) && !(val & CR0_PE))
		return false;					/* #GP: PG without PE */
	if ((val & CR0_NW) && !(val & CR0_CD))
		return false;					/* #GP: NW without CD */
	if ((val & CR0_PG) && !(v->cr0 & CR0_PG) && (v->efer & EFER_LME) && !(v->cr4 & CR4_PAE))
		return false;					/* #GP: long mode needs PAE */
	if (!(val & CR0_PG) && (v->efer & EFER_LMA) && guest_width(v) == 64)
		return false;					/* #GP: leave long mode from compat mode only */
	if (!(val & CR0_PE)) {
		vm_stop(v->vm, VM_END_FAULT, 0, "the guest turned protection off (CR0.PE=0) at RIP %lx: "
			"real mode is not supported", vmread(GUEST_RIP));
		return true;
	}
	uint64_t old = v->cr0;
	v->cr0 = val | CR0_ET;
	if (!gmem_load_context(v)) {
		v->cr0 = old;
		return false;
	}
	return true;
}

static bool set_cr4(struct vcpu *v, uint64_t val)
{
	if (val & ~cr4_guest_ok())
		return false;
	if ((v->efer & EFER_LMA) && !(val & CR4_PAE))
		return false;
	uint64_t old = v->cr4;
	v->cr4 = val;
	if (!gmem_load_context(v)) {
		v->cr4 = old;
		return false;
	}
	return true;
}

static bool set_cr3(struct vcpu *v, uint64_t val)
{
	/* Bits above MAXPHYADDR are reserved in long mode; in legacy modes the
	 * register is 32 bits wide. */
	if (!(v->efer & EFER_LMA))
		val = (uint32_t)val;
	uint64_t old = v->cr3;
	v->cr3 = val;
	/* Only CR3 changed: the paging mode, hardware CR0/CR4/EFER and entry
	 * controls stay; just the shadow root moves (the common case: every
	 * process switch). */
	if (!gmem_load_cr3(v)) {
		v->cr3 = old;
		return false;
	}
	return true;
}

static uint64_t read_gpr(struct vcpu *v, unsigned r)
{
	return r == R_RSP ? vmread(GUEST_RSP) : v->regs.gpr[r];
}

static void write_gpr(struct vcpu *v, unsigned r, uint64_t val)
{
	if (guest_width(v) != 64)
		val = (uint32_t)val;
	if (r == R_RSP)
		vmwrite(GUEST_RSP, val);
	else
		v->regs.gpr[r] = val;
}

enum exit_action handle_cr_access(struct vcpu *v)
{
	uint64_t q = v->exit_qual;
	unsigned cr = CR_NUM(q);
	bool ok = true;
	vcpu_sync_cr(v);
	switch (CR_TYPE(q)) {
	case MOV_TO_CR: {
		uint64_t val = read_gpr(v, CR_GPR(q));
		if (guest_width(v) != 64)
			val = (uint32_t)val;
		if (cr == 0)
			ok = set_cr0(v, val);
		else if (cr == 3)
			ok = set_cr3(v, val);
		else if (cr == 4)
			ok = set_cr4(v, val);
		else if (cr == 8)
			ok = !(val >> 4);	/* TPR: no virtual APIC yet, value kept nowhere */
		else
			ok = false;
		break;
	}
	case MOV_FROM_CR:
		if (cr == 3)
			write_gpr(v, CR_GPR(q), v->cr3);
		else if (cr == 8)
			write_gpr(v, CR_GPR(q), 0);
		else
			ok = false;
		break;
	case CLTS:
		v->cr0 &= ~CR0_TS;
		vmwrite(CR0_READ_SHADOW, v->cr0);
		vmwrite(GUEST_CR0, vmread(GUEST_CR0) & ~CR0_TS);
		break;
	case LMSW: {
		/* LMSW loads PE, MP, EM, TS but can never clear PE. */
		uint64_t src = CR_LMSW_SRC(q) & 0xf;
		ok = set_cr0(v, (v->cr0 & ~0xeull) | src | (v->cr0 & CR0_PE));
		break;
	}
	}
	if (v->vm->state != VM_RUNNING)
		return EXIT_STOP;
	if (!ok) {
		inject_gp(v);
		return EXIT_RESUME;
	}
	skip_instruction(v);
	return EXIT_RESUME;
}
