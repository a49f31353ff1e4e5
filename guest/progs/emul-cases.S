/*
 * The instruction cases of test-emul-mmio: every memory-operand form
 * Shade's emulator must execute (issue 3), each as a function
 * void case(struct emu_state *) that loads EAX..EDI and EFLAGS from the
 * state, points EBP at the memory under test, runs the instruction, and
 * stores the registers and flags back. test-emul-mmio.c runs each case
 * on RAM (the CPU itself: the reference) and on MMIO (through the
 * emulator under Shade), and, with Shade's forced emulation, runs the
 * "forced" copy (the same instruction behind the UD2 "kvm" prefix) on RAM.
 *
 * Each CASE/CASEM also emits a table entry in .emul_cases:
 *	{ native fn, forced fn, name, defined-flags mask, setup }
 * Memory layout seen through EBP: 64 bytes, offsets 8..47 are used.
 */
	.text
	.code32

/* struct emu_state offsets */
#define ST_EAX 0
#define ST_EBX 4
#define ST_ECX 8
#define ST_EDX 12
#define ST_ESI 16
#define ST_EDI 20
#define ST_EFL 24
#define ST_BASE 28

/* Flags the SDM defines for an instruction (compared); others are
 * undefined there and masked out. */
.set F_ALL, 0x8d5
.set F_CZSP, 0x0c5
.set F_CZSPO, 0x8c5
.set F_CO, 0x801
.set F_C, 0x001
.set F_Z, 0x040
.set F_CZ, 0x041
.set F_NONE, 0x000

/* Setup (test-emul-mmio.c): pointer registers, CPU features. */
.set S_NONE, 0x000
.set S_PTRS, 0x001        /* ESI = mem+8, EDI = mem+32, ECX &= 7 */
.set S_M2R, 0x002        /* ESI = mem+8, EDI = RAM scratch, ECX &= 7 */
.set S_R2M, 0x003        /* ESI = RAM scratch, EDI = mem+32, ECX &= 7 */
.set S_DI_RAM, 0x004        /* EDI = RAM scratch */
.set S_SSE, 0x100        /* needs SSE2 (CR4.OSFXSR set by the test) */
.set S_CR0, 0x200        /* restore CR0 afterwards (LMSW) */
.set S_CODEPTR, 0x400    /* leaves code addresses in memory: the forced copy's differ */
.set S_EXTRA, 0x1000     /* beyond issue 3's list: only with "extras" on the command line */

.macro FEPB
	ud2
	.byte 0x6b, 0x76, 0x6d          /* "kvm": Shade's forced-emulation prefix */
.endm

.macro PROLOGUE fname
	.align 16
\fname:
	push %ebp
	push %ebx
	push %esi
	push %edi
	mov 20(%esp), %eax
	push %eax
	pushl ST_EFL(%eax)
	popf
	mov ST_BASE(%eax), %ebp
	mov ST_EBX(%eax), %ebx
	mov ST_ECX(%eax), %ecx
	mov ST_EDX(%eax), %edx
	mov ST_ESI(%eax), %esi
	mov ST_EDI(%eax), %edi
	mov ST_EAX(%eax), %eax
.endm

/* XCHG and MOV and POP leave the flags alone until PUSHF has them. */
.macro EPILOGUE
	xchg %eax, (%esp)
	mov %ebx, ST_EBX(%eax)
	mov %ecx, ST_ECX(%eax)
	mov %edx, ST_EDX(%eax)
	mov %esi, ST_ESI(%eax)
	mov %edi, ST_EDI(%eax)
	pushf
	popl ST_EFL(%eax)
	popl ST_EAX(%eax)
	cld
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	ret
.endm

.macro ENTRY name, mask, setup
	.pushsection .rodata.emul_names, "a"
name_\name: .asciz "\name"
	.popsection
	.pushsection .emul_cases, "a"
	.long case_\name, fcase_\name, name_\name, \mask, \setup
	.popsection
