/*
 * 64-bit instruction cases of test-emul-mmio (see emul-cases.S for the
 * scheme): REX prefixes, 64-bit operands, R8-R15, RIP-relative and moffs64
 * addressing, CMPXCHG16B, MOVSXD. Each case is a 64-bit function
 * void case(struct emu_state64 *) called through lm_call64() with 4-level
 * paging on; RBP points at the memory under test, which is mapped at
 * EMU64_RAM (a RAM page) or EMU64_MMIO (pc-testdev's page) so that
 * RIP-relative and absolute forms can name it too: those cases have a
 * second copy ("mcase_") for the MMIO run.
 *
 * Table entries in .emul_cases64:
 *	{ native, forced, native for MMIO, name, flags mask, setup }
 */
	.text
	.code64

#define EMU64_RAM  0x40000200
#define EMU64_MMIO 0x40001200

#define ST_RAX 0
#define ST_RBX 8
#define ST_RCX 16
#define ST_RDX 24
#define ST_RSI 32
#define ST_RDI 40
#define ST_R8 48
#define ST_R9 56
#define ST_R10 64
#define ST_R11 72
#define ST_R12 80
#define ST_R13 88
#define ST_R14 96
#define ST_R15 104
#define ST_RFL 112
#define ST_BASE 120

.set F_ALL, 0x8d5
.set F_CZSP, 0x0c5
.set F_CO, 0x801
.set F_C, 0x001
.set F_Z, 0x040
.set F_CZ, 0x041
.set F_NONE, 0x000
.set S_NONE, 0x000
.set S_PTRS, 0x001
.set S_DI_RAM, 0x004
.set S_SSE, 0x100
.set S_CODEPTR, 0x400
.set S_CX16, 0x800

.macro FEPB
	ud2
	.byte 0x6b, 0x76, 0x6d
.endm
.macro NOFEP
.endm

/* emu64_ram/emu64_mmio (= EMU64_RAM/EMU64_MMIO) come from the linker
 * script: as undefined symbols here they get PC-relative relocations, so
 * sym(%rip) really is RIP-relative (an absolute .set would be taken as a
 * raw displacement). */
	.extern emu64_ram, emu64_mmio

.macro PROLOGUE64 fname
	.align 16
\fname:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi
	pushq ST_RFL(%rdi)
	popfq
	mov ST_BASE(%rdi), %rbp
	mov ST_RBX(%rdi), %rbx
	mov ST_RCX(%rdi), %rcx
	mov ST_RDX(%rdi), %rdx
	mov ST_RSI(%rdi), %rsi
	mov ST_R8(%rdi), %r8
	mov ST_R9(%rdi), %r9
	mov ST_R10(%rdi), %r10
	mov ST_R11(%rdi), %r11
	mov ST_R12(%rdi), %r12
	mov ST_R13(%rdi), %r13
	mov ST_R14(%rdi), %r14
	mov ST_R15(%rdi), %r15
	mov ST_RAX(%rdi), %rax
	mov ST_RDI(%rdi), %rdi
.endm

.macro EPILOGUE64
	xchg %rdi, (%rsp)
	mov %rax, ST_RAX(%rdi)
	mov %rbx, ST_RBX(%rdi)
	mov %rcx, ST_RCX(%rdi)
	mov %rdx, ST_RDX(%rdi)
	mov %rsi, ST_RSI(%rdi)
	mov %r8, ST_R8(%rdi)
	mov %r9, ST_R9(%rdi)
	mov %r10, ST_R10(%rdi)
	mov %r11, ST_R11(%rdi)
	mov %r12, ST_R12(%rdi)
	mov %r13, ST_R13(%rdi)
	mov %r14, ST_R14(%rdi)
	mov %r15, ST_R15(%rdi)
	pushfq
	popq ST_RFL(%rdi)
	popq ST_RDI(%rdi)
	cld
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret
.endm

.macro ENTRY64 name, mask, setup, mfn
	.pushsection .rodata.emul_names, "a"
name64_\name: .asciz "\name"
	.popsection
	.pushsection .emul_cases64, "a"
	.long case64_\name, fcase64_\name, \mfn, name64_\name, \mask, \setup
	.popsection
.endm

/* One instruction, RBP-relative. */
.macro CASE name, mask, setup, insn:vararg
	ENTRY64 \name, \mask, \setup, case64_\name
	PROLOGUE64 case64_\name
	\insn
	EPILOGUE64
	PROLOGUE64 fcase64_\name
	FEPB
	\insn
	EPILOGUE64
.endm

/* Several instructions: body_<name> fep. */
.macro CASEM name, mask, setup
	ENTRY64 \name, \mask, \setup, case64_\name
	PROLOGUE64 case64_\name
	body_\name
	EPILOGUE64
	PROLOGUE64 fcase64_\name
	body_\name FEPB
	EPILOGUE64
.endm

/* Addressing that names the memory itself (RIP-relative, moffs):
 * body_<name> fep, addr is instantiated once per mapping. */
