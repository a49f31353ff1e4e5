/*
 * IA-32e mode for the 32-bit runtime: with 4-level paging on and EFER.LME
 * set, the runtime keeps running its 32-bit code in compatibility mode
 * (CS.L = 0; SDM Vol. 3A 2.2, 10.8.5), takes exceptions through a 64-bit
 * IDT (isr64.S), and reaches 64-bit linear addresses through small 64-bit
 * helpers entered by far call.
 *
 * In IA-32e mode exceptions cannot resume the faulting code: they return
 * through fault_run()'s recovery when it is armed, else they are reported
 * and the program exits. idt_set_handler() handlers are not called.
 */
#ifndef GUEST_LONGMODE_H
#define GUEST_LONGMODE_H

#include <stdint.h>
#include <stdbool.h>

#define MSR_EFER  0xc0000080u
#define EFER_SCE  (1u << 0)
#define EFER_LME  (1u << 8)
#define EFER_LMA  (1u << 10)
#define EFER_NXE  (1u << 11)

/* Before setting CR0.PG with 4-level tables loaded: EFER.LME, 64-bit IDT,
 * 64-bit TSS layout. */
void longmode_prepare(void);
/* After clearing CR0.PG: EFER.LME off, 32-bit IDT and TSS back. */
void longmode_leave(void);
bool longmode_active(void);

/* 64-bit loads/stores at any linear address (IA-32e mode only). */
uint64_t lm_read64(uint64_t va);
void lm_write64(uint64_t va, uint64_t val);
/* Call 64-bit code (an assembly function in a .code64 section, SysV
 * calling convention, one argument) from compatibility mode. It may use
 * the stack; exceptions in it go through fault_run() as usual. */
uint64_t lm_call64(uint64_t (*fn64)(uint64_t), uint32_t arg);
/* Whether 64-bit code runs at all: returns 0x6464 from a 64-bit segment. */
uint32_t lm_probe64(void);

#endif
