/*
 * The task-state segment, needed only so that an exception raised at
 * CPL 3 finds a ring-0 stack (SDM Vol. 3A 6.12.1, 7.2.1). Its descriptor
 * has the 16-byte IA-32e form, so the same TR also serves in long mode
 * (SDM Vol. 3A 7.2.3), where RSP0 is read from offset 4 as 64 bits: the
 * 32-bit SS0 at offset 8 would be its high half, so tss_set_longmode()
 * rewrites that word when the CPU changes between the two.
 */
#include "tss.h"
#include "gdt.h"
#include <stdint.h>
#include "string.h"

struct tss32 {
	uint32_t link;
	uint32_t esp0, ss0;
	uint32_t unused[22];
	uint16_t trap, iomap_base;
} __attribute__((packed));

extern uint32_t gdt_tss[4];

static struct tss32 tss __attribute__((aligned(16)));
static uint8_t trap_stack[4096] __attribute__((aligned(16)));

void tss_init(void)
{
	uint32_t base = (uint32_t)&tss, limit = sizeof(tss) - 1;

	memset(&tss, 0, sizeof(tss));
	tss.esp0 = (uint32_t)trap_stack + sizeof(trap_stack);
	tss.ss0 = GDT_DATA;
	tss.iomap_base = sizeof(tss);   /* no I/O bitmap: ring 3 port I/O faults */
	/* Available 32-bit TSS (type 9), present, DPL 0, byte granular. */
	gdt_tss[0] = (base << 16) | (limit & 0xffff);
	gdt_tss[1] = (base & 0xff000000) | 0x00008900 | ((base >> 16) & 0xff) |
		     (limit & 0x000f0000);
	gdt_tss[2] = 0;                 /* base 63:32 */
	gdt_tss[3] = 0;
	asm volatile("ltr %w0" : : "r"(GDT_TSS));
}

void tss_set_longmode(bool on)
{
	/* 64-bit TSS: RSP0 = offsets 4..11. 32-bit: ESP0 at 4, SS0 at 8. */
	tss.ss0 = on ? 0 : GDT_DATA;
}

uint32_t tss_esp0(void)
{
	return tss.esp0;
}

void tss_set_esp0(uint32_t esp0)
{
	tss.esp0 = esp0;
}
