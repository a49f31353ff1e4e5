/*
 * The faulting instructions test-exits.c runs under fault_run(), each a
 * void fn(void *) with a global label on the instruction (or just after it,
 * for traps) so the test can check the EIP the guest's handler saw.
 */
	.text
	.code32

.macro FN name
	.globl \name
	.align 16
\name:
.endm

.macro LABEL name
	.globl \name
\name:
.endm

/* #DE: DIV by zero is a fault, EIP = the DIV (SDM Vol. 3A 6.15). */
FN insn_div0
	mov $1, %eax
	xor %edx, %edx
	xor %ecx, %ecx
LABEL insn_div0_at
	divl %ecx
	ret

/* #BP: INT3 is a trap, EIP = the next instruction. */
FN insn_int3
	int3
LABEL insn_int3_next
	ret

/* #UD: UD2, a fault. */
FN insn_ud2
LABEL insn_ud2_at
	ud2
	ret

/* #GP(selector): loading DS with a selector beyond the GDT limit; the error
 * code is the selector with RPL cleared (SDM Vol. 3A 6.13). */
FN insn_bad_selector
	mov $0x1000, %eax
LABEL insn_bad_selector_at
	mov %eax, %ds
	mov $0x10, %eax
	mov %eax, %ds
	ret


/* #OF: INTO with OF set is a trap (32-bit mode only). */
FN insn_into
	mov $0x7fffffff, %eax
	add $1, %eax            /* sets OF */
	into
LABEL insn_into_next
	ret

/* #DB: a single step. Setting TF with POPF traps after the instruction
 * that follows the POPF (SDM Vol. 3A 17.3.1.4). */
FN insn_single_step
	pushf
	orl $0x100, (%esp)
	popf
	nop
LABEL insn_single_step_next
	pushf
	andl $~0x100, (%esp)
	popf
	ret

/* REP OUTSB to COM1's THR, arg = struct string_io (test-exits.c):
 * { buf, len, esi/edi after, ecx after, port }. */
FN insn_rep_outsb
	push %esi
	mov 8(%esp), %edx       /* struct pointer */
	mov 0(%edx), %esi
	mov 4(%edx), %ecx
	push %edx
	mov $0x3f8, %dx
	rep outsb
	pop %edx
	mov %esi, 8(%edx)
	mov %ecx, 12(%edx)
	pop %esi
	ret

/* REP INSB from string_io.port into string_io.buf. */
FN insn_rep_insb
	push %edi
	mov 8(%esp), %eax
	mov 0(%eax), %edi
	mov 4(%eax), %ecx
	mov 16(%eax), %edx
	rep insb
	mov 8(%esp), %eax
	mov %edi, 8(%eax)
	mov %ecx, 12(%eax)
	pop %edi
	ret

/* Ring-3 stubs for run_at_cpl3(): each ends with INT3 when it gets
 * through. */
	.section .user.text, "ax"

/* VMCALL at CPL 3 exits to Shade anyway (SDM Vol. 3C 25.1.3); Shade's ABI
 * answers with #UD at the VMCALL. */
FN user_vmcall
	xor %eax, %eax
LABEL user_vmcall_at
	vmcall
	int3

/* CPUID is allowed at any CPL: the exit must come back to ring 3. */
FN user_cpuid
	mov $0x40000000, %eax
	cpuid
	cmp $0x40000001, %eax
	jne 1f
	int3
1:	ud2

/* RDMSR at CPL 3 is #GP(0), checked before any VM exit (SDM Vol. 3C 25.1.1). */
FN user_rdmsr
	mov $0x174, %ecx
	rdmsr
	int3

/* INT 0x80 at CPL 3 through a DPL-0 gate: #GP(0x80 * 8 + 2), the IDT bit
 * set in the error code (SDM Vol. 3A 6.12.1.1, 6.13). */
FN user_int80
LABEL user_int80_at
	int $0x80
	int3

/* IN with CPL > IOPL and no I/O bitmap: #GP(0), also before any exit. */
FN user_in
	mov $0x3fd, %dx
	inb %dx, %al
	int3
