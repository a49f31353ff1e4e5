/*
 * Entry stubs for vectors 32..255 (interrupts: no error code). Each is 16
 * bytes long, so the stub of vector v is at irq_stubs + (v - 32) * 16;
 * they share isr_common (isr.S) and exception_dispatch(), which hands
 * vectors >= 32 to irq.c.
 */
	.text
	.code32
	.globl irq_stubs
	.balign 16
irq_stubs:
	.set vec, 32
	.rept 224
	.balign 16
	push $0
	push $vec
	jmp isr_common
	.set vec, vec + 1
	.endr
