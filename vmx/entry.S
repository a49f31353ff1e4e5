/*
 * VM entry and exit (SDM Vol. 3C 27, 28). vmx_enter(regs, launched) loads
 * the guest's GPRs (VMX doesn't switch them), then VMLAUNCH/VMRESUME. CR2
 * isn't switched either, but Shade never faults, so the CPU keeps the
 * running guest's CR2 (vmx/vm.c swaps it between VMs; set_guest_cr2).
 * A VM exit lands on vmx_exit_entry with RSP = the HOST_RSP written here,
 * which points at the saved regs pointer; the guest's GPRs are stored back
 * and vmx_enter returns 0. A VMfail returns 1 (VMfailInvalid)
 * or 2 (VMfailValid: VM_INSTRUCTION_ERROR says why).
 *
 * struct guest_regs: 16 GPRs in x86 encoding order (rax rcx rdx rbx rsp rbp
 * rsi rdi r8..r15; the rsp slot is unused: RSP lives in the VMCS), then cr2.
 */
#define R(n)	(n * 8)
#define REG_CR2	(16 * 8)
#define VMCS_HOST_RSP 0x6c14

	.text
	.code64
	.globl vmx_enter
vmx_enter:
	/* Called from inline asm that declares every GPR clobbered, so no
	 * callee-saved register is preserved here: the exit path stays short. */
	pushq %rdi			/* regs pointer, found again at exit */
	movq $VMCS_HOST_RSP, %rax
	vmwrite %rsp, %rax
	jbe 3f

	testl %esi, %esi		/* flags survive the MOVs below */
	movq R(0)(%rdi), %rax
	movq R(1)(%rdi), %rcx
	movq R(2)(%rdi), %rdx
	movq R(3)(%rdi), %rbx
	movq R(5)(%rdi), %rbp
	movq R(6)(%rdi), %rsi
	movq R(8)(%rdi), %r8
	movq R(9)(%rdi), %r9
	movq R(10)(%rdi), %r10
	movq R(11)(%rdi), %r11
	movq R(12)(%rdi), %r12
	movq R(13)(%rdi), %r13
	movq R(14)(%rdi), %r14
	movq R(15)(%rdi), %r15
	movq R(7)(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* VMfail: CF=1 invalid (no current VMCS), ZF=1 valid (error field). */
3:	movl $1, %eax
	jc 4f
	movl $2, %eax
4:	popq %rdi
	ret

	.globl vmx_exit_entry
vmx_exit_entry:
	pushq %rdi
	movq 8(%rsp), %rdi
	movq %rax, R(0)(%rdi)
	movq %rcx, R(1)(%rdi)
	movq %rdx, R(2)(%rdi)
	movq %rbx, R(3)(%rdi)
	movq %rbp, R(5)(%rdi)
	movq %rsi, R(6)(%rdi)
	movq %r8, R(8)(%rdi)
	movq %r9, R(9)(%rdi)
	movq %r10, R(10)(%rdi)
	movq %r11, R(11)(%rdi)
	movq %r12, R(12)(%rdi)
	movq %r13, R(13)(%rdi)
	movq %r14, R(14)(%rdi)
	movq %r15, R(15)(%rdi)
	popq %rax
	movq %rax, R(7)(%rdi)
	addq $8, %rsp
	xorl %eax, %eax
	ret

	.section .note.GNU-stack,"",@progbits
