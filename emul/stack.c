/* Stack and near/far control transfers: PUSH POP CALL RET JMP LEAVE ENTER
 * (SDM Vol. 1 6.2-6.5, Vol. 2 of each instruction).  The stack is SS:rSP
 * with the stack-address size from SS.B (64 in 64-bit mode). */
#include "emul/alu.h"
#include "emul/exec.h"

unsigned stack_addr_size(const struct ex *ex)
{
	if (ex_is64(ex))
		return 8;
	return (ex->ctx->seg[EMUL_SS].ar & EMUL_AR_DB) ? 4 : 2;
}

uint64_t stack_sp(const struct ex *ex)
{
	return ex->ctx->gpr[EMUL_RSP] & alu_mask(stack_addr_size(ex));
}

/* Only the stack-address-size part of rSP changes (SP in 16-bit stacks). */
void stack_set_sp(struct ex *ex, uint64_t v)
{
	unsigned as = stack_addr_size(ex);
	uint64_t m = alu_mask(as), *rsp = &ex->ctx->gpr[EMUL_RSP];

	*rsp = as == 8 ? v : (*rsp & ~m) | (v & m);
}

int stack_push(struct ex *ex, unsigned size, uint64_t v)
{
	uint64_t sp = (stack_sp(ex) - size) & alu_mask(stack_addr_size(ex));
	int e;

	if ((e = mem_write_val(ex, EMUL_SS, sp, size, v)))
		return e;
	stack_set_sp(ex, sp);
	return 0;
}

int stack_pop(struct ex *ex, unsigned size, uint64_t *v)
{
	uint64_t sp = stack_sp(ex);
	int e;

	if ((e = mem_read_val(ex, EMUL_SS, sp, size, v)))
		return e;
	stack_set_sp(ex, sp + size);
	return 0;
}

/* Near branch target checks: canonical in 64-bit mode, CS limit
 * elsewhere; both #GP(0) at the branch (the RIP is not changed). */
int ex_branch(struct ex *ex, uint64_t target, unsigned opsize)
{
	if (ex_is64(ex)) {
		if ((uint64_t)((int64_t)(target << 16) >> 16) != target)
			return ex_gp0(ex);
	} else {
		target &= alu_mask(opsize);
		if (target > ex->ctx->seg[EMUL_CS].limit)
			return ex_gp0(ex);
	}
	ex->next_rip = target;
	return 0;
}

static int branch_check(struct ex *ex, uint64_t target, unsigned opsize)
{
	uint64_t saved = ex->next_rip;
	int e = ex_branch(ex, target, opsize);

	ex->next_rip = saved;
	return e;
}

int h_push(struct ex *ex)
{
	struct opnd s;
	int e;

	if ((e = opnd_load(ex, ex->in->src, ex->in->opsize, &s)))
		return e;
	return stack_push(ex, ex->in->opsize, s.val);
}

/* POP r/m: with rSP in the address, the address is computed after rSP
 * is incremented (SDM Vol. 2B POP). */
int h_pop(struct ex *ex)
{
	uint64_t v;
	int e;

	if ((e = stack_pop(ex, ex->in->opsize, &v)))
		return e;
	if (ex->in->dst == O_Z) {
		reg_write(ex, (ex->in->opcode & 7) | ((ex->in->rex & 1) << 3),
			  ex->in->opsize, v);
		return 0;
	}
	if (ex->in->mod == 3) {
		reg_write(ex, ex->in->rm, ex->in->opsize, v);
		return 0;
	}
	return mem_write_val(ex, ex->in->seg, ex_ea(ex), ex->in->opsize, v);
}

static int near_target(struct ex *ex, uint64_t *t)
{
	const struct emul_insn *in = ex->in;
	struct opnd s;
	int e;

	if (in->src == O_I) {             /* rel16/32 */
		*t = ex->next_rip + (uint64_t)alu_sext(in->imm, in->imm_size);
		return 0;
	}
	if ((e = opnd_load(ex, O_E, in->opsize, &s)))
		return e;
	*t = s.val;
	return 0;
}

int h_call(struct ex *ex)
{
	unsigned sz = ex->in->opsize;
	uint64_t t;
	int e;

	if ((e = near_target(ex, &t)) || (e = branch_check(ex, t, sz)))
		return e;
	if ((e = stack_push(ex, sz, ex->next_rip)))
		return e;
	return ex_branch(ex, t, sz);
}

int h_jmp(struct ex *ex)
{
	uint64_t t;
	int e;

	if ((e = near_target(ex, &t)))
		return e;
	return ex_branch(ex, t, ex->in->opsize);
}

int h_ret(struct ex *ex)
{
	unsigned sz = ex->in->opsize;
	uint64_t t;
	int e;

	if ((e = stack_pop(ex, sz, &t)) || (e = ex_branch(ex, t, sz)))
		return e;
	if (ex->in->immtype)
		stack_set_sp(ex, stack_sp(ex) + (ex->in->imm & 0xffff));
	return 0;
}

int h_leave(struct ex *ex)
{
	unsigned sz = ex->in->opsize;
	uint64_t v;
	int e;

	stack_set_sp(ex, ex->ctx->gpr[EMUL_RBP]);
	if ((e = stack_pop(ex, sz, &v)))
		return e;
	reg_write(ex, EMUL_RBP, sz, v);
	return 0;
}

/* ENTER size, level (SDM Vol. 2A ENTER); level is taken modulo 32, so
 * the nested-frame loop is bounded. */
int h_enter(struct ex *ex)
{
	unsigned sz = ex->in->opsize, level = ex->in->imm2 & 31;
	unsigned as = stack_addr_size(ex);
	uint64_t frame, bp = ex->ctx->gpr[EMUL_RBP], v;
	int e;

	if ((e = stack_push(ex, sz, bp)))
		return e;
	frame = stack_sp(ex);
	for (unsigned i = 1; i < level; i++) {
		bp = (bp - sz) & alu_mask(as);
		if ((e = mem_read_val(ex, EMUL_SS, bp, sz, &v)) ||
		    (e = stack_push(ex, sz, v)))
			return e;
	}
	if (level && (e = stack_push(ex, sz, frame)))
		return e;
	reg_write(ex, EMUL_RBP, as, frame);
	stack_set_sp(ex, stack_sp(ex) - (ex->in->imm & 0xffff));
	return 0;
}
