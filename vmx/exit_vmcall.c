/* VMCALL: Shade's hypercalls (vmx/hypercall.h has the ABI). */
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"
#include "vmx/hypercall.h"
#include "vmx/guest_mem.h"
#include "vmx/platform.h"
#include "lib/log.h"

static uint64_t hc_print(struct vcpu *v, uint64_t gva, uint64_t len)
{
	char buf[SHADE_HC_PRINT_MAX];
	struct gmem_fault f;
	if (len > SHADE_HC_PRINT_MAX || !gmem_read_linear(v, gva, buf, len, &f))
		return ~0ull;
	for (uint64_t i = 0; i < len; i++)
		platform_console_put(v->vm->plat, (uint8_t)buf[i]);
	return 0;
}

enum exit_action handle_vmcall(struct vcpu *v)
{
	uint64_t *g = v->regs.gpr;
	/* Hypercalls are for the guest kernel: from user mode, VMCALL is #UD. */
	if (guest_cpl() != 0) {
		inject_ud(v);
		return EXIT_RESUME;
	}
	bool wide = guest_width(v) == 64;
	uint64_t fn = wide ? g[R_RAX] : (uint32_t)g[R_RAX];
	uint64_t a1 = wide ? g[R_RBX] : (uint32_t)g[R_RBX];
	uint64_t a2 = wide ? g[R_RCX] : (uint32_t)g[R_RCX];
	uint64_t ret;
	switch (fn) {
	case SHADE_HC_VERSION:
		ret = SHADE_HC_ABI_VERSION;
		break;
	case SHADE_HC_PRINT:
		ret = hc_print(v, a1, a2);
		break;
	case SHADE_HC_EXIT:
		platform_console_flush(v->vm->plat);
		vm_stop(v->vm, VM_END_GUEST, (int)(a1 & 0xff), "exited with status %lu", a1);
		return EXIT_STOP;
	case SHADE_HC_EXIT_COUNT:
		ret = (uint32_t)v->exits;
		g[R_RDX] = v->exits >> 32;
		break;
	default:
		ret = ~0ull;
		break;
	}
	g[R_RAX] = wide ? ret : (uint32_t)ret;
	skip_instruction(v);
	return EXIT_RESUME;
}
