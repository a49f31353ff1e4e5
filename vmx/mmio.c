/* Finishing an instruction by emulation (DESIGN.md, the page-fault exit
 * path): the MMIO outcome of the shadow MMU, writes to shadowed guest page
 * tables, and forced emulation. The emulator (emul/) sees the guest through
 * the callbacks below: linear addresses are translated by the guest's own
 * page tables (mmu_translate), RAM is read and written through the shadow
 * MMU (which keeps shadows of page tables exact), and anything that is not
 * RAM goes to the VM's MMIO bus. No shadow entry is written for MMIO. */
#include <string.h>
#include "vmx/mmio.h"
#include "vmx/mmio_fast.h"
#include "vmx/vmx_ops.h"
#include "vmx/guest_mem.h"
#include "vmx/platform.h"
#include "emul/emul.h"
#include "lib/log.h"
#include "lib/print.h"

bool vmx_force_emulation;

/* Guest x87/SSE state as FXSAVE lays it out (SDM Vol. 1 10.5.1): Shade's C
 * code never touches these registers, so the guest's values are live. */
struct fxsave_area { uint8_t b[512]; } __attribute__((aligned(16)));

static int translate(struct vcpu *v, uint64_t la, uint32_t acc, uint64_t *gpa, struct emul_fault *f)
{
	uint32_t pf;
	/* The page of the #PF that started this emulation was just walked by
	 * the shadow MMU for that access (a write if the CPU said write): reuse
	 * its translation instead of walking again. */
	if (((la ^ v->mmio_gva) & ~0xfffull) == 0 && v->mmio_known &&
	    (!(acc & MMU_ACC_WRITE) || v->mmio_known_write) && !(acc & MMU_ACC_FETCH)) {
		*gpa = (v->mmio_gpa & ~0xfffull) | (la & 0xfff);
		return EMUL_CB_OK;
	}
	if (vmread(GUEST_RFLAGS) & (1u << 18))
		acc |= MMU_ACC_AC;
	if (guest_cpl() == 3)
		acc |= MMU_ACC_USER;
	int rc = mmu_translate(&v->vm->mem->mmu, la, acc, gpa, &pf);
	if (rc == MMU_OK)
		return EMUL_CB_OK;
	if (rc == MMU_ERR_PF)
		*f = (struct emul_fault){ 14, true, pf, la };
	else
		*f = (struct emul_fault){ 13, true, 0, 0 };
	return EMUL_CB_FAULT;
}

void mmio_note_unclaimed(struct vcpu *v, uint64_t gpa, bool write)
{
	struct iobus *b = &v->vm->plat->mmio;
	/* One line for the first few, then silence: a driver probing a hole
	 * must not flood the console. */
	if (b->unclaimed <= 4)
		log_warn("%s: %s of unclaimed MMIO at gpa %lx (RIP %lx)%s", v->vm->name, write ? "write" : "read",
			 gpa, vmread(GUEST_RIP), b->unclaimed == 4 ? "; not reporting more" : "");
}

static void mmio_read(struct vcpu *v, uint64_t gpa, uint8_t *buf, unsigned len)
{
	/* Split into naturally sized pieces a device model understands. */
	while (len) {
		unsigned n = len >= 8 ? 8 : len >= 4 ? 4 : len >= 2 ? 2 : 1;
		uint64_t val = mmio_bus_read(v, gpa, n);
		memcpy(buf, &val, n);
		buf += n, gpa += n, len -= n;
	}
}

static void mmio_write(struct vcpu *v, uint64_t gpa, const uint8_t *buf, unsigned len)
{
	while (len) {
		unsigned n = len >= 8 ? 8 : len >= 4 ? 4 : len >= 2 ? 2 : 1;
		uint64_t val = 0;
		memcpy(&val, buf, n);
		mmio_bus_write(v, gpa, n, val);
		buf += n, gpa += n, len -= n;
	}
}

