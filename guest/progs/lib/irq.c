#include "irq.h"

#define NUM_VECTORS 256

static irq_handler_t handlers[NUM_VECTORS];
static volatile uint32_t counts[NUM_VECTORS];
static volatile uint32_t unhandled;

void irq_set_handler(unsigned vector, irq_handler_t fn)
{
	if (vector >= 32 && vector < NUM_VECTORS)
		handlers[vector] = fn;
}

uint32_t irq_count(unsigned vector)
{
	return vector < NUM_VECTORS ? counts[vector] : 0;
}

void irq_reset_counts(void)
{
	for (unsigned v = 0; v < NUM_VECTORS; v++)
		counts[v] = 0;
	unhandled = 0;
}

uint32_t irq_unhandled(void)
{
	return unhandled;
}

void irq_dispatch(struct exc_frame *f)
{
	unsigned v = f->vector & 0xff;

	counts[v]++;
	if (handlers[v])
		handlers[v](f);
	else
		unhandled++;
}
