/* Building a vCPU's VMCS. */
#ifndef VMX_VMCS_H
#define VMX_VMCS_H
#include <stdint.h>
#include <stddef.h>
#include "vmx/vcpu.h"

struct guest_entry {
	uint64_t rip, rsp, rflags;
	uint64_t rax, rbx, rsi;
	uint16_t cs, ds;		/* flat 4 GiB code and data selectors */
	uint64_t gdt_base;
	uint16_t gdt_limit;		/* 0: no GDT (Multiboot) */
	uint64_t cr0, cr4, efer;	/* the guest's view */
};

/* Allocate, clear and load a VMCS for @v, fill host state and controls, and
 * put the guest in 32-bit protected mode with flat segments, as Multiboot
 * (and the Linux 32-bit boot protocol) enter a kernel. */
void vmcs_init(struct vcpu *v, const struct guest_entry *e);
/* Make @v's VMCS current (VMPTRLD). */
void vmcs_load(struct vcpu *v);
/* The MSRs VMX doesn't switch (SYSCALL, KERNEL_GS_BASE, TSC_AUX): put
 * @v's in the CPU / take them back when another VM gets the CPU. */
void vcpu_msrs_load(struct vcpu *v);
void vcpu_msrs_save(struct vcpu *v);
/* Hardware CR0/CR4/EFER and entry controls for the guest's current view
 * (v->cr0, v->cr4, v->efer), given the shadow root and the paging bits the
 * shadow MMU wants (mmu_hw_control). */
void vmcs_sync_paging(struct vcpu *v, uint64_t shadow_root, uint64_t hw_cr0, uint64_t hw_cr4);

struct guest_state;
/* The current VMCS's guest state, for vmx_check_guest() (vmx/guest_check.h). */
void vmcs_guest_snapshot(struct guest_state *g);
/* NULL when the current VMCS's guest state passes Shade's own entry checks,
 * else a message naming the field and rule (in @buf). */
const char *vmcs_check_guest(char *buf, size_t size);

#endif
