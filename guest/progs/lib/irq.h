/*
 * Interrupts (vectors 32..255) for the device tests: a handler per vector,
 * a count per vector, and STI/CLI. Handlers run with IF clear (interrupt
 * gates) and must send their own EOI (pic.h, lapic.h). 32-bit mode only:
 * the IA-32e IDT (longmode.c) has exception vectors alone.
 */
#ifndef GUEST_IRQ_H
#define GUEST_IRQ_H

#include <stdint.h>
#include "idt.h"

typedef void (*irq_handler_t)(struct exc_frame *frame);

void irq_set_handler(unsigned vector, irq_handler_t fn);
/* How many times `vector` was delivered (handled or not). */
uint32_t irq_count(unsigned vector);
void irq_reset_counts(void);
/* Vectors that arrived with no handler. */
uint32_t irq_unhandled(void);

void irq_dispatch(struct exc_frame *frame);

static inline void irq_enable(void) { asm volatile("sti" ::: "memory"); }
static inline void irq_disable(void) { asm volatile("cli" ::: "memory"); }
/* STI; HLT: the STI shadow keeps an interrupt from slipping in between
 * (SDM Vol. 2B STI), so the HLT is always woken by the next one. */
static inline void irq_wait(void) { asm volatile("sti; hlt; cli" ::: "memory"); }

#endif
