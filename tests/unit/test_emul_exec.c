/* Differential tests: every instruction form the emulator executes, every
 * operand size, run natively on the host CPU and through the emulator
 * from the same state (registers, flags, memory window), then registers,
 * memory, RIP and the flags the SDM defines are compared.  Exceptions must
 * match too (vector).  Memory operands sometimes straddle a page boundary:
 * the emulator's callbacks assert that no access crosses one.
 *
 * Every group runs twice: in 64-bit mode and in compatibility mode (the
 * stub far-jumps to Linux's 32-bit code segment), which covers the 32-bit
 * defaults, 66-prefixed 16-bit operands, 32-bit stacks and absolute
 * disp32 addressing natively.
 *
 * EMUL_DIFF_CASES (environment) sets cases per form and size (default
 * 100: with every form, size and mode, thousands of cases per
 * instruction); `make emul-sweep`
 * runs 8000. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/emul_diff.h"

#define FLAGS6 (EMUL_FL_CF | EMUL_FL_PF | EMUL_FL_AF | EMUL_FL_ZF | EMUL_FL_SF | EMUL_FL_OF)

#define F(nm, p, o0, o1, o2, n, dg, sz, im, ms, g, r, fk_, sp_, lk) \
	{ .name = nm, .pfx = p, .op = { o0, o1, o2 }, .nop = n, .digit = dg, .sizes = sz, \
	  .imm = im, .memsize = ms, .gk = g, .rk = r, .fk = fk_, .sp = sp_, .lock = lk }
/* one-byte opcode with ModRM */
#define F1(nm, o, dg, sz, im, g, fk_, sp_, lk) F(nm, 0, o, 0, 0, 1, dg, sz, im, 0, g, GK_GPR, fk_, sp_, lk)
#define F2(nm, o, dg, sz, im, g, fk_, sp_, lk) F(nm, 0, 0x0f, o, 0, 2, dg, sz, im, 0, g, GK_GPR, fk_, sp_, lk)
#define W 14   /* 16/32/64 */
#define B 1

#define NOMODRM(nm, o, sz, im, fk_, sp_) \
	F(nm, 0, o, 0, 0, 1, -2, sz, im, 0, GK_NONE, GK_NONE, fk_, sp_, 0)
#define ALU(nm, b, d, lk, fk_) \
	NOMODRM(nm " al,ib", (b) + 4, B, IM_B, fk_, SP_NONE), \
	NOMODRM(nm " eax,iz", (b) + 5, W, IM_Z, fk_, SP_NONE), \
	F1(nm " r/m8,r8", (b), -1, B, IM_NONE, GK_GPR, fk_, SP_NONE, lk), \
	F1(nm " r/m,r", (b) + 1, -1, W, IM_NONE, GK_GPR, fk_, SP_NONE, lk), \
	F1(nm " r8,r/m8", (b) + 2, -1, B, IM_NONE, GK_GPR, fk_, SP_NONE, 0), \
	F1(nm " r,r/m", (b) + 3, -1, W, IM_NONE, GK_GPR, fk_, SP_NONE, 0), \
	F1(nm " r/m8,ib", 0x80, d, B, IM_B, GK_NONE, fk_, SP_NONE, lk), \
	F1(nm " r/m,iz", 0x81, d, W, IM_Z, GK_NONE, fk_, SP_NONE, lk), \
	F1(nm " r/m,ib", 0x83, d, W, IM_B, GK_NONE, fk_, SP_NONE, lk)

#define SHF(nm, d) \
	F1(nm " r/m8,ib", 0xc0, d, B, IM_B, GK_NONE, FK_SHIFT, SP_NONE, 0), \
	F1(nm " r/m,ib", 0xc1, d, W, IM_B, GK_NONE, FK_SHIFT, SP_NONE, 0), \
	F1(nm " r/m8,1", 0xd0, d, B, IM_NONE, GK_NONE, FK_SHIFT, SP_NONE, 0), \
	F1(nm " r/m,1", 0xd1, d, W, IM_NONE, GK_NONE, FK_SHIFT, SP_NONE, 0), \
	F1(nm " r/m8,cl", 0xd2, d, B, IM_NONE, GK_NONE, FK_SHIFT, SP_NONE, 0), \
	F1(nm " r/m,cl", 0xd3, d, W, IM_NONE, GK_NONE, FK_SHIFT, SP_NONE, 0)

#define CC16(m, base, nm, fk_) \
	m(nm "o", base + 0, fk_), m(nm "no", base + 1, fk_), m(nm "b", base + 2, fk_), \
	m(nm "ae", base + 3, fk_), m(nm "e", base + 4, fk_), m(nm "ne", base + 5, fk_), \
	m(nm "be", base + 6, fk_), m(nm "a", base + 7, fk_), m(nm "s", base + 8, fk_), \
	m(nm "ns", base + 9, fk_), m(nm "p", base + 10, fk_), m(nm "np", base + 11, fk_), \
	m(nm "l", base + 12, fk_), m(nm "ge", base + 13, fk_), m(nm "le", base + 14, fk_), \
	m(nm "g", base + 15, fk_)
#define SETCC_F(nm, o, fk_) F2(nm, o, 0, B, IM_NONE, GK_NONE, fk_, SP_NONE, 0)
#define CMOV_F(nm, o, fk_) F2(nm, o, -1, W, IM_NONE, GK_GPR, fk_, SP_NONE, 0)

#define SSEF(nm, p, o, ms, g, lk, sp_) F(nm, p, 0x0f, o, 0, 2, -1, 16, IM_NONE, ms, g, g, FK_ALL, sp_, 0)
#define SSEM(nm, p, o, ms, g, sp_) F(nm, p, 0x0f, o, 0, 2, -1, 16, IM_NONE, ms, g, GK_NONE, FK_ALL, sp_, 0)
#define STRF(nm, o, sz) F(nm, 0, o, 0, 0, 1, -2, sz, IM_NONE, 0, GK_NONE, GK_NONE, FK_ALL, SP_STR, 0)

