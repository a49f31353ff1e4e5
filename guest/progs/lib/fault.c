#include "fault.h"
#include "cpu.h"

/* fault_run.S */
int fault_run_asm(void (*fn)(void *), void *arg);
void fault_escape(void) __attribute__((noreturn));

static struct fault *fault_slot;

bool fault_run(void (*fn)(void *), void *arg, struct fault *out)
{
	*out = (struct fault){ .vector = FAULT_NONE };
	fault_slot = out;
	return fault_run_asm(fn, arg) != 0;
}

void fault_record_and_escape(const struct exc_frame *f, uint32_t cr2)
{
	*fault_slot = (struct fault){
		.vector = f->vector, .error = f->error, .eip = f->eip,
		.cr2 = cr2, .cs = f->cs, .eflags = f->eflags,
	};
	fault_escape();
}

bool expect_exception(uint32_t vector, uint32_t error,
		      void (*fn)(void *), void *arg)
{
	struct fault f;

	fault_run(fn, arg, &f);
	return f.vector == vector && f.error == error;
}

struct msr_op {
	uint32_t msr;
	uint64_t val;
};

static void do_rdmsr(void *p)
{
	struct msr_op *op = p;

	op->val = rdmsr(op->msr);
}

static void do_wrmsr(void *p)
{
	struct msr_op *op = p;

	wrmsr(op->msr, op->val);
}

static uint32_t result(const struct fault *f, uint32_t *err)
{
	if (err)
		*err = f->vector == FAULT_NONE ? 0 : f->error;
	return f->vector;
}

uint32_t rdmsr_safe(uint32_t msr, uint64_t *val, uint32_t *err)
{
	struct msr_op op = { .msr = msr };
	struct fault f;

	fault_run(do_rdmsr, &op, &f);
	if (f.vector == FAULT_NONE && val)
		*val = op.val;
	return result(&f, err);
}

uint32_t wrmsr_safe(uint32_t msr, uint64_t val, uint32_t *err)
{
	struct msr_op op = { .msr = msr, .val = val };
	struct fault f;

	fault_run(do_wrmsr, &op, &f);
	return result(&f, err);
}

#define DEFINE_CR_SAFE(n)						\
static void do_write_cr##n(void *p)					\
{									\
	write_cr##n(*(uint32_t *)p);					\
}									\
uint32_t write_cr##n##_safe(uint32_t v, uint32_t *err)			\
{									\
	struct fault f;							\
									\
	fault_run(do_write_cr##n, &v, &f);				\
	return result(&f, err);						\
}
DEFINE_CR_SAFE(0)
DEFINE_CR_SAFE(3)
DEFINE_CR_SAFE(4)
