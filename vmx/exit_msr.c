/* RDMSR/WRMSR: an allow-list. Each MSR the guest may touch has a row; any
 * other index raises #GP(0) as on a CPU without that MSR. Writes get the
 * CPU's own checks (reserved bits, canonical addresses). */
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"
#include "vmx/guest_mem.h"
#include "vmx/events.h"
#include "vmx/platform.h"
#include "lib/x86.h"
#include "lib/log.h"

enum msr_kind { MSR_VMCS, MSR_VCPU, MSR_CONST, MSR_TSC, MSR_EFER, MSR_PAT, MSR_MTRR, MSR_MISC, MSR_IGNORE, MSR_APIC };

struct msr_rule {
	uint32_t index;
	enum msr_kind kind;
	bool writable;
	bool canonical;			/* the value is an address: #GP if non-canonical */
	enum vmcs_field field;		/* MSR_VMCS */
	size_t vcpu_off;		/* MSR_VCPU: offset in struct vcpu */
	uint64_t value;			/* MSR_CONST */
};

/* MTRRs are kept for the guest to read back (SDM Vol. 3A 12.11): Shade's
 * shadow entries don't take memory types from them. 8 variable ranges,
 * fixed ranges, write-combining (MTRRcap bits 7:0, 8, 10). */
#define MTRR_VAR_COUNT 8
#define MTRRCAP (MTRR_VAR_COUNT | (1u << 8) | (1u << 10))
/* IA32_MISC_ENABLE: fast strings (0) and "BTS/PEBS unavailable" (11, 12)
 * read as set; the guest may toggle fast strings, limit-CPUID (22) and
 * XD-disable (34); everything else is reserved here. */
#define MISC_ENABLE_FIXED ((1ull << 0) | (1ull << 11) | (1ull << 12))
#define MISC_ENABLE_WRITABLE ((1ull << 0) | (1ull << 22) | (1ull << 34))

#define VCPU_FIELD(f) .kind = MSR_VCPU, .vcpu_off = __builtin_offsetof(struct vcpu, f)

static const struct msr_rule msr_rules[] = {	/* sorted by index */
	{ 0x10, .kind = MSR_TSC, .writable = true },			/* IA32_TSC */
	{ 0x17, .kind = MSR_CONST, .value = 0 },			/* IA32_PLATFORM_ID */
	{ 0x1b, .kind = MSR_APIC, .writable = true },			/* IA32_APIC_BASE */
	{ 0x3a, .kind = MSR_CONST, .value = 1 },			/* FEATURE_CONTROL: locked, VMX off */
	{ 0x8b, .kind = MSR_IGNORE, .writable = true },			/* BIOS_SIGN_ID: no microcode update */
	{ 0xfe, .kind = MSR_CONST, .value = MTRRCAP },			/* MTRRcap */
	{ MSR_IA32_SYSENTER_CS, .kind = MSR_VMCS, .writable = true, .field = GUEST_SYSENTER_CS },
	{ MSR_IA32_SYSENTER_ESP, .kind = MSR_VMCS, .writable = true, .canonical = true, .field = GUEST_SYSENTER_ESP },
	{ MSR_IA32_SYSENTER_EIP, .kind = MSR_VMCS, .writable = true, .canonical = true, .field = GUEST_SYSENTER_EIP },
	{ 0x1a0, .kind = MSR_MISC, .writable = true },			/* IA32_MISC_ENABLE */
	{ 0x250, .kind = MSR_MTRR, .writable = true },			/* fixed-range MTRRs */
	{ 0x258, .kind = MSR_MTRR, .writable = true },
	{ 0x259, .kind = MSR_MTRR, .writable = true },
	{ 0x268, .kind = MSR_MTRR, .writable = true },
	{ 0x269, .kind = MSR_MTRR, .writable = true },
	{ 0x26a, .kind = MSR_MTRR, .writable = true },
	{ 0x26b, .kind = MSR_MTRR, .writable = true },
	{ 0x26c, .kind = MSR_MTRR, .writable = true },
	{ 0x26d, .kind = MSR_MTRR, .writable = true },
	{ 0x26e, .kind = MSR_MTRR, .writable = true },
	{ 0x26f, .kind = MSR_MTRR, .writable = true },
	{ MSR_IA32_PAT, .kind = MSR_PAT, .writable = true },
	{ 0x2ff, .kind = MSR_MTRR, .writable = true },			/* MTRRdefType */
	{ 0x6e0, .kind = MSR_APIC, .writable = true },			/* IA32_TSC_DEADLINE */
	{ MSR_IA32_EFER, .kind = MSR_EFER, .writable = true },
	{ 0xC0000081, VCPU_FIELD(star), .writable = true },		/* STAR */
	{ 0xC0000082, VCPU_FIELD(lstar), .writable = true, .canonical = true },
	{ 0xC0000083, VCPU_FIELD(cstar), .writable = true, .canonical = true },
	{ 0xC0000084, VCPU_FIELD(fmask), .writable = true },
	{ MSR_FS_BASE, .kind = MSR_VMCS, .writable = true, .canonical = true, .field = GUEST_FS_BASE },
	{ MSR_GS_BASE, .kind = MSR_VMCS, .writable = true, .canonical = true, .field = GUEST_GS_BASE },
	{ 0xC0000102, VCPU_FIELD(kernel_gs_base), .writable = true, .canonical = true },
	{ 0xC0000103, VCPU_FIELD(tsc_aux), .writable = true },		/* IA32_TSC_AUX: RDTSCP reads it */
};