static const struct form forms[] = {
	ALU("add", 0x00, 0, 1, FK_ALL), ALU("or", 0x08, 1, 1, FK_LOGIC),
	ALU("adc", 0x10, 2, 1, FK_ALL), ALU("sbb", 0x18, 3, 1, FK_ALL),
	ALU("and", 0x20, 4, 1, FK_LOGIC), ALU("sub", 0x28, 5, 1, FK_ALL),
	ALU("xor", 0x30, 6, 1, FK_LOGIC), ALU("cmp", 0x38, 7, 0, FK_ALL),
	F1("test r/m8,r8", 0x84, -1, B, IM_NONE, GK_GPR, FK_LOGIC, SP_NONE, 0),
	F1("test r/m,r", 0x85, -1, W, IM_NONE, GK_GPR, FK_LOGIC, SP_NONE, 0),
	F1("test r/m8,ib", 0xf6, 0, B, IM_B, GK_NONE, FK_LOGIC, SP_NONE, 0),
	NOMODRM("test al,ib", 0xa8, B, IM_B, FK_LOGIC, SP_NONE),
	NOMODRM("test eax,iz", 0xa9, W, IM_Z, FK_LOGIC, SP_NONE),
	F1("test r/m,iz", 0xf7, 0, W, IM_Z, GK_NONE, FK_LOGIC, SP_NONE, 0),
	F1("not r/m8", 0xf6, 2, B, IM_NONE, GK_NONE, FK_ALL, SP_NONE, 1),
	F1("not r/m", 0xf7, 2, W, IM_NONE, GK_NONE, FK_ALL, SP_NONE, 1),
	F1("neg r/m8", 0xf6, 3, B, IM_NONE, GK_NONE, FK_ALL, SP_NONE, 1),
	F1("neg r/m", 0xf7, 3, W, IM_NONE, GK_NONE, FK_ALL, SP_NONE, 1),
	F1("mul r/m8", 0xf6, 4, B, IM_NONE, GK_NONE, FK_MUL, SP_NONE, 0),
	F1("mul r/m", 0xf7, 4, W, IM_NONE, GK_NONE, FK_MUL, SP_NONE, 0),
	F1("imul r/m8", 0xf6, 5, B, IM_NONE, GK_NONE, FK_MUL, SP_NONE, 0),
	F1("imul r/m", 0xf7, 5, W, IM_NONE, GK_NONE, FK_MUL, SP_NONE, 0),
	F1("div r/m8", 0xf6, 6, B, IM_NONE, GK_NONE, FK_NONE, SP_DIV, 0),
	F1("div r/m", 0xf7, 6, W, IM_NONE, GK_NONE, FK_NONE, SP_DIV, 0),
	F1("idiv r/m8", 0xf6, 7, B, IM_NONE, GK_NONE, FK_NONE, SP_DIV, 0),
	F1("idiv r/m", 0xf7, 7, W, IM_NONE, GK_NONE, FK_NONE, SP_DIV, 0),
	F1("inc r/m8", 0xfe, 0, B, IM_NONE, GK_NONE, FK_ALL, SP_NONE, 1),
	F1("inc r/m", 0xff, 0, W, IM_NONE, GK_NONE, FK_ALL, SP_NONE, 1),
	F1("dec r/m8", 0xfe, 1, B, IM_NONE, GK_NONE, FK_ALL, SP_NONE, 1),
	F1("dec r/m", 0xff, 1, W, IM_NONE, GK_NONE, FK_ALL, SP_NONE, 1),
	F1("mov r/m8,r8", 0x88, -1, B, IM_NONE, GK_GPR, FK_ALL, SP_NONE, 0),
	F1("mov r/m,r", 0x89, -1, W, IM_NONE, GK_GPR, FK_ALL, SP_NONE, 0),
	F1("mov r8,r/m8", 0x8a, -1, B, IM_NONE, GK_GPR, FK_ALL, SP_NONE, 0),
	F1("mov r,r/m", 0x8b, -1, W, IM_NONE, GK_GPR, FK_ALL, SP_NONE, 0),
	F1("mov r/m8,ib", 0xc6, 0, B, IM_B, GK_NONE, FK_ALL, SP_NONE, 0),
	NOMODRM("mov r8,ib (b0+r)", 0xb0, B, IM_B, FK_ALL, SP_OPREG),
	NOMODRM("mov r,iv (b8+r)", 0xb8, W, IM_V, FK_ALL, SP_OPREG),
	F1("mov r/m,iz", 0xc7, 0, W, IM_Z, GK_NONE, FK_ALL, SP_NONE, 0),
	F("mov al,moffs", 0, 0xa0, 0, 0, 1, -2, B, IM_NONE, 0, GK_NONE, GK_NONE, FK_ALL, SP_MOFFS, 0),
	F("mov rax,moffs", 0, 0xa1, 0, 0, 1, -2, W, IM_NONE, 0, GK_NONE, GK_NONE, FK_ALL, SP_MOFFS, 0),
	F("mov moffs,al", 0, 0xa2, 0, 0, 1, -2, B, IM_NONE, 0, GK_NONE, GK_NONE, FK_ALL, SP_MOFFS, 0),
	F("mov moffs,rax", 0, 0xa3, 0, 0, 1, -2, W, IM_NONE, 0, GK_NONE, GK_NONE, FK_ALL, SP_MOFFS, 0),
	F2("movzx r,r/m8", 0xb6, -1, W, IM_NONE, GK_GPR, FK_ALL, SP_NONE, 0),
	F2("movzx r,r/m16", 0xb7, -1, W, IM_NONE, GK_GPR, FK_ALL, SP_NONE, 0),
	F2("movsx r,r/m8", 0xbe, -1, W, IM_NONE, GK_GPR, FK_ALL, SP_NONE, 0),
	F2("movsx r,r/m16", 0xbf, -1, W, IM_NONE, GK_GPR, FK_ALL, SP_NONE, 0),
	F1("movsxd r,r/m32", 0x63, -1, W, IM_NONE, GK_GPR, FK_ALL, SP_NONE, 0),
	F1("xchg r/m8,r8", 0x86, -1, B, IM_NONE, GK_GPR, FK_ALL, SP_NONE, 1),
	NOMODRM("xchg r,eax (90+r)", 0x90, W, IM_NONE, FK_ALL, SP_OPREG),
	F1("xchg r/m,r", 0x87, -1, W, IM_NONE, GK_GPR, FK_ALL, SP_NONE, 1),
	F2("cmpxchg r/m8,r8", 0xb0, -1, B, IM_NONE, GK_GPR, FK_ALL, SP_CMPXCHG, 1),
	F2("cmpxchg r/m,r", 0xb1, -1, W, IM_NONE, GK_GPR, FK_ALL, SP_CMPXCHG, 1),
	F("cmpxchg8b/16b m", 0, 0x0f, 0xc7, 0, 2, 1, 12, IM_NONE, 0, GK_NONE, GK_NONE, FK_ALL, SP_CX8, 1),
	F2("xadd r/m8,r8", 0xc0, -1, B, IM_NONE, GK_GPR, FK_ALL, SP_NONE, 1),
	F2("xadd r/m,r", 0xc1, -1, W, IM_NONE, GK_GPR, FK_ALL, SP_NONE, 1),
	F2("bt r/m,r", 0xa3, -1, W, IM_NONE, GK_GPR, FK_BT, SP_BTREG, 0),
	F2("bts r/m,r", 0xab, -1, W, IM_NONE, GK_GPR, FK_BT, SP_BTREG, 1),
	F2("btr r/m,r", 0xb3, -1, W, IM_NONE, GK_GPR, FK_BT, SP_BTREG, 1),
	F2("btc r/m,r", 0xbb, -1, W, IM_NONE, GK_GPR, FK_BT, SP_BTREG, 1),
	F2("bt r/m,ib", 0xba, 4, W, IM_B, GK_NONE, FK_BT, SP_NONE, 0),
	F2("bts r/m,ib", 0xba, 5, W, IM_B, GK_NONE, FK_BT, SP_NONE, 1),
	F2("btr r/m,ib", 0xba, 6, W, IM_B, GK_NONE, FK_BT, SP_NONE, 1),
	F2("btc r/m,ib", 0xba, 7, W, IM_B, GK_NONE, FK_BT, SP_NONE, 1),
	SHF("rol", 0), SHF("ror", 1), SHF("rcl", 2), SHF("rcr", 3),
	SHF("shl", 4), SHF("shr", 5), SHF("sal", 6), SHF("sar", 7),
	CC16(SETCC_F, 0x90, "set", FK_ALL),
	CC16(CMOV_F, 0x40, "cmov", FK_ALL),
	F1("push r/m", 0xff, 6, 10, IM_NONE, GK_NONE, FK_ALL, SP_STACK, 0),
	F1("pop r/m", 0x8f, 0, 10, IM_NONE, GK_NONE, FK_ALL, SP_STACK, 0),
	F("push r", 0, 0x50, 0, 0, 1, -2, 10, IM_NONE, 0, GK_NONE, GK_NONE, FK_ALL, SP_PUSHR, 0),
	F("pop r", 0, 0x58, 0, 0, 1, -2, 10, IM_NONE, 0, GK_NONE, GK_NONE, FK_ALL, SP_POPR, 0),
	F("push iz", 0, 0x68, 0, 0, 1, -2, 10, IM_Z, 0, GK_NONE, GK_NONE, FK_ALL, SP_STACK, 0),
	F("push ib", 0, 0x6a, 0, 0, 1, -2, 10, IM_B, 0, GK_NONE, GK_NONE, FK_ALL, SP_STACK, 0),
	F1("call r/m", 0xff, 2, 8, IM_NONE, GK_NONE, FK_ALL, SP_BRANCH, 0),
	F1("jmp r/m", 0xff, 4, 8, IM_NONE, GK_NONE, FK_ALL, SP_BRANCH, 0),
	F("call rel32", 0, 0xe8, 0, 0, 1, -2, 8, IM_NONE, 0, GK_NONE, GK_NONE, FK_ALL, SP_CALLREL, 0),
	F("ret", 0, 0xc3, 0, 0, 1, -2, 8, IM_NONE, 0, GK_NONE, GK_NONE, FK_ALL, SP_RET, 0),
	F("ret iw", 0, 0xc2, 0, 0, 1, -2, 8, IM_W, 0, GK_NONE, GK_NONE, FK_ALL, SP_RET, 0),
	F("leave", 0, 0xc9, 0, 0, 1, -2, 10, IM_NONE, 0, GK_NONE, GK_NONE, FK_ALL, SP_LEAVE, 0),
	F("enter", 0, 0xc8, 0, 0, 1, -2, 10, IM_NONE, 0, GK_NONE, GK_NONE, FK_ALL, SP_ENTER, 0),
	STRF("movsb", 0xa4, B), STRF("movs", 0xa5, W), STRF("cmpsb", 0xa6, B), STRF("cmps", 0xa7, W),
	STRF("stosb", 0xaa, B), STRF("stos", 0xab, W), STRF("lodsb", 0xac, B), STRF("lods", 0xad, W),
	STRF("scasb", 0xae, B), STRF("scas", 0xaf, W),
	F("movnti m,r", 0, 0x0f, 0xc3, 0, 2, -1, 12, IM_NONE, 0, GK_GPR, GK_NONE, FK_ALL, SP_NONE, 0),
	F("movbe r,m", 0, 0x0f, 0x38, 0xf0, 3, -1, W, IM_NONE, 0, GK_GPR, GK_NONE, FK_ALL, SP_NONE, 0),
	F("movbe m,r", 0, 0x0f, 0x38, 0xf1, 3, -1, W, IM_NONE, 0, GK_GPR, GK_NONE, FK_ALL, SP_NONE, 0),
	F2("bsf r,r/m", 0xbc, -1, W, IM_NONE, GK_GPR, FK_ZF, SP_NONE, 0),
	F("lea r,m", 0, 0x8d, 0, 0, 1, -1, W, IM_NONE, 0, GK_GPR, GK_GPR, FK_ALL, SP_NONE, 0),
	NOMODRM("clc", 0xf8, B, IM_NONE, FK_ALL, SP_NONE),
	NOMODRM("stc", 0xf9, B, IM_NONE, FK_ALL, SP_NONE),
	NOMODRM("cmc", 0xf5, B, IM_NONE, FK_ALL, SP_NONE),
	NOMODRM("cld", 0xfc, B, IM_NONE, FK_ALL, SP_NONE),
	NOMODRM("std", 0xfd, B, IM_NONE, FK_ALL, SP_NONE),
	F2("bsr r,r/m", 0xbd, -1, W, IM_NONE, GK_GPR, FK_ZF, SP_NONE, 0),
	F2("imul r,r/m", 0xaf, -1, W, IM_NONE, GK_GPR, FK_MUL, SP_NONE, 0),
	F1("imul r,r/m,iz", 0x69, -1, W, IM_Z, GK_GPR, FK_MUL, SP_NONE, 0),
	F1("imul r,r/m,ib", 0x6b, -1, W, IM_B, GK_GPR, FK_MUL, SP_NONE, 0),
	F2("shld r/m,r,ib", 0xa4, -1, W, IM_B, GK_GPR, FK_SHD, SP_NONE, 0),
	F2("shld r/m,r,cl", 0xa5, -1, W, IM_NONE, GK_GPR, FK_SHD, SP_NONE, 0),
	F2("shrd r/m,r,ib", 0xac, -1, W, IM_B, GK_GPR, FK_SHD, SP_NONE, 0),
	F2("shrd r/m,r,cl", 0xad, -1, W, IM_NONE, GK_GPR, FK_SHD, SP_NONE, 0),
	SSEF("movups", 0, 0x10, 16, GK_XMM, 0, SP_NONE), SSEF("movups st", 0, 0x11, 16, GK_XMM, 0, SP_NONE),
	SSEF("movupd", 0x66, 0x10, 16, GK_XMM, 0, SP_NONE), SSEF("movupd st", 0x66, 0x11, 16, GK_XMM, 0, SP_NONE),
	SSEF("movaps", 0, 0x28, 16, GK_XMM, 0, SP_ALIGN16), SSEF("movaps st", 0, 0x29, 16, GK_XMM, 0, SP_ALIGN16),
	SSEF("movapd", 0x66, 0x28, 16, GK_XMM, 0, SP_ALIGN16), SSEF("movapd st", 0x66, 0x29, 16, GK_XMM, 0, SP_ALIGN16),
	SSEF("movdqa", 0x66, 0x6f, 16, GK_XMM, 0, SP_ALIGN16), SSEF("movdqa st", 0x66, 0x7f, 16, GK_XMM, 0, SP_ALIGN16),
	SSEF("movdqu", 0xf3, 0x6f, 16, GK_XMM, 0, SP_NONE), SSEF("movdqu st", 0xf3, 0x7f, 16, GK_XMM, 0, SP_NONE),
	SSEF("movq xmm,xmm/m64", 0xf3, 0x7e, 8, GK_XMM, 0, SP_NONE),
	SSEF("movq xmm/m64,xmm", 0x66, 0xd6, 8, GK_XMM, 0, SP_NONE),
	SSEM("movntdq", 0x66, 0xe7, 16, GK_XMM, SP_ALIGN16), SSEM("movntps", 0, 0x2b, 16, GK_XMM, SP_ALIGN16),
	SSEF("movq mm,mm/m64", 0, 0x6f, 8, GK_MMX, 0, SP_NONE), SSEF("movq mm/m64,mm", 0, 0x7f, 8, GK_MMX, 0, SP_NONE),
	SSEM("movntq", 0, 0xe7, 8, GK_MMX, SP_NONE),
	F("movd/q xmm,r/m", 0x66, 0x0f, 0x6e, 0, 2, -1, 12, IM_NONE, 0, GK_XMM, GK_GPR, FK_ALL, SP_NONE, 0),
	F("movd/q r/m,xmm", 0x66, 0x0f, 0x7e, 0, 2, -1, 12, IM_NONE, 0, GK_XMM, GK_GPR, FK_ALL, SP_NONE, 0),
	F("movd/q mm,r/m", 0, 0x0f, 0x6e, 0, 2, -1, 12, IM_NONE, 0, GK_MMX, GK_GPR, FK_ALL, SP_NONE, 0),
	F("movd/q r/m,mm", 0, 0x0f, 0x7e, 0, 2, -1, 12, IM_NONE, 0, GK_MMX, GK_GPR, FK_ALL, SP_NONE, 0),
};
#define NFORMS (sizeof(forms) / sizeof(forms[0]))