.endm

/* One instruction. */
.macro CASE name, mask, setup, insn:vararg
	ENTRY \name, \mask, \setup
	PROLOGUE case_\name
	\insn
	EPILOGUE
	PROLOGUE fcase_\name
	FEPB
	\insn
	EPILOGUE
.endm

/* Several instructions: body_<name> takes the prefix to put in front of
 * the one under test. */
.macro CASEM name, mask, setup
	ENTRY \name, \mask, \setup
	PROLOGUE case_\name
	body_\name
	EPILOGUE
	PROLOGUE fcase_\name
	body_\name FEPB
	EPILOGUE
.endm

/* ---- MOV, MOVZX, MOVSX -------------------------------------------------- */
CASE mov_r32_m, F_ALL, S_NONE, mov 8(%ebp), %eax
CASE mov_m_r32, F_ALL, S_NONE, mov %ecx, 8(%ebp)
CASE mov_r16_m, F_ALL, S_NONE, mov 10(%ebp), %dx
CASE mov_m_r16, F_ALL, S_NONE, mov %cx, 10(%ebp)
CASE mov_r8_m, F_ALL, S_NONE, mov 9(%ebp), %bl
CASE mov_r8h_m, F_ALL, S_NONE, mov 9(%ebp), %ah
CASE mov_m_r8, F_ALL, S_NONE, mov %cl, 11(%ebp)
CASE mov_m_r8h, F_ALL, S_NONE, mov %dh, 11(%ebp)
CASE mov_m_imm32, F_ALL, S_NONE, movl $0x12345678, 12(%ebp)
CASE mov_m_imm16, F_ALL, S_NONE, movw $0xbeef, 14(%ebp)
CASE mov_m_imm8, F_ALL, S_NONE, movb $0x5a, 13(%ebp)
CASE mov_unaligned, F_ALL, S_NONE, mov 13(%ebp), %ecx
CASE mov_m_sreg, F_ALL, S_NONE, mov %ds, 8(%ebp)
.macro body_mov_sib fep
	and $7, %ecx
	\fep
	mov 8(%ebp,%ecx,4), %eax
.endm
CASEM mov_sib, F_ALL, S_NONE
.macro body_mov_disp32 fep
	\fep
	mov 0x28(%ebp), %edx            /* disp8 is 0x28; force disp32: */
	\fep
	.byte 0x8b, 0x95, 0x20, 0, 0, 0 /* mov 0x20(%ebp), %edx with a disp32 */
.endm
CASEM mov_disp32, F_ALL, S_NONE
CASE movzx_b, F_ALL, S_NONE, movzbl 9(%ebp), %ecx
CASE movzx_w, F_ALL, S_NONE, movzwl 10(%ebp), %ecx
CASE movsx_b, F_ALL, S_NONE, movsbl 9(%ebp), %ecx
CASE movsx_w, F_ALL, S_NONE, movswl 10(%ebp), %ecx
CASE movzx_bw, F_ALL, S_NONE, movzbw 9(%ebp), %cx
CASE movsx_bw, F_ALL, S_NONE, movsbw 9(%ebp), %cx
.macro body_xlat fep
	mov %ebp, %ebx
	\fep
	xlatb
.endm
CASEM xlat, F_ALL, S_EXTRA

