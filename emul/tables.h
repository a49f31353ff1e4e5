/* Opcode-table entries: what the decoder needs to find an instruction's
 * length and operands, and which executor operation runs it.
 * The maps themselves are in tables.c, one 256-entry array per opcode map
 * written with designated initialisers so they read like SDM Vol. 2D,
 * Appendix A (opcode map). */
#ifndef SHADE_EMUL_TABLES_H
#define SHADE_EMUL_TABLES_H

#include <stdint.h>

/* Executor operations (struct emul_opinfo.kind). */
enum emul_kind {
	K_INVALID = 0,   /* no such instruction: #UD (the zero entry) */
	K_UNSUP,         /* a format Shade does not decode: EMUL_DEC_UNSUPPORTED */
	K_NOEXEC,        /* decoded (length known) but not emulated */
	K_ALU,           /* sub = enum alu_op */
	K_TEST,
	K_MOV,
	K_MOVZX,         /* sub = source size */
	K_MOVSX,         /* sub = source size */
	K_MOVSXD,
	K_XCHG,
	K_CMPXCHG,
	K_CMPXCHG8B,     /* and CMPXCHG16B with REX.W */
	K_XADD,
	K_UNARY,         /* sub = enum unary_op */
	K_MULDIV,        /* sub = enum muldiv_op (F6/F7 /4../7) */
	K_IMUL,          /* two- and three-operand IMUL */
	K_BT,            /* sub = enum bt_op */
	K_SHIFT,         /* sub = enum shift_op */
	K_SHD,           /* sub = 0 SHLD, 1 SHRD */
	K_BSF,           /* sub = 0 BSF, 1 BSR */
	K_SETCC,
	K_CMOV,
	K_PUSH,
	K_POP,
	K_CALL,          /* near: rel (src I) or indirect (src E) */
	K_JMP,           /* near indirect */
	K_RET,           /* near, optional imm16 */
	K_CALLF,         /* far through memory pointer */
	K_JMPF,
	K_RETF,
	K_LEAVE,
	K_ENTER,
	K_STR,           /* sub = enum str_op */
	K_MOVBE,
	K_SMSW,
	K_MOVSREG,	/* 8C: MOV r/m, Sreg (the store direction only) */
	K_LMSW,
	K_SSEMOV,        /* sub = enum sse_mov */
	K_IN,
	K_OUT,
	K_LEA,
	K_NOP,
	K_FLAG,          /* sub = enum flag_op: CLC STC CMC CLD STD */
	K_UD,            /* UD0/UD1/UD2: decodes, raises #UD */
	K_NKINDS
};

enum alu_op { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };
enum unary_op { UN_NOT, UN_NEG, UN_INC, UN_DEC };
enum muldiv_op { MD_MUL, MD_IMUL, MD_DIV, MD_IDIV };
enum bt_op { BT_BT, BT_BTS, BT_BTR, BT_BTC };
enum shift_op { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };
enum str_op { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS, STR_INS, STR_OUTS };
enum flag_op { FL_CLC, FL_STC, FL_CMC, FL_CLD, FL_STD };
enum sse_mov {
	SSE_MOVU_LOAD,    /* xmm <- xmm/m128, any alignment (MOVUPS/UPD/DQU) */
	SSE_MOVU_STORE,   /* xmm/m128 <- xmm */
	SSE_MOVA_LOAD,    /* 16-byte aligned (MOVAPS/APD/DQA): #GP(0) if not */
	SSE_MOVA_STORE,   /* also MOVNTPS/MOVNTDQ (memory only) */
	SSE_MOVD_TO_XMM,  /* 66 0F 6E: xmm <- r/m32 (r/m64 with REX.W), zero-extend */
	SSE_MOVD_FROM_XMM,/* 66 0F 7E: r/m32/64 <- xmm */
	SSE_MOVQ_LOAD,    /* F3 0F 7E: xmm <- xmm/m64, zero upper */
	SSE_MOVQ_STORE,   /* 66 0F D6: xmm/m64 <- xmm */
	MMX_MOVD_TO_MM,   /* 0F 6E: mm <- r/m32/64 */
	MMX_MOVD_FROM_MM, /* 0F 7E: r/m32/64 <- mm */
	MMX_MOVQ_LOAD,    /* 0F 6F: mm <- mm/m64 */
	MMX_MOVQ_STORE,   /* 0F 7F, 0F E7 (MOVNTQ): mm/m64 <- mm */
};