/* ---- the fake guest memory: a window of 3 pages between guard pages -- */

static uint8_t *region;     /* 5 pages: guard, window x3, guard */
static uint8_t *win;        /* the window */
static struct nat_jit jit;
static int cross_violations;
static unsigned long n_split;

static bool in_win(uint64_t la, unsigned len)
{
	return la >= (uint64_t)(uintptr_t)win && la + len <= (uint64_t)(uintptr_t)win + WIN_SIZE;
}

static int pf(struct emul_fault *f, uint64_t la, bool write)
{
	f->vector = EMUL_PF;
	f->has_error_code = true;
	f->error_code = 4 | (write ? 2 : 0);
	f->cr2 = la;
	return EMUL_CB_FAULT;
}

static void note_cross(uint64_t la, unsigned len)
{
	if ((la & (PAGE - 1)) + len > PAGE)
		cross_violations++;
}

static int cb_fetch(void *o, uint64_t la, void *buf, unsigned len, struct emul_fault *f)
{
	(void)o;
	note_cross(la, len);
	if (la < (uint64_t)(uintptr_t)jit.page || la + len > (uint64_t)(uintptr_t)jit.page + PAGE)
		return pf(f, la, false);
	memcpy(buf, (void *)(uintptr_t)la, len);
	return EMUL_CB_OK;
}

