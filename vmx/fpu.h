/* The guest's x87/SSE/AVX state and XCR0. Shade's own code never uses
 * these registers, so a running guest's state simply stays in the CPU; it
 * is saved and restored only when another VM takes the CPU. */
#ifndef VMX_FPU_H
#define VMX_FPU_H
#include <stdint.h>
#include <stdbool.h>

/* XCR0 bits Shade lets guests enable: x87, SSE, AVX (SDM Vol. 1 13.3). */
#define XCR0_GUEST_OK 0x7ull

struct fpu_state {
	uint64_t xcr0;				/* the guest's XCR0 (1 = x87 only) */
	bool valid;				/* area holds saved state */
	uint8_t area[4096] __attribute__((aligned(64)));
};

/* Host set-up at boot: CR4.OSFXSR/OSXMMEXCPT, and OSXSAVE when the CPU has
 * XSAVE (so XSETBV on behalf of guests works). */
void fpu_host_init(void);
bool fpu_has_xsave(void);
/* XCR0 values this CPU and Shade allow guests. */
uint64_t fpu_guest_xcr0_mask(void);
/* Power-on state for a new or reset vCPU. */
void fpu_init(struct fpu_state *f);
/* Put @f's state in the CPU (another VM's state was saved first). */
void fpu_load(struct fpu_state *f);
/* Save the CPU's state into @f (the VM loses the CPU). */
void fpu_save(struct fpu_state *f);
/* Set the hardware XCR0 (XSETBV exit). */
void fpu_set_xcr0(struct fpu_state *f, uint64_t xcr0);

#endif