/* Operand kinds (struct emul_opinfo.dst / .src). */
enum emul_opnd_kind {
	O_NONE = 0,
	O_E,     /* ModRM r/m: register or memory */
	O_G,     /* ModRM reg: general register */
	O_I,     /* immediate, sign-extended to the operand size */
	O_A,     /* rAX / AL */
	O_Z,     /* register from the opcode's low 3 bits (+REX.B) */
	O_O,     /* moffs: memory at the immediate offset */
	O_ONE,   /* the constant 1 (shift by 1) */
	O_CL,    /* CL (shift count) */
	O_DX,    /* DX (port) */
	O_M,     /* ModRM memory only */
};

/* Immediate encodings (struct emul_opinfo.imm). */
enum emul_imm {
	I_NONE = 0,
	I_B,     /* 8 bits */
	I_W,     /* 16 bits */
	I_Z,     /* 16 with 16-bit operand size, else 32 */
	I_V,     /* operand size: 16/32/64 (MOV r, imm) */
	I_ENTER, /* 16 + 8 bits */
	I_FAR,   /* ptr16:16 / ptr16:32 */
	I_MOFFS, /* address size: 16/32/64 */
	I_JZ,    /* near branch displacement: 16/32 (32 in 64-bit mode) */
};

/* Decoder flags (struct emul_opinfo.flags). */
#define F_MODRM    0x0001u  /* a ModRM byte follows */
#define F_BYTE     0x0002u  /* 8-bit operand size */
#define F_DEF64    0x0004u  /* 64-bit default operand size in 64-bit mode */
#define F_F64      0x0008u  /* operand size forced to 64 in 64-bit mode (near branches) */
#define F_INV64    0x0010u  /* #UD in 64-bit mode */
#define F_MEM      0x0020u  /* ModRM must be a memory form, else #UD */
#define F_REG      0x0040u  /* ModRM must be a register form, else #UD */
#define F_LOCK     0x0080u  /* LOCK allowed (with a memory destination) */
#define F_GROUP    0x0100u  /* ModRM.reg selects an entry of group[sub] */
#define F_SSE      0x0200u  /* the mandatory prefix selects an entry of sse[sub] */
#define F_UNSUPREG 0x0400u  /* register form (mod=3) not decoded: unsupported */
#define F_SPARE    0x0800u
#define F_ONLY64   0x1000u  /* this meaning only in 64-bit mode (MOVSXD) */
#define F_W64      0x2000u  /* REX.W picks a 64-bit form (MOVD/MOVQ, CMPXCHG16B) */
#define F_STRING   0x4000u  /* string instruction: REP prefixes apply */
#define F_FORCEREG 0x8000u  /* ModRM.mod ignored: always a register (MOV CR/DR) */

struct emul_opinfo {
	uint8_t kind;    /* enum emul_kind */
	uint8_t sub;     /* kind-specific (ALU op, group number...) */
	uint8_t dst;     /* enum emul_opnd_kind */
	uint8_t src;
	uint8_t imm;     /* enum emul_imm */
	uint16_t flags;  /* F_* */
};

extern const struct emul_opinfo emul_map1[256];   /* one-byte opcodes */
extern const struct emul_opinfo emul_map0f[256];  /* 0F xx */
extern const struct emul_opinfo emul_map0f38[256];
extern const struct emul_opinfo emul_map0f3a[256];
/* Groups: ModRM.reg-selected (SDM Vol. 2D Table A-6). */
extern const struct emul_opinfo emul_groups[][8];
/* SSE entries selected by mandatory prefix: [none, 66, F3, F2]. */
extern const struct emul_opinfo emul_sse[][4];

/* Group numbers (SDM Vol. 2D Table A-6).  A group entry's non-zero fields
 * override the parent entry's; its flags are OR-ed with the parent's. */
enum emul_group_id {
	GRP1, GRP1A, GRP2, GRP3_B, GRP3_V, GRP4, GRP5, GRP6, GRP7, GRP8, GRP9,
	GRP11, GRP12, GRP13, GRP14, GRP15, GRP16, GRP_PREFETCH, GRP_SREG,
	GRP_X87, GRP_X87_D9, GRP_X87_DB, GRP_X87_DD, GRP_NGROUPS
};

/* SSE entries selected by mandatory prefix. */
enum emul_sse_id {
	SSE_10, SSE_11, SSE_28, SSE_29, SSE_2B, SSE_6E, SSE_6F, SSE_7E, SSE_7F,
	SSE_D6, SSE_E7, SSE_B8, SSE_BC, SSE_BD, SSE_C3, SSE_38F0, SSE_38F1,
	SSE_78, SSE_79, SSE_NSSE
};

#endif
