/* A VM's memory as the VMX side sees it: its memslots, its shadow MMU, and
 * linear-address accessors that go through the guest's own page tables. */
#ifndef VMX_GUEST_MEM_H
#define VMX_GUEST_MEM_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "mmu/memslot.h"
#include "mmu/mmu.h"
#include "vmx/vcpu.h"

struct vm_memory {
	struct memslots slots;
	struct mmu mmu;
	uint64_t ram_size;
	uint64_t ram_hpa;
	uint8_t *ram;		/* host pointer to guest-physical 0 */
};

/* Back @ram_size bytes of guest RAM at gpa 0 with host frames and set up the
 * shadow MMU with a pool of @pool_pages. False (with *why) on failure. */
bool gmem_init(struct vm_memory *m, uint64_t ram_size, uint32_t pool_pages, const char **why);

/* Empty the shadow MMU (the VM is being reset; RAM is cleared by the caller). */
void gmem_reset(struct vm_memory *m);

/* The guest changed CR0/CR3/CR4/EFER (or starts): load the matching shadow
 * root and hardware control registers into the current VMCS. Returns false
 * when the new state is refused (PAE PDPTEs with reserved bits: #GP). */
bool gmem_load_context(struct vcpu *v);

/* The same for a MOV to CR3 alone: the shadow root changes, nothing else. */
bool gmem_load_cr3(struct vcpu *v);

/* What a failed linear access should raise in the guest. */
struct gmem_fault {
	unsigned vector;	/* 14 (#PF) or 13 (#GP) */
	uint32_t error;
	uint64_t cr2;
};

/* Copy to/from guest linear memory, RAM only (for hypercalls and string
 * I/O). Splits at page boundaries; false with *f set on a fault or when a
 * byte is not RAM (then f->vector is 0). Access rights as at the guest's CPL. */
bool gmem_read_linear(struct vcpu *v, uint64_t gva, void *buf, size_t len, struct gmem_fault *f);
bool gmem_write_linear(struct vcpu *v, uint64_t gva, const void *buf, size_t len, struct gmem_fault *f);

#endif
