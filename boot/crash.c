/* A CPU exception inside Shade is always a bug: dump everything that helps
 * find it on a machine you can't touch, then stop. */
#include "boot/crash.h"
#include "lib/log.h"
#include "lib/x86.h"
#include "drivers/power.h"

static void (*vm_dumper)(void);
static int crashing;

static const char *const exc_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD error", "#VE virtualization", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26",
	"reserved 27", "#HV", "#VC", "#SX", "reserved 31",
};

void crash_set_vm_dumper(void (*dump)(void))
{
	vm_dumper = dump;
}

void crash_dump_context(void)
{
	if (vm_dumper && crashing++ == 0)
		vm_dumper();
}

static int readable(uint64_t addr)
{
	/* The host map covers low memory identity-mapped; stay well inside it. */
	return addr >= 0x1000 && addr < (1ull << 32) - 64 && (addr & 7) == 0;
}

void exception_handler(struct exc_frame *f)
{
	uint64_t v = f->vector;
	kprintf("\nshade: PANIC: CPU exception %lu (%s) in the hypervisor\n", v, v < 32 ? exc_names[v] : "?");
	kprintf("  error=%016lx  cr2=%016lx  cr3=%016lx  cr0=%016lx cr4=%016lx\n",
		f->error, read_cr2(), read_cr3(), read_cr0(), read_cr4());
	kprintf("  rip=%016lx  cs=%04lx  rflags=%016lx  rsp=%016lx  ss=%04lx\n",
		f->rip, f->cs, f->rflags, f->rsp, f->ss);
	kprintf("  rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("  rsi=%016lx rdi=%016lx rbp=%016lx\n", f->rsi, f->rdi, f->rbp);
	kprintf("  r8 =%016lx r9 =%016lx r10=%016lx r11=%016lx\n", f->r8, f->r9, f->r10, f->r11);
	kprintf("  r12=%016lx r13=%016lx r14=%016lx r15=%016lx\n", f->r12, f->r13, f->r14, f->r15);
	kprintf("  stack:");
	for (int i = 0; i < 16 && readable(f->rsp + i * 8); i++)
		kprintf("%s%016lx", i % 4 ? " " : "\n    ", ((uint64_t *)f->rsp)[i]);
	kprintf("\n");
	crash_dump_context();
	machine_end("panic", 1);
}
