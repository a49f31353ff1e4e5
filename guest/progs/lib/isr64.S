/*
 * 64-bit exception entry for IA-32e mode (see longmode.h). The stubs never
 * return to the faulting code: they record the CPU's frame (SDM Vol. 3A
 * 6.14.2) and CR2 in exc64, then IRETQ to exception64_dispatch() in
 * 32-bit compatibility mode at CPL 0, on the stack they run on.
 */
#include "gdt.h"

	.text
	.code64

.macro STUB64_NOERR n
	.align 8
isr64_\n: push $0
	push $\n
	jmp isr64_common
.endm

.macro STUB64_ERR n
	.align 8
isr64_\n: push $\n
	jmp isr64_common
.endm

STUB64_NOERR 0
STUB64_NOERR 1
STUB64_NOERR 2
STUB64_NOERR 3
STUB64_NOERR 4
STUB64_NOERR 5
STUB64_NOERR 6
STUB64_NOERR 7
STUB64_ERR   8
STUB64_NOERR 9
STUB64_ERR   10
STUB64_ERR   11
STUB64_ERR   12
STUB64_ERR   13
STUB64_ERR   14
STUB64_NOERR 15
STUB64_NOERR 16
STUB64_ERR   17
STUB64_NOERR 18
STUB64_NOERR 19
STUB64_NOERR 20
STUB64_ERR   21
STUB64_NOERR 22
STUB64_NOERR 23
STUB64_NOERR 24
STUB64_NOERR 25
STUB64_NOERR 26
STUB64_NOERR 27
STUB64_NOERR 28
STUB64_ERR   29
STUB64_ERR   30
STUB64_NOERR 31

isr64_common:
	/* stack: vector, error, rip, cs, rflags, rsp, ss */
	mov $exc64, %edi
	mov 0(%rsp), %rax
	mov %rax, 0(%rdi)
	mov 8(%rsp), %rax
	mov %rax, 8(%rdi)
	mov 16(%rsp), %rax
	mov %rax, 16(%rdi)
	mov 24(%rsp), %rax
	mov %rax, 24(%rdi)
	mov 32(%rsp), %rax
	mov %rax, 32(%rdi)
	mov 40(%rsp), %rax
	mov %rax, 40(%rdi)
	mov 48(%rsp), %rax
	mov %rax, 48(%rdi)
	mov %cr2, %rax
	mov %rax, 56(%rdi)

	mov %rsp, %rax
	and $~0xf, %rax
	push $GDT_DATA                  /* SS */
	push %rax                       /* RSP */
	push $2                         /* RFLAGS: IF clear */
	push $GDT_CODE32                /* CS: compatibility mode */
	mov $isr64_landing, %eax
	push %rax                       /* RIP */
	iretq

	.code32
isr64_landing:
	mov $GDT_DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	call exception64_dispatch       /* does not return */
1:	hlt
	jmp 1b

	.section .rodata
	.align 4
	.globl isr64_table
isr64_table:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long isr64_\n
	.endr