/* ---- ALU: ADD OR ADC SBB AND SUB XOR CMP in every memory form ------------ */
.irp op, add, or, adc, sbb, and, sub, xor, cmp
CASE \op\()_r_m32, F_ALL, S_NONE, \op 8(%ebp), %ecx
CASE \op\()_m_r32, F_ALL, S_NONE, \op %ecx, 8(%ebp)
CASE \op\()_m_i32, F_ALL, S_NONE, \op\()l $0x12345678, 8(%ebp)
CASE \op\()_m_i8s, F_ALL, S_NONE, \op\()l $-3, 8(%ebp)
CASE \op\()_m_r8, F_ALL, S_NONE, \op\()b %cl, 9(%ebp)
CASE \op\()_r8_m, F_ALL, S_NONE, \op\()b 9(%ebp), %dl
CASE \op\()_m_i16, F_ALL, S_NONE, \op\()w $0x1234, 10(%ebp)
CASE \op\()_r16_m, F_ALL, S_NONE, \op\()w 10(%ebp), %dx
CASE \op\()_m_i8, F_ALL, S_NONE, \op\()b $0x80, 9(%ebp)
.endr
.irp op, add, or, adc, sbb, and, sub, xor
CASE lock_\op, F_ALL, S_NONE, lock \op\()l %ecx, 8(%ebp)
.endr
/* LOCK on a form that cannot take it is #UD (SDM Vol. 2A, LOCK). */
CASE lock_mov_ud, F_ALL, S_NONE, .byte 0xf0, 0x89, 0x4d, 0x08   /* lock mov %ecx,8(%ebp) */
CASE lock_cmp_ud, F_ALL, S_NONE, .byte 0xf0, 0x39, 0x4d, 0x08   /* lock cmp %ecx,8(%ebp) */

/* ---- TEST NOT NEG INC DEC ------------------------------------------------ */
CASE test_m_r32, F_ALL, S_NONE, testl %ecx, 8(%ebp)
CASE test_m_i32, F_ALL, S_NONE, testl $0x80000001, 8(%ebp)
CASE test_m_i8, F_ALL, S_NONE, testb $0x81, 9(%ebp)
CASE test_m_r16, F_ALL, S_NONE, testw %cx, 10(%ebp)
.irp op, not, neg, inc, dec
CASE \op\()_m32, F_ALL, S_NONE, \op\()l 8(%ebp)
CASE \op\()_m16, F_ALL, S_NONE, \op\()w 10(%ebp)
CASE \op\()_m8, F_ALL, S_NONE, \op\()b 9(%ebp)
.endr
CASE lock_inc, F_ALL, S_NONE, lock incl 8(%ebp)
CASE lock_neg, F_ALL, S_NONE, lock negl 8(%ebp)

/* ---- MUL IMUL DIV IDIV ---------------------------------------------------- */
CASE mul_m32, F_CO, S_NONE, mull 8(%ebp)
CASE mul_m16, F_CO, S_NONE, mulw 10(%ebp)
CASE mul_m8, F_CO, S_NONE, mulb 9(%ebp)
CASE imul_m32, F_CO, S_NONE, imull 8(%ebp)
CASE imul_m8, F_CO, S_NONE, imulb 9(%ebp)
CASE imul_r_m32, F_CO, S_NONE, imul 8(%ebp), %ecx
CASE imul_r_m16, F_CO, S_NONE, imulw 10(%ebp), %cx
CASE imul_r_m_i8, F_CO, S_NONE, imul $7, 8(%ebp), %ecx
CASE imul_r_m_i32, F_CO, S_NONE, imul $-300000, 8(%ebp), %ecx
CASE imul_r16_m_i16, F_CO, S_NONE, imulw $-5, 10(%ebp), %cx
/* Raw inputs mostly overflow (#DE); the _fit forms make quotients fit. */
CASE div_m32, F_NONE, S_NONE, divl 8(%ebp)
CASE idiv_m32, F_NONE, S_NONE, idivl 8(%ebp)
CASE div_m16, F_NONE, S_NONE, divw 10(%ebp)
CASE div_m8, F_NONE, S_NONE, divb 9(%ebp)
CASE idiv_m8, F_NONE, S_NONE, idivb 9(%ebp)
.macro body_div_m32_fit fep
	mov $0, %edx
	\fep
	divl 8(%ebp)
.endm
CASEM div_m32_fit, F_NONE, S_NONE
.macro body_idiv_m32_fit fep
	cltd
	\fep
	idivl 8(%ebp)
