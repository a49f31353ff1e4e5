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
	const char *p = d->buf;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		log_err("%.*s", (int)n, p);
		p += n + (nl ? 1 : 0);
	}
}

static const uint8_t *mod_bytes(const struct mbinfo *mbi, int i, size_t *len)
{
	*len = mbi->mods[i].end - mbi->mods[i].start;
	return (const uint8_t *)(uintptr_t)mbi->mods[i].start;
}

/* A 32-bit protected-mode entry with paging off, as Multiboot defines it
 * (spec 3.2): EAX = magic, EBX = info, flat segments, IF = 0. */
static void start_multiboot_vm(struct vm *vm, uint32_t entry, uint32_t mbi_gpa)
{
	struct guest_entry e = {
		.rip = entry, .rsp = 0, .rflags = 0x2,
		.rax = 0x2BADB002, .rbx = mbi_gpa,
		.cr0 = 0x11,	/* PE | ET */
		.cr4 = 0, .efer = 0,
	};
	vm_start(vm, &e);
}

/* Load one VM: kernel, modules, Multiboot info. */
static bool build_vm(int id, const struct vm_plan *plan, const struct mbinfo *mbi,
		     const struct hvopts *opts, struct diag *d)
{
	const char *why;
	struct vm *vm = vm_create(id, plan->mem, opts->shadow_pages, &why);
	if (!vm) {
		diag_add(d, "vm%d: %s (%lu MiB of RAM asked)", id, why, (unsigned long)(plan->mem >> 20));
		return false;
	}
	struct guest_ram ram = { vm->mem->ram, vm->mem->ram_size };
	size_t len;
	const uint8_t *img = mod_bytes(mbi, plan->kernel, &len);
	/* GRUB 2 gives no file name in the module string: name it by number. */
	char name[64];
	const struct tok *path = &mods[plan->kernel].path;
	if (path->n)
		snprintf(name, sizeof(name), "%.*s", (int)(path->n < 60 ? path->n : 60), path->p);
	else
		snprintf(name, sizeof(name), "module %d", plan->kernel);
	struct mbload_info info;
	if (mbload(img, len, name, &ram, &info, d) != MBLOAD_OK)
		return false;

	/* The guest's modules: its initrd first, then the others in line order. */
	struct mbguest_module gm[VMPLAN_MAX_MODS + 1];
	unsigned ngm = 0;
	int order[VMPLAN_MAX_MODS + 1];
	if (plan->initrd >= 0)
		order[ngm++] = plan->initrd;
	for (unsigned i = 0; i < plan->nmods; i++)
		order[ngm++] = plan->mods[i];
	for (unsigned i = 0; i < ngm; i++) {
		struct tok s = modopts_string(&mods[order[i]]);
		size_t mlen;
		gm[i].data = mod_bytes(mbi, order[i], &mlen);
		gm[i].len = mlen;
		gm[i].string = s.p;
		gm[i].string_len = s.n;
	}
	struct mbguest_params p = {
		.kernel_end = info.load_hi, .cmdline = plan->cmdline.p, .cmdline_len = plan->cmdline.n,
		.mods = gm, .nmods = ngm,
	};
	struct mbguest_layout out;
	if (mbguest_build(&ram, &p, &out, d) != MBGUEST_OK)
		return false;
	log_info("vm%d: %s, entry %x, %lu MiB RAM, %u module(s)", id, name, info.entry,
		 (unsigned long)(plan->mem >> 20), ngm);
	start_multiboot_vm(vm, info.entry, out.info);
	return true;
}

static bool build_demo(const struct hvopts *opts, struct diag *d)
{
	const char *why;
	struct vm *vm = vm_create(0, DEMO_RAM, opts->shadow_pages, &why);
	if (!vm) {
		diag_add(d, "demo guest: %s", why);
		return false;
	}
	struct guest_ram ram = { vm->mem->ram, vm->mem->ram_size };
	struct mbload_info info;
	size_t len = (size_t)(demo_guest_end - demo_guest_start);
	if (mbload(demo_guest_start, len, "demo", &ram, &info, d) != MBLOAD_OK)
		return false;
	struct mbguest_params p = { .kernel_end = info.load_hi, .cmdline = "demo", .cmdline_len = 4 };
	struct mbguest_layout out;
	if (mbguest_build(&ram, &p, &out, d) != MBGUEST_OK)
		return false;
	log_info("no guest module given: running the built-in demo guest as vm0");
	start_multiboot_vm(vm, info.entry, out.info);
	return true;
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
		bool ok = build_demo(opts, &d);
		print_diag(&d);
		return ok;
	}
	bool ok = true;
	for (unsigned i = 0; i < mbi->nmods; i++) {
		const char *s = mbinfo_mod_string(mbi, i);
		ok &= modopts_parse(s, strlen(s), i, &mods[i], &d);
	}
	if (ok && modopts_group(mods, mbi->nmods, plans, &d))
		ok = false;
	for (int id = 0; ok && id < MODOPTS_MAX_VMS; id++)
		if (plans[id].present)
			ok = build_vm(id, &plans[id], mbi, opts, &d);
	print_diag(&d);
	return ok;
}
