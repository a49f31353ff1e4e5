/*
 * Thin wrappers around the instructions the guest programs use. Each is a
 * single instruction; the *_safe variants that catch #GP live in fault.h.
 */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include <stdint.h>
#include <stdbool.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid2(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline struct cpuid_regs cpuid(uint32_t leaf)
{
	return cpuid2(leaf, 0);
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val),
		     "d"((uint32_t)(val >> 32)) : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

/* Control registers. The "memory" clobbers keep the compiler from moving
 * memory accesses across a paging change. */
#define DEFINE_CR(n)							\
static inline uint32_t read_cr##n(void)					\
{									\
	uint32_t v;							\
	asm volatile("mov %%cr" #n ", %0" : "=r"(v) : : "memory");	\
	return v;							\
}									\
static inline void write_cr##n(uint32_t v)				\
{									\
	asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory");		\
}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void invlpg(uint32_t va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint32_t read_eflags(void)
{
	uint32_t v;

	asm volatile("pushf; pop %0" : "=r"(v));
	return v;
}

static inline void cli(void) { asm volatile("cli" ::: "memory"); }
static inline void hlt(void) { asm volatile("hlt" ::: "memory"); }
static inline void pause(void) { asm volatile("pause"); }

/*
 * VMCALL with EAX = function, EBX/ECX = arguments. Returns EDX:EAX (EDX is
 * only meaningful for functions that define it, such as EXIT_COUNT).
 * Outside VMX non-root operation VMCALL raises #UD (SDM Vol. 3C 30.3).
 */
static inline uint64_t vmcall3(uint32_t fn, uint32_t a1, uint32_t a2)
{
	uint32_t lo = fn, hi = 0;

	asm volatile("vmcall"
		     : "+a"(lo), "+d"(hi), "+b"(a1), "+c"(a2)
		     :
		     : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/*
 * Shade's forced-emulation prefix (issue 3, the same bytes KVM uses):
 * UD2 followed by "kvm" in front of an instruction makes Shade emulate
 * that instruction instead of running it, when the option is on.
 * Elsewhere the UD2 raises #UD. Use in asm: FORCED_EMULATION "movl ..."
 */
#define FORCED_EMULATION "ud2; .byte 0x6b, 0x76, 0x6d; "

/* Control-register bits the tests name (SDM Vol. 3A 2.5). */
#define CR0_PE  (1u << 0)
#define CR0_MP  (1u << 1)
#define CR0_EM  (1u << 2)
#define CR0_TS  (1u << 3)
#define CR0_ET  (1u << 4)
#define CR0_NE  (1u << 5)
#define CR0_WP  (1u << 16)
#define CR0_AM  (1u << 18)
#define CR0_NW  (1u << 29)
#define CR0_CD  (1u << 30)
#define CR0_PG  (1u << 31)

#define CR4_VME  (1u << 0)
#define CR4_PVI  (1u << 1)
#define CR4_TSD  (1u << 2)
#define CR4_DE   (1u << 3)
#define CR4_PSE  (1u << 4)
#define CR4_PAE  (1u << 5)
#define CR4_MCE  (1u << 6)
#define CR4_PGE  (1u << 7)
#define CR4_PCE  (1u << 8)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_VMXE (1u << 13)
#define CR4_SMXE (1u << 14)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)

#define EFLAGS_IF (1u << 9)
#define EFLAGS_AC (1u << 18)

#endif
