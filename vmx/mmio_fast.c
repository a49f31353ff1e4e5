/* Fast paths for the moves that dominate emulation: a driver's plain move to
 * or from a device register, and an OS's store into a page-table entry.
 *
 * The first time such an instruction faults (MMIO, or a write to a shadowed
 * guest page table), it is decoded where the CPU fetched it and digested
 * into a fast move (emul/fastmov.h); the vCPU remembers it, keyed by RIP,
 * with its bytes, its mode (CS base and attributes), its code page and, for
 * MMIO, the MMU's answer for the data page and the device behind it. Later
 * exits from that RIP are finished here: the device access (or the store
 * through the MMU, which keeps the shadows exact), the register and RIP -
 * no emulator context, no decode, no callbacks. Anything else, or anything
 * that does not match, goes to the full emulator (vmx/mmio.c).
 *
 * While MMIO is what faults (the last #PF exit's answer was MMIO), an exit
 * no remembered move finishes is first put to the MMU the short way
 * (mmio_cold(), mmu_mmio_fault(): the leaf it last used, the frame in the
 * last gap between memslots, the access checked as its fast path checks
 * it); a yes is the answer page_fault() would get, and the exit is finished
 * as page_fault() finishes it. A RAM fault meanwhile costs a few compares,
 * and turns the guess off.
 *
 * Why this is exact:
 * - The CPU itself decided everything before the #PF: the instruction was
 *   fetched and decoded, segmentation and canonical checks passed (they come
 *   before paging, SDM Vol. 3A 6.15), and the fault's address is the
 *   operand's (checked on every use: the address is formed again from the
 *   registers).
 * - The bytes at RIP are compared with the remembered ones on every use
 *   (self-modifying code is a miss), and so are CS's base and attributes.
 * - The code's translation is the remembered one while the MMU's tlb_gen has
 *   not moved (page-table writes, INVLPG, CR3/CR0/CR4/EFER loads, shadow
 *   drops move it); after that the shadow entry the CPU fetched through is
 *   read again (mmu_hw_spte).
 * - An MMIO page's answer is the MMU's while tlb_gen holds (as its own MMIO
 *   cache), for the same #PF error code (access type and CPL); the device is
 *   called directly while the bus is unchanged (its gen).
 * - 16-bit code, RSP operands, RFLAGS.TF/RF/AC, event delivery and accesses
 *   crossing a page take the full path.
 */
#include "vmx/mmio_fast.h"
#include "vmx/mmio.h"
#include "vmx/vmx_ops.h"
#include "vmx/platform.h"
#include "vmx/guest_mem.h"
#include "mmu/memslot.h"
#include "mmu/host/frames.h"
#include "emul/fastmov_decode.h"
#include "vmx/vmx_defs.h"

/* The code's translation is the remembered one: trusted while tlb_gen
 * has not moved since it was checked; else the shadow entry the CPU
 * fetched through must still map the code's frame (exact: shadows follow
 * the guest) - read where it was while the MMU's leaf_seq says that place
 * is still the one, found again otherwise. */
static inline __attribute__((always_inline)) bool code_still_there(struct mmu *m, struct mmio_fast_entry *e)
{
	const uint64_t want = e->code_hpa | PTE_P;

	if (e->code_gen == m->tlb_gen)
		return true;
	if (!e->code_spte || e->code_seq != m->leaf_seq) {
		e->code_spte = mmu_hw_spte(m, e->code_la);
		e->code_seq = m->leaf_seq;
		if (!e->code_spte)
			return false;
	}
	if ((*e->code_spte & (PTE_P | PTE_ADDR_MASK)) != want)
		return false;
	e->code_gen = m->tlb_gen;
	return true;
}

/* The store at @gpa, a shadowed guest page table: through the MMU, which
 * updates the shadows. */
static inline __attribute__((always_inline)) bool table_store(struct vcpu *v, const struct mmio_fast_entry *e, uint64_t gpa)
{
	uint64_t val = emul_fastmov_value(&e->mov, v->regs.gpr);
	if (mmu_write_guest(&v->vm->mem->mmu, gpa, &val, e->mov.size) != MMU_OK)
		return false;	/* nothing written: the emulator sorts it out */
	v->pt_fast_hits++;
	return true;
}

bool mmio_fast_pt(struct vcpu *v, struct mmio_fast_entry *e, uint32_t error)
{
	struct mmu *m = &v->vm->mem->mmu;
	uint64_t gva = v->exit_qual, gpa;

	/* RFLAGS.AC is 0 and no event is in delivery (mmio_fast() checked).
	 * The MMU does the store if it repeats its last such answer. */
	if (e->mov.op != FASTMOV_STORE || !(error & PFEC_W) || !code_still_there(m, e) ||
	    !fast_operand_is(v, e, gva))
		return false;
	uint64_t val = emul_fastmov_value(&e->mov, v->regs.gpr);
	if (!mmu_table_write_fast(m, gva, error, guest_cpl() == 3 ? MMU_PF_CPL3 : 0, &val, e->mov.size, &gpa))
		return false;
	v->pt_fast_hits++;
	fast_finish(e);
	return true;
}

