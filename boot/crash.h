/* Crash reporting: what Shade prints before it stops on a fatal error. */
#ifndef BOOT_CRASH_H
#define BOOT_CRASH_H
#include <stdint.h>

struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* vmx/ registers a hook so a crash while a VM is loaded also dumps its VMCS. */
void crash_set_vm_dumper(void (*dump)(void));
/* Dump whatever context exists (the current VM's VMCS, if any). */
void crash_dump_context(void);
void exception_handler(struct exc_frame *f) __attribute__((noreturn));

#endif
