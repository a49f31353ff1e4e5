/*
 * Running a piece of code at CPL 3. The code is a stub in the .user.text
 * section (so paging tests can map it user-accessible) that gets EAX = the
 * caller's argument and signals "done" with INT3:
 *
 *	.section .user.text, "ax"
 *	my_stub: mov (%eax), %ecx; int3
 */
#ifndef GUEST_USER_H
#define GUEST_USER_H

#include <stdint.h>
#include <stdbool.h>
#include "fault.h"

/* Returns true when the stub reached its INT3 (f->vector = FAULT_NONE);
 * false with the exception it raised in *f otherwise. */
bool run_at_cpl3(const void *stub, uint32_t eax, struct fault *f);

/* user_enter.S */
void user_enter(uint32_t eip, uint32_t esp, uint32_t eax)
	__attribute__((noreturn));
extern char user_stack_top[];

#endif