.endm
CASEM idiv_m32_fit, F_NONE, S_NONE
.macro body_idiv_m16_fit fep
	cwtd
	\fep
	idivw 10(%ebp)
.endm
CASEM idiv_m16_fit, F_NONE, S_NONE

/* ---- XCHG CMPXCHG CMPXCHG8B XADD ---------------------------------------- */
CASE xchg_m32, F_ALL, S_NONE, xchg %ecx, 8(%ebp)
CASE xchg_m16, F_ALL, S_NONE, xchg %cx, 10(%ebp)
CASE xchg_m8, F_ALL, S_NONE, xchg %cl, 9(%ebp)
CASE cmpxchg_m32, F_ALL, S_NONE, cmpxchg %ecx, 8(%ebp)
CASE lock_cmpxchg_m32, F_ALL, S_NONE, lock cmpxchg %ecx, 8(%ebp)
CASE cmpxchg_m16, F_ALL, S_NONE, cmpxchg %cx, 10(%ebp)
CASE cmpxchg_m8, F_ALL, S_NONE, cmpxchg %cl, 9(%ebp)
.macro body_cmpxchg_m32_hit fep
	mov 8(%ebp), %eax
	\fep
	lock cmpxchg %ecx, 8(%ebp)
.endm
CASEM cmpxchg_m32_hit, F_ALL, S_NONE
CASE cmpxchg8b, F_ALL, S_NONE, cmpxchg8b 8(%ebp)
.macro body_cmpxchg8b_hit fep
	mov 8(%ebp), %eax
	mov 12(%ebp), %edx
	\fep
	lock cmpxchg8b 8(%ebp)
.endm
CASEM cmpxchg8b_hit, F_ALL, S_NONE
CASE xadd_m32, F_ALL, S_NONE, xadd %ecx, 8(%ebp)
CASE lock_xadd_m32, F_ALL, S_NONE, lock xadd %ecx, 8(%ebp)
CASE xadd_m16, F_ALL, S_NONE, xadd %cx, 10(%ebp)
CASE xadd_m8, F_ALL, S_NONE, xadd %cl, 9(%ebp)

/* ---- BT BTS BTR BTC -------------------------------------------------------- */
/* The register forms address memory beyond the operand by the bit offset
 * (SDM Vol. 2A, BT): ECX is cut to -32..95 so the access stays in the
 * 64 bytes. ZF is unchanged, so it is compared too. */
.irp op, bt, bts, btr, btc
CASE \op\()_m32_i, F_CZ, S_NONE, \op\()l $13, 8(%ebp)
CASE \op\()_m32_i_big, F_CZ, S_NONE, \op\()l $45, 8(%ebp)
CASE \op\()_m16_i, F_CZ, S_NONE, \op\()w $3, 10(%ebp)
.macro body_\op\()_m32_r fep
	and $0x7f, %ecx
	sub $0x20, %ecx
	\fep
	\op\()l %ecx, 16(%ebp)
.endm
CASEM \op\()_m32_r, F_CZ, S_NONE
.macro body_\op\()_m16_r fep
	and $0x7f, %ecx
	sub $0x20, %ecx
	\fep
	\op\()w %cx, 16(%ebp)
.endm
CASEM \op\()_m16_r, F_CZ, S_NONE
.endr
CASE lock_bts_i, F_CZ, S_NONE, lock btsl $7, 8(%ebp)

