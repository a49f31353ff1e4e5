/* The VM-exit loop and the dispatch table keyed by exit reason. Any exit
 * without a handler stops its VM with the reason, qualification and RIP:
 * one loud, informative ending. */
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"
#include "vmx/dump.h"
#include "vmx/vmcs.h"
#include "vmx/events.h"
#include "vmx/platform.h"
#include "vmx/mmio.h"
#include "lib/log.h"
#include "lib/x86.h"

enum vmfail { VMFAIL_NONE, VMFAIL_INVALID, VMFAIL_VALID };

/* vmx/entry.S: VMLAUNCH/VMRESUME with the guest's GPRs. It preserves no
 * host register, so the call says every GPR is clobbered and the compiler
 * saves only what it needs, once, outside the run loop. */
static inline int vmx_enter(struct guest_regs *regs, int launched)
{
	int rc;
	__asm__ volatile("call vmx_enter"
			 : "=a"(rc), "+D"(regs), "+S"(launched)
			 :
			 : "rbx", "rcx", "rdx", "rbp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
			   "memory", "cc");
	return rc;
}

static enum exit_action handle_triple_fault(struct vcpu *v)
{
	vm_stop(v->vm, VM_END_FAULT, 0, "triple fault at RIP %lx (guest could not deliver an exception)",
		vmread(GUEST_RIP));
	return EXIT_STOP;
}

static enum exit_action handle_external_interrupt(struct vcpu *v)
{
	/* Acknowledged on exit ("acknowledge interrupt on exit"): the only host
	 * source Shade unmasks is the timer standing in for the preemption
	 * timer. It may have come in the middle of delivering a guest event:
	 * deliver that again. */
	events_host_timer_irq(v, vmread(VM_EXIT_INTR_INFO) & 0xff);
	reinject_idt_vectoring(v);
	return EXIT_RESUME;
}

/* VMX instructions, MONITOR/MWAIT: hidden in CPUID, so #UD as on a CPU
 * without them (SDM Vol. 3C 26.1.2: they exit unconditionally). */
static enum exit_action handle_ud(struct vcpu *v)
{
	inject_ud(v);
	return EXIT_RESUME;
}

/* INVD: nothing is cached that the guest could lose; a no-op. */
static enum exit_action handle_nop(struct vcpu *v)
{
	skip_instruction(v);
	return EXIT_RESUME;
}

static enum exit_action handle_entry_failure(struct vcpu *v)
{
	uint32_t basic = v->exit_reason & 0xffff;
	kprintf("shade: %s: VM entry failed: %s (exit reason %u, qualification %lx)\n",
		v->vm->name, vmx_exit_name(basic), basic, v->exit_qual);
	if (basic == EXIT_INVALID_GUEST_STATE) {
		char why[160];
		const char *m = vmcs_check_guest(why, sizeof(why));
		kprintf("shade: %s: guest state (SDM Vol. 3C 27.3.1): %s\n", v->vm->name,
			m ? m : "Shade's own checks find no fault; see the fields below");
	}
	else if (basic == EXIT_MSR_LOAD_FAIL)
		kprintf("shade: %s: VM-entry MSR-load entry %lu failed\n", v->vm->name, v->exit_qual);
	vmcs_dump_fields();
	vm_stop(v->vm, VM_END_ENTRY_FAILURE, 0, "%s", vmx_exit_name(basic));
	return EXIT_STOP;
}

static const exit_handler_fn exit_handlers[EXIT_REASON_MAX] = {
	[EXIT_EXCEPTION_NMI] = handle_exception,
	[EXIT_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[EXIT_TRIPLE_FAULT] = handle_triple_fault,
	[EXIT_CPUID] = handle_cpuid,
	[EXIT_HLT] = handle_hlt,
	[EXIT_INTERRUPT_WINDOW] = handle_interrupt_window,
	[EXIT_PREEMPTION_TIMER] = handle_preemption_timer,
	[EXIT_INVD] = handle_nop,
	[EXIT_XSETBV] = handle_xsetbv,
	[EXIT_WBINVD] = handle_nop,
	[EXIT_INVLPG] = handle_invlpg,
	[EXIT_VMCALL] = handle_vmcall,
	[EXIT_VMCLEAR] = handle_ud, [EXIT_VMLAUNCH] = handle_ud, [EXIT_VMPTRLD] = handle_ud,
	[EXIT_VMPTRST] = handle_ud, [EXIT_VMREAD] = handle_ud, [EXIT_VMRESUME] = handle_ud,
	[EXIT_VMWRITE] = handle_ud, [EXIT_VMXOFF] = handle_ud, [EXIT_VMXON] = handle_ud,
	[EXIT_INVEPT] = handle_ud, [EXIT_INVVPID] = handle_ud, [EXIT_VMFUNC] = handle_ud,
	[EXIT_MWAIT] = handle_ud, [EXIT_MONITOR] = handle_ud,
	[EXIT_CR_ACCESS] = handle_cr_access,
	[EXIT_IO_INSTRUCTION] = handle_io,
	[EXIT_RDMSR] = handle_rdmsr,
	[EXIT_WRMSR] = handle_wrmsr,
	[EXIT_INVALID_GUEST_STATE] = handle_entry_failure,
	[EXIT_MSR_LOAD_FAIL] = handle_entry_failure,
	[EXIT_MCE_DURING_ENTRY] = handle_entry_failure,
};

/* Fault-class exceptions (SDM Vol. 3A 6.15, Table 6-1): the CPU delivers
 * them with RFLAGS.RF set in the pushed image so the faulting instruction
 * can be restarted past an instruction breakpoint (SDM 18.3.1.1). VM entry
 * injection pushes RFLAGS as it is, so Shade sets RF itself. */
#define FAULT_VECTORS ((1u << 0) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 10) | (1u << 11) | \
		       (1u << 12) | (1u << 13) | (1u << 14) | (1u << 16) | (1u << 17) | (1u << 19) | \
		       (1u << 20) | (1u << 21))

