/*
 * IDT with a 32-bit interrupt gate per exception vector (SDM Vol. 3A
 * 6.11): interrupt gates, so IF stays clear in handlers; DPL 0, so INT n from
 * ring 3 raises #GP instead of entering, except #BP/#OF (DPL 3) which user
 * code may raise with INT3/INTO.
 */
#include "idt.h"
#include "gdt.h"
#include "fault.h"
#include "printf.h"
#include "exit.h"
#include "cpu.h"
#include "irq.h"

#define NUM_VECTORS 256
#define NUM_EXCEPTIONS 32
#define IRQ_STUB_SIZE 16
#define GATE_INT32 0x8e         /* present, DPL 0, 32-bit interrupt gate */
#define GATE_DPL3  0x60

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t zero;
	uint8_t type;
	uint16_t off_hi;
} __attribute__((packed));

struct idt_desc {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

extern const uint32_t isr_table[NUM_EXCEPTIONS];
extern const char irq_stubs[];

static struct idt_gate idt[NUM_VECTORS] __attribute__((aligned(8)));
static exc_handler_t handlers[NUM_EXCEPTIONS];
static int nesting;

static void load_idt(const void *base, uint16_t limit)
{
	struct idt_desc d = { .limit = limit, .base = (uint32_t)base };

	asm volatile("lidt %0" : : "m"(d));
}

void idt_init(void)
{
	for (unsigned v = 0; v < NUM_VECTORS; v++) {
		uint32_t off = v < NUM_EXCEPTIONS ? isr_table[v] :
			       (uint32_t)irq_stubs + (v - NUM_EXCEPTIONS) *
			       IRQ_STUB_SIZE;
		bool user = v == EXC_BP || v == EXC_OF;

		idt[v] = (struct idt_gate){
			.off_lo = off & 0xffff, .sel = GDT_CODE32,
			.type = GATE_INT32 | (user ? GATE_DPL3 : 0),
			.off_hi = off >> 16,
		};
	}
	load_idt(idt, sizeof(idt) - 1);
}

void idt_load_empty(void)
{
	load_idt(idt, 0);
}

void idt_set_handler(unsigned vector, exc_handler_t fn)
{
	if (vector < NUM_EXCEPTIONS)
		handlers[vector] = fn;
}

static void report_unexpected(const struct exc_frame *f, uint32_t cr2)
{
	printf("FAIL unexpected-exception vector=%u error=0x%x eip=%08x "
	       "cr2=%08x eflags=%08x\n", f->vector, f->error, f->eip, cr2,
	       f->eflags);
	printf("  eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x "
	       "ebp=%08x\n", f->eax, f->ebx, f->ecx, f->edx, f->esi, f->edi,
	       f->ebp);
}

/* Called by isr.S for every exception. */
void exception_dispatch(struct exc_frame *f);
void exception_dispatch(struct exc_frame *f)
{
	uint32_t cr2 = f->vector == EXC_PF ? read_cr2() : 0;

	if (f->vector >= NUM_EXCEPTIONS) {
		irq_dispatch(f);
		return;
	}
	if (handlers[f->vector] && handlers[f->vector](f))
		return;
	if (fault_armed)
		fault_record_and_escape(f, cr2);        /* does not return */
	if (nesting++) {
		/* Faulted while reporting a fault: just leave. */
		guest_exit(EXIT_STATUS_EXCEPTION);
	}
	report_unexpected(f, cr2);
	guest_exit(EXIT_STATUS_EXCEPTION);
}
