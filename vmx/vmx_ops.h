/* VMX instructions as small inline functions (SDM Vol. 3C chapter 31).
 * Each returns false on VMfail (CF or ZF set). */
#ifndef VMX_OPS_H
#define VMX_OPS_H
#include <stdint.h>
#include <stdbool.h>
#include "vmx/vmx_defs.h"

static inline bool vmxon(uint64_t pa)
{
	bool fail;
	__asm__ volatile("vmxon %1; setbe %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static inline bool vmclear(uint64_t pa)
{
	bool fail;
	__asm__ volatile("vmclear %1; setbe %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static inline bool vmptrld(uint64_t pa)
{
	bool fail;
	__asm__ volatile("vmptrld %1; setbe %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static inline __attribute__((always_inline)) uint64_t vmread(enum vmcs_field f)
{
	uint64_t v;
	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"((uint64_t)f) : "cc");
	return v;
}

static inline bool vmread_checked(enum vmcs_field f, uint64_t *v)
{
	bool fail;
	__asm__ volatile("vmread %2, %1; setbe %0" : "=qm"(fail), "=rm"(*v) : "r"((uint64_t)f) : "cc");
	return !fail;
}

/* A VMWRITE failure means a wrong field or value in Shade's own code. */
bool vmwrite_failed(enum vmcs_field f, uint64_t v);
static inline __attribute__((always_inline)) void vmwrite(enum vmcs_field f, uint64_t v)
{
	/* CF or ZF set: VMfailInvalid / VMfailValid (SDM Vol. 3C 31.2). */
	__asm__ goto("vmwrite %1, %0; jbe %l[failed]" : : "r"((uint64_t)f), "rm"(v) : "cc" : failed);
	return;
failed:
	vmwrite_failed(f, v);
}

static inline void invvpid_all(void)
{
	struct { uint64_t vpid, gva; } desc = { 0, 0 };
	__asm__ volatile("invvpid %0, %1" :: "m"(desc), "r"(2ull) : "cc", "memory");
}

#endif
