/* The host's final GDT, TSS and IDT. The TSS exists for its IST stacks:
 * #DF, NMI and #MC switch to stacks of their own (SDM Vol. 3A 7.14.5), so a
 * corrupted kernel stack still gives a readable crash dump. */
#include <stdint.h>
#include "boot/cpu_tables.h"
#include "boot/layout.h"
#include "lib/x86.h"

struct __attribute__((packed)) tss64 {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3, iomap_base;
};

struct __attribute__((packed)) idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, rsvd;
};

enum { IST_DF = 1, IST_NMI = 2, IST_MC = 3 };

static uint64_t gdt[5] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static struct idt_gate idt[256] __attribute__((aligned(16)));
static uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
extern const uint64_t exc_stubs[32];

uint64_t host_tss_base(void) { return (uint64_t)&tss; }
uint64_t host_gdt_base(void) { return (uint64_t)gdt; }
uint64_t host_idt_base(void) { return (uint64_t)idt; }

static void load_gdt(void)
{
	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;
	gdt[0] = 0;
	gdt[SEL_CODE64 / 8] = 0x00af9a000000ffffull;	/* 64-bit code, DPL 0 */
	gdt[SEL_DATA / 8] = 0x00cf92000000ffffull;	/* data, DPL 0 */
	/* 16-byte available 64-bit TSS descriptor (type 9). */
	gdt[SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
			   ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	gdt[SEL_TSS / 8 + 1] = base >> 32;

	struct desc_ptr p = { sizeof(gdt) - 1, (uint64_t)gdt };
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "ltr %w3"
			 :: "m"(p), "i"(SEL_CODE64), "r"(SEL_DATA), "r"(SEL_TSS) : "rax", "memory");
}

static void set_gate(int vec, uint64_t handler, int ist)
{
	idt[vec] = (struct idt_gate){
		.off0 = handler & 0xffff, .sel = SEL_CODE64, .ist = (uint8_t)ist,
		.type = 0x8e, /* present, DPL 0, 64-bit interrupt gate */
		.off1 = handler >> 16 & 0xffff, .off2 = handler >> 32,
	};
}

void cpu_tables_init(void)
{
	tss.ist[IST_DF - 1] = (uint64_t)ist_stacks[0] + IST_STACK_SIZE;
	tss.ist[IST_NMI - 1] = (uint64_t)ist_stacks[1] + IST_STACK_SIZE;
	tss.ist[IST_MC - 1] = (uint64_t)ist_stacks[2] + IST_STACK_SIZE;
	tss.iomap_base = sizeof(tss);
	load_gdt();

	for (int v = 0; v < 32; v++)
		set_gate(v, exc_stubs[v], v == 8 ? IST_DF : v == 2 ? IST_NMI : v == 18 ? IST_MC : 0);
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" :: "m"(p));
}
