/*
 * user_enter(eip, esp, eax): drop to CPL 3 at eip with stack esp and EAX =
 * eax, by an IRET to the ring-3 selectors (SDM Vol. 3A 6.12.1, "IRET" in
 * Vol. 2A). It never returns by itself: the ring-3 code ends by raising an
 * exception (INT3 when it is done), which comes back through the TSS's
 * ring-0 stack to the handler and, with a fault_run() recovery point
 * armed, to after that fault_run(). DS/ES get the ring-3 data selector
 * because IRET to an outer level nulls data selectors of DPL < 3.
 */
#include "gdt.h"

	.text
	.code32
	.globl user_enter
user_enter:
	mov 4(%esp), %ecx               /* eip */
	mov 8(%esp), %edx               /* esp */
	mov 12(%esp), %eax              /* arg in EAX */
	push $(GDT_UDATA | 3)
	pop %ds
	push $(GDT_UDATA | 3)
	pop %es
	push $(GDT_UDATA | 3)           /* SS */
	push %edx                       /* ESP */
	pushf                           /* EFLAGS: IF stays clear */
	push $(GDT_UCODE32 | 3)         /* CS */
	push %ecx                       /* EIP */
	iret

	/* The ring-3 stack: in the .user section, which paging tests map
	 * user-accessible. */
	.section .user.data, "aw"
	.align 16
	.skip 2048
	.globl user_stack_top
user_stack_top:
