/* Finishing an instruction that touched MMIO (or a shadowed page table) by
 * emulating it. */
#ifndef VMX_MMIO_H
#define VMX_MMIO_H
#include "vmx/exit.h"
#include "vmx/platform.h"

/* The #PF at @gva (hardware error code @error) went to @gpa, which is MMIO
 * (@is_mmio) or a write-protected guest page table: emulate the instruction. */
enum exit_action mmio_emulate(struct vcpu *v, uint64_t gva, uint64_t gpa, uint32_t error, bool is_mmio);
/* Emulate the instruction at RIP (string I/O, anything the exit handler
 * leaves to the emulator). */
enum exit_action emulate_instruction(struct vcpu *v);
/* #UD exit: with force-emulation on, UD2 "kvm" (0f 0b 6b 76 6d) in front of
 * an instruction means "emulate the next instruction". */
enum exit_action forced_emulation(struct vcpu *v);
void reinject_idt_vectoring(struct vcpu *v);
/* force-emulation=on (hvopts): intercept #UD and honour the marker. */
extern bool vmx_force_emulation;
/* After an emulated instruction: device side effects that end the VM
 * (isa-debug-exit), as after a port I/O exit. */
enum exit_action debug_exit_stop(struct vcpu *v);
static inline enum exit_action after_emulation(struct vcpu *v)
{
	struct vm_platform *p = v->vm->plat;
	platform_note_access(p);
	if (__builtin_expect(p->debug_exit_pending, 0))
		return debug_exit_stop(v);
	return EXIT_RESUME;
}

/* One access of 1, 2, 4 or 8 bytes to the VM's MMIO bus; an access no device
 * claims is reported (a few times) and reads as all ones. */
void mmio_note_unclaimed(struct vcpu *v, uint64_t gpa, bool write);
static inline uint64_t mmio_bus_read(struct vcpu *v, uint64_t gpa, unsigned size)
{
	uint64_t val;
	if (__builtin_expect(!iobus_read(&v->vm->plat->mmio, gpa, size, &val), 0))
		mmio_note_unclaimed(v, gpa, false);
	return val;
}

static inline void mmio_bus_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val)
{
	if (__builtin_expect(!iobus_write(&v->vm->plat->mmio, gpa, size, val), 0))
		mmio_note_unclaimed(v, gpa, true);
}

#endif
