/*
 * Multiboot v1 header and 32-bit entry of every guest program.
 *
 * A Multiboot loader enters us in 32-bit protected mode, paging off, with
 * EAX = 0x2BADB002 and EBX = the Multiboot info address; the GDT it used is
 * "undefined" (Multiboot spec 3.2), so we load our own before touching a
 * segment register, then set up a stack, clear BSS and call runtime_start().
 */
#include "gdt.h"

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003     /* page-align modules, give us mem_lower/upper */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	mov %eax, %ebp                  /* keep the loader's magic */
	lgdt gdt_desc
	ljmp $GDT_CODE32, $1f
1:	mov $GDT_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	mov $stack_top, %esp

	/* Clear BSS (the stack lives there too, it is still empty). */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb

	push %ebx                       /* Multiboot info */
	push %ebp                       /* magic */
	call runtime_start
2:	cli
	hlt
	jmp 2b

	/* In .data, with the accessed bits preset so that loading a selector
	 * never makes the CPU write the descriptor (SDM Vol. 3A 3.4.5.1). */
	.data
	.align 16
	.globl gdt
gdt:
	.quad 0                         /* null */
	.quad 0x00cf9b000000ffff        /* GDT_CODE32: base 0, 4 GiB, ring 0 */
	.quad 0x00cf93000000ffff        /* GDT_DATA */
	.quad 0x00af9b000000ffff        /* GDT_CODE64: L=1 (for the long-mode path) */
	.quad 0x008f9b000000ffff        /* GDT_CODE16: 16-bit protected code */
	.quad 0x00cffb000000ffff        /* GDT_UCODE32: ring 3 */
	.quad 0x00cff3000000ffff        /* GDT_UDATA: ring 3 */
	.globl gdt_tss
gdt_tss:
	.quad 0, 0                      /* GDT_TSS: 16 bytes (the IA-32e form), tss.c */
	.quad 0x00affb000000ffff        /* GDT_UCODE64: ring 3, L=1 */
gdt_end:
	.globl gdt_desc
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.section .bss
	.align 16
stack_bottom:
	.skip 16384
	.globl stack_top
stack_top:
