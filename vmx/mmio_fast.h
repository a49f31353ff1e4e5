/* Fast paths for plain moves to MMIO and stores into shadowed page tables:
 * an instruction decoded once is replayed on later exits without the
 * emulator (vmx/mmio_fast.c says when that is exact). */
#ifndef VMX_MMIO_FAST_H
#define VMX_MMIO_FAST_H
#include <stdbool.h>
#include <stdint.h>
#include "vmx/vcpu.h"
#include "vmx/vmx_ops.h"
#include "vmx/mmio.h"
#include "vmx/guest_mem.h"

/* A #PF exit whose instruction is the remembered page-table store @e
 * (checked by mmio_fast()): if the MMU says it repeats its last answer
 * for such a write, do the store through it and finish the instruction. */
bool mmio_fast_pt(struct vcpu *v, struct mmio_fast_entry *e, uint32_t error);

/* No move remembered (a new vCPU, a VM reset): no slot matches any RIP
 * (a zeroed one would match RIP 0 with no bytes to compare). */
static inline void mmio_fast_forget(struct vcpu *v)
{
	for (unsigned i = 0; i < MMIO_FAST_ENTRIES; i++)
		v->mmio_fast[i].rip = MMIO_FAST_NO_RIP;
}

/* The remembered moves are in one of MMIO_FAST_ENTRIES slots by RIP. */
static inline struct mmio_fast_entry *slot_of(struct vcpu *v, uint64_t rip)
{
	return &v->mmio_fast[(rip ^ (rip >> 5)) & (MMIO_FAST_ENTRIES - 1)];
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t x;
	__builtin_memcpy(&x, p, 8);
	return x;
}

/* The instruction's bytes (and the zeros after them, masked) are still
 * what they were. */
static inline bool same_bytes(const struct mmio_fast_entry *e)
{
	return ((load64(e->code) ^ e->bytes[0]) & e->mask[0]) == 0 &&
	       ((load64(e->code + 8) ^ e->bytes[1]) & e->mask[1]) == 0;
}

/* The operand's address, formed from the registers now, is @gva (the
 * fault's), and the access stays in its page. */
static inline __attribute__((always_inline)) bool fast_operand_is(struct vcpu *v, const struct mmio_fast_entry *e, uint64_t gva)
{
	const struct emul_fastmov *f = &e->mov;
	uint64_t base = e->seg_base_field ? vmread(e->seg_base_field) : 0;
	return emul_fastmov_linear(f, e->long64, base, emul_fastmov_ea(f, v->regs.gpr, e->rip)) == gva &&
	       (gva & 0xfff) <= 0x1000u - f->size;
}

/* The instruction is done: RIP past it, STI/MOV-SS blocking over. */
static inline __attribute__((always_inline)) void fast_finish(const struct mmio_fast_entry *e)
{
	uint64_t rip = e->rip + e->mov.len;
	vmwrite(GUEST_RIP, e->long64 ? rip : rip & 0xffffffffull);
	uint64_t intr = vmread(GUEST_INTERRUPTIBILITY_INFO);
	if (__builtin_expect(intr & 3, 0))
		vmwrite(GUEST_INTERRUPTIBILITY_INFO, intr & ~3ull);
}

_Static_assert((int)FASTMOV_LOAD == (int)IOBUS_READ && (int)FASTMOV_STORE == (int)IOBUS_WRITE, "a move's op indexes io_range.touch");

/* A #PF exit at @rip: if the faulting instruction is a move remembered
 * below, on the same MMIO page with nothing changed, finish it here (the
 * device access, the register, RIP) and return true. False: nothing was
 * done. Inline: it is the whole of a driver's register access. */
