/* Guest page tables built in fake guest RAM, for the shadow MMU tests. */
#ifndef SHADE_TESTS_MMU_GUESTPT_H
#define SHADE_TESTS_MMU_GUESTPT_H

#include "tests/unit/mmu_fake.h"

#define TBL_ALL (PTE_P | PTE_RW | PTE_US)

struct gpt {
	struct fake_vm *vm;
	enum paging_mode mode;
	uint64_t cr3;
	uint64_t next;    /* next free table page (guest-physical) */
	uint64_t limit;
};

static inline uint64_t gpt_alloc(struct gpt *g)
{
	uint64_t a = g->next;

	assert_true(a + 4096 <= g->limit);
	g->next += 4096;
	memset(g->vm->ram + a, 0, 4096);
	return a;
}

/* Tables come from [base, limit) of guest RAM. */
static inline void gpt_init(struct gpt *g, struct fake_vm *vm,
			    enum paging_mode mode, uint64_t base, uint64_t limit)
{
	g->vm = vm;
	g->mode = mode;
	g->next = base;
	g->limit = limit;
	g->cr3 = gpt_alloc(g);
}

static inline unsigned gpt_eb(const struct gpt *g)
{
	return paging_format(g->mode)->entry_bytes;
}

static inline uint64_t gpt_get(const struct gpt *g, uint64_t gpa)
{
	uint64_t v = 0;
	memcpy(&v, g->vm->ram + gpa, gpt_eb(g));
	return v;
}

static inline void gpt_set(const struct gpt *g, uint64_t gpa, uint64_t v)
{
	memcpy(g->vm->ram + gpa, &v, gpt_eb(g));
}

static inline uint64_t gpt_next_table(const struct gpt *g, uint64_t e)
{
	return g->mode == PAGING_32 ? (e & 0xfffff000ull) : (e & PTE_ADDR_MASK);
}

/* Guest-physical address of the entry for @la at @level (creating the
 * tables above it with @tflags). */
static inline uint64_t gpt_entry(struct gpt *g, uint64_t la, int level,
				 uint64_t tflags)
{
	const struct paging_format *f = paging_format(g->mode);
	uint64_t table = g->cr3 & ~0xfffull;
	int l;

	if (g->mode == PAGING_PAE)
		table = g->cr3;
	for (l = f->top; l > level; l--) {
		uint64_t ea = table + paging_index(f, l, la) * f->entry_bytes;
		uint64_t e = gpt_get(g, ea);

		if (!(e & PTE_P)) {
			uint64_t t = gpt_alloc(g);
			e = t | (g->mode == PAGING_PAE && l == 3 ? PTE_P : tflags);
			gpt_set(g, ea, e);
		}
		table = gpt_next_table(g, e);
	}
	return table + paging_index(f, level, la) * f->entry_bytes;
}

/* Map @la -> @gpa with a leaf at @level (1: 4 KiB, 2: 2/4 MiB, 3: 1 GiB). */
static inline void gpt_map(struct gpt *g, uint64_t la, uint64_t gpa, int level,
			   uint64_t lflags, uint64_t tflags)
{
	uint64_t ea = gpt_entry(g, la, level, tflags);

	gpt_set(g, ea, gpa | PTE_P | lflags | (level > 1 ? PTE_PS : 0));
}

static inline struct mmu_guest_state gpt_state(const struct gpt *g)
{
	struct mmu_guest_state gs = { .cr0 = CR0_PE | CR0_PG | CR0_WP, .cr3 = g->cr3 };

	switch (g->mode) {
	case PAGING_32:  gs.cr4 = CR4_PSE; break;
	case PAGING_PAE: gs.cr4 = CR4_PAE; gs.efer = EFER_NXE; break;
	case PAGING_LONG:
		gs.cr4 = CR4_PAE;
		gs.efer = EFER_LME | EFER_LMA | EFER_NXE;
		break;
	default:
		gs.cr0 = CR0_PE;
	}
	return gs;
}

static inline uint64_t gs_load(struct fake_vm *vm, const struct mmu_guest_state *gs)
{
	uint64_t cr3 = 0;

	assert_int_equal(mmu_load_context(&vm->mmu, gs, &cr3), MMU_OK);
	return cr3;
}