static int cb_read(void *o, uint64_t la, void *buf, unsigned len, struct emul_fault *f)
{
	(void)o;
	note_cross(la, len);
	/* data reads may also hit the code page (CS-override sources) */
	if (la >= (uint64_t)(uintptr_t)jit.page && la + len <= (uint64_t)(uintptr_t)jit.page + PAGE) {
		memcpy(buf, (void *)(uintptr_t)la, len);
		return EMUL_CB_OK;
	}
	if (!in_win(la, len))
		return pf(f, la, false);
	memcpy(buf, (void *)(uintptr_t)la, len);
	return EMUL_CB_OK;
}

static int cb_write(void *o, uint64_t la, const void *buf, unsigned len, struct emul_fault *f)
{
	(void)o;
	note_cross(la, len);
	if (!in_win(la, len))
		return pf(f, la, true);
	memcpy((void *)(uintptr_t)la, buf, len);
	return EMUL_CB_OK;
}

static int cb_check(void *o, uint64_t la, unsigned len, enum emul_access acc, struct emul_fault *f)
{
	(void)o;
	n_split++;
	note_cross(la, len);
	return in_win(la, len) ? EMUL_CB_OK : pf(f, la, acc == EMUL_ACC_WRITE);
}

static const struct emul_ops ops = {
	.fetch = cb_fetch, .read = cb_read, .write = cb_write, .check = cb_check,
};

/* ---- case generation -------------------------------------------------- */

struct tcase {
	uint8_t bytes[15];
	unsigned len;
	struct nat_state st;
	uint64_t fmask;           /* defined flags to compare */
	unsigned size;            /* operand size */
	unsigned rep_chunk;
	bool skip_dst_compare;
	uint8_t m16_modrm, m16_dsize;     /* 16-bit ModRM (mod, r/m) and disp size */
	uint64_t m16_disp;
};

/* Compatibility-mode cases (32-bit code segment): no REX, registers 0-7,
 * 16/32-bit operands, absolute disp32 instead of RIP-relative. */
static bool m32;
/* Compatibility mode with a 16-bit code segment (LDT): implies m32's
 * restrictions; 16-bit default operand and address size, DS/ES based at
 * the window (so 16-bit offsets reach it), CS based at the JIT page. */
static bool m16;
static bool ldt_ok;

static uint64_t ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* Pick a GPR not in `avoid` (bit mask). */
static unsigned pick_reg(unsigned avoid)
{
	for (;;) {
		unsigned r = rng_below(16);

		if (!(avoid & (1u << r)))
			return r;
	}
}

static void put_val(uint64_t addr, uint64_t v, unsigned n)
{
	memcpy((void *)(uintptr_t)addr, &v, n > 8 ? 8 : n);
}

/* Location of the memory operand in the window: often near a page
 * boundary so that it straddles. */
static uint64_t pick_loc(unsigned size, bool align16, bool center)
{
	uint64_t base = ptr(win);
	uint64_t off;

	if (center)
		return base + PAGE + 2048 + rng_below(64) * 8;
	if (align16)
		return base + 16 + 16 * rng_below((WIN_SIZE - 64) / 16) + (rng_below(10) == 0 ? 8 : 0);
	switch (rng_below(4)) {
	case 0:
		off = PAGE - 1 - rng_below(size > 1 ? size - 1 : 1);
		off += rng_below(2) * PAGE;
		if (off + size > WIN_SIZE - 256)
			off = PAGE - 1;
		break;
	default:
		off = 256 + rng_below(WIN_SIZE - 1024);
		break;
	}
	return base + off;
}

static uint64_t defined_flags(const struct form *fm, unsigned size, unsigned count)
{
	unsigned bits = 8 * size, c;

	switch (fm->fk) {
	case FK_LOGIC: return FLAGS6 & ~(uint64_t)EMUL_FL_AF;
	case FK_MUL:   return EMUL_FL_CF | EMUL_FL_OF;
	case FK_NONE:  return 0;
	case FK_BT:    return EMUL_FL_CF | EMUL_FL_ZF;
	case FK_ZF:    return EMUL_FL_ZF;
	case FK_SHIFT:
	case FK_SHD: {
		uint64_t m = FLAGS6;

		c = count & (size == 8 ? 63 : 31);
		if (c == 0)
			return m;
		if (fm->fk == FK_SHD && size == 2 && c > 16)
			return 0;
		if (fm->digit >= 0 && fm->digit < 4 && fm->fk == FK_SHIFT) {
			/* rotates: CF (and OF for count 1) change, rest kept */
			if (c != 1)
				m &= ~(uint64_t)EMUL_FL_OF;
			return m;
		}
		m &= ~(uint64_t)EMUL_FL_AF;
		if (c != 1)
			m &= ~(uint64_t)EMUL_FL_OF;
		if (fm->fk == FK_SHIFT && (fm->digit == 4 || fm->digit == 5 || fm->digit == 6) && c >= bits)
			m &= ~(uint64_t)EMUL_FL_CF;
		return m;
	}
	default:       return FLAGS6;
	}
}

static void emit(struct tcase *t, uint8_t b)
{
	t->bytes[t->len++] = b;
}

static void emit_n(struct tcase *t, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		emit(t, (uint8_t)(v >> (8 * i)));
}

/* A 16-bit ModRM memory operand addressing window offset T (SDM Vol. 2A
 * Table 2-1): registers get T's pieces in their low 16 bits, garbage
 * above (ignored by 16-bit addressing). */
static void gen_mem16(const struct form *fm, struct tcase *t, uint64_t T, unsigned avoid)
{
	static const int8_t b16[8] = { EMUL_RBX, EMUL_RBX, EMUL_RBP, EMUL_RBP, EMUL_RSI, EMUL_RDI, EMUL_RBP, EMUL_RBX };
	static const int8_t i16[8] = { EMUL_RSI, EMUL_RDI, EMUL_RSI, EMUL_RDI, -1, -1, -1, -1 };
	struct nat_state *s = &t->st;
	unsigned rm, mod;

	if (fm->sp == SP_CMPXCHG || fm->sp == SP_CX8 || fm->sp == SP_DIV)
		avoid |= 0xf;
	for (;;) {
		rm = rng_below(8);
		mod = rng_below(3);
		if (mod == 0 && rm == 6)
			break;                        /* [disp16] */
		if (!(avoid & (1u << b16[rm])) && (i16[rm] < 0 || !(avoid & (1u << i16[rm]))))
			break;
	}
	t->m16_modrm = (uint8_t)((mod << 6) | rm);
	if (mod == 0 && rm == 6) {
		t->m16_disp = T;
		t->m16_dsize = 2;
		return;
	}
	{
		uint64_t disp = mod == 1 ? (uint64_t)(int64_t)(int8_t)rng64() :
				mod == 2 ? rng64() & 0xffff : 0;
		uint64_t idx = 0;

		t->m16_disp = disp;
		t->m16_dsize = (uint8_t)(mod == 1 ? 1 : mod == 2 ? 2 : 0);
		if (i16[rm] >= 0) {
			idx = rng64() & 0xffff;
			s->gpr[i16[rm]] = idx | (rng64() & ~0xffffull);
		}
		s->gpr[b16[rm]] = ((T - disp - idx) & 0xffff) | (rng64() & ~0xffffull);
	}
}