void inject_exception(struct vcpu *v, unsigned vector, bool has_error, uint32_t error)
{
	(void)v;
	uint32_t info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | vector;
	if (vector < 32 && ((FAULT_VECTORS >> vector) & 1))
		vmwrite(GUEST_RFLAGS, vmread(GUEST_RFLAGS) | RFLAGS_RF);
	if (has_error) {
		info |= INTR_INFO_DELIVER_CODE;
		vmwrite(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	vmwrite(VM_ENTRY_INTR_INFO_FIELD, info);
}

void set_guest_cr2(struct vcpu *v, uint64_t cr2)
{
	v->regs.cr2 = cr2;
	write_cr2(cr2);
}

unsigned guest_width(struct vcpu *v)
{
	uint64_t cs_ar = vmread(GUEST_CS_AR_BYTES);
	if ((v->efer & EFER_LMA) && (cs_ar & (1u << 13)))
		return 64;
	return (cs_ar & (1u << 14)) ? 32 : 16;
}

static enum exit_action dispatch(struct vcpu *v)
{
	v->exit_reason = (uint32_t)vmread(VM_EXIT_REASON);
	v->exit_qual = vmread(EXIT_QUALIFICATION);
	uint32_t basic = v->exit_reason & 0xffff;
	v->exits++;
	if (basic < EXIT_REASON_MAX)
		v->exits_by_reason[basic]++;
	if (v->exit_reason & EXIT_REASON_ENTRY_FAILURE)
		return handle_entry_failure(v);
	exit_handler_fn h = basic < EXIT_REASON_MAX ? exit_handlers[basic] : 0;
	if (!h) {
		vm_stop(v->vm, VM_END_FAULT, 0, "unhandled VM exit: %s (reason %u), qualification %lx, RIP %lx",
			vmx_exit_name(basic), basic, v->exit_qual, vmread(GUEST_RIP));
		return EXIT_STOP;
	}
	return h(v);
}

void vcpu_run(struct vcpu *v, uint64_t budget)
{
	if (!v->launched) {
		/* Real CPUs and Bochs differ in how they check guest state; Shade's
		 * own check names the field on either. */
		char why[160];
		const char *m = vmcs_check_guest(why, sizeof(why));
		if (m)
			log_warn("%s: guest state will not pass VM entry: %s", v->vm->name, m);
	}
	while (v->vm->state == VM_RUNNING && budget--) {
		if (events_pending_work(v))
			events_before_entry(v);
		int rc = vmx_enter(&v->regs, v->launched);
		if (rc != VMFAIL_NONE) {
			uint64_t err = rc == VMFAIL_VALID ? vmread(VM_INSTRUCTION_ERROR) : 0;
			kprintf("shade: %s: %s failed: %s (VM-instruction error %lu)\n", v->vm->name,
				v->launched ? "VMRESUME" : "VMLAUNCH",
				rc == VMFAIL_VALID ? vmx_insn_error_name(err) : "no current VMCS", err);
			vmcs_dump_fields();
			vm_stop(v->vm, VM_END_ENTRY_FAILURE, 0, "VM entry failed: %s",
				rc == VMFAIL_VALID ? vmx_insn_error_name(err) : "VMfailInvalid");
			return;
		}
		v->launched = true;
		if (dispatch(v) == EXIT_STOP)
			return;
		if (__builtin_expect(v->vm->plat->power_event, 0)) {
			platform_power_event(v->vm);
			return;
		}
	}
}