static inline bool gs_long(const struct mmu_guest_state *gs)
{
	return (gs->cr0 & CR0_PG) && (gs->efer & EFER_LMA);
}

/* The hardware's view of access @acc at @la with the shadow loaded for
 * @gs (CR4 bits as mmu_hw_control() says). */
static inline int hw(struct fake_vm *vm, const struct mmu_guest_state *gs,
		     uint64_t la, uint32_t acc, uint64_t *hpa, uint32_t *ec)
{
	uint64_t cr0, cr4;

	mmu_hw_control(gs, &cr0, &cr4);
	assert_true(cr0 & CR0_WP);
	return fake_hw_access(vm, vm->mmu.root_hpa, gs_long(gs), la, acc,
			      cr4 & CR4_SMEP, cr4 & CR4_SMAP,
			      vm->mmu.cfg.hw_nxe_always || (gs->efer & EFER_NXE),
			      hpa, ec);
}

/* Test-only access flag: an implicit supervisor access made at CPL 0
 * (the exit then cannot tell it from an explicit one). */
#define ACC_CPL0 (1u << 31)

/* The #PF context the VMX side would pass for @acc. */
static inline uint32_t pf_ctx(uint32_t acc)
{
	uint32_t ctx = 0;

	if ((acc & (WALK_USER | WALK_IMPLICIT)) && !(acc & ACC_CPL0))
		ctx |= MMU_PF_CPL3;
	if (acc & WALK_AC)
		ctx |= MMU_PF_AC;
	return ctx;
}

/* Run one guest access the way the CPU + Shade would: try it on the
 * shadow; on a #PF exit ask the MMU; repeat while it says FIXED. Checks
 * on the way that the hardware never allows what the guest's own tables
 * forbid, and that reflected faults carry the guest's error code.
 * Returns the final outcome (MMU_FIXED meaning "the access went through"). */
static inline enum mmu_outcome gpt_access(struct fake_vm *vm,
					  const struct mmu_guest_state *gs,
					  uint64_t la, uint32_t acc,
					  struct mmu_fault *out)
{
	uint32_t ctx = pf_ctx(acc);
	int iter;

	acc &= ~ACC_CPL0;
	for (iter = 0; iter < 4; iter++) {
		struct walk_result gw;
		uint64_t hpa;
		uint32_t ec;
		int g = walk(&vm->mmu.wc, la, acc | WALK_NO_AD, &gw);
		int h = hw(vm, gs, la, acc, &hpa, &ec);
		enum mmu_outcome o;

		if (h == WALK_OK) {
			if (g != WALK_OK)
				fail_msg("hardware allows %#llx acc %#x, the guest does not (ec %#x)",
					 (unsigned long long)la, acc, gw.error_code);
			assert_int_equal(hpa, FAKE_RAM_HPA + gw.gpa);
			if (acc & WALK_WRITE)
				assert_true(gw.dirty);
			return MMU_FIXED;
		}
		o = mmu_page_fault(&vm->mmu, la, ec, ctx, out);
		switch (o) {
		case MMU_FIXED:
			continue;
		case MMU_INJECT_PF:
			if (g != WALK_FAULT)
				fail_msg("MMU injects #PF %#x at %#llx acc %#x (hw ec %#x), the guest allows it",
					 out->error_code, (unsigned long long)la, acc, ec);
			assert_int_equal(out->error_code, gw.error_code);
			assert_int_equal(out->cr2, la);
			return o;
		case MMU_MMIO: {
			/* The emulator runs the instruction, translating the
			 * access with its true type. */
			uint64_t gpa;
			uint32_t pf;
			int t = mmu_translate(&vm->mmu, la, acc, &gpa, &pf);

			if (t == MMU_ERR_PF) {
				assert_int_equal(g, WALK_FAULT);
				assert_int_equal(pf, gw.error_code);
				out->error_code = pf;
				out->cr2 = la;
				return MMU_INJECT_PF;
			}
			assert_int_equal(t, MMU_OK);
			assert_int_equal(g, WALK_OK);
			assert_int_equal(out->gpa, gw.gpa);
			assert_int_equal(gpa, gw.gpa);
			return o;
		}
		default:
			return o;
		}
	}
	fail_msg("no progress on %#llx acc %#x", (unsigned long long)la, acc);
	return MMU_FATAL;
}

#endif