/* ---- shifts and rotates ------------------------------------------------------ */
/* By 1 OF is defined, by more it is not; AF never is (SDM Vol. 2B SAL). */
.irp op, shl, shr, sar
CASE \op\()_m32_1, F_CZSPO, S_NONE, \op\()l 8(%ebp)
CASE \op\()_m32_i, F_CZSP, S_NONE, \op\()l $5, 8(%ebp)
CASE \op\()_m32_cl, F_CZSP, S_NONE, \op\()l %cl, 8(%ebp)
CASE \op\()_m16_cl, F_CZSP, S_NONE, \op\()w %cl, 10(%ebp)
CASE \op\()_m8_i, F_CZSP, S_NONE, \op\()b $3, 9(%ebp)
.endr
.irp op, rol, ror, rcl, rcr
CASE \op\()_m32_1, F_CO, S_NONE, \op\()l 8(%ebp)
CASE \op\()_m32_i, F_C, S_NONE, \op\()l $5, 8(%ebp)
CASE \op\()_m32_cl, F_C, S_NONE, \op\()l %cl, 8(%ebp)
CASE \op\()_m16_cl, F_C, S_NONE, \op\()w %cl, 10(%ebp)
CASE \op\()_m8_i, F_C, S_NONE, \op\()b $3, 9(%ebp)
.endr
CASE shld_m32_i, F_CZSP, S_NONE, shldl $5, %ecx, 8(%ebp)
CASE shrd_m32_i, F_CZSP, S_NONE, shrdl $7, %edx, 8(%ebp)
CASE shld_m32_cl, F_CZSP, S_NONE, shldl %cl, %edx, 8(%ebp)
CASE shrd_m16_i, F_CZSP, S_NONE, shrdw $3, %cx, 10(%ebp)

/* ---- SETcc CMOVcc -------------------------------------------------------------- */
.irp cc, o, b, e, be, s, p, l, le, ne, a
CASE set\cc, F_ALL, S_NONE, set\cc 9(%ebp)
.endr
.irp cc, e, ne, b, l, g, s, o, p
CASE cmov\cc, F_ALL, S_NONE, cmov\cc 8(%ebp), %ecx
.endr
CASE cmove_w, F_ALL, S_NONE, cmovew 10(%ebp), %cx

/* ---- BSF BSR (zero source: ZF set, destination unchanged) --------------------- */
CASE bsf_m32, F_Z, S_NONE, bsfl 8(%ebp), %ecx
CASE bsr_m32, F_Z, S_NONE, bsrl 8(%ebp), %ecx
CASE bsf_m16, F_Z, S_NONE, bsfw 10(%ebp), %cx
.macro body_bsf_zero fep
	movl $0, 8(%ebp)
	\fep
	bsfl 8(%ebp), %ecx
.endm
CASEM bsf_zero, F_Z, S_NONE
.macro body_bsr_zero fep
	movl $0, 8(%ebp)
	\fep
	bsrl 8(%ebp), %ecx
.endm
CASEM bsr_zero, F_Z, S_NONE

/* ---- MOVNTI MOVBE (MOVBE may be #UD on the CPU: then on both sides) ---------- */
CASE movnti, F_ALL, S_SSE, movnti %ecx, 8(%ebp)
CASE movbe_load, F_ALL, S_NONE, movbe 8(%ebp), %ecx
CASE movbe_store, F_ALL, S_NONE, movbe %ecx, 12(%ebp)
CASE movbe_load16, F_ALL, S_NONE, movbe 10(%ebp), %cx

/* ---- PUSH POP with memory operands ---------------------------------------------- */
.macro body_push_m32 fep
	\fep
	pushl 8(%ebp)
	popl %ecx
.endm
CASEM push_m32, F_ALL, S_NONE
.macro body_pop_m32 fep
	pushl %ecx
	\fep
	popl 12(%ebp)
.endm
CASEM pop_m32, F_ALL, S_NONE
.macro body_push_m16 fep
	\fep
	pushw 10(%ebp)
	popw %cx
.endm
CASEM push_m16, F_ALL, S_NONE
.macro body_pop_m16 fep
	pushw %dx
	\fep
	popw 14(%ebp)
.endm
CASEM pop_m16, F_ALL, S_NONE

