/* Human-readable VMX diagnostics: VM-instruction error names (SDM Vol. 3C
 * 31.4), exit-reason names, and a dump of the current VMCS. */
#include "vmx/dump.h"
#include "vmx/vmx_ops.h"
#include "lib/log.h"

static const char *const insn_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_name(uint64_t err)
{
	if (err < sizeof(insn_errors) / sizeof(insn_errors[0]) && insn_errors[err])
		return insn_errors[err];
	return "unknown VM-instruction error";
}

static const char *const exit_names[EXIT_REASON_MAX] = {
	[EXIT_EXCEPTION_NMI] = "exception or NMI", [EXIT_EXTERNAL_INTERRUPT] = "external interrupt",
	[EXIT_TRIPLE_FAULT] = "triple fault", [EXIT_INIT] = "INIT signal", [EXIT_SIPI] = "SIPI",
	[EXIT_IO_SMI] = "I/O SMI", [EXIT_OTHER_SMI] = "other SMI",
	[EXIT_INTERRUPT_WINDOW] = "interrupt window", [EXIT_NMI_WINDOW] = "NMI window",
	[EXIT_TASK_SWITCH] = "task switch", [EXIT_CPUID] = "CPUID", [EXIT_GETSEC] = "GETSEC",
	[EXIT_HLT] = "HLT", [EXIT_INVD] = "INVD", [EXIT_INVLPG] = "INVLPG", [EXIT_RDPMC] = "RDPMC",
	[EXIT_RDTSC] = "RDTSC", [EXIT_RSM] = "RSM", [EXIT_VMCALL] = "VMCALL",
	[EXIT_VMCLEAR] = "VMCLEAR", [EXIT_VMLAUNCH] = "VMLAUNCH", [EXIT_VMPTRLD] = "VMPTRLD",
	[EXIT_VMPTRST] = "VMPTRST", [EXIT_VMREAD] = "VMREAD", [EXIT_VMRESUME] = "VMRESUME",
	[EXIT_VMWRITE] = "VMWRITE", [EXIT_VMXOFF] = "VMXOFF", [EXIT_VMXON] = "VMXON",
	[EXIT_CR_ACCESS] = "control-register access", [EXIT_DR_ACCESS] = "debug-register access",
	[EXIT_IO_INSTRUCTION] = "I/O instruction", [EXIT_RDMSR] = "RDMSR", [EXIT_WRMSR] = "WRMSR",
	[EXIT_INVALID_GUEST_STATE] = "VM entry failure: invalid guest state",
	[EXIT_MSR_LOAD_FAIL] = "VM entry failure: MSR loading", [EXIT_MWAIT] = "MWAIT",
	[EXIT_MONITOR_TRAP] = "monitor trap flag", [EXIT_MONITOR] = "MONITOR", [EXIT_PAUSE] = "PAUSE",
	[EXIT_MCE_DURING_ENTRY] = "VM entry failure: machine check",
	[EXIT_TPR_BELOW_THRESHOLD] = "TPR below threshold", [EXIT_APIC_ACCESS] = "APIC access",
	[EXIT_VIRTUALIZED_EOI] = "virtualized EOI", [EXIT_GDTR_IDTR] = "GDTR/IDTR access",
	[EXIT_LDTR_TR] = "LDTR/TR access", [EXIT_EPT_VIOLATION] = "EPT violation",
	[EXIT_EPT_MISCONFIG] = "EPT misconfiguration", [EXIT_INVEPT] = "INVEPT",
	[EXIT_RDTSCP] = "RDTSCP", [EXIT_PREEMPTION_TIMER] = "preemption timer",
	[EXIT_INVVPID] = "INVVPID", [EXIT_WBINVD] = "WBINVD", [EXIT_XSETBV] = "XSETBV",
	[EXIT_APIC_WRITE] = "APIC write", [EXIT_RDRAND] = "RDRAND", [EXIT_INVPCID] = "INVPCID",
	[EXIT_VMFUNC] = "VMFUNC", [EXIT_ENCLS] = "ENCLS", [EXIT_RDSEED] = "RDSEED",
	[EXIT_PML_FULL] = "page-modification log full", [EXIT_XSAVES] = "XSAVES",
	[EXIT_XRSTORS] = "XRSTORS",
};

