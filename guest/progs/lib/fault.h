/*
 * Running code that is expected to fault.
 *
 *   struct fault f;
 *   if (fault_run(fn, arg, &f)) ...   // fn raised f.vector at f.eip
 *
 * fault_run() calls fn(arg) with a recovery point armed: if fn raises any
 * exception, the handler records (vector, error code, EIP, CR2) and
 * execution continues after fault_run(), which returns true. fn's own stack
 * frame is abandoned, so fn must not hold anything that needs cleanup.
 * The *_safe wrappers below use it for single instructions.
 */
#ifndef GUEST_FAULT_H
#define GUEST_FAULT_H

#include <stdint.h>
#include <stdbool.h>
#include "idt.h"

#define FAULT_NONE 0xffffffffu

struct fault {
	uint32_t vector;        /* FAULT_NONE when nothing was raised */
	uint32_t error;
	uint32_t eip;
	uint32_t cr2;           /* for #PF */
	uint32_t cs;
	uint32_t eflags;        /* as pushed by the exception (RF for faults) */
};

extern volatile uint32_t fault_armed;

bool fault_run(void (*fn)(void *), void *arg, struct fault *out);

/* For idt.c: fill the armed fault record and return from fault_run(). */
void fault_record_and_escape(const struct exc_frame *f, uint32_t cr2)
	__attribute__((noreturn));

/* Single instructions that may fault. Each returns the vector raised, or
 * FAULT_NONE; the error code is in *err when err is not NULL. */
uint32_t rdmsr_safe(uint32_t msr, uint64_t *val, uint32_t *err);
uint32_t wrmsr_safe(uint32_t msr, uint64_t val, uint32_t *err);
uint32_t write_cr0_safe(uint32_t v, uint32_t *err);
uint32_t write_cr3_safe(uint32_t v, uint32_t *err);
uint32_t write_cr4_safe(uint32_t v, uint32_t *err);

/* true when fn(arg) raised exactly `vector` with error code `error`. */
bool expect_exception(uint32_t vector, uint32_t error,
		      void (*fn)(void *), void *arg);

#endif