/* Variable-range MTRR pairs 0x200-0x20f (PHYSBASEn/PHYSMASKn). */
static const struct msr_rule mtrr_var_rule = { 0x200, .kind = MSR_MTRR, .writable = true };
/* The x2APIC registers 0x800-0x8ff: the local APIC model decides (#GP
 * outside x2APIC mode, for reserved registers, read-only ones...). */
static const struct msr_rule x2apic_rule = { 0x800, .kind = MSR_APIC, .writable = true };

/* msr_rules[] is sorted by index: a binary search keeps every RDMSR and
 * WRMSR exit equally cheap however long the list grows. */
static const struct msr_rule *find_rule(uint32_t index)
{
	if (index >= 0x200 && index < 0x200 + 2 * MTRR_VAR_COUNT)
		return &mtrr_var_rule;
	if (index >= 0x800 && index < 0x900)
		return &x2apic_rule;
	size_t lo = 0, hi = sizeof(msr_rules) / sizeof(msr_rules[0]);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (msr_rules[mid].index == index)
			return &msr_rules[mid];
		if (msr_rules[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* PAT entries must be memory types 0, 1, 4, 5, 6 or 7 (SDM Vol. 3A 13.12.2). */
static bool valid_pat(uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		unsigned t = (v >> (i * 8)) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/* EFER: SCE, LME, NXE writable (LMA is read-only; bits the CPU lacks are
 * reserved); LME can't change while paging is on (SDM Vol. 3A 10.8.5). */
static bool write_efer(struct vcpu *v, uint64_t val)
{
	uint64_t ok = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	struct cpuid_regs r = cpuid(0x80000001, 0);
	if (!(r.edx & (1u << 20)))
		ok &= ~EFER_NXE;
	if (val & ~ok)
		return false;
	vcpu_sync_cr(v);
	if ((v->cr0 & CR0_PG) && ((val ^ v->efer) & EFER_LME))
		return false;
	v->efer = (val & ~EFER_LMA) | (v->efer & EFER_LMA);
	if (!gmem_load_context(v))
		return false;
	return true;
}

/* Boot-time guard for the binary search below. */
void msr_policy_check(void)
{
	for (size_t i = 1; i < sizeof(msr_rules) / sizeof(msr_rules[0]); i++)
		if (msr_rules[i - 1].index >= msr_rules[i].index)
			panic("MSR policy table out of order at %x", msr_rules[i].index);
}

/* The storage of an MTRR MSR in struct vcpu. */
static uint64_t *mtrr_slot(struct vcpu *v, uint32_t msr)
{
	static const uint32_t fixed[11] = { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f };
	if (msr == 0x2ff)
		return &v->mtrr_def_type;
	if (msr >= 0x200 && msr < 0x200 + 2 * MTRR_VAR_COUNT)
		return &v->mtrr_var[msr - 0x200];
	for (unsigned i = 0; i < 11; i++)
		if (fixed[i] == msr)
			return &v->mtrr_fixed[i];
	return &v->mtrr_def_type;	/* not reached: find_rule admits only these */
}

/* Memory types 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB) are valid. */
static bool valid_type(unsigned t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

static bool valid_mtrr(uint32_t msr, uint64_t val)
{
	uint64_t phys_hi = ~0ull << 52;		/* above any MAXPHYADDR Shade reports */
	if (msr == 0x2ff)			/* type (7:0), FE (10), E (11) */
		return !(val & ~0xcffull) && valid_type(val & 0xff);
	if (msr >= 0x200 && msr < 0x200 + 2 * MTRR_VAR_COUNT) {
		if (msr & 1)			/* PHYSMASK: V (11) + mask */
			return !(val & (phys_hi | 0x7ffull));
		return !(val & (phys_hi | 0xf00ull)) && valid_type(val & 0xff);
	}
	for (int i = 0; i < 8; i++)		/* fixed: eight type bytes */
		if (!valid_type((val >> (8 * i)) & 0xff))
			return false;
	return true;
}

static uint64_t *vcpu_slot(struct vcpu *v, const struct msr_rule *r)
{
	return (uint64_t *)((char *)v + r->vcpu_off);
}

enum exit_action handle_rdmsr(struct vcpu *v)
{
	uint64_t *g = v->regs.gpr;
	const struct msr_rule *r = find_rule((uint32_t)g[R_RCX]);
	uint64_t val = 0;
	if (!r) {
		inject_gp(v);
		return EXIT_RESUME;
	}
	switch (r->kind) {
	case MSR_VMCS: val = vmread(r->field); break;
	case MSR_VCPU: val = rdmsr(r->index); break;	/* live in the CPU (vcpu_msrs_load) */
	case MSR_CONST: val = r->value; break;
	case MSR_TSC: val = guest_tsc(v); break;
	case MSR_EFER: val = v->efer; break;
	case MSR_PAT: val = v->pat; break;
	case MSR_MTRR: val = *mtrr_slot(v, (uint32_t)g[R_RCX]); break;
	case MSR_MISC: val = v->misc_enable | MISC_ENABLE_FIXED; break;
	case MSR_IGNORE: val = 0; break;
	case MSR_APIC:
		if (!platform_apic_msr_read(v->vm->plat, (uint32_t)g[R_RCX], &val)) {
			inject_gp(v);
			return EXIT_RESUME;
		}
		break;
	}
	g[R_RAX] = (uint32_t)val;
	g[R_RDX] = val >> 32;
	skip_instruction(v);
	return EXIT_RESUME;
}

enum exit_action handle_wrmsr(struct vcpu *v)
{
	uint64_t *g = v->regs.gpr;
	const struct msr_rule *r = find_rule((uint32_t)g[R_RCX]);
	uint64_t val = (g[R_RDX] << 32) | (uint32_t)g[R_RAX];
	bool ok = r && r->writable && (!r->canonical || is_canonical(val));
	if (ok) {
		switch (r->kind) {
		case MSR_VMCS: vmwrite(r->field, val); break;
		case MSR_VCPU:
			/* TSC_AUX holds 32 bits (SDM Vol. 4); the rest are reserved. */
			if (r->index == 0xC0000103 && (val >> 32)) {
				ok = false;
				break;
			}
			*vcpu_slot(v, r) = val;
			wrmsr(r->index, val);
			break;
		case MSR_CONST: break;
		case MSR_TSC: v->tsc_offset = val - rdtsc(); vmwrite(TSC_OFFSET, v->tsc_offset); break;
		case MSR_EFER: ok = write_efer(v, val); break;
		case MSR_PAT: ok = valid_pat(val); if (ok) v->pat = val; break;
		case MSR_MTRR: ok = valid_mtrr((uint32_t)g[R_RCX], val); if (ok) *mtrr_slot(v, (uint32_t)g[R_RCX]) = val; break;
		case MSR_MISC: ok = !(val & ~(MISC_ENABLE_WRITABLE | MISC_ENABLE_FIXED)); if (ok) v->misc_enable = val & MISC_ENABLE_WRITABLE; break;
		case MSR_IGNORE: break;
		case MSR_APIC: ok = platform_apic_msr_write(v->vm->plat, (uint32_t)g[R_RCX], val); break;
		}
	}
	if (!ok) {
		inject_gp(v);
		return EXIT_RESUME;
	}
	skip_instruction(v);
	return EXIT_RESUME;
}
