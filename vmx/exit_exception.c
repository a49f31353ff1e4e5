/* Exception exits: #PF is the shadow MMU's page-fault path (DESIGN.md):
 * walk, memslot first, then fill, reflect, or emulate MMIO. */
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"
#include "vmx/guest_mem.h"
#include "vmx/mmio.h"
#include "vmx/mmio_fast.h"
#include "lib/log.h"

/* Exceptions that make a second fault during their delivery a #DF
 * (SDM Vol. 3A 6.15, Table 6-5). */
static bool contributory(unsigned vec)
{
	return vec == 0 || (vec >= 10 && vec <= 13);
}

/* A #PF must reach the guest. If it arose while delivering another event,
 * the SDM's double-fault rules decide what the guest sees instead. */
static enum exit_action reflect_pf(struct vcpu *v, uint32_t error, uint64_t cr2)
{
	uint32_t idt = (uint32_t)vmread(IDT_VECTORING_INFO_FIELD);
	set_guest_cr2(v, cr2);
	if ((idt & INTR_INFO_VALID) && (idt & INTR_TYPE_MASK) == INTR_TYPE_HW_EXCEPTION) {
		unsigned first = idt & 0xff;
		if (first == 8) {
			vm_stop(v->vm, VM_END_FAULT, 0, "triple fault: #PF while delivering #DF at RIP %lx",
				vmread(GUEST_RIP));
			return EXIT_STOP;
		}
		if (first == 14 || contributory(first)) {
			inject_exception(v, 8, true, 0);
			return EXIT_RESUME;
		}
	}
	inject_exception(v, 14, true, error);
	return EXIT_RESUME;
}

/* An exit in the middle of delivering an event: deliver it again, exactly
 * (SDM Vol. 3C 28.2.4: type, vector, error code, instruction length). */
void reinject_idt_vectoring(struct vcpu *v)
{
	(void)v;
	uint32_t idt = (uint32_t)vmread(IDT_VECTORING_INFO_FIELD);
	if (!(idt & INTR_INFO_VALID) || (vmread(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID))
		return;
	vmwrite(VM_ENTRY_INTR_INFO_FIELD, idt & ~(1u << 12));	/* bit 12 is undefined here */
	if (idt & INTR_INFO_DELIVER_CODE)
		vmwrite(VM_ENTRY_EXCEPTION_ERROR_CODE, vmread(IDT_VECTORING_ERROR_CODE));
	uint32_t type = idt & INTR_TYPE_MASK;
	if (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_SW_EXCEPTION || type == INTR_TYPE_PRIV_SW_EXCEPTION)
		vmwrite(VM_ENTRY_INSTRUCTION_LEN, vmread(VM_EXIT_INSTRUCTION_LEN));
}

static enum exit_action page_fault(struct vcpu *v)
{
	uint64_t gva = v->exit_qual;
	uint32_t error = (uint32_t)vmread(VM_EXIT_INTR_ERROR_CODE);
	uint32_t ctx = 0;
	if (guest_cpl() == 3)
		ctx |= MMU_PF_CPL3;
	if (vmread(GUEST_RFLAGS) & RFLAGS_AC)
		ctx |= MMU_PF_AC;
	if (vmread(IDT_VECTORING_INFO_FIELD) & INTR_INFO_VALID)
		ctx |= MMU_PF_EVENT;

	struct mmu_fault out = { 0, 0, 0, 0 };
	enum mmu_outcome o = mmu_page_fault(&v->vm->mem->mmu, gva, error, ctx, &out);
	v->pf_mmio = o == MMU_MMIO;
	switch (o) {
	case MMU_FIXED:
		reinject_idt_vectoring(v);
		return EXIT_RESUME;
	case MMU_INJECT_PF:
		return reflect_pf(v, out.error_code, out.cr2);
	case MMU_INJECT_GP:
		inject_gp(v);
		return EXIT_RESUME;
	case MMU_MMIO:
		/* A move remembered from this RIP, on another page (or after a
		 * translation changed): the MMU's fresh answer, no emulator. */
		if (!(ctx & MMU_PF_EVENT) && (v->fast_insn ? mmio_fast_replay(v, gva, out.gpa, error, true)
							      : mmio_fast_first(v, gva, out.gpa, error, true)))
			return after_emulation(v);
		return mmio_emulate(v, gva, out.gpa, error, true);
	case MMU_EMULATE:
		/* A store from the same instruction as before (an OS updating
		 * PTEs): replayed through the MMU without the emulator. */
		if (!(ctx & MMU_PF_EVENT) && (v->fast_insn ? mmio_fast_replay(v, gva, out.gpa, error, false)
							      : mmio_fast_first(v, gva, out.gpa, error, false)))
			return EXIT_RESUME;
		return mmio_emulate(v, gva, out.gpa, error, false);
	case MMU_FATAL:
	default:
		vm_stop(v->vm, VM_END_FAULT, 0, "shadow MMU cannot handle #PF at %lx (RIP %lx): %s", gva,
			vmread(GUEST_RIP), out.reason ? out.reason : "?");
		return EXIT_STOP;
	}
}

enum exit_action handle_exception(struct vcpu *v)
{
	uint32_t info = (uint32_t)vmread(VM_EXIT_INTR_INFO);
	unsigned vec = info & 0xff;
	if ((info & INTR_TYPE_MASK) == INTR_TYPE_NMI) {
		/* A host NMI, nothing of the guest's; if it interrupted the
		 * delivery of a guest event, deliver that again. */
		reinject_idt_vectoring(v);
		return EXIT_RESUME;
	}
	if (vec == 14) {
		/* A driver's move from the same instruction as before, on the
		 * same MMIO page: finished without the MMU and the emulator. */
		if (mmio_fast(v, vmread(GUEST_RIP)))
			return after_emulation(v);
		/* While MMIO is what faults lately: the MMU's quick MMIO
		 * answer first. */
		enum exit_action a;
		if (v->pf_mmio && mmio_cold(v, &a))
			return a;
		return page_fault(v);
	}
	if (vec == 6)
		return forced_emulation(v);
	/* Not intercepted otherwise; reflect whatever arrives unchanged. */
	inject_exception(v, vec, info & INTR_INFO_DELIVER_CODE, (uint32_t)vmread(VM_EXIT_INTR_ERROR_CODE));
	return EXIT_RESUME;
}

enum exit_action handle_invlpg(struct vcpu *v)
{
	mmu_invlpg(&v->vm->mem->mmu, v->exit_qual);
	skip_instruction(v);
	return EXIT_RESUME;
}
