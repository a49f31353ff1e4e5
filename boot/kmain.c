/* Shade's C entry: bring up the console and CPU tables, read what the boot
 * loader handed over, take stock of memory, turn VT-x on, build the VMs the
 * modules describe (or the built-in demo guest) and run them. */
#include <stdint.h>
#include <string.h>
#include "boot/cpu_tables.h"
#include "boot/kmain.h"
#include "drivers/uart.h"
#include "drivers/pic.h"
#include "drivers/power.h"
#include "drivers/acpi.h"
#include "drivers/tsc.h"
#include "guest/mbinfo.h"
#include "guest/hvopts.h"
#include "lib/log.h"
#include "mmu/host/frames.h"
#include "mmu/host/hostpt.h"
#include "vmx/probe.h"
#include "vmx/caps.h"
#include "vmx/vm.h"
#include "vmx/vm_boot.h"
#include "vmx/mmio.h"
#include "vmx/fpu.h"
#include "vmx/exit.h"
#include "lib/x86.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002

extern char __image_start[], __image_end[];

static struct mbinfo mbi;
static struct hvopts opts;
static char diag_buf[2048];


/* The boot page tables identity-map the first 4 GiB; anything beyond is
 * not readable yet, and the Multiboot structures live below 4 GiB anyway. */
static bool read_phys(void *ctx, uint64_t addr, void *dst, size_t len)
{
	(void)ctx;
	if (addr < 0x1000 || addr + len < addr || addr + len > (4ull << 30))
		return false;
	memcpy(dst, (const void *)(uintptr_t)addr, len);
	return true;
}

/* Print the collected problem lines, each as a "shade:" message. */
static void print_diag(struct diag *d, enum log_level lvl)
{
	klog_lines(lvl, d->buf);
}

static void setup_console(void)
{
	struct diag d;
	diag_init(&d, diag_buf, sizeof(diag_buf));
	hvopts_parse(mbinfo_cmdline(&mbi), &opts, &d);
	if (opts.console_port != 0x3f8 || opts.baud != 115200)
		uart_init(opts.console_port, opts.baud);
	log_level = (enum log_level)opts.log_level;
	print_diag(&d, LOG_WARN);
}

static void setup_memory(void)
{
	static struct mb_range resv[MBINFO_MAX_RESERVED];
	for (unsigned i = 0; i < mbi.nranges; i++)
		if (mbi.ranges[i].type == MB_MEM_AVAILABLE && mbi.ranges[i].base + mbi.ranges[i].len > 0x100000)
			frames_add_usable(mbi.ranges[i].base < 0x100000 ? 0x100000 : mbi.ranges[i].base,
					  mbi.ranges[i].base + mbi.ranges[i].len);
	unsigned n = mbinfo_reserved(&mbi, (uint64_t)__image_start, (uint64_t)__image_end, resv, MBINFO_MAX_RESERVED);
	for (unsigned i = 0; i < n; i++)
		frames_reserve(resv[i].base, resv[i].base + resv[i].len);
	frames_finalize();
	hostpt_init(frames_top());
	frames_print();
}

void kmain(uint32_t magic, uint32_t info)
{
	uart_init(0x3f8, 115200);
	cpu_tables_init();
	pic_disable();
	kprintf("\nshade: Shade hypervisor starting\n");
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
		log_err("not started by a Multiboot loader (EAX=%x); boot Shade with GRUB or qemu -kernel", magic);
		machine_end("bad-guest", 1);
	}
	struct diag d;
	diag_init(&d, diag_buf, sizeof(diag_buf));
	bool mbi_ok = mbinfo_parse(info, read_phys, 0, &mbi, &d);
	hvopts_defaults(&opts);
	setup_console();
	print_diag(&d, LOG_WARN);
	if (!mbi_ok) {
		log_err("the boot loader's Multiboot information is unusable");
		machine_end("bad-guest", 1);
	}
	log_info("command line: %s", mbinfo_cmdline(&mbi));

	acpi_init();	/* S5 power-off, found while page 0 (the BDA) is still mapped */
	const char *why;
	if (!vmx_probe(&why)) {
		log_err("%s", why);
		machine_end("no-vtx", 1);
	}
	setup_memory();
	tsc_calibrate();
	if (opts.selftest == HV_SELFTEST_CRASH) {
		log_info("selftest=crash: executing an invalid opcode inside Shade");
		__asm__ volatile("ud2");
	}
	/* FXSAVE/XSAVE must cover the SSE/AVX registers guests use (the
	 * emulator reads them; VMs switching the CPU save them). */
	fpu_host_init();
	vmx_force_emulation = opts.force_emulation;
	msr_policy_check();
	vmx_on();

	if (!vms_build(&mbi, &opts))
		machine_end("bad-guest", 1);
	if (opts.selftest == HV_SELFTEST_BAD_ENTRY)
		vm_selftest_bad_entry();
	if (opts.selftest == HV_SELFTEST_VMFAIL)
		vm_selftest_vmfail();
	int status;
	const char *reason = vms_run_all(&status);
	machine_end(reason, status);
}