const char *vmx_exit_name(uint32_t reason)
{
	reason &= 0xffff;
	if (reason < EXIT_REASON_MAX && exit_names[reason])
		return exit_names[reason];
	return "unknown exit reason";
}

#define F(x) { x, #x }
static const struct { enum vmcs_field f; const char *name; } dump_fields[] = {
	F(VM_EXIT_REASON), F(EXIT_QUALIFICATION), F(VM_INSTRUCTION_ERROR),
	F(VM_EXIT_INTR_INFO), F(VM_EXIT_INTR_ERROR_CODE), F(IDT_VECTORING_INFO_FIELD),
	F(VM_EXIT_INSTRUCTION_LEN), F(GUEST_LINEAR_ADDRESS),
	F(GUEST_RIP), F(GUEST_RSP), F(GUEST_RFLAGS), F(GUEST_CR0), F(CR0_READ_SHADOW),
	F(GUEST_CR3), F(GUEST_CR4), F(CR4_READ_SHADOW), F(GUEST_IA32_EFER), F(GUEST_DR7),
	F(GUEST_CS_SELECTOR), F(GUEST_CS_BASE), F(GUEST_CS_LIMIT), F(GUEST_CS_AR_BYTES),
	F(GUEST_SS_SELECTOR), F(GUEST_SS_BASE), F(GUEST_SS_LIMIT), F(GUEST_SS_AR_BYTES),
	F(GUEST_DS_SELECTOR), F(GUEST_DS_BASE), F(GUEST_DS_LIMIT), F(GUEST_DS_AR_BYTES),
	F(GUEST_ES_SELECTOR), F(GUEST_ES_AR_BYTES), F(GUEST_FS_SELECTOR), F(GUEST_FS_BASE),
	F(GUEST_FS_AR_BYTES), F(GUEST_GS_SELECTOR), F(GUEST_GS_BASE), F(GUEST_GS_AR_BYTES),
	F(GUEST_TR_SELECTOR), F(GUEST_TR_BASE), F(GUEST_TR_LIMIT), F(GUEST_TR_AR_BYTES),
	F(GUEST_LDTR_SELECTOR), F(GUEST_LDTR_AR_BYTES), F(GUEST_GDTR_BASE), F(GUEST_GDTR_LIMIT),
	F(GUEST_IDTR_BASE), F(GUEST_IDTR_LIMIT), F(GUEST_INTERRUPTIBILITY_INFO),
	F(GUEST_ACTIVITY_STATE), F(GUEST_PENDING_DBG_EXCEPTIONS), F(VMCS_LINK_POINTER),
	F(PIN_BASED_VM_EXEC_CONTROL), F(CPU_BASED_VM_EXEC_CONTROL), F(SECONDARY_VM_EXEC_CONTROL),
	F(VM_EXIT_CONTROLS), F(VM_ENTRY_CONTROLS), F(VM_ENTRY_INTR_INFO_FIELD),
	F(VM_ENTRY_EXCEPTION_ERROR_CODE), F(VM_ENTRY_INSTRUCTION_LEN), F(EXCEPTION_BITMAP),
	F(CR0_GUEST_HOST_MASK), F(CR4_GUEST_HOST_MASK), F(VM_ENTRY_MSR_LOAD_COUNT),
	F(VM_EXIT_MSR_LOAD_COUNT), F(HOST_CR0), F(HOST_CR3), F(HOST_CR4), F(HOST_RIP),
	F(HOST_RSP), F(HOST_TR_BASE), F(HOST_GDTR_BASE), F(HOST_IDTR_BASE),
};
#undef F

void vmcs_dump_fields(void)
{
	kprintf("shade: VMCS dump:\n");
	for (unsigned i = 0; i < sizeof(dump_fields) / sizeof(dump_fields[0]); i++) {
		uint64_t v;
		if (vmread_checked(dump_fields[i].f, &v))
			kprintf("  %-30s %016lx\n", dump_fields[i].name, v);
	}
}
