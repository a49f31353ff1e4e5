/* The MMIO fast path: a plain move that faulted on MMIO from the same
 * instruction as before is finished without the emulator (vmx/mmio_fast.c). */
#ifndef VMX_MMIO_FAST_H
#define VMX_MMIO_FAST_H
#include <stdbool.h>
#include <stdint.h>
#include "vmx/vcpu.h"

/* The #PF at @gva (@write; the guest's RFLAGS are @rflags) is MMIO at @gpa:
 * finish it here if a remembered move matches. False: nothing was done,
 * take the full emulator. */
bool mmio_fast(struct vcpu *v, uint64_t gva, uint64_t gpa, bool write, uint64_t rflags);

/* The full emulator just finished, on MMIO, the instruction at @rip (@c:
 * the emulator's context, whose mode and CS it ran with): remember it if it
 * is a simple move. */
void mmio_fast_learn(struct vcpu *v, const struct emul_ctx *c, uint64_t rip, bool write);

#endif
