/* VM objects and the round-robin scheduler. One vCPU per VM; a VM runs for
 * a slice of exits, then the next one gets the CPU. A VM that stops (its
 * own exit, a fault, an entry failure) is reported and the others go on. */
#include <stdarg.h>
#include <string.h>
#include "vmx/vm.h"
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"
#include "vmx/platform.h"
#include "vmx/guest_mem.h"
#include "vmx/dump.h"
#include "vmx/events.h"
#include "vmx/mmio_fast.h"
#include "boot/crash.h"
#include "lib/print.h"
#include "lib/log.h"

#define SLICE_EXITS 4096

static struct vm vms[MAX_VMS];
static struct vm_platform platforms[MAX_VMS];
static struct vm_memory memories[MAX_VMS];
static bool started[MAX_VMS];
static struct vm *current;

static void dump_current_vm(void)
{
	if (current) {
		kprintf("shade: crashed while running %s (VMCS below)\n", current->name);
		vmcs_dump_fields();
	}
}

struct vm *vm_create(int id, uint64_t ram, uint32_t pool_pages, const char **why)
{
	if (id < 0 || id >= MAX_VMS) {
		*why = "VM number out of range";
		return 0;
	}
	struct vm *vm = &vms[id];
	vm->id = id;
	snprintf(vm->name, sizeof(vm->name), "vm%d", id);
	vm->vcpu.vm = vm;
	emul_icache_init(&vm->vcpu.icache);
	mmio_fast_forget(&vm->vcpu);
	fpu_init(&vm->vcpu.fpu);
	vm->plat = &platforms[id];
	vm->mem = &memories[id];
	if (!gmem_init(vm->mem, ram, pool_pages, why))
		return 0;
	platform_init(vm->plat, vm);
	crash_set_vm_dumper(dump_current_vm);
	return vm;
}

struct vm *vm_by_id(int id)
{
	return id >= 0 && id < MAX_VMS && started[id] ? &vms[id] : 0;
}

void vm_start(struct vm *vm, const struct guest_entry *e)
{
	current = vm;
	vmcs_init(&vm->vcpu, e);
	events_init(&vm->vcpu);
	if (!gmem_load_context(&vm->vcpu))
		panic("%s: initial paging state refused", vm->name);
	vm->state = VM_RUNNING;
	started[vm->id] = true;
}

#define MAX_RESETS 64

/* The guest reset its machine: start it again from its boot image, with
 * power-on devices, zeroed RAM and an empty shadow pool. A guest that
 * resets forever is stopped instead. */
void vm_reset(struct vm *vm, const char *why)
{
	platform_console_flush(vm->plat);
	if (++vm->resets > MAX_RESETS || !vm->reload) {
		vm_stop(vm, VM_END_FAULT, 0, "reset by the guest (%s) %u times: giving up", why, vm->resets);
		return;
	}
	log_info("%s reset by the guest (%s): restarting it", vm->name, why);
	struct vcpu *v = &vm->vcpu;
	uint64_t vmcs = v->vmcs_pa, exits = v->exits;
	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->vmcs_pa = vmcs;
	v->exits = exits;
	emul_icache_init(&v->icache);
	mmio_fast_forget(v);
	fpu_init(&v->fpu);
	fpu_load(&v->fpu);
	vcpu_msrs_load(v);
	memset(vm->mem->ram, 0, vm->mem->ram_size);
	gmem_reset(vm->mem);
	platform_init(vm->plat, vm);
	if (!vm->reload(vm))
		vm_stop(vm, VM_END_FAULT, 0, "could not load the guest again after its reset");
}

void vm_stop(struct vm *vm, enum vm_end end, int status, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	platform_console_flush(vm->plat);
	vm->state = VM_STOPPED;
	vm->end = end;
	vm->status = status;
	if (end == VM_END_GUEST)
		log_info("%s %s", vm->name, msg);
	else
		log_err("%s stopped: %s", vm->name, msg);
}

static void report(struct vm *vm)
{
	char buf[512];
	struct vcpu *v = &vm->vcpu;
	kprintf("shade: %s: %lu exits:", vm->name, v->exits);
	for (unsigned r = 0; r < EXIT_REASON_MAX; r++)
		if (v->exits_by_reason[r])
			kprintf(" %s=%lu", vmx_exit_name(r), v->exits_by_reason[r]);
	kprintf("\n");
	mmu_counters_format(&vm->mem->mmu, buf, sizeof(buf));
	kprintf("shade: %s: mmu: %s\n", vm->name, buf);
	kprintf("shade: %s: emulator: steps=%lu icache-hits=%lu mmio-fast=%lu pt-write-fast=%lu moves-decoded=%lu\n",
		vm->name, v->emulations, v->icache.hits, v->mmio_fast_hits, v->pt_fast_hits, v->fast_decoded);
}

const char *vms_run_all(int *status)
{
	struct vm *on_cpu = 0;	/* whose FPU state is in the CPU */
	bool any = true;
	while (any) {
		any = false;
		for (int i = 0; i < MAX_VMS; i++) {
			struct vm *vm = &vms[i];
			if (!started[i] || vm->state != VM_RUNNING)
				continue;
			if (on_cpu != vm) {
				/* Another VM had the CPU: swap the state VMX
				 * leaves in it (FPU/SSE/AVX, a few MSRs). */
				if (on_cpu) {
					fpu_save(&on_cpu->vcpu.fpu);
					vcpu_msrs_save(&on_cpu->vcpu);
				}
				fpu_load(&vm->vcpu.fpu);
				vcpu_msrs_load(&vm->vcpu);
				on_cpu = vm;
			}
			current = vm;
			vmcs_load(&vm->vcpu);
			vcpu_run(&vm->vcpu, SLICE_EXITS);
			if (vm->state != VM_RUNNING)
				report(vm);
			any = true;
		}
	}
	current = 0;
	/* The worst ending decides; among clean endings, the first non-zero status. */
	enum vm_end worst = VM_END_NONE;
	*status = 0;
	for (int i = 0; i < MAX_VMS; i++) {
		if (!started[i])
			continue;
		if (vms[i].end > worst)
			worst = vms[i].end;
		if (!*status && vms[i].status)
			*status = vms[i].status;
	}
	static const char *const reasons[] = {
		[VM_END_NONE] = "guest", [VM_END_GUEST] = "guest",
		[VM_END_FAULT] = "vm-fault", [VM_END_ENTRY_FAILURE] = "entry-failure",
	};
	return reasons[worst];
}

void vm_selftest_bad_entry(void)
{
	if (!started[0])
		return;
	log_info("selftest=bad-entry: marking vm0's TR unusable (SDM 27.3.1.2 requires it usable)");
	vmcs_load(&vms[0].vcpu);
	vmwrite(GUEST_TR_AR_BYTES, 1u << 16);
}

void vm_selftest_vmfail(void)
{
	if (!started[0])
		return;
	log_info("selftest=vmfail: vm0's first entry will be a VMRESUME");
	vms[0].vcpu.launched = true;
}