/* What can change a translation without Shade seeing an instruction-level
 * exit: none. A guest changes one by writing a page table (trapped while the
 * table is shadowed) and then INVLPG or a CR3 load; until then the CPU may
 * use the old one too (SDM Vol. 3A 4.10.4). So a code page's translation is
 * reused while none of those counters moved - a one-entry "TLB" for the
 * emulator's instruction fetches. */
static uint64_t translation_gen(const struct vcpu *v)
{
	return v->vm->mem->mmu.tlb_gen;
}

/* The guest-physical address of code at linear @la, through the one-entry
 * fetch TLB. */
static int code_gpa(struct vcpu *v, uint64_t la, uint64_t *gpa, struct emul_fault *f)
{
	uint64_t page = la & ~0xfffull, gen = translation_gen(v);
	unsigned cpl = guest_cpl();
	if (v->fetch_tlb.valid && v->fetch_tlb.gva_page == page && v->fetch_tlb.gen == gen &&
	    v->fetch_tlb.cpl == cpl) {
		*gpa = v->fetch_tlb.gpa_page | (la & 0xfff);
		return EMUL_CB_OK;
	}
	int rc = translate(v, la, MMU_ACC_FETCH, gpa, f);
	if (rc != EMUL_CB_OK)
		return rc;
	v->fetch_tlb.valid = true;
	v->fetch_tlb.gva_page = page;
	v->fetch_tlb.gpa_page = *gpa & ~0xfffull;
	v->fetch_tlb.gen = translation_gen(v);	/* the walk may have filled */
	v->fetch_tlb.cpl = cpl;
	return EMUL_CB_OK;
}

static int cb_fetch(void *opaque, uint64_t la, void *buf, unsigned len, struct emul_fault *f)
{
	struct vcpu *v = opaque;
	uint64_t gpa;
	int rc = code_gpa(v, la, &gpa, f);
	if (rc != EMUL_CB_OK)
		return rc;
	/* Executing from MMIO is not supported: there is nothing to fetch. */
	return mmu_read_guest(&v->vm->mem->mmu, gpa, buf, len) == MMU_OK ? EMUL_CB_OK : EMUL_CB_ABORT;
}

/* Is @gpa on the MMIO page this emulation started from? (Then it is not
 * RAM: the memslot lookup can be skipped.) */
static bool on_known_mmio(const struct vcpu *v, uint64_t gpa)
{
	return v->mmio_known && v->mmio_is_mmio && ((gpa ^ v->mmio_gpa) & ~0xfffull) == 0;
}

static int cb_read(void *opaque, uint64_t la, void *buf, unsigned len, struct emul_fault *f)
{
	struct vcpu *v = opaque;
	uint64_t gpa;
	int rc = translate(v, la, 0, &gpa, f);
	if (rc != EMUL_CB_OK)
		return rc;
	if (on_known_mmio(v, gpa))
		mmio_read(v, gpa, buf, len);
	else if (mmu_read_guest(&v->vm->mem->mmu, gpa, buf, len) != MMU_OK)
		mmio_read(v, gpa, buf, len);
	return EMUL_CB_OK;
}

static int cb_write(void *opaque, uint64_t la, const void *buf, unsigned len, struct emul_fault *f)
{
	struct vcpu *v = opaque;
	uint64_t gpa;
	int rc = translate(v, la, MMU_ACC_WRITE, &gpa, f);
	if (rc != EMUL_CB_OK)
		return rc;
	if (on_known_mmio(v, gpa))
		mmio_write(v, gpa, buf, len);
	else if (mmu_write_guest(&v->vm->mem->mmu, gpa, buf, len) != MMU_OK)
		mmio_write(v, gpa, buf, len);
	return EMUL_CB_OK;
}

static int cb_check(void *opaque, uint64_t la, unsigned len, enum emul_access acc, struct emul_fault *f)
{
	struct vcpu *v = opaque;
	uint64_t gpa;
	(void)len;
	uint32_t a = MMU_ACC_PROBE | (acc == EMUL_ACC_WRITE ? MMU_ACC_WRITE : acc == EMUL_ACC_FETCH ? MMU_ACC_FETCH : 0);
	return translate(v, la, a, &gpa, f);
}