/* Build one random case of form fm with operand size `size`. */
static void gen_case(const struct form *fm, unsigned size, struct tcase *t)
{
	struct nat_state *s = &t->st;
	bool sse = fm->gk == GK_XMM || fm->gk == GK_MMX;
	bool regform = fm->rk != GK_NONE && fm->digit != -2 && rng_below(4) == 0;
	bool lock = false, addr32 = false;
	unsigned hi = m32 ? 0xff00u : 0;   /* registers 8-15 don't exist in compat mode */
	unsigned g = 0, rm = 0, avoid = (1u << EMUL_RSP) | hi, memsize = fm->memsize ? fm->memsize : size;
	uint64_t loc = 0, count = 0;
	uint8_t rex = 0;
	unsigned amode = rng_below(6);
	unsigned nxmm = m32 ? 8 : 16;
	int64_t disp = 0;
	unsigned base = EMUL_NO_REG, index = EMUL_NO_REG, scale = 0;
	int disp_at = -1, imm_at = -1;

	memset(t, 0, sizeof(*t));
	t->size = size;
	for (unsigned r = 0; r < 16; r++)
		s->gpr[r] = rng_below(3) ? rng_edge(1u << rng_below(4)) : rng64();
	for (unsigned i = 0; i < 16; i++)
		for (unsigned k = 0; k < 16; k++)
			s->xmm[i][k] = (uint8_t)rng64();
	for (unsigned i = 0; i < 8; i++)
		for (unsigned k = 0; k < 8; k++)
			s->mm[i][k] = (uint8_t)rng64();
	s->rflags = 0x202 | (rng64() & FLAGS6);
	s->gpr[EMUL_RSP] = ptr(win) + 2 * PAGE + 1024 + 8 * rng_below(64);
	for (unsigned i = 0; i < WIN_SIZE; i++)
		win[i] = (uint8_t)rng64();

	/* Prefixes: ignored segment overrides sometimes, LOCK, 66, mandatory. */
	if (rng_below(8) == 0)
		emit(t, (uint8_t[]){ 0x26, 0x2e, 0x36, 0x3e }[rng_below(4)]);
	if (fm->lock && !regform && rng_below(3) == 0)
		lock = true;
	/* LOCK where the CPU refuses it (register destination, non-lockable
	 * instruction): both must raise #UD. */
	if (rng_below(40) == 0)
		lock = true;
	if (fm->sp == SP_STR) {
		unsigned k = rng_below(4);

		if (k == 1)
			emit(t, 0xf3);
		else if (k == 2)
			emit(t, 0xf2);
	}
	if (m16 && ((!regform && fm->digit != -2) || fm->sp == SP_MOFFS))
		emit(t, 0x3e);      /* DS (based at the window) even for BP-based forms */
	if (lock)
		emit(t, 0xf0);
	if (!sse && size == (m16 ? 4u : 2u))
		emit(t, 0x66);
	if (fm->pfx)
		emit(t, fm->pfx);
	if (m32 && !m16 && amode == 5)
		amode = 1;          /* 67 would mean 16-bit addressing: not reachable here */
	if (!sse && fm->nomodrm == 0 && fm->digit != -2 && amode == 5 && !regform)
		addr32 = true;
	if (addr32)
		emit(t, 0x67);

	/* Operand registers. */
	if (fm->digit == -1) {
		if (fm->gk == GK_GPR) {
			g = pick_reg(size == 1 ? hi : avoid);
		} else {
			g = rng_below(fm->gk == GK_XMM ? nxmm : 8);
		}
		avoid |= 1u << (fm->gk == GK_GPR ? g : 16);
	}
	if (size == 8 && !(fm->sp == SP_STACK || fm->sp == SP_BRANCH || fm->sp == SP_PUSHR ||
			   fm->sp == SP_POPR || fm->sp == SP_LEAVE || fm->sp == SP_ENTER) &&
	    !(sse && fm->rk != GK_GPR))
		rex |= 8;
	if (fm->sp == SP_CX8 && size == 8)
		rex |= 8;
	if (g & 8)
		rex |= 4;

	if (fm->digit == -2) {
		/* no ModRM: string / stack / moffs forms */
		goto nomodrm;
	}
	if (regform) {
		rm = fm->rk == GK_GPR ? pick_reg((1u << EMUL_RSP) | hi) :
					rng_below(fm->rk == GK_XMM ? nxmm : 8);
		if (rm & 8)
			rex |= 1;
	} else {
		bool center = fm->sp == SP_BTREG;
		bool a16 = fm->sp == SP_ALIGN16 || (fm->sp == SP_CX8 && size == 8);

		loc = pick_loc(memsize, a16, center);
		if (fm->sp == SP_STACK || fm->sp == SP_BRANCH)
			loc = ptr(win) + 256 + 8 * rng_below(64);
		if (m16 && !addr32) {
			gen_mem16(fm, t, loc - ptr(win), avoid);
			goto mem_done;
		}
		base = pick_reg(avoid | (1u << EMUL_RSP) |
				(fm->sp == SP_STR ? 0xc2 : 0) | (fm->sp == SP_DIV ? 5 : 0) |
				(fm->sp == SP_CMPXCHG || fm->sp == SP_CX8 ? 0xf : 0));
		if (fm->sp == SP_STACK && rng_below(3) == 0) {
			/* rSP-based operand: PUSH [rsp+d] reads before the
			 * decrement, POP [rsp+d] computes the address after
			 * the increment (SDM Vol. 2B POP). */
			base = EMUL_RSP;
			disp = (int64_t)(8 * (int)rng_below(16)) - 64;
			loc = s->gpr[EMUL_RSP] + (uint64_t)disp;
			amode = 1;
		} else if (amode == 4) {
			base = EMUL_NO_REG;   /* RIP-relative */
		} else if (amode == 3) {
			index = pick_reg(avoid | (1u << base) | (1u << EMUL_RSP) | hi |
					 (fm->sp == SP_DIV ? 5 : 0) |
					 (fm->sp == SP_CMPXCHG || fm->sp == SP_CX8 ? 0xf : 0));
			scale = rng_below(4);
			s->gpr[index] = rng_below(16);
		}
		if (base != EMUL_RSP)
			disp = (amode == 1 || amode == 3 || amode == 5 || base == 5 || base == 13) ?
				(int64_t)(int8_t)rng64() :
				(amode == 2 ? (int64_t)(int32_t)(rng64() % 100000) - 50000 : 0);
		if (base != EMUL_NO_REG && base != EMUL_RSP) {
			uint64_t v = loc - (m16 ? ptr(win) : 0) - (uint64_t)disp -
				     (index != EMUL_NO_REG ? s->gpr[index] << scale : 0);

			s->gpr[base] = addr32 ? (v & 0xffffffffull) | (rng64() << 32 & (rng_below(2) ? ~0ull : 0)) : v;
			if (base & 8)
				rex |= 1;
		}
		if (index != EMUL_NO_REG && (index & 8))
			rex |= 2;
mem_done:
		if (fm->sp == SP_BTREG) {
			int64_t bits = (int64_t)(rng64() % (2 * 8 * 2048)) - 8 * 2048;

			if (rng_below(3) == 0)
				bits = (int64_t)(rng64() % (8 * size));
			s->gpr[g] = (uint64_t)bits;
		}
	}
	if (size == 1 && rng_below(3) == 0 && !m32)
		rex |= 0x40;            /* SPL/BPL/SIL/DIL instead of AH..BH */
	if (rex)
		emit(t, 0x40 | rex);
	for (unsigned i = 0; i < fm->nop; i++)
		emit(t, fm->op[i]);
	{
		unsigned regf = fm->digit >= 0 ? (unsigned)fm->digit : g;

		if (regform) {
			emit(t, (uint8_t)(0xc0 | ((regf & 7) << 3) | (rm & 7)));
		} else if (m16 && !addr32) {
			emit(t, (uint8_t)(t->m16_modrm | ((regf & 7) << 3)));
			emit_n(t, t->m16_disp, t->m16_dsize);
		} else if (base == EMUL_NO_REG) {
			emit(t, (uint8_t)(0x05 | ((regf & 7) << 3)));
			disp_at = (int)t->len;
			emit_n(t, 0, 4);
		} else if (index != EMUL_NO_REG) {
			emit(t, (uint8_t)(0x44 | ((regf & 7) << 3)));
			emit(t, (uint8_t)((scale << 6) | ((index & 7) << 3) | (base & 7)));
			emit_n(t, (uint64_t)disp, 1);
		} else {
			unsigned mod = disp == 0 ? 0 : (disp >= -128 && disp < 128) ? 1 : 2;

			if ((base & 7) == 5 && mod == 0)
				mod = 1;     /* mod 00 r/m 101 would be RIP-relative */

			emit(t, (uint8_t)((mod << 6) | ((regf & 7) << 3) | (base & 7)));
			if ((base & 7) == 4)
				emit(t, 0x24);
			emit_n(t, (uint64_t)disp, mod == 1 ? 1 : mod == 2 ? 4 : 0);
		}
	}
	goto imm;

nomodrm:
	if (fm->sp == SP_PUSHR || fm->sp == SP_POPR || fm->sp == SP_OPREG) {
		unsigned r = pick_reg((1u << EMUL_RSP) | hi);

		if (r & 8)
			rex |= 1;
		if (rex)
			emit(t, 0x40 | rex);
		emit(t, (uint8_t)(fm->op[0] + (r & 7)));
	} else {
		if (rex)
			emit(t, 0x40 | rex);
		for (unsigned i = 0; i < fm->nop; i++)
			emit(t, fm->op[i]);
	}

imm:
	switch (fm->imm) {
	case IM_B:
		imm_at = (int)t->len;
		emit(t, (uint8_t)rng_edge(1));
		count = t->bytes[imm_at];
		break;
	case IM_W:
		emit_n(t, rng_below(4) ? 8 * rng_below(8) : rng_edge(2), 2);
		break;
	case IM_Z:
		emit_n(t, rng_edge(4), size == 2 ? 2 : 4);
		break;
	case IM_V:
		emit_n(t, rng_edge(size), size);
		break;
	default:
		break;
	}

	/* Form-specific set-up. */
	switch (fm->sp) {
	case SP_DIV:
		if (rng_below(2))
			s->gpr[EMUL_RDX] = fm->digit == 7 && (s->gpr[EMUL_RAX] >> (8 * size - 1) & 1) ? ~0ull : 0;
		if (size == 1 && rng_below(2))
			s->gpr[EMUL_RAX] &= ~0xff00ull;
		break;
	case SP_CMPXCHG:
		if (rng_below(2) && !regform) {
			uint64_t v = rng_edge(size), m = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;

			put_val(loc, v, size);
			s->gpr[EMUL_RAX] = (s->gpr[EMUL_RAX] & ~m) | v;
		}
		break;
	case SP_CX8: {
		unsigned half = size == 8 ? 8 : 4;

		if (rng_below(2)) {
			memcpy(&s->gpr[EMUL_RAX], (void *)(uintptr_t)loc, half);
			memcpy(&s->gpr[EMUL_RDX], (void *)(uintptr_t)(loc + half), half);
		}
		break;
	}
	case SP_STR: {
		unsigned n = rng_below(12), sz = size;

		s->gpr[EMUL_RCX] = rng_below(4) ? n : (rng64() & ~0xffffull) | n;
		if (rng_below(2))
			s->rflags |= EMUL_FL_DF;
		s->gpr[EMUL_RSI] = ptr(win) + PAGE - 40 + rng_below(80) * 1;
		s->gpr[EMUL_RDI] = ptr(win) + 2 * PAGE - 40 + rng_below(80);
		if (m16) {
			/* 16-bit SI/DI/CX, garbage above */
			s->gpr[EMUL_RSI] = (s->gpr[EMUL_RSI] - ptr(win)) | (rng64() & ~0xffffull);
			s->gpr[EMUL_RDI] = (s->gpr[EMUL_RDI] - ptr(win)) | (rng64() & ~0xffffull);
			s->gpr[EMUL_RCX] = n | (rng64() & ~0xffffull);
		}
		if (rng_below(3) == 0) {
			/* make compares stop early */
			uint64_t sb = m16 ? ptr(win) : 0, mk = m16 ? 0xffff : ~0ull;

			memcpy((void *)(uintptr_t)(sb + (s->gpr[EMUL_RDI] & mk)),
			       (void *)(uintptr_t)(sb + (s->gpr[EMUL_RSI] & mk)), 64);
		}
		(void)sz;
		t->rep_chunk = rng_below(3) ? 1 + rng_below(4) : 0;
		break;
	}
	case SP_MOFFS:
		loc = pick_loc(size, false, false);
		if (m16) {
			emit_n(t, loc - ptr(win), 2);
		} else if (m32) {
			emit_n(t, loc, 4);
		} else if (rng_below(4) == 0) {
			/* 67: 32-bit moffs */
			memmove(t->bytes + 1, t->bytes, t->len);
			t->bytes[0] = 0x67;
			t->len++;
			emit_n(t, loc, 4);
		} else {
			emit_n(t, loc, 8);
		}
		break;
	case SP_ENTER:
		emit_n(t, 8 * rng_below(8), 2);
		emit(t, (uint8_t)rng_below(4));
		s->gpr[EMUL_RBP] = ptr(win) + 2 * PAGE + 8 * rng_below(64);
		break;
	case SP_LEAVE:
		s->gpr[EMUL_RBP] = ptr(win) + 2 * PAGE + 8 * rng_below(64);
		break;
	case SP_CALLREL:
		emit_n(t, 0, 4);
		break;
	default:
		break;
	}
	if (fm->fk == FK_SHIFT && fm->imm == IM_NONE)
		count = fm->op[0] >= 0xd2 ? s->gpr[EMUL_RCX] & 0xff : 1;
	if (fm->fk == FK_SHD) {
		if (fm->imm == IM_NONE)
			count = s->gpr[EMUL_RCX] & 0xff;
		if (size == 2 && (count & 31) > 16) {
			count &= 15;
			if (fm->imm == IM_NONE)
				s->gpr[EMUL_RCX] = (s->gpr[EMUL_RCX] & ~0xffull) | count;
			else
				t->bytes[t->len - 1] = (uint8_t)count;
		}
	}
	t->fmask = defined_flags(fm, size, (unsigned)count);

	/* Memory operand value: an edge value of the operand size. */
	if (loc && !regform && fm->sp != SP_CX8 && fm->sp != SP_CMPXCHG)
		put_val(loc, rng_edge(memsize > 8 ? 8 : memsize), memsize > 8 ? 8 : memsize);
	nat_build_mode(&jit, t->bytes, t->len, m16 ? NAT_COMPAT16 : m32 ? NAT_COMPAT32 : NAT_64);
	/* Fix the RIP-relative displacement now that the address is known
	 * (compat mode: the absolute disp32). */
	if (disp_at >= 0) {
		int32_t rel = (int32_t)(m16 ? loc - ptr(win) : m32 ? loc : loc - ptr(jit.after));

		memcpy(t->bytes + disp_at, &rel, 4);
		nat_build_mode(&jit, t->bytes, t->len, m16 ? NAT_COMPAT16 : m32 ? NAT_COMPAT32 : NAT_64);
	}
	(void)imm_at;
	/* Branch targets: land right after the instruction. */
	if (fm->sp == SP_BRANCH) {
		uint64_t tgt = (rng_below(10) || m32) ? ptr(jit.after) : 0x8000000000001000ull;

		if (regform)
			s->gpr[rm] = tgt;
		else
			put_val(loc, tgt, size);
	}
	if (fm->sp == SP_RET)
		put_val(s->gpr[EMUL_RSP], ptr(jit.after), size);
}

