/* Run one instruction natively on the host CPU (x86-64) with a chosen
 * register file, for differential tests of the emulator.
 *
 * A small stub is assembled into an RWX page below 4 GiB: it saves the
 * host's callee-saved registers and RSP, loads XMM0-15, MM0-7, RFLAGS and
 * all 16 GPRs (RSP too) from a struct, runs the instruction under test,
 * stores everything back, restores the host stack and returns.  Faults
 * (SIGSEGV/SIGFPE/SIGILL/SIGBUS) are caught on an alternate stack and
 * reported with the hardware vector (REG_TRAPNO).  The instruction's RIP
 * is a real host address, so the emulator can be run with the very same
 * RIP: pushed return addresses and branch targets compare directly. */
#ifndef SHADE_TEST_EMUL_NATIVE_H
#define SHADE_TEST_EMUL_NATIVE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

struct nat_state {
	uint64_t gpr[16];          /* offset 0 */
	uint64_t rflags;           /* 128 */
	uint64_t pad;
	uint8_t xmm[16][16];       /* 144 */
	uint8_t mm[8][8];          /* 400 */
};

#define NAT_OFF_FLAGS 128
#define NAT_OFF_XMM   144
#define NAT_OFF_MM    400

struct nat_jit {
	uint8_t *page;             /* code + data, RWX */
	uint8_t *insn;             /* where the instruction under test starts */
	uint8_t *after;            /* first byte after it */
	unsigned insn_len;
};

/* Data slots at the end of the page. */
#define NAT_SLOT_HOSTRSP 4000
#define NAT_SLOT_STATE   4008
#define NAT_SLOT_TMPRDI  4016
#define NAT_SLOT_TO32    4024   /* m16:32 far pointer to the compat code */
#define NAT_SLOT_TO64    4032   /* m16:32 far pointer back to 64-bit code */
#define NAT_CS32 0x23           /* Linux x86-64: __USER32_CS */
#define NAT_CS64 0x33           /* __USER_CS */
#define NAT_DS32 0x2b           /* __USER_DS */
#define NAT_CS16 0x07           /* LDT entry 0: 16-bit code, base = JIT page */
#define NAT_DS16 0x0f           /* LDT entry 1: data, base = caller's window */

enum nat_mode { NAT_64, NAT_COMPAT32, NAT_COMPAT16 };

static sigjmp_buf nat_jmp;
static volatile int nat_vector = -1;
static volatile int nat_in_run;

static void nat_sig(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	if (!nat_in_run) {
		extern void __sanitizer_print_stack_trace(void);

		fprintf(stderr, "fault %d outside the native run, addr %p\n", sig, si->si_addr);
		__sanitizer_print_stack_trace();
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	nat_vector = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
	nat_in_run = 0;
	siglongjmp(nat_jmp, 1);
}

static const int nat_sigs[4] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };


/* cmocka installs its own handlers around each test: ours go in for the
 * duration of one native run only. */
static void nat_push_signals(void)
{
	static uint8_t altstack[65536];
	static int alt_done;
	struct sigaction sa;

	if (!alt_done) {
		stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };

		sigaltstack(&ss, NULL);
		alt_done = 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = nat_sig;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	for (int i = 0; i < 4; i++)
		sigaction(nat_sigs[i], &sa, NULL);
}


static uint8_t *nat_emit(uint8_t *p, const void *b, unsigned n)
{
	memcpy(p, b, n);
	return p + n;
}

/* mov [rip+slot], reg / mov reg, [rip+slot] (64-bit), rel32 from the end. */
static uint8_t *nat_riprel(uint8_t *p, uint8_t *page, uint8_t rex, uint8_t op,
			   uint8_t reg, unsigned slot)
{
	int32_t rel;

	*p++ = rex;
	*p++ = op;
	*p++ = (uint8_t)(0x05 | ((reg & 7) << 3));
	rel = (int32_t)((page + slot) - (p + 4));
	memcpy(p, &rel, 4);
	return p + 4;
}

/* [rdi + disp32] with a 64-bit GPR: REX.W (+R) op modrm(10 reg 111) disp32 */
static uint8_t *nat_rdi_mem(uint8_t *p, uint8_t op, unsigned reg, int32_t disp, bool w)
{
	*p++ = (uint8_t)((w ? 0x48 : 0x40) | ((reg & 8) ? 4 : 0));
	*p++ = op;
	*p++ = (uint8_t)(0x87 | ((reg & 7) << 3));
	memcpy(p, &disp, 4);
	return p + 4;
}

