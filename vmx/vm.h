/* VMs: creation, stopping, and running them all. */
#ifndef VMX_VM_H
#define VMX_VM_H
#include <stdint.h>
#include "vmx/vcpu.h"
#include "vmx/vmcs.h"

#define MAX_VMS 8

/* A VM with @ram bytes of RAM at gpa 0 and a shadow pool of @pool_pages;
 * NULL with *why on failure. The vCPU's VMCS is built by vm_start(). */
struct vm *vm_create(int id, uint64_t ram, uint32_t pool_pages, const char **why);
/* Build the vCPU's VMCS with the entry state and load its paging context. */
void vm_start(struct vm *vm, const struct guest_entry *e);
/* The started VM with number @id, or NULL. */
struct vm *vm_by_id(int id);
/* Run every started VM, round-robin, until all have stopped. Returns the
 * machine_end() reason and sets *status. */
const char *vms_run_all(int *status);
/* selftest=bad-entry: make vm0's guest state invalid (TR unusable), so its
 * first VM entry fails and the failure report can be tested. */
void vm_selftest_bad_entry(void);
/* selftest=vmfail: vm0's first entry is a VMRESUME of a never-launched
 * VMCS, which VMfails (error 5), so the VMfail report can be tested. */
void vm_selftest_vmfail(void);
/* The guest reset its machine (@why names how): restart it from scratch. */
void vm_reset(struct vm *vm, const char *why);

#endif