/* ---- running and comparing ------------------------------------------- */

struct outcome {
	int status;
	int vector;
	struct nat_state st;
	uint64_t rip;
};

static uint8_t snap_win[WIN_SIZE], emu_win[WIN_SIZE];
static unsigned long n_outcomes[33];   /* [0] all, [1 + v] agreed exception v */

static struct emul_icache icache;

static void run_emul(const struct tcase *t, struct outcome *o)
{
	bool use_cache = rng_below(2);
	struct emul_ctx c;
	struct emul_result res;
	int st, guard = 0;

	emul_ctx_init(&c, &ops, NULL);
	c.cpl = 3;
	if (m32) {
		c.mode = EMUL_MODE_COMPAT32;
		c.seg[EMUL_CS].ar = (c.seg[EMUL_CS].ar & ~(uint32_t)EMUL_AR_L) | EMUL_AR_DB;
	}
	if (m16) {
		/* what nat_ldt_init() created: 16-bit code based at the JIT
		 * page, DS/ES data based at the window, limit 64K, DPL 3 */
		c.mode = EMUL_MODE_COMPAT16;
		c.seg[EMUL_CS] = (struct emul_seg){ 0x07, ptr(jit.page), 0xfff, 0xfb };
		c.seg[EMUL_DS] = (struct emul_seg){ 0x0f, ptr(win), 0xffff, 0xf3 };
		c.seg[EMUL_ES] = c.seg[EMUL_DS];
	}
	memcpy(c.gpr, t->st.gpr, sizeof(c.gpr));
	c.rflags = t->st.rflags;
	c.rip = ptr(jit.insn) - (m16 ? ptr(jit.page) : 0);
	memcpy(c.xmm, t->st.xmm, sizeof(c.xmm));
	memcpy(c.mm, t->st.mm, sizeof(c.mm));
	c.rep_chunk = t->rep_chunk;
	/* Half the cases go through the decoded-instruction cache: the JIT
	 * page puts different instructions at the same RIP all the time, so
	 * this checks that validation against the bytes works. */
	do {
		st = use_cache ? emul_step_cached(&c, &icache, &res) : emul_step(&c, &res);
	} while (st == EMUL_RESTART && ++guard < 100000);
	o->status = st;
	o->vector = st == EMUL_EXCEPTION ? res.vector : -1;
	memcpy(o->st.gpr, c.gpr, sizeof(c.gpr));
	o->st.rflags = c.rflags;
	memcpy(o->st.xmm, c.xmm, sizeof(c.xmm));
	memcpy(o->st.mm, c.mm, sizeof(c.mm));
	o->rip = c.rip;
}