.macro CASEA name, mask, setup
	ENTRY64 \name, \mask, \setup, mcase64_\name
	PROLOGUE64 case64_\name
	body_\name NOFEP, emu64_ram, EMU64_RAM
	EPILOGUE64
	PROLOGUE64 fcase64_\name
	body_\name FEPB, emu64_ram, EMU64_RAM
	EPILOGUE64
	PROLOGUE64 mcase64_\name
	body_\name NOFEP, emu64_mmio, EMU64_MMIO
	EPILOGUE64
.endm

/* ---- MOV and friends with 64-bit operands and REX registers ------------- */
CASE mov_r64_m, F_ALL, S_NONE, mov 8(%rbp), %rax
CASE mov_m_r64, F_ALL, S_NONE, mov %rcx, 8(%rbp)
CASE mov_r9_m, F_ALL, S_NONE, mov 16(%rbp), %r9
CASE mov_m_r14, F_ALL, S_NONE, mov %r14, 24(%rbp)
CASE mov_m_r10d, F_ALL, S_NONE, mov %r10d, 12(%rbp)
CASE mov_r11d_m, F_ALL, S_NONE, mov 12(%rbp), %r11d
CASE mov_sil_m, F_ALL, S_NONE, mov 9(%rbp), %sil
CASE mov_m_r12b, F_ALL, S_NONE, mov %r12b, 11(%rbp)
CASE mov_m_imm32s, F_ALL, S_NONE, movq $-5, 16(%rbp)
.macro body_mov_r12_base fep
	mov %rbp, %r12
	and $7, %rcx
	\fep
	mov 8(%r12,%rcx,4), %r8
.endm
CASEM mov_r12_base, F_ALL, S_NONE
CASE movsxd, F_ALL, S_NONE, movslq 8(%rbp), %rcx
CASE movzbq, F_ALL, S_NONE, movzbq 9(%rbp), %rdx
CASE movsbq, F_ALL, S_NONE, movsbq 9(%rbp), %r15
CASE movzwq, F_ALL, S_NONE, movzwq 10(%rbp), %rsi
CASE movswq, F_ALL, S_NONE, movswq 10(%rbp), %r8

/* ---- ALU 64 ------------------------------------------------------------------ */
.irp op, add, or, adc, sbb, and, sub, xor, cmp
CASE \op\()_r_m64, F_ALL, S_NONE, \op 8(%rbp), %rcx
CASE \op\()_m_r64, F_ALL, S_NONE, \op %r9, 8(%rbp)
CASE \op\()_m_i32s, F_ALL, S_NONE, \op\()q $-0x12345678, 16(%rbp)
CASE \op\()_m_i8s, F_ALL, S_NONE, \op\()q $-3, 16(%rbp)
.endr
CASE lock_add64, F_ALL, S_NONE, lock addq %rdx, 8(%rbp)
CASE test_m64, F_ALL, S_NONE, testq %rcx, 8(%rbp)
.irp op, not, neg, inc, dec
CASE \op\()_m64, F_ALL, S_NONE, \op\()q 8(%rbp)
.endr
CASE mul_m64, F_CO, S_NONE, mulq 8(%rbp)
CASE imul_r_m64, F_CO, S_NONE, imul 8(%rbp), %r10
CASE imul_r_m_i32, F_CO, S_NONE, imul $-1000, 8(%rbp), %rcx
.macro body_div_m64_fit fep
	mov $0, %edx
	\fep
	divq 8(%rbp)
.endm
CASEM div_m64_fit, F_NONE, S_NONE
CASE idiv_m64, F_NONE, S_NONE, idivq 8(%rbp)
CASE xchg_m64, F_ALL, S_NONE, xchg %r11, 8(%rbp)
CASE cmpxchg_m64, F_ALL, S_NONE, lock cmpxchg %rcx, 8(%rbp)
.macro body_cmpxchg16b_hit fep
	mov 16(%rbp), %rax
	mov 24(%rbp), %rdx
	\fep
	lock cmpxchg16b 16(%rbp)
.endm
CASEM cmpxchg16b_hit, F_ALL, S_CX16
CASE cmpxchg16b, F_ALL, S_CX16, cmpxchg16b 16(%rbp)
CASE cmpxchg16b_misaligned, F_ALL, S_CX16, cmpxchg16b 8(%rbp)
CASE xadd_m64, F_ALL, S_NONE, xadd %r8, 8(%rbp)
.macro body_bts_m64_r fep
	and $0x7f, %rcx
	sub $0x40, %rcx
	\fep
	btsq %rcx, 24(%rbp)
