/* Differential testing of the emulator against the host CPU: instruction
 * forms, operand generation, running both, comparing.  Used by
 * test_emul_exec.c (normal run) and by the larger sweep (EMUL_SWEEP). */
#ifndef SHADE_TEST_EMUL_DIFF_H
#define SHADE_TEST_EMUL_DIFF_H

#include "emul/emul.h"
#include "tests/unit/emul_native.h"
#include "tests/unit/emul_rng.h"

#define PAGE 4096u
#define WIN_PAGES 3u
#define WIN_SIZE (WIN_PAGES * PAGE)

/* Operand kinds of a form's ModRM.reg and ModRM.rm (register forms). */
enum { GK_NONE, GK_GPR, GK_XMM, GK_MMX };
/* Immediates. */
enum { IM_NONE, IM_B, IM_Z, IM_W, IM_V };
/* Defined-flags rules. */
enum { FK_ALL, FK_LOGIC, FK_MUL, FK_NONE, FK_SHIFT, FK_ROT, FK_BT, FK_ZF, FK_SHD };
/* Set-up specials. */
enum { SP_NONE, SP_DIV, SP_BTREG, SP_STACK, SP_BRANCH, SP_RET, SP_LEAVE, SP_ENTER,
       SP_CALLREL, SP_STR, SP_CMPXCHG, SP_CX8, SP_ALIGN16, SP_MOFFS, SP_PUSHR, SP_POPR,
       SP_OPREG };

struct form {
	const char *name;
	uint8_t pfx;          /* mandatory prefix (66/F2/F3) or 0 */
	uint8_t op[3], nop;
	int8_t digit;         /* ModRM.reg /digit, or -1 for a G operand */
	uint8_t sizes;        /* 1, 2, 4, 8 bits: operand sizes to try */
	uint8_t imm;
	uint8_t memsize;      /* memory operand size if not the operand size */
	uint8_t gk, rk;       /* reg-field kind; rm kind for register forms (GK_NONE: memory only) */
	uint8_t fk, sp;
	uint8_t lock;         /* lockable with a memory destination */
	uint8_t nomodrm;      /* no ModRM (string ops, RET...) */
};

#endif