static void dump_case(const struct form *fm, const struct tcase *t, const char *what)
{
	fprintf(stderr, "MISMATCH %s (%s, size %u):", fm->name, what, t->size);
	for (unsigned i = 0; i < t->len; i++)
		fprintf(stderr, " %02x", t->bytes[i]);
	fprintf(stderr, "\n");
}

/* Returns true if emulator and CPU agree. */
static bool run_case(const struct form *fm, struct tcase *t, bool verbose)
{
	if (getenv("EMUL_TRACE"))
		dump_case(fm, t, "trace");
	n_outcomes[0]++;
	struct outcome e, n;
	int cv = cross_violations;

	memcpy(snap_win, win, WIN_SIZE);
	run_emul(t, &e);
	memcpy(emu_win, win, WIN_SIZE);
	memcpy(win, snap_win, WIN_SIZE);
	n.st = t->st;
	n.vector = nat_run(&jit, &n.st);
	if (cross_violations != cv) {
		if (verbose)
			dump_case(fm, t, "callback access crossed a page");
		return false;
	}
	if (n.vector >= 0 || e.status == EMUL_EXCEPTION) {
		if (e.status == EMUL_EXCEPTION && e.vector == n.vector) {
			n_outcomes[1 + (n.vector & 31)]++;
			return true;
		}
		if (verbose) {
			dump_case(fm, t, "exception");
			fprintf(stderr, "  native vector %d, emulator status %d vector %d\n",
				n.vector, e.status, e.vector);
		}
		return false;
	}
	if (e.status != EMUL_DONE) {
		if (verbose) {
			dump_case(fm, t, "status");
			fprintf(stderr, "  emulator status %d\n", e.status);
		}
		return false;
	}
	for (unsigned r = 0; r < 16; r++) {
		uint64_t m = m32 ? 0xffffffffull : ~0ull;   /* upper halves: undefined */

		if ((e.st.gpr[r] ^ n.st.gpr[r]) & m) {
			if (verbose) {
				dump_case(fm, t, "register");
				fprintf(stderr, "  r%u: emul %#llx cpu %#llx (was %#llx)\n", r,
					(unsigned long long)e.st.gpr[r], (unsigned long long)n.st.gpr[r],
					(unsigned long long)t->st.gpr[r]);
			}
			return false;
		}
	}
	if ((e.st.rflags ^ n.st.rflags) & (t->fmask | EMUL_FL_DF)) {
		if (verbose) {
			dump_case(fm, t, "flags");
			fprintf(stderr, "  emul %#llx cpu %#llx (was %#llx) mask %#llx\n",
				(unsigned long long)e.st.rflags, (unsigned long long)n.st.rflags,
				(unsigned long long)t->st.rflags, (unsigned long long)t->fmask);
		}
		return false;
	}
	if (e.rip != ptr(jit.after) - (m16 ? ptr(jit.page) : 0)) {
		if (verbose) {
			dump_case(fm, t, "rip");
			fprintf(stderr, "  emul rip %#llx want %#llx\n", (unsigned long long)e.rip,
				(unsigned long long)ptr(jit.after));
		}
		return false;
	}
	if (memcmp(emu_win, win, WIN_SIZE)) {
		if (verbose) {
			unsigned i = 0;

			while (emu_win[i] == win[i])
				i++;
			dump_case(fm, t, "memory");
			fprintf(stderr, "  window offset %u: emul %02x cpu %02x (was %02x)\n", i,
				emu_win[i], win[i], snap_win[i]);
		}
		return false;
	}
	if (memcmp(e.st.xmm, n.st.xmm, sizeof(e.st.xmm)) || memcmp(e.st.mm, n.st.mm, sizeof(e.st.mm))) {
		if (verbose)
			dump_case(fm, t, "xmm/mm");
		return false;
	}
	return true;
}

static unsigned cases_per_size(void)
{
	const char *s = getenv("EMUL_DIFF_CASES");

	return s ? (unsigned)strtoul(s, NULL, 0) : 100;
}

static unsigned long total_cases, total_fail;

/* Run every form whose name starts with one of the given prefixes. */
static void run_forms(const char *const *names, unsigned nnames)
{
	unsigned per = cases_per_size();
	unsigned long fails = 0, cases = 0;

	nat_push_signals();      /* cmocka installed its own for this test */
	for (unsigned f = 0; f < NFORMS; f++) {
		const struct form *fm = &forms[f];
		bool match = false;

		for (unsigned k = 0; k < nnames; k++)
			if (!strncmp(fm->name, names[k], strlen(names[k])))
				match = true;
		if (!match)
			continue;
		unsigned sizes = fm->sizes;

		if (m32) {
			bool stacky = fm->sp == SP_STACK || fm->sp == SP_BRANCH || fm->sp == SP_RET ||
				      fm->sp == SP_CALLREL || fm->sp == SP_PUSHR || fm->sp == SP_POPR ||
				      fm->sp == SP_LEAVE || fm->sp == SP_ENTER;

			if (!strncmp(fm->name, "movsxd", 6))
				continue;    /* 63 is ARPL outside 64-bit mode */
			/* 16-bit code: stack/branch forms are covered by
			 * test_emul_sem; MOVNTI has no 16-bit form */
			if (m16 && (stacky || !strncmp(fm->name, "movnti", 6)))
				continue;
			if ((sizes & 8) && stacky)
				sizes |= 4;
			sizes &= ~8u;
		}
		for (unsigned sz = 1; sz <= 16; sz <<= 1) {
			unsigned shown = 0;

			if (!(sizes & sz))
				continue;
			for (unsigned i = 0; i < per; i++) {
				struct tcase t;

				gen_case(fm, sz == 16 ? 16 : sz, &t);
				cases++;
				if (!run_case(fm, &t, shown < 3)) {
					fails++;
					shown++;
				}
			}
		}
	}
	total_cases += cases;
	total_fail += fails;
	fprintf(stderr, "# %s...%s: %lu cases, %lu mismatches\n", names[0],
		m16 ? " (16-bit code)" : m32 ? " (compat mode)" : "", cases, fails);
	assert_true(cases > 0);
	assert_int_equal(fails, 0);
}

