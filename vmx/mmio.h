/* Finishing an instruction that touched MMIO (or a shadowed page table) by
 * emulating it. */
#ifndef VMX_MMIO_H
#define VMX_MMIO_H
#include "vmx/exit.h"

enum exit_action mmio_emulate(struct vcpu *v, uint64_t gva, uint64_t gpa);
/* #UD exit: with force-emulation on, UD2 "kvm" (0f 0b 6b 76 6d) in front of
 * an instruction means "emulate the next instruction". */
enum exit_action forced_emulation(struct vcpu *v);
void reinject_idt_vectoring(struct vcpu *v);

#endif
