/* One VM from its plan (see vmload.h). */
#include "guest/vmload.h"

#include <string.h>

#include "guest/bzimage.h"
#include "guest/mbguest.h"
#include "guest/mbload.h"

static void name_kernel(struct vm_entry *out, const struct modopts *m, int index)
{
	size_t n = m->path.n < sizeof(out->name) - 1 ? m->path.n : sizeof(out->name) - 1;

	if (n) {
		memcpy(out->name, m->path.p, n);
		out->name[n] = '\0';
	} else {
		diag_fmt(out->name, sizeof(out->name), "module %d", index);
	}
}

static bool index_ok(int i, unsigned n)
{
	return i >= 0 && (unsigned)i < n;
}

static enum vmload_err check_plan(const struct vm_plan *plan, unsigned n,
				  struct diag *d)
{
	if (!index_ok(plan->kernel, n)) {
		diag_add(d, "vm plan names no kernel (module %d of %u)", plan->kernel, n);
		return VMLOAD_EPLAN;
	}
	if (plan->initrd >= 0 && !index_ok(plan->initrd, n)) {
		diag_add(d, "vm plan names initrd module %d of %u", plan->initrd, n);
		return VMLOAD_EPLAN;
	}
	if (plan->nmods > VMPLAN_MAX_MODS) {
		diag_add(d, "vm plan has %u modules", plan->nmods);
		return VMLOAD_EPLAN;
	}
	for (unsigned i = 0; i < plan->nmods; i++) {
		if (!index_ok(plan->mods[i], n)) {
			diag_add(d, "vm plan names module %u of %u", plan->mods[i], n);
			return VMLOAD_EPLAN;
		}
	}
	return VMLOAD_OK;
}

static enum vmload_err load_linux(const struct guest_ram *ram,
				  const struct vm_plan *plan,
				  const struct vmload_module *bytes,
				  struct vm_entry *out, struct diag *d)
{
	const struct vmload_module *k = &bytes[plan->kernel];
	struct bzimage_params p = { .cmdline = plan->cmdline.p,
				    .cmdline_len = plan->cmdline.n };
	struct bzimage_info info;

	if (plan->nmods) {
		diag_add(d, "%s: a Linux kernel takes an initrd but no role=module "
			 "modules (%u given)", out->name, plan->nmods);
		return VMLOAD_EMODULES;
	}
	if (plan->initrd >= 0) {
		p.initrd = bytes[plan->initrd].data;
		p.initrd_len = bytes[plan->initrd].data ? bytes[plan->initrd].len : 0;
	}
	if (bzimage_load(k->data, (size_t)k->len, out->name, ram, &p, &info, d) != BZ_OK)
		return VMLOAD_EKERNEL;
	out->kind = VM_ENTRY_LINUX;
	out->eip = info.entry32;
	out->esi = info.zero_page;
	out->cs = BZ_BOOT_CS;
	out->ds = BZ_BOOT_DS;
	out->gdt_base = info.gdt_base;
	out->gdt_limit = info.gdt_limit;
	out->kernel_lo = info.load_addr;
	out->kernel_hi = info.load_end;
	out->nmods = plan->initrd >= 0;
	return VMLOAD_OK;
}

static void multiboot_modules(const struct vm_plan *plan,
			      const struct modopts *opts,
			      const struct vmload_module *bytes,
			      struct mbguest_module *gm, unsigned *ngm)
{
	int order[VMPLAN_MAX_MODS + 1];
	unsigned k = 0;

	if (plan->initrd >= 0)
		order[k++] = plan->initrd;
	for (unsigned i = 0; i < plan->nmods; i++)
		order[k++] = plan->mods[i];
	for (unsigned i = 0; i < k; i++) {
		struct tok s = modopts_string(&opts[order[i]]);

		gm[i] = (struct mbguest_module){ .data = bytes[order[i]].data,
						 .len = bytes[order[i]].len,
						 .string = s.p, .string_len = s.n };
	}
	*ngm = k;
}

static enum vmload_err load_multiboot(const struct guest_ram *ram,
				      const struct vm_plan *plan,
				      const struct modopts *opts,
				      const struct vmload_module *bytes,
				      struct vm_entry *out, struct diag *d)
{
	const struct vmload_module *k = &bytes[plan->kernel];
	struct mbguest_module gm[VMPLAN_MAX_MODS + 1];
	struct mbguest_params p = { .cmdline = plan->cmdline.p,
				    .cmdline_len = plan->cmdline.n, .mods = gm };
	struct mbload_info info;
	struct mbguest_layout lay;

	if (mbload(k->data, (size_t)k->len, out->name, ram, &info, d) != MBLOAD_OK)
		return VMLOAD_EKERNEL;
	multiboot_modules(plan, opts, bytes, gm, &p.nmods);
	p.kernel_end = info.load_hi;
	if (mbguest_build(ram, &p, &lay, d) != MBGUEST_OK) {
		diag_add(d, "%s: its modules and Multiboot information do not fit",
			 out->name);
		return VMLOAD_EMODULES;
	}
	out->kind = VM_ENTRY_MULTIBOOT;
	out->eip = info.entry;
	out->eax = MB_BOOTLOADER_MAGIC;
	out->ebx = lay.info;
	out->cs = 0x08;
	out->ds = 0x10;
	out->kernel_lo = info.load_lo;
	out->kernel_hi = info.load_hi;
	out->nmods = p.nmods;
	return VMLOAD_OK;
}

enum vmload_err vmload(const struct guest_ram *ram, const struct vm_plan *plan,
		       const struct modopts *opts,
		       const struct vmload_module *bytes, unsigned n,
		       struct vm_entry *out, struct diag *d)
{
	const struct vmload_module *k;
	enum vmload_err err;

	memset(out, 0, sizeof(*out));
	if ((err = check_plan(plan, n, d)))
		return err;
	name_kernel(out, &opts[plan->kernel], plan->kernel);
	k = &bytes[plan->kernel];
	if (bzimage_probe(k->data, (size_t)k->len))
		return load_linux(ram, plan, bytes, out, d);
	return load_multiboot(ram, plan, opts, bytes, out, d);
}
