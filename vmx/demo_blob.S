/* The built-in demo guest (guest/progs/demo), embedded so Shade has
 * something to run when GRUB gives it no guest module. */
	.section .rodata
	.globl demo_guest_start, demo_guest_end
	.align 16
demo_guest_start:
	.incbin "build/guest/demo.elf"
demo_guest_end:
	.section .note.GNU-stack,"",@progbits
