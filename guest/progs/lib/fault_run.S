/*
 * fault_run_asm(fn, arg): call fn(arg) with a recovery point armed.
 * Returns 0 when fn returns normally. When fn raises an exception, the
 * exception dispatcher records it and calls fault_escape(), which drops the
 * exception frame and everything fn had on the stack, restores the
 * callee-saved registers and EFLAGS saved here, and returns 1 from
 * fault_run_asm. Everything runs at CPL 0 on one stack, so no stack switch
 * happens on delivery and the saved ESP stays valid (SDM Vol. 3A 6.12.1).
 * Not reentrant: one recovery point at a time.
 */
#include "gdt.h"

	.text
	.code32
	.globl fault_run_asm
fault_run_asm:
	push %ebp
	push %ebx
	push %esi
	push %edi
	pushf
	mov %esp, fault_saved_esp
	movl $1, fault_armed
	push 28(%esp)                   /* arg (ret at 20, fn at 24, arg at 28) */
	call *28(%esp)                  /* fn, 4 bytes further after the push */
	add $4, %esp
	xor %eax, %eax
	jmp 1f

	.globl fault_escape
fault_escape:
	mov fault_saved_esp, %esp
	/* The fault may have come from ring 3 (user.S) with user data
	 * selectors loaded: back to the kernel's. */
	mov $GDT_DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %fs
	mov %eax, %gs
	mov $1, %eax
1:	movl $0, fault_armed
	popf
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	ret

	.bss
	.align 4
	.globl fault_armed
fault_armed:	.long 0
fault_saved_esp: .long 0