/* Assemble the stub around `insn` (len bytes).  With `compat`, the
 * instruction runs in IA-32e compatibility mode: the stub far-jumps (no
 * stack use) to Linux's 32-bit user code segment and back. */
static void nat_build_mode(struct nat_jit *j, const uint8_t *insn, unsigned len, enum nat_mode mode)
{
	bool compat = mode != NAT_64;
	static const uint8_t prologue[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 };
	static const uint8_t epilogue[] = { 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3 };
	uint8_t *p = j->page, *pg = j->page;

	memset(pg, 0xcc, NAT_SLOT_HOSTRSP);
	p = nat_emit(p, prologue, sizeof(prologue));
	p = nat_riprel(p, pg, 0x48, 0x89, 4, NAT_SLOT_HOSTRSP);    /* mov [hostrsp], rsp */
	p = nat_riprel(p, pg, 0x48, 0x89, 7, NAT_SLOT_STATE);      /* mov [state], rdi */
	for (unsigned i = 0; i < 16; i++) {                        /* movdqu xmmi, [rdi+..] */
		int32_t d = NAT_OFF_XMM + 16 * (int32_t)i;

		*p++ = 0xf3;
		*p++ = (uint8_t)(0x40 | ((i & 8) ? 4 : 0));
		*p++ = 0x0f;
		*p++ = 0x6f;
		*p++ = (uint8_t)(0x87 | ((i & 7) << 3));
		memcpy(p, &d, 4);
		p += 4;
	}
	for (unsigned i = 0; i < 8; i++) {                         /* movq mmi, [rdi+..] */
		int32_t d = NAT_OFF_MM + 8 * (int32_t)i;

		*p++ = 0x0f;
		*p++ = 0x6f;
		*p++ = (uint8_t)(0x87 | (i << 3));
		memcpy(p, &d, 4);
		p += 4;
	}
	{                                                          /* push [rdi+flags]; popfq */
		int32_t d = NAT_OFF_FLAGS;

		*p++ = 0xff;
		*p++ = 0xb7;
		memcpy(p, &d, 4);
		p += 4;
		*p++ = 0x9d;
	}
	if (compat) {
		/* DS/ES are null in 64-bit Linux processes: give compat mode
		 * the flat user data segment (mov eax, 0x2b; mov ds/es, ax). */
		uint8_t ds[] = { 0xb8, NAT_DS32, 0, 0, 0, 0x8e, 0xd8, 0x8e, 0xc0 };

		if (mode == NAT_COMPAT16)
			ds[1] = NAT_DS16;
		p = nat_emit(p, ds, sizeof(ds));
	}
	for (unsigned r = 0; r < 16; r++)
		if (r != 7)
			p = nat_rdi_mem(p, 0x8b, r, (int32_t)(8 * r), true);
	p = nat_rdi_mem(p, 0x8b, 7, 8 * 7, true);                  /* rdi last */
	if (compat) {
		int32_t rel;
		uint32_t off;
		uint16_t sel;

		*p++ = 0xff;                                       /* jmp far [rip+to32] */
		*p++ = 0x2d;
		rel = (int32_t)((pg + NAT_SLOT_TO32) - (p + 4));
		memcpy(p, &rel, 4);
		p += 4;
		j->insn = p;
		/* the 16-bit code segment's base is the page: offsets */
		off = mode == NAT_COMPAT16 ? (uint32_t)(p - pg) : (uint32_t)(uintptr_t)p;
		sel = mode == NAT_COMPAT16 ? NAT_CS16 : NAT_CS32;
		memcpy(pg + NAT_SLOT_TO32, &off, 4);
		memcpy(pg + NAT_SLOT_TO32 + 4, &sel, 2);
		p = nat_emit(p, insn, len);
		j->after = p;
		if (mode == NAT_COMPAT16) {
			/* jmp far dword cs:[to64] (m16:32 via 66) */
			static const uint8_t jf[] = { 0x66, 0x2e, 0xff, 0x2e,
						      NAT_SLOT_TO64 & 0xff, NAT_SLOT_TO64 >> 8 };

			p = nat_emit(p, jf, sizeof(jf));
		} else {
			*p++ = 0xff;                               /* jmp far [abs32 to64] */
			*p++ = 0x2d;
			off = (uint32_t)(uintptr_t)(pg + NAT_SLOT_TO64);
			memcpy(p, &off, 4);
			p += 4;
		}
		off = (uint32_t)(uintptr_t)p;
		sel = NAT_CS64;
		memcpy(pg + NAT_SLOT_TO64, &off, 4);
		memcpy(pg + NAT_SLOT_TO64 + 4, &sel, 2);
	} else {
		j->insn = p;
		p = nat_emit(p, insn, len);
		j->after = p;
	}
	j->insn_len = len;
	p = nat_riprel(p, pg, 0x48, 0x89, 7, NAT_SLOT_TMPRDI);     /* mov [tmprdi], rdi */
	p = nat_riprel(p, pg, 0x48, 0x8b, 7, NAT_SLOT_STATE);      /* mov rdi, [state] */
	for (unsigned r = 0; r < 16; r++)
		if (r != 7)
			p = nat_rdi_mem(p, 0x89, r, (int32_t)(8 * r), true);
	p = nat_riprel(p, pg, 0x48, 0x8b, 4, NAT_SLOT_HOSTRSP);    /* mov rsp, [hostrsp] */
	*p++ = 0x9c;                                               /* pushfq; pop rax */
	*p++ = 0x58;
	p = nat_rdi_mem(p, 0x89, 0, NAT_OFF_FLAGS, true);
	p = nat_riprel(p, pg, 0x48, 0x8b, 0, NAT_SLOT_TMPRDI);
	p = nat_rdi_mem(p, 0x89, 0, 8 * 7, true);
	for (unsigned i = 0; i < 16; i++) {                        /* movdqu [rdi+..], xmmi */
		int32_t d = NAT_OFF_XMM + 16 * (int32_t)i;

		*p++ = 0xf3;
		*p++ = (uint8_t)(0x40 | ((i & 8) ? 4 : 0));
		*p++ = 0x0f;
		*p++ = 0x7f;
		*p++ = (uint8_t)(0x87 | ((i & 7) << 3));
		memcpy(p, &d, 4);
		p += 4;
	}
	for (unsigned i = 0; i < 8; i++) {                         /* movq [rdi+..], mmi */
		int32_t d = NAT_OFF_MM + 8 * (int32_t)i;

		*p++ = 0x0f;
		*p++ = 0x7f;
		*p++ = (uint8_t)(0x87 | (i << 3));
		memcpy(p, &d, 4);
		p += 4;
	}
	*p++ = 0x0f;                                               /* emms */
	*p++ = 0x77;
	*p++ = 0xfc;                                               /* cld (ABI) */
	p = nat_emit(p, epilogue, sizeof(epilogue));
}