/* Move @e, whose operand is at @gva (checked), at @gpa - on the MMIO bus,
 * or through the MMU for a page-table store - and finish it. An MMIO entry
 * keeps the page's answer (the MMU's, given at tlb_gen @gen, for @error)
 * and the device behind it for mmio_fast(). False: nothing was done. */
static inline __attribute__((always_inline)) bool
do_move(struct vcpu *v, struct mmio_fast_entry *e, uint64_t gva, uint64_t gpa, uint32_t error, bool is_mmio,
	uint64_t gen)
{
	const struct emul_fastmov *f = &e->mov;
	uint64_t *gpr = v->regs.gpr;

	if (!is_mmio) {
		if (!table_store(v, e, gpa))
			return false;
	} else {
		/* The device: the range the bus hit last, if it holds @gpa and
		 * is one mmio_fast() may call directly; else the bus finds it. */
		struct iobus *bus = &v->vm->plat->mmio;
		const struct io_range *r = &bus->r[bus->last];
		bool direct = gpa - r->base < r->len && r->rw;
		if (__builtin_expect(direct, 1)) {
			bus->touched |= r->touch[f->op];
			if (f->op == FASTMOV_STORE)
				r->ops->write(r->dev, gpa - r->base, f->size, emul_fastmov_value(f, gpr));
			else
				emul_fastmov_load(f, gpr, r->ops->read(r->dev, gpa - r->base, f->size));
		} else {
			if (f->op == FASTMOV_STORE)
				mmio_bus_write(v, gpa, f->size, emul_fastmov_value(f, gpr));
			else
				emul_fastmov_load(f, gpr, mmio_bus_read(v, gpa, f->size));
			r = &bus->r[bus->last];	/* the one just used, if any */
			direct = gpa - r->base < r->len && r->rw;
		}
		/* This page's answer, for the next access from here. */
		e->gen = direct ? gen : 0;
		e->gva_page = gva >> 12;
		e->gpa_page = gpa & ~0xfffull;
		e->error = error;
		e->range = r;
		e->bus_gen = bus->gen;
		v->mmio_fast_hits++;
	}
	fast_finish(e);
	return true;
}

bool mmio_fast_replay(struct vcpu *v, uint64_t gva, uint64_t gpa, uint32_t error, bool is_mmio)
{
	struct mmio_fast_entry *e = v->fast_insn;
	struct mmu *m = &v->vm->mem->mmu;

	/* mmio_fast() checked RIP, the bytes, the mode and RFLAGS on this
	 * exit; the MMU's walk since may have moved tlb_gen. */
	if (!e || e->is_mmio != is_mmio || (e->mov.op == FASTMOV_STORE) != !!(error & PFEC_W) ||
	    !code_still_there(m, e) || !fast_operand_is(v, e, gva))
		return false;
	return do_move(v, e, gva, gpa, error, is_mmio, m->tlb_gen);
}

/* Which of 16 bytes an instruction of each length (1..15) is. */
static const uint64_t len_mask[16][2] = {
#define LM(n) { (n) >= 8 ? ~0ull : (1ull << (8 * (n))) - 1, (n) <= 8 ? 0 : (1ull << (8 * ((n) - 8))) - 1 }
	LM(0), LM(1), LM(2), LM(3), LM(4), LM(5), LM(6), LM(7),
	LM(8), LM(9), LM(10), LM(11), LM(12), LM(13), LM(14), LM(15),
#undef LM
};

/* 64-bit code: IA-32e mode and CS.L; 32-bit code: CS.D (SDM Vol. 3A
 * 5.2.1). 16-bit code (IP wrap-around), real and virtual-8086 mode,
 * single-step, RF and alignment checks are left to the emulator. False:
 * one of those. */
static inline __attribute__((always_inline)) bool
fast_context(const struct vcpu *v, uint32_t cs_ar, bool *long64)
{
	*long64 = (v->efer & EFER_LMA) && (cs_ar & EMUL_AR_L);
	return (*long64 || (cs_ar & EMUL_AR_DB)) && (v->cr0 & CR0_PE) &&
	       !(vmread(GUEST_RFLAGS) & (RFLAGS_TF | RFLAGS_RF | RFLAGS_AC | RFLAGS_VM));
}

