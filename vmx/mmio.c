/* Until the instruction emulator is wired in (issue 3), an access to a
 * frame no memslot covers stops the VM with a clear message; no shadow
 * entry is ever written for it. */
#include "vmx/mmio.h"
#include "vmx/vmx_ops.h"

enum exit_action mmio_emulate(struct vcpu *v, uint64_t gva, uint64_t gpa)
{
	vm_stop(v->vm, VM_END_FAULT, 0, "MMIO at gpa %lx (gva %lx) from RIP %lx: no emulator for it yet",
		gpa, gva, vmread(GUEST_RIP));
	return EXIT_STOP;
}

enum exit_action forced_emulation(struct vcpu *v)
{
	inject_ud(v);
	return EXIT_RESUME;
}
