/* The VM-exit handlers' common ground. */
#ifndef VMX_EXIT_H
#define VMX_EXIT_H
#include <stdint.h>
#include <stdbool.h>
#include "vmx/vcpu.h"
#include "vmx/vmx_ops.h"

enum exit_action { EXIT_RESUME, EXIT_STOP };
typedef enum exit_action (*exit_handler_fn)(struct vcpu *v);

/* Handlers, one per file (vmx/exit_*.c). */
enum exit_action handle_cpuid(struct vcpu *v);
enum exit_action handle_io(struct vcpu *v);
enum exit_action handle_rdmsr(struct vcpu *v);
enum exit_action handle_wrmsr(struct vcpu *v);
enum exit_action handle_cr_access(struct vcpu *v);
enum exit_action handle_vmcall(struct vcpu *v);
enum exit_action handle_exception(struct vcpu *v);
enum exit_action handle_invlpg(struct vcpu *v);
enum exit_action handle_xsetbv(struct vcpu *v);
/* Panics when the MSR allow-list is not sorted (its lookup needs it). */
void msr_policy_check(void);

/* Advance RIP past the exiting instruction and drop STI/MOV-SS blocking
 * (an instruction completed, SDM Vol. 3C 25.4.2). Inline: nearly every
 * exit handler ends with it. */
static inline void skip_instruction(struct vcpu *v)
{
	(void)v;
	vmwrite(GUEST_RIP, vmread(GUEST_RIP) + vmread(VM_EXIT_INSTRUCTION_LEN));
	uint64_t intr = vmread(GUEST_INTERRUPTIBILITY_INFO);
	if (__builtin_expect(intr & 3, 0))
		vmwrite(GUEST_INTERRUPTIBILITY_INFO, intr & ~3ull);
}
/* Queue a hardware exception for the next VM entry (SDM 27.6). */
void inject_exception(struct vcpu *v, unsigned vector, bool has_error, uint32_t error);
static inline void inject_gp(struct vcpu *v) { inject_exception(v, 13, true, 0); }
static inline void inject_ud(struct vcpu *v) { inject_exception(v, 6, false, 0); }
/* The guest's CR2 (for a #PF Shade injects). VMX does not switch CR2 and
 * Shade's own code never faults, so the CPU's CR2 is the running guest's:
 * it is written here and saved/restored only when VMs change places. */
void set_guest_cr2(struct vcpu *v, uint64_t cr2);

/* CPL from the guest's SS access rights (SDM 5.5: CPL = SS.DPL). */
static inline unsigned guest_cpl(void)
{
	return (vmread(GUEST_SS_AR_BYTES) >> 5) & 3;
}
/* The guest's operating width: 16, 32 or 64. */
unsigned guest_width(struct vcpu *v);

/* Run the vCPU until its VM stops or @budget exits have passed. */
void vcpu_run(struct vcpu *v, uint64_t budget);

#endif
