/*
 * 64-bit helpers called from compatibility mode by a far call through the
 * 64-bit code selector; they come back with a 32-bit far return (the
 * default operand size of RET far in 64-bit mode, SDM Vol. 2B "RET").
 * Arguments travel in EAX/EDX/ECX/EBX; 64-bit code sees undefined upper
 * halves in GPRs written in compatibility mode, so each is zero-extended.
 */
#include "gdt.h"

	.text
	.code32

/* uint32_t lm_probe64(void) */
	.globl lm_probe64
lm_probe64:
	lcall $GDT_CODE64, $probe64
	ret

/* uint64_t lm_read64(uint64_t va) */
	.globl lm_read64
lm_read64:
	mov 4(%esp), %eax
	mov 8(%esp), %edx
	lcall $GDT_CODE64, $read64
	ret

/* void lm_write64(uint64_t va, uint64_t val) */
	.globl lm_write64
lm_write64:
	push %ebx
	mov 8(%esp), %eax
	mov 12(%esp), %edx
	mov 16(%esp), %ecx
	mov 20(%esp), %ebx
	lcall $GDT_CODE64, $write64
	pop %ebx
	ret

/* uint64_t lm_call64(uint64_t (*fn64)(uint64_t), uint32_t arg):
 * fn64 is 64-bit code (SysV ABI: argument in RDI, result in RAX). */
	.globl lm_call64
lm_call64:
	push %ebx
	push %esi
	push %edi
	push %ebp
	mov 20(%esp), %eax
	mov 24(%esp), %edx
	lcall $GDT_CODE64, $call64
	pop %ebp
	pop %edi
	pop %esi
	pop %ebx
	ret

	.code64
call64:
	mov %eax, %eax
	mov %edx, %edi
	mov %esp, %esp                  /* zero-extend: RSP[63:32] is undefined */
	push %rbp
	mov %rsp, %rbp
	and $-16, %rsp
	call *%rax
	mov %rbp, %rsp
	pop %rbp
	mov %rax, %rdx
	shr $32, %rdx
	lretl

probe64:
	mov $0x6464, %rax               /* a REX.W move: only decodes so in 64-bit mode */
	lretl

/* EDX:EAX = address in, EDX:EAX = value out. */
read64:
	mov %eax, %eax
	shl $32, %rdx
	or %rdx, %rax
	mov (%rax), %rax
	mov %rax, %rdx
	shr $32, %rdx
	lretl

/* EDX:EAX = address, EBX:ECX = value. */
write64:
	mov %eax, %eax
	shl $32, %rdx
	or %rdx, %rax
	mov %ecx, %ecx
	shl $32, %rbx
	or %rbx, %rcx
	mov %rcx, (%rax)
	lretl