static int cb_pio_in(void *opaque, uint16_t port, unsigned size, uint32_t *val)
{
	struct vcpu *v = opaque;
	uint64_t x;
	iobus_read(&v->vm->plat->pio, port, size, &x);
	*val = (uint32_t)x;
	return EMUL_CB_OK;
}

static int cb_pio_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct vcpu *v = opaque;
	iobus_write(&v->vm->plat->pio, port, size, val);
	return EMUL_CB_OK;
}

/* One scratch FXSAVE image: filled only when an SSE/MMX move is emulated
 * (most emulations never need the FPU registers). */
static struct fxsave_area fx_scratch;
static bool fx_loaded;

static void cb_fpu_get(void *opaque, struct emul_ctx *c)
{
	(void)opaque;
	if (fx_loaded)
		return;
	__asm__ volatile("fxsave64 %0" : "=m"(fx_scratch));
	memcpy(c->xmm, fx_scratch.b + 160, sizeof(c->xmm));
	for (int i = 0; i < 8; i++)
		memcpy(c->mm[i], fx_scratch.b + 32 + 16 * i, 8);
	fx_loaded = true;
}

static const struct emul_ops emul_callbacks = {
	.fetch = cb_fetch, .read = cb_read, .write = cb_write, .check = cb_check,
	.pio_in = cb_pio_in, .pio_out = cb_pio_out, .fpu_get = cb_fpu_get,
};

/* The emulator's context lives with the vCPU: initialised once, and per
 * emulation only the fields that change are refreshed. */
static void load_ctx(struct vcpu *v, struct emul_ctx *c)
{
	if (!v->emul_ready) {
		emul_ctx_init(c, &emul_callbacks, v);
		v->emul_ready = true;
	}
	memcpy(c->gpr, v->regs.gpr, sizeof(c->gpr));
	c->gpr[EMUL_RSP] = vmread(GUEST_RSP);
	c->rip = vmread(GUEST_RIP);
	c->rflags = vmread(GUEST_RFLAGS);
	vcpu_sync_cr(v);
	c->cr0 = v->cr0;
	c->cr4 = v->cr4;
	c->efer = v->efer;
	c->cpl = (uint8_t)guest_cpl();
	c->dirty = 0;
	for (int s = 0; s < EMUL_NSEG; s++) {
		enum vmcs_field f = GUEST_ES_SELECTOR + 2 * s;
		c->seg[s] = (struct emul_seg){
			.sel = (uint16_t)vmread(f),
			.base = vmread(f - GUEST_ES_SELECTOR + GUEST_ES_BASE),
			.limit = (uint32_t)vmread(f - GUEST_ES_SELECTOR + GUEST_ES_LIMIT),
			.ar = (uint32_t)vmread(f - GUEST_ES_SELECTOR + GUEST_ES_AR_BYTES),
		};
	}
	c->gdtr_base = vmread(GUEST_GDTR_BASE);
	c->gdtr_limit = (uint16_t)vmread(GUEST_GDTR_LIMIT);
	c->mode = emul_mode_of(c->cr0, c->efer, c->seg[EMUL_CS].ar);
	fx_loaded = false;
}

static void store_ctx(struct vcpu *v, const struct emul_ctx *c)
{
	memcpy(v->regs.gpr, c->gpr, sizeof(c->gpr));
	vmwrite(GUEST_RSP, c->gpr[EMUL_RSP]);
	vmwrite(GUEST_RFLAGS, c->rflags);
	if ((c->dirty & (EMUL_DIRTY_XMM | EMUL_DIRTY_MMX)) && fx_loaded) {
		memcpy(fx_scratch.b + 160, c->xmm, sizeof(c->xmm));
		for (int i = 0; i < 8; i++)
			memcpy(fx_scratch.b + 32 + 16 * i, c->mm[i], 8);
		if (c->dirty & EMUL_DIRTY_MMX) {
			fx_scratch.b[2] &= ~0x38;	/* FSW.TOP = 0 */
			fx_scratch.b[4] = 0xff;		/* abridged tags: all valid */
		}
		__asm__ volatile("fxrstor64 %0" :: "m"(fx_scratch));
	}
	if (c->dirty & EMUL_DIRTY_SEG) {
		vmwrite(GUEST_CS_SELECTOR, c->seg[EMUL_CS].sel);
		vmwrite(GUEST_CS_BASE, c->seg[EMUL_CS].base);
		vmwrite(GUEST_CS_LIMIT, c->seg[EMUL_CS].limit);
		vmwrite(GUEST_CS_AR_BYTES, c->seg[EMUL_CS].ar);
	}
}

