/* A VM and its (single, for now) vCPU. */
#ifndef VMX_VCPU_H
#define VMX_VCPU_H
#include <stdint.h>
#include <stdbool.h>
#include "vmx/vmx_defs.h"
#include "emul/emul.h"
#include "emul/fastmov.h"
#include "vmx/fpu.h"
#include "emul/dev/iobus.h"

/* Register numbers in x86 encoding order (ModRM/exit-qualification order). */
enum { R_RAX, R_RCX, R_RDX, R_RBX, R_RSP, R_RBP, R_RSI, R_RDI,
       R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15 };

/* Layout shared with vmx/entry.S: 16 GPRs (the RSP slot is synced with the
 * VMCS around handlers that need it), then CR2. */
struct guest_regs {
	uint64_t gpr[16];
	uint64_t cr2;
};

enum vm_state { VM_RUNNING, VM_STOPPED };

/* How a VM ended; ordered by how bad it is (the worst decides Shade's end). */
enum vm_end { VM_END_NONE, VM_END_GUEST, VM_END_FAULT, VM_END_ENTRY_FAILURE };

struct vm;

/* A move decoded on an MMIO or page-table-write exit, for replay
 * (vmx/mmio_fast.c). */
#define MMIO_FAST_ENTRIES 4
/* A RIP no instruction has (not canonical, and above 4 GiB). */
#define MMIO_FAST_NO_RIP 0x8000000000000000ull
struct mmio_fast_entry {
	uint64_t rip;			/* MMIO_FAST_NO_RIP: empty (matches no RIP) */
	uint64_t gen;			/* MMIO: the MMU's tlb_gen the whole entry is good for */
	uint64_t code_gen;		/* the tlb_gen the code's translation was last checked at */
	uint64_t gva_page, gpa_page;	/* MMIO: the MMU's answer, gva >> 12 and the gpa's page */
	uint32_t error;			/* MMIO: the #PF error code the answer is for */
	bool is_mmio;
	uint32_t cs_ar;
	uint64_t cs_base;
	uint32_t seg_base_field;	/* VMCS field of the operand segment's base, 0: none */
	bool long64;
	uint64_t code_la, code_hpa;	/* the instruction's linear address and host frame */
	const uint64_t *code_spte;	/* the shadow entry mapping it (mmu_hw_spte) ... */
	uint32_t code_seq;		/* ...while the MMU's leaf_seq is this */
	const uint8_t *code;		/* host address of the instruction's bytes */
	uint64_t bytes[2], mask[2];	/* its bytes, and which of 16 count */
	struct emul_fastmov mov;
	/* MMIO: the device behind the page, called directly while the bus
	 * is unchanged (bus_gen). */
	const struct io_range *range;
	uint32_t bus_gen;
} __attribute__((aligned(256)));	/* a slot's address is a shift of its number */

struct vcpu {
	struct guest_regs regs;		/* first: entry.S indexes it */
	struct vm *vm;
	uint64_t vmcs_pa;
	bool launched;

	/* The guest's own view of its control registers (VMX runs it with
	 * shadow paging and Shade's fixed bits; the read shadows show these). */
	uint64_t cr0, cr3, cr4, efer;
	uint64_t pat;
	uint64_t misc_enable;
	uint64_t mtrr_def_type, mtrr_fixed[11], mtrr_var[16];
	/* MSRs VMX does not switch; loaded when this vCPU runs. */
	uint64_t star, lstar, cstar, fmask, kernel_gs_base, tsc_aux;
	/* VM-entry MSR-load area for EFER on CPUs without the EFER entry
	 * control: {index, reserved, value} (SDM 25.8.2). */
	uint64_t efer_load[2] __attribute__((aligned(16)));

	/* Software copies of exit information, read once per exit. */
	uint32_t exit_reason;
	uint64_t exit_qual;

	uint64_t exits;
	uint64_t exits_by_reason[EXIT_REASON_MAX];

	/* Decoded instructions of recent emulations: a driver hitting one
	 * register from one instruction decodes it once (vmx/mmio.c). */
	struct emul_icache icache;
	struct emul_ctx emul;		/* the emulator's view, refreshed per emulation */
	bool emul_ready;
	/* The last code page the emulator fetched from (vmx/mmio.c). */
	struct {
		bool valid;
		unsigned cpl;
		uint64_t gva_page, gpa_page, gen;
	} fetch_tlb;
	struct mmio_fast_entry mmio_fast[MMIO_FAST_ENTRIES];
	struct mmio_fast_entry *fast_insn;	/* this #PF exit's instruction, if remembered */
	bool pf_mmio;			/* the last #PF exit was MMIO: mmio_cold() goes first */
	uint64_t pf_rip;		/* this #PF exit's RIP and its slot, when no move */
	struct mmio_fast_entry *pf_slot;	/* ... is remembered for it (mmio_fast()) */
	/* The host frame of the code page the last new fast move came from,
	 * while the MMU's tlb_gen is gen (0: none). */
	struct {
		uint64_t la_page, hpa, gen;
	} fast_code;
	uint64_t mmio_fast_hits, pt_fast_hits, fast_decoded, emulations;
	/* The faulting page of the emulation in progress (vmx/mmio.c). */
	bool mmio_known, mmio_known_write, mmio_is_mmio;
	uint64_t mmio_gva, mmio_gpa;

	/* x87/SSE/AVX registers and XCR0 while another VM has the CPU. */
	struct fpu_state fpu;

	/* Event delivery and time (vmx/events.c). */
	uint32_t pin_ctls, cpu_ctls;	/* cached control fields */
	bool halted;			/* in HLT, waiting for an event */
	uint64_t time_base;		/* host TSC when the VM started: device time 0 */
	uint64_t tsc_offset;		/* guest TSC = host TSC + this (WRMSR TSC moves it) */
};

#define VM_NAME_MAX 8

struct vm {
	int id;
	char name[VM_NAME_MAX];
	enum vm_state state;
	enum vm_end end;
	int status;
	struct vcpu vcpu;
	struct vm_platform *plat;	/* devices and buses (vmx/platform.c) */
	struct vm_memory *mem;		/* memslots and shadow MMU (vmx/guest_mem.c) */
	/* Load the guest again into fresh RAM and start it (vmx/vm_boot.c). */
	bool (*reload)(struct vm *vm);
	unsigned resets;
};

/* The guest's CR0/CR4 as it sees them: Shade-owned bits from the vCPU's
 * copy, the others (MP, EM, TS, AM, OSFXSR...) from the hardware, where the
 * guest changes them without an exit. */
void vcpu_sync_cr(struct vcpu *v);

/* Stop @vm: print "shade: vmN stopped: <why>" and record how it ended. */
void vm_stop(struct vm *vm, enum vm_end end, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
