/* VMCS set-up (SDM Vol. 3C chapter 25 for the fields, 27.2/27.3 for the
 * checks VM entry makes on them). Every bit set here has a reason noted. */
#include <string.h>
#include "vmx/vmcs.h"
#include "vmx/vmx_ops.h"
#include "vmx/caps.h"
#include "vmx/guest_check.h"
#include "vmx/mmio.h"
#include "boot/cpu_tables.h"
#include "boot/layout.h"
#include "mmu/host/frames.h"
#include "lib/x86.h"
#include "lib/log.h"

extern char vmx_exit_entry[];

/* MSR-load/store entries (SDM 25.7.2) for CPUs without the EFER controls
 * (Core 2 Penryn): the host's EFER must come back at every exit, before the
 * first host instruction touches an NX page. */
struct msr_entry { uint32_t index, rsvd; uint64_t value; };
static struct msr_entry host_efer_load[1] __attribute__((aligned(16)));

/* CR0 bits Shade owns: PE/PG/NE are fixed to 1 by VMX (no unrestricted
 * guest), WP stays 1 under shadow paging, CD/NW stay 0 for speed. */
#define CR0_OWNED (CR0_PE | CR0_PG | CR0_NE | CR0_WP | CR0_CD | CR0_NW)
/* CR4 bits passed through; every other bit traps so Shade sees paging-mode
 * changes and can hide VMX. */
#define CR4_PASSTHROUGH (CR4_TSD | CR4_DE | CR4_MCE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT)

bool vmwrite_failed(enum vmcs_field f, uint64_t v)
{
	panic("VMWRITE of field %x with %lx failed (VM-instruction error %lu)", f, v,
	      vmread(VM_INSTRUCTION_ERROR));
}

static bool host_has_nx(void)
{
	return rdmsr(MSR_IA32_EFER) & EFER_NXE;
}

static bool has_efer_ctls(void)
{
	return vmx_ctl_allowed(vmx_caps.entry, VM_ENTRY_LOAD_EFER) &&
	       vmx_ctl_allowed(vmx_caps.exit, VM_EXIT_LOAD_EFER);
}