/* Run one instruction through the emulator, @skip bytes past RIP. */
static enum exit_action emulate_at(struct vcpu *v, uint64_t skip)
{
	struct emul_ctx *c = &v->emul;
	struct emul_result r;
	load_ctx(v, c);
	c->rip += skip;
	int st = emul_step_cached(c, &v->icache, &r);
	v->emulations++;
	switch (st) {
	case EMUL_DONE:
	case EMUL_RESTART:
		/* RF ends with the instruction (SDM Vol. 3A 17.3.1.1). */
		if (st == EMUL_DONE)
			c->rflags &= ~RFLAGS_RF;
		store_ctx(v, c);
		vmwrite(GUEST_RIP, c->rip);
		if (st == EMUL_DONE) {
			/* The instruction completed: STI/MOV-SS blocking ends. */
			uint64_t intr = vmread(GUEST_INTERRUPTIBILITY_INFO);
			if (intr & 3)
				vmwrite(GUEST_INTERRUPTIBILITY_INFO, intr & ~3ull);
		}
		if ((c->dirty & EMUL_DIRTY_CR0) && c->cr0 != v->cr0) {
			v->cr0 = c->cr0;
			gmem_load_context(v);
		}
		break;
	case EMUL_EXCEPTION:
		store_ctx(v, c);
		vmwrite(GUEST_RIP, c->rip);
		if (r.vector == 14)
			set_guest_cr2(v, r.cr2);
		inject_exception(v, r.vector, r.has_error_code, r.error_code);
		break;
	default: {
		char hex[15 * 3 + 1];
		unsigned n = r.insn_len < 15 ? r.insn_len : 15;
		for (unsigned i = 0; i < n; i++)
			snprintf(hex + 3 * i, 4, "%02x ", r.insn[i]);
		hex[n ? 3 * n - 1 : 0] = 0;
		vm_stop(v->vm, VM_END_FAULT, 0, "cannot emulate the instruction at RIP %lx [%s]: %s",
			c->rip, hex, r.why);
		return EXIT_STOP;
	}
	}
	return after_emulation(v);
}

enum exit_action emulate_instruction(struct vcpu *v)
{
	return emulate_at(v, 0);
}

enum exit_action mmio_emulate(struct vcpu *v, uint64_t gva, uint64_t gpa, uint32_t error, bool is_mmio)
{
	v->mmio_known = true;
	v->mmio_gva = gva;
	v->mmio_gpa = gpa;
	v->mmio_known_write = error & PFEC_W;
	v->mmio_is_mmio = is_mmio;
	enum exit_action a = emulate_at(v, 0);
	v->mmio_known = false;
	return a;
}

/* UD2 followed by "kvm": the marker KVM's tests use for "emulate the next
 * instruction". Only with force-emulation=on; otherwise #UD is the guest's. */
static const uint8_t force_marker[5] = { 0x0f, 0x0b, 0x6b, 0x76, 0x6d };

enum exit_action forced_emulation(struct vcpu *v)
{
	uint8_t bytes[5];
	struct emul_fault f;
	uint64_t cs_base = vmread(GUEST_CS_BASE), rip = vmread(GUEST_RIP);
	bool marked = true;
	for (unsigned i = 0; i < sizeof(bytes) && marked; i++)
		marked = cb_fetch(v, cs_base + rip + i, &bytes[i], 1, &f) == EMUL_CB_OK &&
			 bytes[i] == force_marker[i];
	if (!vmx_force_emulation || !marked) {
		inject_ud(v);
		return EXIT_RESUME;
	}
	return emulate_at(v, sizeof(force_marker));
}
