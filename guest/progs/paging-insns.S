/*
 * The accesses the paging tests make, as void fn(void *va) functions for
 * fault_run(), and the ring-3 stubs they drop to (in .user.text, the only
 * pages the tests map user-accessible besides the test pages).
 * Offsets into a test page: 0 holds RET (supervisor fetch), 16 holds INT3
 * (user fetch), 32 is the data the reads and writes touch.
 */
	.text
	.code32

#define DATA_OFF 32
#define UEXEC_OFF 16
#define EFLAGS_AC 0x40000

.macro FN name
	.globl \name
	.align 16
\name:
.endm

FN acc_sup_read
	mov 4(%esp), %eax
	mov DATA_OFF(%eax), %eax
	ret

FN acc_sup_write
	mov 4(%esp), %eax
	movl $0x5a5a5a5a, DATA_OFF(%eax)
	ret

/* With EFLAGS.AC=1 (SMAP allows explicit accesses to user pages then,
 * SDM Vol. 3A 4.6.1). fault_run restores EFLAGS afterwards. */
FN acc_sup_read_ac
	pushf
	orl $EFLAGS_AC, (%esp)
	popf
	mov 4(%esp), %eax
	mov DATA_OFF(%eax), %eax
	ret

FN acc_sup_write_ac
	pushf
	orl $EFLAGS_AC, (%esp)
	popf
	mov 4(%esp), %eax
	movl $0x5a5a5a5a, DATA_OFF(%eax)
	ret

FN acc_sup_exec
	mov 4(%esp), %eax
	jmp *%eax                       /* the RET at offset 0 returns to our caller */

/* Ring-3 stubs: EAX = the page. Each ends with INT3 ("done"). */
	.section .user.text, "ax"
FN user_read
	mov DATA_OFF(%eax), %ecx
	int3
FN user_write
	movl $0xa5a5a5a5, DATA_OFF(%eax)
	int3
FN user_exec
	add $UEXEC_OFF, %eax
	jmp *%eax                       /* INT3 there */
FN user_int3
	int3
	.globl user_int3_next
user_int3_next:
	ud2

/* 64-bit code for lm_call64(): returns arg * 3 with bit 40 set, using a
 * REX register, so only real 64-bit execution gets it right. */
	.text
	.code64
	.globl fn64_triple
fn64_triple:
	lea (%rdi,%rdi,2), %rax
	mov $1, %r8
	shl $40, %r8
	or %r8, %rax
	ret
	.code32
