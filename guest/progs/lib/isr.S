/*
 * Entry stubs for the 32 exception vectors. Each pushes a dummy error code
 * where the CPU pushes none (SDM Vol. 3A 6.13 lists the vectors with one),
 * then its vector, saves the GPRs and calls exception_dispatch(frame).
 * The frame layout is struct exc_frame in idt.h.
 */
	.text
	.code32

.macro STUB_NOERR n
	.align 8
isr_\n:	push $0
	push $\n
	jmp isr_common
.endm

.macro STUB_ERR n
	.align 8
isr_\n:	push $\n
	jmp isr_common
.endm

STUB_NOERR 0
STUB_NOERR 1
STUB_NOERR 2
STUB_NOERR 3
STUB_NOERR 4
STUB_NOERR 5
STUB_NOERR 6
STUB_NOERR 7
STUB_ERR   8
STUB_NOERR 9
STUB_ERR   10
STUB_ERR   11
STUB_ERR   12
STUB_ERR   13
STUB_ERR   14
STUB_NOERR 15
STUB_NOERR 16
STUB_ERR   17
STUB_NOERR 18
STUB_NOERR 19
STUB_NOERR 20
STUB_ERR   21
STUB_NOERR 22
STUB_NOERR 23
STUB_NOERR 24
STUB_NOERR 25
STUB_NOERR 26
STUB_NOERR 27
STUB_NOERR 28
STUB_ERR   29
STUB_ERR   30
STUB_NOERR 31

	.globl isr_common
isr_common:
	pusha
	cld
	mov %esp, %eax
	push %eax
	call exception_dispatch
	add $4, %esp
	popa
	add $8, %esp                    /* vector, error code */
	iret

	.section .rodata
	.align 4
	.globl isr_table
isr_table:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long isr_\n
	.endr
