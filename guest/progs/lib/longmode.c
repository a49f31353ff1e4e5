#include "longmode.h"
#include "fault.h"
#include "idt.h"
#include "gdt.h"
#include "tss.h"
#include "printf.h"
#include "exit.h"
#include "cpu.h"

#define NUM_VECTORS 32

/* A 64-bit interrupt gate (SDM Vol. 3A 6.14.1). */
struct idt64_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));

struct idt_desc {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

/* What isr64.S saw, for exception64_dispatch(). */
struct exc64_record {
	uint64_t vector, error, rip, cs, rflags, rsp, ss, cr2;
};

extern const uint32_t isr64_table[NUM_VECTORS];
struct exc64_record exc64;

static struct idt64_gate idt64[NUM_VECTORS] __attribute__((aligned(16)));

static void load_idt64(void)
{
	struct idt_desc d = { sizeof(idt64) - 1, (uint32_t)idt64 };

	for (unsigned v = 0; v < NUM_VECTORS; v++) {
		uint32_t off = isr64_table[v];
		bool user = v == EXC_BP || v == EXC_OF;

		idt64[v] = (struct idt64_gate){
			.off_lo = off & 0xffff, .sel = GDT_CODE64,
			.type = 0x8e | (user ? 0x60 : 0), .off_mid = off >> 16,
		};
	}
	asm volatile("lidt %0" : : "m"(d));
}

void longmode_prepare(void)
{
	load_idt64();
	tss_set_longmode(true);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_LME);
}

void longmode_leave(void)
{
	uint64_t efer = rdmsr(MSR_EFER);

	if (!(efer & EFER_LME))
		return;
	wrmsr(MSR_EFER, efer & ~(uint64_t)EFER_LME);
	tss_set_longmode(false);
	idt_init();
}

bool longmode_active(void)
{
	return rdmsr(MSR_EFER) & EFER_LMA;
}

/* isr64.S lands here, in compatibility mode on a usable stack. */
void exception64_dispatch(void) __attribute__((noreturn));
void exception64_dispatch(void)
{
	struct exc_frame f = {
		.vector = (uint32_t)exc64.vector, .error = (uint32_t)exc64.error,
		.eip = (uint32_t)exc64.rip, .cs = (uint32_t)exc64.cs,
		.eflags = (uint32_t)exc64.rflags,
	};

	if (fault_armed)
		fault_record_and_escape(&f, (uint32_t)exc64.cr2);
	printf("FAIL unexpected-exception (IA-32e) vector=%u error=0x%x "
	       "rip=%llx cs=%x cr2=%llx rsp=%llx\n", f.vector, f.error,
	       exc64.rip, f.cs, exc64.cr2, exc64.rsp);
	guest_exit(EXIT_STATUS_EXCEPTION);
}
