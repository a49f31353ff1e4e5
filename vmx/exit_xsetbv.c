/* XSETBV always exits in VMX non-root operation (SDM Vol. 3C 26.1.2). Shade
 * checks it as the CPU would (SDM Vol. 2 XSETBV: #GP for CPL > 0, ECX != 0,
 * bit 0 clear, AVX without SSE, or bits outside what XSAVE may manage) and
 * then sets the hardware XCR0: the guest's while it runs. */
#include "vmx/exit.h"
#include "vmx/vmx_ops.h"
#include "vmx/fpu.h"

enum exit_action handle_xsetbv(struct vcpu *v)
{
	uint64_t *g = v->regs.gpr;
	uint64_t val = (g[R_RDX] << 32) | (uint32_t)g[R_RAX];
	bool ok = guest_cpl() == 0 && (uint32_t)g[R_RCX] == 0 && (val & 1) &&
		  !((val & 4) && !(val & 2)) && !(val & ~fpu_guest_xcr0_mask() & ~1ull);
	if (!ok) {
		inject_gp(v);
		return EXIT_RESUME;
	}
	fpu_set_xcr0(&v->fpu, val);
	skip_instruction(v);
	return EXIT_RESUME;
}
