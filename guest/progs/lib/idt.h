/* The guest's IDT: handlers for the 32 exception vectors, and stubs for
 * vectors 32..255 that go to irq.h's handlers. */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#include <stdint.h>
#include <stdbool.h>

/* What isr.S leaves on the stack, lowest address first: PUSHA's registers,
 * the vector and error code (0 when the CPU pushes none), then the CPU's
 * frame for a same-privilege delivery (SDM Vol. 3A 6.12.1). esp_user and
 * ss_user are only there when the exception came from ring 3. */
struct exc_frame {
	uint32_t edi, esi, ebp, esp_pusha, ebx, edx, ecx, eax;
	uint32_t vector, error;
	uint32_t eip, cs, eflags;
	uint32_t esp_user, ss_user;
};

/* Vectors (SDM Vol. 3A Table 6-1). */
enum {
	EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4,
	EXC_BR = 5, EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10,
	EXC_NP = 11, EXC_SS = 12, EXC_GP = 13, EXC_PF = 14, EXC_MF = 16,
	EXC_AC = 17, EXC_MC = 18, EXC_XM = 19, EXC_VE = 20, EXC_CP = 21,
};

/* A program may take a vector itself; returning true resumes at
 * frame->eip (which the handler may change), false falls through to the
 * default: recovery if armed (fault.h), else report and exit. */
typedef bool (*exc_handler_t)(struct exc_frame *frame);

void idt_init(void);
void idt_set_handler(unsigned vector, exc_handler_t fn);
/* Make the IDT empty (limit 0): the next exception escalates to a triple
 * fault (SDM Vol. 3A 6.15, "Interrupt 8"). */
void idt_load_empty(void);

#endif
