#include "user.h"
#include "idt.h"

struct user_call {
	const void *stub;
	uint32_t eax;
};

static void enter(void *p)
{
	struct user_call *c = p;

	user_enter((uint32_t)c->stub, (uint32_t)user_stack_top, c->eax);
}

bool run_at_cpl3(const void *stub, uint32_t eax, struct fault *f)
{
	struct user_call c = { stub, eax };

	fault_run(enter, &c, f);
	/* The stub's INT3, taken at CPL 3: it got through. */
	if (f->vector == EXC_BP && (f->cs & 3) == 3) {
		f->vector = FAULT_NONE;
		return true;
	}
	return false;
}
