/* Host tests for Shade's own VM-entry guest-state checks (vmx/guest_check.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "vmx/guest_check.h"
#include "vmx/vmx_defs.h"

static char buf[200];

/* The state Shade gives a Multiboot guest (vmx/vmcs.c) on a Skylake-like CPU. */
static struct guest_state good(void)
{
	struct guest_state g = {
		.cr0 = 0x80010031, .cr4 = 0x2020, .dr7 = 0x400, .rflags = 0x2, .rip = 0x100000,
		.cr0_fixed0 = 0x80000021, .cr0_fixed1 = 0xffffffff, .cr4_fixed0 = 0x2000, .cr4_fixed1 = 0x3727ff,
	};
	for (int i = 0; i < SEG_COUNT; i++)
		g.seg[i] = (struct seg_state){ 0x18, 0, 0xffffffff, 0xc093 };
	g.seg[SEG_CS] = (struct seg_state){ 0x10, 0, 0xffffffff, 0xc09b };
	g.seg[SEG_LDTR] = (struct seg_state){ 0, 0, 0, 1u << 16 };
	g.seg[SEG_TR] = (struct seg_state){ 0, 0, 0x67, 0x8b };
	return g;
}

static void accepts_shade_initial_state(void **state)
{
	(void)state;
	struct guest_state g = good();
	assert_null(vmx_check_guest(&g, buf, sizeof(buf)));
}

#define EXPECT(mutation, needle) do { \
	struct guest_state g = good(); \
	mutation; \
	const char *m = vmx_check_guest(&g, buf, sizeof(buf)); \
	assert_non_null(m); \
	assert_non_null(strstr(m, needle)); \
} while (0)

static void names_control_register_faults(void **state)
{
	(void)state;
	EXPECT(g.cr0 &= ~CR0_NE, "GUEST_CR0");
	EXPECT(g.cr0 &= ~CR0_PE, "GUEST_CR0");
	EXPECT(g.cr4 &= ~CR4_VMXE, "GUEST_CR4");
	EXPECT(g.cr4 |= 1ull << 30, "GUEST_CR4");
	EXPECT(g.dr7 |= 1ull << 40, "GUEST_DR7");
	EXPECT((g.ia32e = true, g.cr4 &= ~CR4_PAE), "IA-32e");
	EXPECT((g.load_efer = true, g.efer = EFER_LME | EFER_LMA), "GUEST_IA32_EFER");
}

static void names_rflags_and_rip_faults(void **state)
{
	(void)state;
	EXPECT(g.rflags = 0, "GUEST_RFLAGS");
	EXPECT(g.rflags |= 1ull << 3, "GUEST_RFLAGS");
	EXPECT(g.rflags |= RFLAGS_VM, "virtual-8086");
	EXPECT(g.rip = 1ull << 40, "GUEST_RIP");
	EXPECT(g.activity = 7, "ACTIVITY");
}

static void names_segment_faults(void **state)
{
	(void)state;
	EXPECT(g.seg[SEG_TR].ar = 1u << 16, "GUEST_TR");
	EXPECT(g.seg[SEG_TR].sel = 4, "GUEST_TR");
	EXPECT(g.seg[SEG_TR].ar = 0x89, "GUEST_TR");		/* available, not busy */
	EXPECT(g.seg[SEG_LDTR].ar = 0x83, "GUEST_LDTR");
	EXPECT(g.seg[SEG_CS].ar = 0xc093, "GUEST_CS_AR_BYTES");
	EXPECT(g.seg[SEG_CS].ar = 0xc0bb, "DPL");			/* DPL 1, SS DPL 0 */
	EXPECT(g.seg[SEG_SS].sel = 0x1b, "RPL");
	EXPECT(g.seg[SEG_SS].ar = 0xc091, "GUEST_SS_AR_BYTES");	/* read-only data */
	EXPECT(g.seg[SEG_DS].ar = 0xc092, "GUEST_DS_AR_BYTES");	/* not accessed */
	EXPECT(g.seg[SEG_DS].ar = 0x4093, "GUEST_DS");		/* 4 GiB limit without G */
	EXPECT(g.seg[SEG_ES].ar = 0xc013, "GUEST_ES");		/* not present */
	EXPECT(g.seg[SEG_FS].ar = 0xc193, "GUEST_FS_AR_BYTES");	/* reserved bit 8 */
	EXPECT(g.gdtr_limit = 0x10000, "GDTR");
	EXPECT(g.idtr_base = 1ull << 50, "GDTR/IDTR");
}

static void unusable_data_segments_are_not_checked(void **state)
{
	(void)state;
	struct guest_state g = good();
	g.seg[SEG_FS] = (struct seg_state){ 0, 0, 0, 1u << 16 };
	g.seg[SEG_GS] = (struct seg_state){ 0, 0, 0, (1u << 16) | 0x12 };
	assert_null(vmx_check_guest(&g, buf, sizeof(buf)));
}

static void long_mode_state_passes(void **state)
{
	(void)state;
	struct guest_state g = good();
	g.ia32e = true;
	g.load_efer = true;
	g.efer = EFER_LME | EFER_LMA;
	g.seg[SEG_CS].ar = 0xa09b;	/* L=1, D=0 */
	g.rip = 0xffffffff80001000ull;
	assert_null(vmx_check_guest(&g, buf, sizeof(buf)));
	g.seg[SEG_CS].ar = 0xe09b;	/* L and D */
	assert_non_null(vmx_check_guest(&g, buf, sizeof(buf)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_shade_initial_state),
		cmocka_unit_test(names_control_register_faults),
		cmocka_unit_test(names_rflags_and_rip_faults),
		cmocka_unit_test(names_segment_faults),
		cmocka_unit_test(unusable_data_segments_are_not_checked),
		cmocka_unit_test(long_mode_state_passes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