.endm
CASEM bts_m64_r, F_CZ, S_NONE
CASE btr_m64_i, F_CZ, S_NONE, btrq $61, 8(%rbp)
CASE shl_m64_cl, F_CZSP, S_NONE, shlq %cl, 8(%rbp)
CASE sar_m64_i, F_CZSP, S_NONE, sarq $37, 8(%rbp)
CASE rol_m64_1, F_CO, S_NONE, rolq 8(%rbp)
CASE rcr_m64_cl, F_C, S_NONE, rcrq %cl, 8(%rbp)
CASE shld_m64_i, F_CZSP, S_NONE, shldq $9, %rdx, 8(%rbp)
CASE setl_rex, F_ALL, S_NONE, setl 9(%rbp)
CASE cmovg_m64, F_ALL, S_NONE, cmovg 8(%rbp), %r13
CASE cmovb_m32_false_zx, F_ALL, S_NONE, cmovbl 8(%rbp), %ecx
CASE bsr_m64, F_Z, S_NONE, bsrq 8(%rbp), %rcx
CASE movbe_m64, F_ALL, S_NONE, movbe 8(%rbp), %rdx
CASE movnti_m64, F_ALL, S_SSE, movnti %rcx, 16(%rbp)

/* ---- stack, strings, branches ------------------------------------------------ */
.macro body_push_m64 fep
	\fep
	pushq 8(%rbp)
	popq %rcx
.endm
CASEM push_m64, F_ALL, S_NONE
.macro body_pop_m64 fep
	pushq %rdx
	\fep
	popq 24(%rbp)
.endm
CASEM pop_m64, F_ALL, S_NONE
CASE rep_movsq, F_ALL, S_PTRS, rep movsq
CASE rep_stosq, F_ALL, S_PTRS, rep stosq
CASE lodsq, F_ALL, S_PTRS, lodsq
CASE repe_cmpsq, F_ALL, S_PTRS, repe cmpsq
CASE movsl_a32, F_ALL, S_PTRS, addr32 movsl
.macro body_stack64_push_pop fep
	mov %rsp, emul64_saved_rsp(%rip)
	lea 48(%rbp), %rsp
	\fep
	push %rcx
	\fep
	pushq $-2
	\fep
	pop %rdx
	pop %rbx
	mov emul64_saved_rsp(%rip), %rsp
.endm
CASEM stack64_push_pop, F_ALL, S_NONE
.macro body_stack64_call_ret fep
	mov %rsp, emul64_saved_rsp(%rip)
	lea 48(%rbp), %rsp
	\fep
	call 1f
	jmp 2f
1:	mov $0x55, %ecx
	\fep
	ret
2:	mov emul64_saved_rsp(%rip), %rsp
.endm
CASEM stack64_call_ret, F_ALL, S_CODEPTR
.macro body_jmp_ind64 fep
	lea 1f(%rip), %rax
	mov %rax, 8(%rbp)
	\fep
	jmp *8(%rbp)
	ud2
1:	mov $0, %eax                    /* the label's address differs per copy */
.endm
CASEM jmp_ind64, F_ALL, S_CODEPTR
.macro body_call_ind64 fep
	lea emul64_target(%rip), %rax
	mov %rax, 8(%rbp)
	\fep
	call *8(%rbp)
.endm
CASEM call_ind64, F_ALL, S_NONE
/* A non-canonical branch target is #GP at the branch (SDM Vol. 2A JMP). */
.macro body_jmp_noncanon fep
	movabs $0x0000800000000000, %rax
	mov %rax, 8(%rbp)
	\fep
	jmp *8(%rbp)
.endm
CASEM jmp_noncanon, F_ALL, S_NONE

/* ---- SSE with REX registers ------------------------------------------------- */
.macro body_movdqu_x9 fep
	\fep
	movdqu 8(%rbp), %xmm9
	movdqu %xmm9, (%rdi)
	\fep
	movdqu %xmm9, 32(%rbp)
.endm
CASEM movdqu_x9, F_ALL, S_SSE|S_DI_RAM

/* ---- RIP-relative and moffs64 ------------------------------------------------ */
.macro body_rip_load fep, addr, abs
	\fep
	mov \addr + 8(%rip), %rcx
.endm
CASEA rip_load, F_ALL, S_NONE
.macro body_rip_store fep, addr, abs
	\fep
	mov %rdx, \addr + 16(%rip)
.endm
CASEA rip_store, F_ALL, S_NONE
/* The displacement counts from the end of the instruction, after the
 * immediate: an emulator that forgets the immediate reads the wrong
 * address. */
.macro body_rip_cmp_imm fep, addr, abs
	\fep
	cmpl $0x12345678, \addr + 8(%rip)
.endm
CASEA rip_cmp_imm, F_ALL, S_NONE
.macro body_rip_add_imm8 fep, addr, abs
	\fep
	addb $0x7f, \addr + 9(%rip)
.endm
CASEA rip_add_imm8, F_ALL, S_NONE
.macro body_moffs_load fep, addr, abs
	\fep
	movabs \abs + 8, %rax
.endm
CASEA moffs_load, F_ALL, S_NONE
.macro body_moffs_store fep, addr, abs
	\fep
	movabs %eax, \abs + 12
.endm
CASEA moffs_store, F_ALL, S_NONE

emul64_target:
	mov $0x66, %ecx
	ret

	.code32
	.bss
	.align 8
emul64_saved_rsp:
	.quad 0