/* mmio_fast_first() once the context is known to suit (fast_context()). */
static inline __attribute__((always_inline)) bool
first_move(struct vcpu *v, uint64_t rip, struct mmio_fast_entry *e, uint32_t cs_ar, bool long64, uint64_t gva,
	   uint64_t gpa, uint32_t error, bool is_mmio)
{
	uint64_t hpa;
	struct mmu *m = &v->vm->mem->mmu;
	__asm__("" : "+r"(e));	/* keep the pointer in a register, not recomputed per use */
	uint64_t cs_base = vmread(GUEST_CS_BASE);
	/* The bytes the CPU just ran, in the frame the loaded shadow maps
	 * their page to: the one its fetch went through (shadows follow the
	 * guest's tables exactly, and VM exits flush the TLB without VPID).
	 * The 16 compared on later exits must lie in that page. */
	uint64_t la = long64 ? rip : (cs_base + (rip & 0xffffffffull)) & 0xffffffffull;
	if ((la & 0xfff) > 0x1000 - 16)
		return false;
	if (v->fast_code.gen == m->tlb_gen && v->fast_code.la_page == la >> 12) {
		hpa = v->fast_code.hpa;	/* no translation changed since */
	} else {
		if (!(hpa = mmu_hw_frame(m, la)))
			return false;
		v->fast_code.la_page = la >> 12;
		v->fast_code.hpa = hpa;
		v->fast_code.gen = m->tlb_gen;
	}
	const uint8_t *code = (const uint8_t *)phys_to_virt(hpa) + (la & 0xfff);

	/* Decoded into the slot itself; until it is whole again, no RIP
	 * matches it. What does not depend on the decode goes in first. */
	e->rip = MMIO_FAST_NO_RIP;
	e->cs_base = cs_base;
	e->cs_ar = cs_ar;
	e->long64 = long64;
	e->code_la = la;
	e->code_hpa = hpa;
	e->code = code;
	struct emul_fastmov *f = &e->mov;
	/* The common move forms directly, the rest through the full decoder
	 * (the same digest). */
	if (!emul_fastmov_decode_m(long64, code, f)) {
		struct emul_insn in;
		if (emul_decode(emul_mode_of(v->cr0, v->efer, cs_ar), code, 15, &in) != EMUL_DEC_OK ||
		    !emul_fastmov_from(&in, f))
			return false;
	}
	/* A move that uses RSP (the caller may not keep it in gpr[]), a load
	 * where the exit says write (or the reverse), a page-table load: the
	 * emulator's. */
	_Static_assert(FASTMOV_LOAD == 0 && FASTMOV_STORE == 1 && PFEC_W == 2, "op is the #PF W bit");
	if (f->uses_rsp || (f->op ^ (error >> 1)) & 1 || (!is_mmio && f->op != FASTMOV_STORE))
		return false;
	unsigned len = f->len;
	e->seg_base_field = emul_fastmov_needs_base(f, long64) ? GUEST_ES_BASE + 2 * f->seg : 0;
	e->mask[0] = len_mask[len][0];
	e->mask[1] = len_mask[len][1];
	e->bytes[0] = load64(code) & len_mask[len][0];	/* the bytes decoded */
	e->bytes[1] = load64(code + 8) & len_mask[len][1];
	e->is_mmio = is_mmio;
	e->code_gen = m->tlb_gen;
	e->code_spte = NULL;		/* found on the first check that needs it */
	e->rip = rip;
	v->fast_decoded++;
	/* The fault must be the operand's (the CPU checked everything before
	 * it); then the move is done as a replay would do it, which fills in
	 * an MMIO page's answer (gen, error, the device). Until then - or if
	 * it fails - the slot matches no RIP. */
	if (fast_operand_is(v, e, gva) && do_move(v, e, gva, gpa, error, is_mmio, m->tlb_gen))
		return true;
	e->rip = MMIO_FAST_NO_RIP;
	return false;
}

bool mmio_fast_first(struct vcpu *v, uint64_t gva, uint64_t gpa, uint32_t error, bool is_mmio)
{
	uint64_t rip = vmread(GUEST_RIP);
	uint32_t cs_ar = (uint32_t)vmread(GUEST_CS_AR_BYTES);
	bool long64;

	return fast_context(v, cs_ar, &long64) &&
	       first_move(v, rip, slot_of(v, rip), cs_ar, long64, gva, gpa, error, is_mmio);
}

bool mmio_cold(struct vcpu *v, enum exit_action *a)
{
	uint64_t gva = v->exit_qual, gpa;
	uint32_t error = (uint32_t)vmread(VM_EXIT_INTR_ERROR_CODE);
	uint32_t cs_ar = (uint32_t)vmread(GUEST_CS_AR_BYTES);
	bool long64;

	/* No event in delivery; the rest of the #PF context (CPL, AC) does
	 * not change this question's answer (see mmu_mmio_fault()). */
	if (!fast_context(v, cs_ar, &long64) || (vmread(IDT_VECTORING_INFO_FIELD) & INTR_INFO_VALID) ||
	    !mmu_mmio_fault(&v->vm->mem->mmu, gva, error, 0, &gpa))
		return false;
	/* MMIO, answered and counted: finished as page_fault() finishes it
	 * (a move mmio_fast() found remembered, on another page: replayed). */
	bool done = v->fast_insn ? mmio_fast_replay(v, gva, gpa, error, true)
				 : first_move(v, v->pf_rip, v->pf_slot, cs_ar, long64, gva, gpa, error, true);
	*a = done ? after_emulation(v) : mmio_emulate(v, gva, gpa, error, true);
	return true;
}
