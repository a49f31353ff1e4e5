/*
 * The built-in demo guest: greets, shows who the hypervisor is (CPUID
 * leaf 0x40000000), asks Shade for its hypercall ABI version, prints one
 * line through the PRINT hypercall and exits with status 0.
 * On bare QEMU/Bochs it greets, says there is no Shade, and exits 0 too.
 */
#include "guest.h"

int guest_main(void)
{
	char sig[13];
	uint32_t max_leaf;
	static const char msg[] = "demo: this line came through the PRINT hypercall\n";

	printf("Hello from the Shade demo guest\n");
	hv_signature(sig, &max_leaf);
	for (int i = 0; i < 12; i++)
		if (sig[i] && (sig[i] < 0x20 || sig[i] > 0x7e))
			sig[i] = '?';
	printf("demo: CPUID 0x40000000: signature \"%s\", max leaf 0x%x\n",
	       sig, max_leaf);
	if (!shade_present()) {
		printf("demo: not running under Shade, no hypercalls\n");
		return 0;
	}
	printf("demo: VERSION hypercall -> %u\n", hc_version());
	if (hc_print(msg, sizeof(msg) - 1) != 0)
		printf("demo: PRINT hypercall failed\n");
	printf("demo: exiting with status 0 through the EXIT hypercall\n");
	return 0;
}