#define GROUP(fn, ...) \
	static void fn(void **state) \
	{ \
		static const char *const n[] = { __VA_ARGS__ }; \
		(void)state; \
		m32 = false; \
		rng_seed((uint64_t)(uintptr_t)#fn[0] * 7919u + sizeof(#fn)); \
		run_forms(n, sizeof(n) / sizeof(n[0])); \
	} \
	static void fn##_compat(void **state) \
	{ \
		static const char *const n[] = { __VA_ARGS__ }; \
		(void)state; \
		m32 = true; \
		rng_seed((uint64_t)(uintptr_t)#fn[1] * 7907u + sizeof(#fn)); \
		run_forms(n, sizeof(n) / sizeof(n[0])); \
		m32 = false; \
	} \
	static __attribute__((unused)) void fn##_code16(void **state) \
	{ \
		static const char *const n[] = { __VA_ARGS__ }; \
		(void)state; \
		if (!ldt_ok) \
			skip(); \
		m32 = m16 = true; \
		rng_seed((uint64_t)(uintptr_t)#fn[2] * 7901u + sizeof(#fn)); \
		run_forms(n, sizeof(n) / sizeof(n[0])); \
		m32 = m16 = false; \
	}

GROUP(test_add_adc, "add", "adc")
GROUP(test_sub_sbb_cmp, "sub", "sbb", "cmp r")
GROUP(test_logic, "and", "or", "xor", "test")
GROUP(test_unary, "not", "neg", "inc", "dec")
GROUP(test_muldiv, "mul", "imul", "div", "idiv")
GROUP(test_mov, "mov r", "mov al", "mov moffs", "movzx", "movsx", "movnti")
GROUP(test_xchg_cmpxchg_xadd, "xchg", "cmpxchg", "xadd")
GROUP(test_bt, "bt")
GROUP(test_rotate, "rol", "ror", "rcl", "rcr")
GROUP(test_shift, "shl", "shr", "sal", "sar")
GROUP(test_shld_shrd, "shld", "shrd")
GROUP(test_setcc, "set")
GROUP(test_cmovcc, "cmov")
GROUP(test_stack, "push", "pop", "leave", "enter")
GROUP(test_branch, "call", "jmp", "ret")
GROUP(test_strings, "movs", "cmps", "stos", "lods", "scas")
GROUP(test_movbe_bsf_bsr, "movbe", "bsf", "bsr")
GROUP(test_lea_flags, "lea", "clc", "stc", "cmc", "cld", "std")
GROUP(test_sse_moves, "movups", "movupd", "movaps", "movapd", "movdqa", "movdqu",
      "movq xmm", "movntdq", "movntps", "movd/q xmm", "movd/q r/m,xmm")
GROUP(test_mmx_moves, "movq mm", "movntq", "movd/q mm", "movd/q r/m,mm")

static int setup(void **state)
{
	(void)state;
	region = mmap(NULL, 5 * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (region == MAP_FAILED || nat_jit_init(&jit))
		return -1;
	mprotect(region, PAGE, PROT_NONE);
	mprotect(region + 4 * PAGE, PAGE, PROT_NONE);
	win = region + PAGE;
	ldt_ok = nat_ldt_init(&jit, win);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fprintf(stderr, "# total: %lu differential cases, %lu mismatches, "
		"%lu split accesses, %d page-crossing callback accesses\n",
		total_cases, total_fail, n_split, cross_violations);
	fprintf(stderr, "# decoded-instruction cache: %llu hits, %llu misses\n",
		(unsigned long long)icache.hits, (unsigned long long)icache.misses);
	fprintf(stderr, "# agreed exceptions: #DE %lu, #UD %lu, #SS %lu, #GP %lu, #PF %lu\n",
		n_outcomes[1 + 0], n_outcomes[1 + 6], n_outcomes[1 + 12], n_outcomes[1 + 13],
		n_outcomes[1 + 14]);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_adc),
		cmocka_unit_test(test_sub_sbb_cmp),
		cmocka_unit_test(test_logic),
		cmocka_unit_test(test_unary),
		cmocka_unit_test(test_muldiv),
		cmocka_unit_test(test_mov),
		cmocka_unit_test(test_xchg_cmpxchg_xadd),
		cmocka_unit_test(test_bt),
		cmocka_unit_test(test_rotate),
		cmocka_unit_test(test_shift),
		cmocka_unit_test(test_shld_shrd),
		cmocka_unit_test(test_setcc),
		cmocka_unit_test(test_cmovcc),
		cmocka_unit_test(test_stack),
		cmocka_unit_test(test_branch),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_movbe_bsf_bsr),
		cmocka_unit_test(test_lea_flags),
		cmocka_unit_test(test_sse_moves),
		cmocka_unit_test(test_mmx_moves),
		cmocka_unit_test(test_add_adc_compat),
		cmocka_unit_test(test_sub_sbb_cmp_compat),
		cmocka_unit_test(test_logic_compat),
		cmocka_unit_test(test_unary_compat),
		cmocka_unit_test(test_muldiv_compat),
		cmocka_unit_test(test_mov_compat),
		cmocka_unit_test(test_xchg_cmpxchg_xadd_compat),
		cmocka_unit_test(test_bt_compat),
		cmocka_unit_test(test_rotate_compat),
		cmocka_unit_test(test_shift_compat),
		cmocka_unit_test(test_shld_shrd_compat),
		cmocka_unit_test(test_setcc_compat),
		cmocka_unit_test(test_cmovcc_compat),
		cmocka_unit_test(test_stack_compat),
		cmocka_unit_test(test_branch_compat),
		cmocka_unit_test(test_strings_compat),
		cmocka_unit_test(test_movbe_bsf_bsr_compat),
		cmocka_unit_test(test_lea_flags_compat),
		cmocka_unit_test(test_sse_moves_compat),
		cmocka_unit_test(test_mmx_moves_compat),
		cmocka_unit_test(test_add_adc_code16),
		cmocka_unit_test(test_sub_sbb_cmp_code16),
		cmocka_unit_test(test_logic_code16),
		cmocka_unit_test(test_unary_code16),
		cmocka_unit_test(test_muldiv_code16),
		cmocka_unit_test(test_mov_code16),
		cmocka_unit_test(test_xchg_cmpxchg_xadd_code16),
		cmocka_unit_test(test_bt_code16),
		cmocka_unit_test(test_rotate_code16),
		cmocka_unit_test(test_shift_code16),
		cmocka_unit_test(test_shld_shrd_code16),
		cmocka_unit_test(test_setcc_code16),
		cmocka_unit_test(test_cmovcc_code16),
		cmocka_unit_test(test_strings_code16),
		cmocka_unit_test(test_movbe_bsf_bsr_code16),
		cmocka_unit_test(test_lea_flags_code16),
		cmocka_unit_test(test_sse_moves_code16),
		cmocka_unit_test(test_mmx_moves_code16),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