/* ---- string instructions ----------------------------------------------------- */
.irp ptrs, PTRS, M2R, R2M
CASE movsb_\ptrs, F_ALL, S_\ptrs, movsb
CASE movsl_\ptrs, F_ALL, S_\ptrs, movsl
CASE rep_movsb_\ptrs, F_ALL, S_\ptrs, rep movsb
CASE rep_movsw_\ptrs, F_ALL, S_\ptrs, rep movsw
CASE rep_movsl_\ptrs, F_ALL, S_\ptrs, rep movsl
CASE repe_cmpsb_\ptrs, F_ALL, S_\ptrs, repe cmpsb
CASE repne_cmpsl_\ptrs, F_ALL, S_\ptrs, repne cmpsl
.macro body_std_movsb_\ptrs fep
	std
	\fep
	rep movsb
.endm
CASEM std_movsb_\ptrs, F_ALL, S_\ptrs
.endr
CASE rep_stosb, F_ALL, S_PTRS, rep stosb
CASE rep_stosl, F_ALL, S_PTRS, rep stosl
CASE stosw, F_ALL, S_PTRS, stosw
CASE lodsb, F_ALL, S_PTRS, lodsb
CASE rep_lodsl, F_ALL, S_PTRS, rep lodsl
CASE repne_scasb, F_ALL, S_PTRS, repne scasb
CASE repe_scasl, F_ALL, S_PTRS, repe scasl
.macro body_std_stosl fep
	std
	\fep
	rep stosl
.endm
CASEM std_stosl, F_ALL, S_PTRS
/* Port string I/O with memory on MMIO: an unclaimed port (all-ones) and
 * port 0x80 (writes ignored). */
.macro body_rep_insb fep
	mov $0x250, %dx
	\fep
	rep insb
.endm
CASEM rep_insb, F_ALL, S_PTRS
.macro body_rep_insl fep
	mov $0x250, %dx
	\fep
	rep insl
.endm
CASEM rep_insl, F_ALL, S_PTRS
.macro body_rep_outsb fep
	mov $0x80, %dx
	\fep
	rep outsb
.endm
CASEM rep_outsb, F_ALL, S_PTRS
.macro body_outsw fep
	mov $0x80, %dx
	\fep
	outsw
.endm
CASEM outsw, F_ALL, S_PTRS

/* ---- MMX and SSE moves ------------------------------------------------------ */
.macro body_movd_mmx_load fep
	\fep
	movd 8(%ebp), %mm0
	movd %mm0, %ecx
.endm
CASEM movd_mmx_load, F_ALL, S_SSE
.macro body_movd_mmx_store fep
	movd %ecx, %mm1
	\fep
	movd %mm1, 12(%ebp)
.endm
CASEM movd_mmx_store, F_ALL, S_SSE
.macro body_movq_mmx fep
	\fep
	movq 8(%ebp), %mm0
	movq %mm0, (%edi)
	\fep
	movq %mm0, 24(%ebp)
.endm
CASEM movq_mmx, F_ALL, S_SSE|S_DI_RAM
.macro body_movd_xmm fep
	\fep
	movd 8(%ebp), %xmm0
	movd %xmm0, %ecx
	\fep
	movd %xmm0, 20(%ebp)
.endm
CASEM movd_xmm, F_ALL, S_SSE
.macro body_movq_xmm fep
	\fep
	movq 8(%ebp), %xmm1
	movdqu %xmm1, (%edi)
	\fep
	movq %xmm1, 32(%ebp)
.endm
CASEM movq_xmm, F_ALL, S_SSE|S_DI_RAM
.irp op, movdqu, movups, movupd
.macro body_\op fep
	\fep
	\op 8(%ebp), %xmm0
	\op %xmm0, (%edi)
	\op 16(%edi), %xmm1
	\fep
	\op %xmm1, 28(%ebp)
