/* From GRUB's modules to running VMs: parse each module line, group the
 * modules into VMs, load each VM's kernel and give it its own Multiboot
 * information. Every refusal names the module and the cause. */
#include <string.h>
#include "vmx/vm_boot.h"
#include "vmx/vm.h"
#include "vmx/guest_mem.h"
#include "guest/modopts.h"
#include "guest/mbload.h"
#include "guest/mbguest.h"
#include "guest/vmload.h"
#include "mmu/host/frames.h"
#include "lib/log.h"
#include "lib/print.h"

extern const uint8_t demo_guest_start[], demo_guest_end[];

#define DEMO_RAM (64ull << 20)

static char diag_buf[2048];
static struct modopts mods[MBINFO_MAX_MODS];
static struct vm_plan plans[MODOPTS_MAX_VMS];

static void print_diag(struct diag *d)
{
	klog_lines(LOG_ERROR, d->buf);
}

static const uint8_t *mod_bytes(const struct mbinfo *mbi, int i, size_t *len)
{
	*len = mbi->mods[i].end - mbi->mods[i].start;
	return (const uint8_t *)(uintptr_t)mbi->mods[i].start;
}

/* A 32-bit protected-mode entry with paging off, as Multiboot (spec 3.2)
 * and the Linux 32-bit boot protocol define it: flat segments, IF = 0, the
 * registers vmload() chose. */
static void start_vm(struct vm *vm, const struct vm_entry *e)
{
	struct guest_entry g = {
		.rip = e->eip, .rsp = 0, .rflags = 0x2,
		.rax = e->eax, .rbx = e->ebx, .rsi = e->esi,
		.cs = e->cs, .ds = e->ds, .gdt_base = e->gdt_base, .gdt_limit = e->gdt_limit,
		.cr0 = 0x11,	/* PE | ET */
		.cr4 = 0, .efer = 0,
	};
	vm_start(vm, &g);
}

static struct vmload_module mod_data[MBINFO_MAX_MODS];
static unsigned n_mods;
static int demo_vm_id = -1;

/* Load one VM's kernel (Multiboot or bzImage), modules and boot
 * information into its RAM and start its vCPU. Also how a VM restarts
 * after the guest reset it: same plan, fresh RAM. */
static bool load_vm(struct vm *vm, struct diag *d)
{
	struct guest_ram ram = { vm->mem->ram, vm->mem->ram_size };
	struct vm_entry e;
	if (vm->id == demo_vm_id) {
		struct mbload_info info;
		size_t len = (size_t)(demo_guest_end - demo_guest_start);
		if (mbload(demo_guest_start, len, "demo", &ram, &info, d) != MBLOAD_OK)
			return false;
		struct mbguest_params p = { .kernel_end = info.load_hi, .cmdline = "demo", .cmdline_len = 4 };
		struct mbguest_layout out;
		if (mbguest_build(&ram, &p, &out, d) != MBGUEST_OK)
			return false;
		e = (struct vm_entry){ .kind = VM_ENTRY_MULTIBOOT, .eip = info.entry, .eax = MB_BOOTLOADER_MAGIC,
				       .ebx = out.info, .cs = 0x10, .ds = 0x18 };
	} else {
		if (vmload(&ram, &plans[vm->id], mods, mod_data, n_mods, &e, d) != VMLOAD_OK)
			return false;
		log_info("%s: %s %s at %lx-%lx, entry %x, %lu MiB RAM, %u module(s)", vm->name,
			 e.kind == VM_ENTRY_LINUX ? "Linux" : "Multiboot", e.name, (unsigned long)e.kernel_lo,
			 (unsigned long)e.kernel_hi, e.eip, (unsigned long)(vm->mem->ram_size >> 20), e.nmods);
	}
	start_vm(vm, &e);
	return true;
}

static bool reload_vm(struct vm *vm)
{
	struct diag d;
	diag_init(&d, diag_buf, sizeof(diag_buf));
	bool ok = load_vm(vm, &d);
	print_diag(&d);
	return ok;
}

static bool build_vm(int id, uint64_t mem, const struct hvopts *opts, struct diag *d)
{
	const char *why;
	struct vm *vm = vm_create(id, mem, opts->shadow_pages, &why);
	if (!vm) {
		diag_add(d, "vm%d: %s (%lu MiB of RAM asked)", id, why, (unsigned long)(mem >> 20));
		return false;
	}
	vm->reload = reload_vm;
	return load_vm(vm, d);
}

bool vms_build(const struct mbinfo *mbi, const struct hvopts *opts)
{
	struct diag d;
	diag_init(&d, diag_buf, sizeof(diag_buf));
	if (mbi->mod_problems) {
		log_err("the boot loader's module list has problems (see above); refusing to start any VM");
		return false;
	}
	if (mbi->nmods == 0) {
		log_info("no guest module given: running the built-in demo guest as vm0");
		demo_vm_id = 0;
		bool ok = build_vm(0, DEMO_RAM, opts, &d);
		print_diag(&d);
		return ok;
	}
	n_mods = mbi->nmods;
	bool ok = true;
	for (unsigned i = 0; i < mbi->nmods; i++) {
		const char *s = mbinfo_mod_string(mbi, i);
		ok &= modopts_parse(s, strlen(s), i, &mods[i], &d);
		size_t len;
		mod_data[i].data = mod_bytes(mbi, (int)i, &len);
		mod_data[i].len = len;
	}
	if (ok && modopts_group(mods, mbi->nmods, plans, &d))
		ok = false;
	for (int id = 0; ok && id < MODOPTS_MAX_VMS; id++)
		if (plans[id].present)
			ok = build_vm(id, plans[id].mem, opts, &d);
	print_diag(&d);
	return ok;
}
