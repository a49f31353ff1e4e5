/* guest/vmload.c: module lines -> VM plans -> loaded guests, end to end. */
#include "tests/unit/guest_images.h"
#include "guest/vmload.h"
#include "guest/mbinfo.h"
#include "guest/bzimage.h"
#include "guest/mbguest.h"

#define RAM_SIZE (32u << 20)
static uint8_t ram_buf[RAM_SIZE];
static struct guest_ram ram;
static struct tdiag t, t2;
static struct modopts opts[8];
static struct vm_plan plans[MODOPTS_MAX_VMS];
static struct vmload_module bytes[8];
static struct vm_entry ent;
static struct img kernel;
static uint8_t blob_a[3000], blob_b[100];

static int setup(void **state)
{
	(void)state;
	memset(ram_buf, 0, sizeof(ram_buf));
	ram = (struct guest_ram){ ram_buf, RAM_SIZE };
	for (size_t i = 0; i < sizeof(blob_a); i++)
		blob_a[i] = (uint8_t)(i ^ 0x5a);
	memset(blob_b, 0xb1, sizeof(blob_b));
	return 0;
}

/* Parse @n module strings, group them, and give module i the bytes @b[i]. */
static unsigned plan(const char *const *lines, const struct vmload_module *b, unsigned n)
{
	tdiag_init(&t);
	for (unsigned i = 0; i < n; i++) {
		assert_true(modopts_parse(lines[i], strlen(lines[i]), i, &opts[i], &t.d));
		bytes[i] = b[i];
	}
	return modopts_group(opts, n, plans, &t.d);
}

static enum vmload_err load_vm(unsigned vm, unsigned n)
{
	return vmload(&ram, &plans[vm], opts, bytes, n, &ent, &t.d);
}

static bool ram_read(void *ctx, uint64_t a, void *dst, size_t len)
{
	(void)ctx;
	if (!guest_ram_fits(&ram, a, len))
		return false;
	memcpy(dst, ram_buf + a, len);
	return true;
}

static void multiboot_vm_end_to_end(void **state)
{
	static const char *const l[] = { "/boot/k.elf -- hello world", "/boot/i role=initrd",
					 "/boot/m -- modstr" };
	(void)state;
	img_elf_simple(&kernel, true);
	const struct vmload_module b[] = { { kernel.b, kernel.len }, { blob_a, sizeof(blob_a) },
					   { blob_b, sizeof(blob_b) } };
	assert_int_equal(plan(l, b, 3), 0);
	assert_int_equal(load_vm(0, 3), VMLOAD_OK);
	assert_diag_empty(&t);
	assert_int_equal(ent.kind, VM_ENTRY_MULTIBOOT);
	assert_string_equal(ent.name, "/boot/k.elf");
	assert_int_equal(ent.eip, K_TEXT + 0x10);
	assert_int_equal(ent.eax, 0x2BADB002u);
	assert_int_equal(ent.ebx, MBGUEST_INFO);
	assert_int_equal(ent.gdt_limit, 0);
	assert_int_equal(ent.nmods, 2);
	assert_int_equal(ent.kernel_lo, K_TEXT);

	struct mbinfo mi;
	assert_true(mbinfo_parse(ent.ebx, ram_read, NULL, &mi, tdiag_init(&t2)));
	assert_int_equal(mi.problems, 0);
	assert_string_equal(mbinfo_cmdline(&mi), "hello world");
	assert_int_equal(mi.nmods, 2);
	assert_string_equal(mbinfo_mod_string(&mi, 0), "/boot/i");	/* initrd first */
	assert_string_equal(mbinfo_mod_string(&mi, 1), "modstr");
	assert_memory_equal(ram_buf + mi.mods[0].start, blob_a, sizeof(blob_a));
	assert_memory_equal(ram_buf + mi.mods[1].start, blob_b, sizeof(blob_b));
	assert_true(mi.mods[0].start >= ent.kernel_hi);
	assert_int_equal(mi.mem_upper_kb, (RAM_SIZE - 0x100000) / 1024);
}

static void linux_vm_end_to_end(void **state)
{
	static const char *const l[] = { "/boot/vmlinuz -- console=ttyS0 quiet", "/boot/initrd.gz role=initrd" };
	(void)state;
	img_bzimage(&kernel, 0x2000);
	const struct vmload_module b[] = { { kernel.b, kernel.len }, { blob_a, sizeof(blob_a) } };
	assert_int_equal(plan(l, b, 2), 0);
	assert_int_equal(load_vm(0, 2), VMLOAD_OK);
	assert_diag_empty(&t);
	assert_int_equal(ent.kind, VM_ENTRY_LINUX);
	assert_int_equal(ent.eip, 0x1000000);
	assert_int_equal(ent.esi, BZ_ZERO_PAGE);
	assert_int_equal(ent.eax, 0);
	assert_int_equal(ent.ebx, 0);
	assert_int_equal(ent.cs, 0x10);
	assert_int_equal(ent.ds, 0x18);
	assert_int_equal(ent.gdt_base, BZ_GDT);
	assert_int_equal(ent.gdt_limit, 0x1f);
	assert_int_equal(ent.nmods, 1);
	const uint8_t *zp = ram_buf + BZ_ZERO_PAGE;
	assert_string_equal((char *)ram_buf + get32(zp + 0x228), "console=ttyS0 quiet");
	assert_int_equal(get32(zp + 0x21c), sizeof(blob_a));
	assert_memory_equal(ram_buf + get32(zp + 0x218), blob_a, sizeof(blob_a));
	assert_memory_equal(ram_buf + 0x1000000, kernel.b + 0xa00, 0x2000);
}