.endm
CASEM \op, F_ALL, S_SSE|S_DI_RAM
.endr
/* Aligned forms: at offset 16 they load, at offset 8 they are #GP(0). */
.irp op, movdqa, movaps, movapd
.macro body_\op fep
	\fep
	\op 16(%ebp), %xmm0
	\op %xmm0, 32(%edi)
	\op (%edi), %xmm1
	\fep
	\op %xmm1, 32(%ebp)
.endm
CASEM \op, F_ALL, S_SSE|S_DI_RAM
CASE \op\()_misaligned, F_ALL, S_SSE, \op 8(%ebp), %xmm2
.endr

/* ---- the stack on MMIO -------------------------------------------------------- */
/* ESP points into the memory under test for a few instructions. EBP is
 * cleared first where it would be pushed (its value differs per run). */
.macro STACK_IN
	mov %esp, emul_saved_esp
	lea 40(%ebp), %esp
.endm
.macro STACK_OUT
	mov emul_saved_esp, %esp
.endm
.macro body_stack_push_pop fep
	STACK_IN
	\fep
	push %ecx
	\fep
	pushl $0x12345678
	\fep
	pop %edx
	pop %ebx
	STACK_OUT
.endm
CASEM stack_push_pop, F_ALL, S_NONE
.macro body_stack_call_ret fep
	STACK_IN
	\fep
	call 1f
	jmp 2f
1:	mov $0x55, %ecx
	\fep
	ret
2:	STACK_OUT
.endm
CASEM stack_call_ret, F_ALL, S_CODEPTR
.macro body_stack_enter_leave fep
	STACK_IN
	mov $0, %ebp
	\fep
	enter $8, $0
	movl $0x77, -4(%ebp)
	mov -4(%ebp), %ecx
	\fep
	leave
	STACK_OUT
.endm
CASEM stack_enter_leave, F_ALL, S_NONE
.macro body_stack_pushf_popf fep
	STACK_IN
	\fep
	pushf
	\fep
	popf
	STACK_OUT
.endm
CASEM stack_pushf_popf, F_ALL, S_EXTRA

/* ---- branches through pointers in memory ------------------------------------- */
.macro body_jmp_ind fep
	movl $1f, 8(%ebp)
	\fep
	jmp *8(%ebp)
	ud2
1:
.endm
CASEM jmp_ind, F_ALL, S_CODEPTR
.macro body_call_ind fep
	movl $emul_near_target, 8(%ebp)
	\fep
	call *8(%ebp)
.endm
CASEM call_ind, F_ALL, S_NONE
.macro body_ljmp_ind fep
	movl $1f, 8(%ebp)
	movw $0x08, 12(%ebp)
	\fep
	ljmp *8(%ebp)
	ud2
1:
.endm
CASEM ljmp_ind, F_ALL, S_CODEPTR
.macro body_lcall_ind fep
	movl $emul_far_target, 8(%ebp)
	movw $0x08, 12(%ebp)
	\fep
	lcall *8(%ebp)
.endm
CASEM lcall_ind, F_ALL, S_NONE
/* A far pointer with a null selector: #GP(0). */
.macro body_ljmp_null fep
	movl $1f, 8(%ebp)
	movw $0, 12(%ebp)
	\fep
	ljmp *8(%ebp)
1:
.endm
CASEM ljmp_null, F_ALL, S_CODEPTR

/* ---- SMSW LMSW (LMSW never clears PE); last, as LMSW changes CR0 ------------ */
CASE smsw_m16, F_ALL, S_NONE, smsw 8(%ebp)
.macro body_lmsw fep
	\fep
	lmsw 8(%ebp)
	smsw %ecx
.endm
CASEM lmsw, F_ALL, S_CR0

emul_near_target:
	mov $0x66, %ecx
	ret
emul_far_target:
	mov $0x99, %edx
	lret

	.bss
	.align 4
	.globl emul_saved_esp
emul_saved_esp:
	.long 0