static void init_host_state(void)
{
	struct desc_ptr gdt, idt;
	sgdt(&gdt);
	sidt(&idt);
	vmwrite(HOST_CR0, read_cr0());
	vmwrite(HOST_CR3, read_cr3());
	vmwrite(HOST_CR4, read_cr4());
	vmwrite(HOST_CS_SELECTOR, SEL_CODE64);
	vmwrite(HOST_SS_SELECTOR, SEL_DATA);
	vmwrite(HOST_DS_SELECTOR, SEL_DATA);
	vmwrite(HOST_ES_SELECTOR, SEL_DATA);
	vmwrite(HOST_FS_SELECTOR, 0);
	vmwrite(HOST_GS_SELECTOR, 0);
	vmwrite(HOST_TR_SELECTOR, SEL_TSS);
	vmwrite(HOST_FS_BASE, 0);
	vmwrite(HOST_GS_BASE, 0);
	vmwrite(HOST_TR_BASE, host_tss_base());
	vmwrite(HOST_GDTR_BASE, gdt.base);
	vmwrite(HOST_IDTR_BASE, idt.base);
	vmwrite(HOST_IA32_SYSENTER_CS, 0);
	vmwrite(HOST_IA32_SYSENTER_ESP, 0);
	vmwrite(HOST_IA32_SYSENTER_EIP, 0);
	vmwrite(HOST_RIP, (uint64_t)vmx_exit_entry);
	if (has_efer_ctls()) {
		vmwrite(HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	} else {
		host_efer_load[0] = (struct msr_entry){ MSR_IA32_EFER, 0, rdmsr(MSR_IA32_EFER) };
		vmwrite(VM_EXIT_MSR_LOAD_ADDR, virt_to_phys(host_efer_load));
		vmwrite(VM_EXIT_MSR_LOAD_COUNT, 1);
	}
}

static void init_controls(struct vcpu *v)
{
	const struct vmx_caps *c = &vmx_caps;
	/* External interrupts and NMIs belong to the host. */
	vmwrite(PIN_BASED_VM_EXEC_CONTROL,
		vmx_ctl(c->pin, 0, PIN_EXT_INTR_EXITING | PIN_NMI_EXITING, "pin-based"));
	/* HLT: scheduling. INVLPG, CR3 load/store: shadow paging needs them.
	 * Unconditional I/O: every port is emulated. MONITOR/MWAIT: hidden in
	 * CPUID, so they raise #UD. No MSR bitmap: every RDMSR/WRMSR exits. */
	uint32_t need = CPU_HLT_EXITING | CPU_INVLPG_EXITING | CPU_CR3_LOAD_EXITING |
			CPU_CR3_STORE_EXITING | CPU_UNCOND_IO_EXITING | CPU_MWAIT_EXITING |
			CPU_MONITOR_EXITING;
	uint32_t cpu = vmx_ctl(c->cpu, CPU_SECONDARY_CONTROLS | CPU_TSC_OFFSETTING, need, "processor-based");
	/* Without the TPR shadow, CR8 accesses from a 64-bit guest must exit. */
	cpu |= (uint32_t)(c->cpu >> 32) & (CPU_CR8_LOAD_EXITING | CPU_CR8_STORE_EXITING);
	vmwrite(CPU_BASED_VM_EXEC_CONTROL, cpu);
	if (cpu & CPU_SECONDARY_CONTROLS)
		/* RDTSCP stays usable (it raises #UD when this is off). No EPT,
		 * no unrestricted guest: Shade runs on pre-EPT parts too. */
		vmwrite(SECONDARY_VM_EXEC_CONTROL, vmx_ctl(c->cpu2, CPU2_ENABLE_RDTSCP, 0, "secondary"));

	uint32_t exit_want = VM_EXIT_ACK_INTR_ON_EXIT | VM_EXIT_SAVE_EFER | VM_EXIT_LOAD_EFER;
	if (!has_efer_ctls())
		exit_want &= ~(VM_EXIT_SAVE_EFER | VM_EXIT_LOAD_EFER);
	vmwrite(VM_EXIT_CONTROLS, vmx_ctl(c->exit, exit_want, VM_EXIT_HOST_ADDR_SPACE_SIZE, "VM-exit"));
	vmwrite(VM_ENTRY_CONTROLS, vmx_ctl(c->entry, has_efer_ctls() ? VM_ENTRY_LOAD_EFER : 0, 0, "VM-entry"));

	/* #PF always exits: the shadow MMU decides. #UD only for forced
	 * emulation (the marker must be checked before the guest sees it). */
	vmwrite(EXCEPTION_BITMAP, (1u << 14) | (vmx_force_emulation ? 1u << 6 : 0));
	vmwrite(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmwrite(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmwrite(CR3_TARGET_COUNT, 0);
	vmwrite(CR0_GUEST_HOST_MASK, CR0_OWNED);
	vmwrite(CR4_GUEST_HOST_MASK, ~CR4_PASSTHROUGH);
	vmwrite(VMCS_LINK_POINTER, ~0ull);
	vmwrite(TSC_OFFSET, 0);
	(void)v;
}

static void set_seg(enum vmcs_field sel, uint16_t s, uint64_t base, uint32_t limit, uint32_t ar)
{
	/* Selector, base, limit and access rights sit at fixed distances. */
	vmwrite(sel, s);
	vmwrite(sel - GUEST_ES_SELECTOR + GUEST_ES_LIMIT, limit);
	vmwrite(sel - GUEST_ES_SELECTOR + GUEST_ES_AR_BYTES, ar);
	vmwrite((sel - GUEST_ES_SELECTOR) + GUEST_ES_BASE, base);
}

static void init_guest_state(struct vcpu *v, const struct guest_entry *e)
{
	/* Flat 32-bit segments (Multiboot spec 3.2: CS 32-bit read/execute,
	 * offset 0, limit 4 GiB; data segments likewise). AR: type, S, DPL, P,
	 * D/B, G (SDM 25.4.1). */
	set_seg(GUEST_CS_SELECTOR, e->cs, 0, 0xffffffff, 0xc09b);
	for (enum vmcs_field f = GUEST_ES_SELECTOR; f <= GUEST_GS_SELECTOR; f += 2)
		if (f != GUEST_CS_SELECTOR)
			set_seg(f, e->ds, 0, 0xffffffff, 0xc093);
	set_seg(GUEST_LDTR_SELECTOR, 0, 0, 0, 1u << 16);	/* unusable */
	set_seg(GUEST_TR_SELECTOR, 0, 0, 0x67, 0x8b);		/* busy 32-bit TSS: VM entry requires one */
	vmwrite(GUEST_GDTR_BASE, e->gdt_base);
	vmwrite(GUEST_GDTR_LIMIT, e->gdt_limit);
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(GUEST_IDTR_LIMIT, 0);
	vmwrite(GUEST_DR7, 0x400);
	vmwrite(GUEST_IA32_DEBUGCTL, 0);
	vmwrite(GUEST_SYSENTER_CS, 0);
	vmwrite(GUEST_SYSENTER_ESP, 0);
	vmwrite(GUEST_SYSENTER_EIP, 0);
	vmwrite(GUEST_FS_BASE, 0);
	vmwrite(GUEST_GS_BASE, 0);
	vmwrite(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmwrite(GUEST_ACTIVITY_STATE, 0);
	vmwrite(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmwrite(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmwrite(GUEST_RIP, e->rip);
	vmwrite(GUEST_RSP, e->rsp);
	vmwrite(GUEST_RFLAGS, e->rflags | RFLAGS_FIXED);
	v->regs.gpr[R_RAX] = e->rax;
	v->regs.gpr[R_RBX] = e->rbx;
	v->regs.gpr[R_RSI] = e->rsi;
	v->cr0 = e->cr0;
	v->cr4 = e->cr4;
	v->efer = e->efer;
	v->pat = 0x0007040600070406ull;		/* the power-on PAT */
}

void vmcs_init(struct vcpu *v, const struct guest_entry *e)
{
	if (!v->vmcs_pa)	/* a reset VM keeps its VMCS frame */
		v->vmcs_pa = frame_alloc_below(1ull << 32);
	if (!v->vmcs_pa)
		panic("out of memory for a VMCS");
	*(uint32_t *)phys_to_virt(v->vmcs_pa) = vmx_caps.revision;
	if (!vmclear(v->vmcs_pa) || !vmptrld(v->vmcs_pa))
		panic("VMCLEAR/VMPTRLD of a fresh VMCS failed");
	v->launched = false;
	init_host_state();
	init_controls(v);
	init_guest_state(v, e);
}

void vmcs_load(struct vcpu *v)
{
	if (!vmptrld(v->vmcs_pa))
		panic("VMPTRLD %lx failed", v->vmcs_pa);
}

/* MSRs VMX does not switch but the guest changes without exits (SWAPGS
 * exchanges GS.base with KERNEL_GS_BASE; WRGSBASE after SWAPGS writes it):
 * they live in the CPU while the vCPU has it, and are saved and restored
 * only when another VM takes the CPU. */
static bool has_tsc_aux(void)
{
	return cpuid(0x80000001, 0).edx & (1u << 27);
}

void vcpu_msrs_load(struct vcpu *v)
{
	wrmsr(0xC0000081, v->star);
	wrmsr(0xC0000082, v->lstar);
	wrmsr(0xC0000083, v->cstar);
	wrmsr(0xC0000084, v->fmask);
	wrmsr(0xC0000102, v->kernel_gs_base);
	if (has_tsc_aux())
		wrmsr(0xC0000103, v->tsc_aux);
	write_cr2(v->regs.cr2);
}

void vcpu_msrs_save(struct vcpu *v)
{
	v->star = rdmsr(0xC0000081);
	v->lstar = rdmsr(0xC0000082);
	v->cstar = rdmsr(0xC0000083);
	v->fmask = rdmsr(0xC0000084);
	v->kernel_gs_base = rdmsr(0xC0000102);
	if (has_tsc_aux())
		v->tsc_aux = rdmsr(0xC0000103);
	v->regs.cr2 = read_cr2();
}

void vmcs_sync_paging(struct vcpu *v, uint64_t shadow_root, uint64_t hw_cr0, uint64_t hw_cr4)
{
	bool lma = (v->efer & EFER_LME) && (v->cr0 & CR0_PG);
	uint64_t efer = (v->efer & ~EFER_LMA) | (lma ? EFER_LMA : 0);
	v->efer = efer;
	/* The shadow MMU gives the guest's CR0/CR4 with the paging bits it
	 * needs (PG, WP, PAE, ...); VMX adds its fixed bits, and CD/NW stay
	 * clear in hardware (the guest sees its own values in the shadow). */
	uint64_t cr0 = vmx_fix_cr0((hw_cr0 & ~(CR0_CD | CR0_NW)) | CR0_NE);
	uint64_t cr4 = hw_cr4 | CR4_VMXE;
	vmwrite(GUEST_CR0, cr0);
	vmwrite(CR0_READ_SHADOW, v->cr0);
	vmwrite(GUEST_CR4, vmx_fix_cr4(cr4));
	vmwrite(CR4_READ_SHADOW, v->cr4);
	vmwrite(GUEST_CR3, shadow_root);

	uint32_t entry = (uint32_t)vmread(VM_ENTRY_CONTROLS) & ~VM_ENTRY_IA32E_MODE;
	vmwrite(VM_ENTRY_CONTROLS, entry | (lma ? VM_ENTRY_IA32E_MODE : 0));
	/* Hardware EFER: LME/LMA follow the guest; NXE follows the guest so NX
	 * bits in shadow entries mean what they mean to the guest. */
	/* Hardware paging is always on, so hardware LME must equal LMA (SDM
	 * Vol. 3C 27.3.1.1): a guest with LME set but paging off still runs in
	 * legacy mode on a PAE shadow. */
	uint64_t hw_efer = (efer & EFER_SCE) | (lma ? EFER_LME | EFER_LMA : 0);
	/* NXE stays on whatever the guest says: with it the CPU reports the
	 * I/D bit of #PF error codes, so the shadow MMU can tell a fetch from a
	 * read (SDM Vol. 3A 4.7); shadows set XD only where the guest's own
	 * tables forbid execution (mmu_config.host_nx). */
	if (host_has_nx())
		hw_efer |= EFER_NXE;
	if (has_efer_ctls()) {
		vmwrite(GUEST_IA32_EFER, hw_efer);
	} else {
		v->efer_load[0] = MSR_IA32_EFER;
		v->efer_load[1] = hw_efer;
		vmwrite(VM_ENTRY_MSR_LOAD_ADDR, virt_to_phys(v->efer_load));
		vmwrite(VM_ENTRY_MSR_LOAD_COUNT, 1);
	}
}

void vmcs_guest_snapshot(struct guest_state *g)
{
	static const enum vmcs_field sel[SEG_COUNT] = {
		GUEST_ES_SELECTOR, GUEST_CS_SELECTOR, GUEST_SS_SELECTOR, GUEST_DS_SELECTOR,
		GUEST_FS_SELECTOR, GUEST_GS_SELECTOR, GUEST_LDTR_SELECTOR, GUEST_TR_SELECTOR,
	};
	uint32_t entry = (uint32_t)vmread(VM_ENTRY_CONTROLS);
	*g = (struct guest_state){
		.cr0 = vmread(GUEST_CR0), .cr4 = vmread(GUEST_CR4), .dr7 = vmread(GUEST_DR7),
		.rflags = vmread(GUEST_RFLAGS), .rip = vmread(GUEST_RIP),
		.ia32e = entry & VM_ENTRY_IA32E_MODE, .load_efer = entry & VM_ENTRY_LOAD_EFER,
		.efer = (entry & VM_ENTRY_LOAD_EFER) ? vmread(GUEST_IA32_EFER) : 0,
		.gdtr_base = vmread(GUEST_GDTR_BASE), .gdtr_limit = (uint32_t)vmread(GUEST_GDTR_LIMIT),
		.idtr_base = vmread(GUEST_IDTR_BASE), .idtr_limit = (uint32_t)vmread(GUEST_IDTR_LIMIT),
		.activity = (uint32_t)vmread(GUEST_ACTIVITY_STATE),
		.interruptibility = (uint32_t)vmread(GUEST_INTERRUPTIBILITY_INFO),
		.cr0_fixed0 = vmx_caps.cr0_fixed0, .cr0_fixed1 = vmx_caps.cr0_fixed1,
		.cr4_fixed0 = vmx_caps.cr4_fixed0, .cr4_fixed1 = vmx_caps.cr4_fixed1,
	};
	for (int i = 0; i < SEG_COUNT; i++) {
		enum vmcs_field f = sel[i];
		g->seg[i] = (struct seg_state){
			.sel = (uint16_t)vmread(f),
			.base = vmread(f - GUEST_ES_SELECTOR + GUEST_ES_BASE),
			.limit = (uint32_t)vmread(f - GUEST_ES_SELECTOR + GUEST_ES_LIMIT),
			.ar = (uint32_t)vmread(f - GUEST_ES_SELECTOR + GUEST_ES_AR_BYTES),
		};
	}
}

const char *vmcs_check_guest(char *buf, size_t size)
{
	struct guest_state g;
	vmcs_guest_snapshot(&g);
	return vmx_check_guest(&g, buf, size);
}

void vcpu_sync_cr(struct vcpu *v)
{
	v->cr0 = (v->cr0 & CR0_OWNED) | (vmread(GUEST_CR0) & ~CR0_OWNED);
	v->cr4 = (v->cr4 & ~CR4_PASSTHROUGH) | (vmread(GUEST_CR4) & CR4_PASSTHROUGH);
}