/* LDT entries for 16-bit code (base = JIT page) and data (base = win,
 * 64 KiB).  Returns false if the kernel refuses modify_ldt. */
#include <asm/ldt.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool nat_ldt_init(struct nat_jit *j, void *win)
{
	struct user_desc code = {
		.entry_number = 0, .base_addr = (unsigned)(uintptr_t)j->page, .limit = 0xfff,
		.seg_32bit = 0, .contents = MODIFY_LDT_CONTENTS_CODE, .read_exec_only = 0,
		.limit_in_pages = 0, .seg_not_present = 0, .useable = 1,
	};
	struct user_desc data = {
		.entry_number = 1, .base_addr = (unsigned)(uintptr_t)win, .limit = 0xffff,
		.seg_32bit = 0, .contents = MODIFY_LDT_CONTENTS_DATA, .read_exec_only = 0,
		.limit_in_pages = 0, .seg_not_present = 0, .useable = 1,
	};

	return syscall(SYS_modify_ldt, 1, &code, sizeof(code)) == 0 &&
	       syscall(SYS_modify_ldt, 1, &data, sizeof(data)) == 0;
}

static int nat_jit_init(struct nat_jit *j)
{
	j->page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (j->page == MAP_FAILED)
		return -1;
	return 0;
}

/* Run the built stub on *s; returns -1 when the instruction completed,
 * else the exception vector. */
static int nat_run(struct nat_jit *j, struct nat_state *s)
{
	void (*fn)(struct nat_state *) = (void (*)(struct nat_state *))(void *)j->page;

	nat_vector = -1;
	nat_push_signals();
	if (sigsetjmp(nat_jmp, 1) == 0) {
		nat_in_run = 1;
		fn(s);
		nat_in_run = 0;
	} else {
		__asm__ volatile("emms; cld");
	}
	return nat_vector;
}

#endif