static inline bool mmio_fast(struct vcpu *v, uint64_t rip)
{
	uint64_t gva = v->exit_qual;
	struct mmio_fast_entry *e = slot_of(v, rip);
	struct mmu *m = &v->vm->mem->mmu;
	__asm__("" : "+r"(e));	/* keep the pointer in a register, not recomputed per use */

	/* The same instruction: the same bytes, decoded in the same mode; no
	 * single-step, RF or AC to honour, no event in delivery. Not it: the
	 * exit's RIP and slot are kept for mmio_cold() (a new move there). */
	v->fast_insn = NULL;
	if (e->rip != rip || (vmread(GUEST_RFLAGS) & (RFLAGS_TF | RFLAGS_RF | RFLAGS_AC)) ||
	    (vmread(IDT_VECTORING_INFO_FIELD) & INTR_INFO_VALID) || !same_bytes(e) ||
	    vmread(GUEST_CS_BASE) != e->cs_base || (uint32_t)vmread(GUEST_CS_AR_BYTES) != e->cs_ar) {
		v->pf_rip = rip;
		v->pf_slot = e;
		return false;
	}
	/* On the same MMIO page, nothing changed since, the same kind of
	 * access (W/U/I, and so CPL): finished here. Otherwise the MMU
	 * answers and mmio_fast_replay() runs this instruction (which stays
	 * in v->fast_insn for it). */
	v->fast_insn = e;
	uint32_t error = (uint32_t)vmread(VM_EXIT_INTR_ERROR_CODE);
	if (e->gen != m->tlb_gen || e->gva_page != gva >> 12 || !e->is_mmio || error != e->error)
		/* A page-table store repeating the MMU's last such answer. */
		return !e->is_mmio && mmio_fast_pt(v, e, error);
	/* The fault is the operand's, and the device the access reached is
	 * still there (the bus unchanged); the access's bytes are masked
	 * here, as the bus would. */
	const struct emul_fastmov *f = &e->mov;
	uint64_t *gpr = v->regs.gpr;
	struct iobus *bus = &v->vm->plat->mmio;
	const struct io_range *r = e->range;
	uint64_t off = (e->gpa_page | (gva & 0xfff)) - r->base;
	if (!fast_operand_is(v, e, gva) || bus->gen != e->bus_gen || off >= r->len)
		return false;
	bus->touched |= r->touch[f->op];	/* FASTMOV_LOAD/STORE are IOBUS_READ/WRITE */
	if (f->op == FASTMOV_STORE)
		r->ops->write(r->dev, off, f->size, emul_fastmov_value(f, gpr));
	else
		emul_fastmov_load(f, gpr, r->ops->read(r->dev, off, f->size));
	fast_finish(e);
	/* Counted as what it is: a #PF exit on MMIO, answered from a cache. */
	m->stats.pf_exits++;
	m->stats.mmio_exits++;
	m->stats.mmio_cache_hits++;
	v->mmio_fast_hits++;
	return true;
}

/* A #PF exit (error code @error) the MMU answered MMU_MMIO (@is_mmio) or
 * MMU_EMULATE (a write to a shadowed guest page table) at @gpa, whose
 * instruction mmio_fast() found remembered (v->fast_insn): do the move -
 * on the MMIO bus, or through the MMU, which updates the shadows - and
 * finish it here. An MMIO entry then keeps this page's answer for
 * mmio_fast(). False: nothing was done. */
bool mmio_fast_replay(struct vcpu *v, uint64_t gva, uint64_t gpa, uint32_t error, bool is_mmio);

/* The same, for an instruction not remembered yet: decode it where the
 * CPU fetched it and, if it is a simple move (a store, for a page-table
 * write), remember it and replay it. False: nothing was done (the full
 * emulator takes it). */
bool mmio_fast_first(struct vcpu *v, uint64_t gva, uint64_t gpa, uint32_t error, bool is_mmio);

/* A #PF exit mmio_fast() could not finish, when the last #PF exit was
 * MMIO (v->pf_mmio): the MMU is asked for an MMIO answer first
 * (mmu_mmio_fault(): a RAM fault costs it a few compares), and if that is
 * the answer the exit is finished here (*a) as page_fault() would finish
 * it - the remembered move replayed on this page, a new one through
 * mmio_fast_first()'s steps, or the emulator. False: nothing was done. */
bool mmio_cold(struct vcpu *v, enum exit_action *a);

#endif
