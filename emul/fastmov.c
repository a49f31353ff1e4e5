/* Digesting a decoded move for replay (see emul/fastmov.h). */
#include "emul/fastmov.h"
#include "emul/fastmov_decode.h"
#include "emul/tables.h"
#include "emul/alu.h"

/* What every digest ends with: the length and the masks derived from the
 * sizes and the register (the direct decoder's templates hold the same). */
static bool finish(struct emul_fastmov *f, unsigned len)
{
	unsigned size = f->size;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	f->len = (uint8_t)len;
	f->uses_rsp = f->base == EMUL_RSP || f->index == EMUL_RSP ||
		      (f->reg == EMUL_RSP && !f->high8);
	f->shift = f->high8 ? 8 : 0;
	f->value_mask = alu_mask(size);
	f->sext_shift = f->sext && size < 8 ? (uint8_t)(64 - 8 * size) : 0;
	/* What a load leaves of the old register: 8- and 16-bit destinations
	 * merge (AH..BH: bits 15:8), 32- and 64-bit ones replace it all. */
	f->dst_mask = alu_mask(f->dst_size);
	f->keep_mask = f->dst_size <= 2 ? ~(f->dst_mask << f->shift) : 0;
	return true;
}

/* Without REX, byte registers 4..7 are AH CH DH BH (SDM Vol. 2A 2.1.5). */
static void set_reg(struct emul_fastmov *f, const struct emul_insn *in, unsigned r, unsigned size)
{
	f->high8 = size == 1 && !in->rex && r >= 4 && r < 8;
	f->reg = (uint8_t)(f->high8 ? r - 4 : r & 15);
}

/* The register operand: ModRM.reg (G) or the accumulator (A, moffs). */
static bool set_gpr_operand(struct emul_fastmov *f, const struct emul_insn *in, unsigned opnd,
			    unsigned size)
{
	if (opnd == O_G)
		set_reg(f, in, in->reg, size);
	else if (opnd == O_A)
		set_reg(f, in, EMUL_RAX, size);
	else
		return false;
	return true;
}

/* The memory operand: ModRM's, or moffs (A0-A3: the immediate is the
 * offset). */
static bool set_mem(struct emul_fastmov *f, const struct emul_insn *in, unsigned opnd)
{
	if (opnd == O_O) {
		f->base = f->index = EMUL_NO_REG;
		f->scale = 0;
		f->rip_rel = 0;
		f->disp = (int64_t)in->imm;
	} else if (opnd == O_E && in->has_modrm && in->mod != 3) {
		f->base = in->base;
		f->index = in->index;
		f->scale = in->scale;
		f->rip_rel = in->rip_rel;
		f->disp = in->disp;
	} else {
		return false;
	}
	f->seg = in->seg;
	f->addr_mask = alu_mask(in->addrsize);
	return true;
}

static bool mov_forms(struct emul_fastmov *f, const struct emul_insn *in)
{
	unsigned sz = in->opsize;

	f->size = f->dst_size = (uint8_t)sz;
	f->sext = 0;
	if (in->dst == O_E || in->dst == O_O) {   /* store */
		f->op = FASTMOV_STORE;
		if (!set_mem(f, in, in->dst))
			return false;
		if (in->src == O_I) {
			f->reg = EMUL_NO_REG;
			f->high8 = 0;
			f->imm = (uint64_t)alu_sext(in->imm, in->imm_size) & alu_mask(sz);
			return true;
		}
		return set_gpr_operand(f, in, in->src, sz);
	}
	f->op = FASTMOV_LOAD;                     /* load */
	return set_mem(f, in, in->src) && set_gpr_operand(f, in, in->dst, sz);
}

/* MOVZX/MOVSX/MOVSXD r, m: a narrower load, extended. */
static bool extend_forms(struct emul_fastmov *f, const struct emul_insn *in)
{
	unsigned ssize = in->kind == K_MOVSXD ? (in->opsize == 8 ? 4 : in->opsize) : in->sub;

	if (in->dst != O_G || !set_mem(f, in, in->src))
		return false;
	f->op = FASTMOV_LOAD;
	f->size = (uint8_t)ssize;
	f->dst_size = in->opsize;
	f->sext = in->kind != K_MOVZX;
	set_reg(f, in, in->reg, in->opsize);
	return true;
}

bool emul_fastmov_from(const struct emul_insn *in, struct emul_fastmov *f)
{
	bool ok;

	if (in->lock)
		return false;
	f->imm = 0;
	if (in->kind == K_MOV)
		ok = mov_forms(f, in);
	else if (in->kind == K_MOVZX || in->kind == K_MOVSX || in->kind == K_MOVSXD)
		ok = extend_forms(f, in);
	else
		return false;
	return ok && finish(f, in->len);
}

bool emul_fastmov_decode(enum emul_mode mode, const uint8_t *code, struct emul_fastmov *f)
{
	return emul_fastmov_decode_inline(mode, code, f);
}