static void linux_refuses_extra_modules(void **state)
{
	static const char *const l[] = { "/boot/vmlinuz", "/boot/x role=module" };
	(void)state;
	img_bzimage(&kernel, 0x2000);
	const struct vmload_module b[] = { { kernel.b, kernel.len }, { blob_b, sizeof(blob_b) } };
	assert_int_equal(plan(l, b, 2), 0);
	assert_int_equal(load_vm(0, 2), VMLOAD_EMODULES);
	assert_diag_has(&t, "/boot/vmlinuz: a Linux kernel takes an initrd but no role=module modules (1 given)");
}

static void bad_kernel_named(void **state)
{
	static const char *const l[] = { "/boot/junk.bin vm=2" };
	(void)state;
	const struct vmload_module b[] = { { blob_a, sizeof(blob_a) } };
	assert_int_equal(plan(l, b, 1), 0);
	assert_int_equal(load_vm(2, 1), VMLOAD_EKERNEL);
	assert_diag_has(&t, "/boot/junk.bin: no Multiboot header");
}

static void truncated_bzimage_refused(void **state)
{
	static const char *const l[] = { "/boot/vmlinuz" };
	(void)state;
	img_bzimage(&kernel, 0x2000);
	const struct vmload_module b[] = { { kernel.b, kernel.len - 100 } };
	assert_int_equal(plan(l, b, 1), 0);
	assert_int_equal(load_vm(0, 1), VMLOAD_EKERNEL);
	assert_diag_has(&t, "/boot/vmlinuz: syssize says 8192 bytes of kernel");
}

static void unnamed_module_gets_a_number(void **state)
{
	static const char *const l[] = { "vm=1 -- args here" };
	(void)state;
	const struct vmload_module b[] = { { blob_b, 10 } };
	assert_int_equal(plan(l, b, 1), 0);
	assert_int_equal(load_vm(1, 1), VMLOAD_EKERNEL);
	assert_string_equal(ent.name, "module 0");
	assert_diag_has(&t, "module 0: no Multiboot header");
}

static void modules_too_big_for_ram(void **state)
{
	static const char *const l[] = { "/k", "/big" };
	static uint8_t big[RAM_SIZE];
	(void)state;
	img_elf_simple(&kernel, false);
	const struct vmload_module b[] = { { kernel.b, kernel.len }, { big, sizeof(big) } };
	assert_int_equal(plan(l, b, 2), 0);
	assert_int_equal(load_vm(0, 2), VMLOAD_EMODULES);
	assert_diag_has(&t, "does not fit in guest RAM");
	assert_diag_has(&t, "/k: its modules and Multiboot information do not fit");
}

static void bad_plans(void **state)
{
	struct vm_plan p = { .kernel = -1, .initrd = -1 };
	(void)state;
	tdiag_init(&t);
	assert_int_equal(vmload(&ram, &p, opts, bytes, 1, &ent, &t.d), VMLOAD_EPLAN);
	assert_diag_has(&t, "names no kernel");
	p.kernel = 1;
	assert_int_equal(vmload(&ram, &p, opts, bytes, 1, &ent, &t.d), VMLOAD_EPLAN);
	p.kernel = 0;
	p.initrd = 5;
	assert_int_equal(vmload(&ram, &p, opts, bytes, 1, &ent, &t.d), VMLOAD_EPLAN);
	p.initrd = -1;
	p.nmods = 1;
	p.mods[0] = 3;
	assert_int_equal(vmload(&ram, &p, opts, bytes, 1, &ent, &t.d), VMLOAD_EPLAN);
	p.nmods = VMPLAN_MAX_MODS + 1;
	assert_int_equal(vmload(&ram, &p, opts, bytes, 1, &ent, &t.d), VMLOAD_EPLAN);
}

static void two_vms_from_one_module_list(void **state)
{
	static const char *const l[] = { "/k0 -- zero", "/k1 vm=1 mem=8M -- one", "/m1 vm=1" };
	static struct img k1;
	static uint8_t ram1[8u << 20];
	(void)state;
	img_elf_simple(&kernel, false);
	img_elf_simple(&k1, true);
	const struct vmload_module b[] = { { kernel.b, kernel.len }, { k1.b, k1.len }, { blob_b, 50 } };
	assert_int_equal(plan(l, b, 3), 0);
	assert_int_equal(load_vm(0, 3), VMLOAD_OK);
	assert_int_equal(ent.nmods, 0);
	ram = (struct guest_ram){ ram1, plans[1].mem };
	assert_int_equal(plans[1].mem, 8u << 20);
	assert_int_equal(load_vm(1, 3), VMLOAD_OK);
	assert_int_equal(ent.nmods, 1);
	assert_string_equal(ent.name, "/k1");
	assert_string_equal((char *)ram1 + get32(ram1 + MBGUEST_INFO + 16), "one");
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(multiboot_vm_end_to_end),
		T(linux_vm_end_to_end),
		T(linux_refuses_extra_modules),
		T(bad_kernel_named),
		T(truncated_bzimage_refused),
		T(unnamed_module_gets_a_number),
		T(modules_too_big_for_ram),
		T(bad_plans),
		T(two_vms_from_one_module_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
