/* FXSAVE/XSAVE switching between VMs (SDM Vol. 1 10.5, 13.7-13.8). */
#include <string.h>
#include "vmx/fpu.h"
#include "vmx/vmx_defs.h"
#include "lib/x86.h"

static bool xsave;
static uint64_t xcr0_mask;

static void xsetbv(uint32_t idx, uint64_t v)
{
	__asm__ volatile("xsetbv" :: "c"(idx), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void fpu_host_init(void)
{
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	xsave = cpuid(1, 0).ecx & (1u << 26);
	if (xsave) {
		cr4 |= CR4_OSXSAVE;
		struct cpuid_regs d = cpuid(0xd, 0);
		xcr0_mask = (((uint64_t)d.edx << 32) | d.eax) & XCR0_GUEST_OK;
	}
	write_cr4(cr4);
	/* CR0: native x87 errors, no emulation, no lazy switching. */
	write_cr0((read_cr0() | CR0_NE | CR0_MP) & ~(CR0_EM | CR0_TS));
}

bool fpu_has_xsave(void)
{
	return xsave;
}

uint64_t fpu_guest_xcr0_mask(void)
{
	return xcr0_mask;
}

void fpu_init(struct fpu_state *f)
{
	f->xcr0 = 1;
	f->valid = false;
}

void fpu_load(struct fpu_state *f)
{
	if (xsave)
		xsetbv(0, f->xcr0);
	if (!f->valid) {
		/* First run: the power-on state (FNINIT; MXCSR 0x1f80; AVX upper
		 * halves are zeroed by the XRSTOR of an empty header below). */
		memset(f->area, 0, sizeof(f->area));
		*(uint16_t *)(f->area + 0) = 0x037f;	/* FCW */
		*(uint32_t *)(f->area + 24) = 0x1f80;	/* MXCSR */
		f->valid = true;
	}
	if (xsave)
		__asm__ volatile("xrstor64 %0" :: "m"(*f->area), "a"((uint32_t)f->xcr0), "d"((uint32_t)(f->xcr0 >> 32)));
	else
		__asm__ volatile("fxrstor64 %0" :: "m"(*f->area));
}

void fpu_save(struct fpu_state *f)
{
	if (xsave)
		__asm__ volatile("xsave64 %0" : "=m"(*f->area) : "a"((uint32_t)f->xcr0), "d"((uint32_t)(f->xcr0 >> 32)));
	else
		__asm__ volatile("fxsave64 %0" : "=m"(*f->area));
	f->valid = true;
}

void fpu_set_xcr0(struct fpu_state *f, uint64_t xcr0)
{
	f->xcr0 = xcr0;
	xsetbv(0, xcr0);
}
