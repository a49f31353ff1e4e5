/* Host tests for the VT-x availability decision (vmx/probe_decide.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "vmx/probe.h"

/* A Skylake-like CPU as Bochs reports it: VMX in CPUID, firmware locked it
 * on, write-back VMCS, 64-bit host exit control allowed. */
static struct vmx_probe_in good(void)
{
	return (struct vmx_probe_in){
		.cpuid1_ecx = 1u << 5, .feature_control = 5,
		.basic = (6ull << 50) | (1ull << 55) | 0x2b,
		.exit_ctls = (0xffffffffull << 32) | 0x00036dffull,
	};
}

static void usable(void **s)
{
	(void)s;
	struct vmx_probe_in in = good();
	uint64_t fc;
	const char *why = "x";
	assert_int_equal(vmx_probe_decide(&in, &fc, &why), VMX_PROBE_OK);
	assert_int_equal(fc, 0);
	assert_null(why);
}

static void no_vmx_in_cpuid(void **s)
{
	(void)s;
	struct vmx_probe_in in = good();
	uint64_t fc;
	const char *why;
	in.cpuid1_ecx = 0;
	assert_int_equal(vmx_probe_decide(&in, &fc, &why), VMX_PROBE_NO_VMX);
	assert_non_null(strstr(why, "VT-x not available on this CPU"));
}

static void locked_off_by_firmware(void **s)
{
	(void)s;
	struct vmx_probe_in in = good();
	uint64_t fc;
	const char *why;
	in.feature_control = 1;		/* locked, VMX outside SMX off */
	assert_int_equal(vmx_probe_decide(&in, &fc, &why), VMX_PROBE_DISABLED);
	assert_non_null(strstr(why, "VT-x disabled by firmware"));
	assert_int_equal(fc, 0);	/* a locked MSR is never written */
}

static void unlocked_gets_enabled_and_locked(void **s)
{
	(void)s;
	struct vmx_probe_in in = good();
	uint64_t fc;
	const char *why;
	in.feature_control = 0;
	assert_int_equal(vmx_probe_decide(&in, &fc, &why), VMX_PROBE_OK);
	assert_int_equal(fc, 5);	/* lock + VMXON outside SMX */
	in.feature_control = 0x2;	/* inside-SMX bit kept */
	assert_int_equal(vmx_probe_decide(&in, &fc, &why), VMX_PROBE_OK);
	assert_int_equal(fc, 7);
}

static void unusable_capabilities(void **s)
{
	(void)s;
	struct vmx_probe_in in = good();
	uint64_t fc;
	const char *why;
	in.basic &= ~(0xfull << 50);	/* uncacheable VMCS */
	assert_int_equal(vmx_probe_decide(&in, &fc, &why), VMX_PROBE_UNSUPPORTED);
	assert_non_null(strstr(why, "write-back"));
	in = good();
	in.exit_ctls &= ~(1ull << (32 + 9));	/* no 64-bit host (Core Duo Yonah) */
	assert_int_equal(vmx_probe_decide(&in, &fc, &why), VMX_PROBE_UNSUPPORTED);
	assert_non_null(strstr(why, "64-bit host"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(usable),
		cmocka_unit_test(no_vmx_in_cpuid),
		cmocka_unit_test(locked_off_by_firmware),
		cmocka_unit_test(unlocked_gets_enabled_and_locked),
		cmocka_unit_test(unusable_capabilities),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
