/* The MMIO fast path: a plain move that faulted on MMIO from the same
 * instruction as before is finished without the emulator (vmx/mmio_fast.c). */
#ifndef VMX_MMIO_FAST_H
#define VMX_MMIO_FAST_H
#include <stdbool.h>
#include <stdint.h>
#include "vmx/vcpu.h"

/* A #PF exit: if the faulting instruction is a move remembered below, on
 * the same MMIO page with nothing changed, finish it here (the device
 * access, the register, RIP) and return true. False: nothing was done. */
bool mmio_fast(struct vcpu *v);

/* What the #PF exit of an emulation on MMIO looked like. */
struct mmio_fault_info {
	uint64_t rip, rflags, gva, gpa, gen;	/* gen: the MMU's tlb_gen when it answered */
	uint32_t error;
};

/* The full emulator just finished, on MMIO, the instruction of @pf (@c:
 * the emulator's context, whose mode and CS it ran with): remember it if
 * it is a simple move. */
void mmio_fast_learn(struct vcpu *v, const struct emul_ctx *c, const struct mmio_fault_info *pf);

#endif
