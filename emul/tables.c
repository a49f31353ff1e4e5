/* The opcode maps, as data (SDM Vol. 2D Appendix A).
 *
 * Every valid opcode has an entry, so the decoder knows every instruction's
 * length; `kind` says whether the executor runs it (K_NOEXEC: decoded only).
 * A zero entry is an undefined opcode (#UD).  In the 0F38/0F3A maps a zero
 * entry means "not decoded by Shade" (unsupported), see decode.c. */
#include "emul/tables.h"

#define ENT(k, s, d, sr, i, f) { .kind = (k), .sub = (s), .dst = (d), .src = (sr), .imm = (i), .flags = (f) }
#define NX(f, i)        ENT(K_NOEXEC, 0, O_NONE, O_NONE, (i), (f))
#define GRP(g, d, s, i, f) ENT(0, (g), (d), (s), (i), F_MODRM | F_GROUP | (f))
#define SSE(id, f, i)   ENT(0, (id), O_NONE, O_NONE, (i), F_SSE | (f))
#define UNSUP           ENT(K_UNSUP, 0, O_NONE, O_NONE, I_NONE, 0)

/* The six ALU encodings of one operation (00-05, 08-0D, ... 38-3D). */
#define ALU_ROW(b, op, lk) \
	[(b) + 0] = ENT(K_ALU, (op), O_E, O_G, I_NONE, F_MODRM | F_BYTE | (lk)), \
	[(b) + 1] = ENT(K_ALU, (op), O_E, O_G, I_NONE, F_MODRM | (lk)), \
	[(b) + 2] = ENT(K_ALU, (op), O_G, O_E, I_NONE, F_MODRM | F_BYTE), \
	[(b) + 3] = ENT(K_ALU, (op), O_G, O_E, I_NONE, F_MODRM), \
	[(b) + 4] = ENT(K_ALU, (op), O_A, O_I, I_B, F_BYTE), \
	[(b) + 5] = ENT(K_ALU, (op), O_A, O_I, I_Z, 0)

#define R2(b, ...) [(b) + 0] = __VA_ARGS__, [(b) + 1] = __VA_ARGS__
#define R4(b, ...) R2(b, __VA_ARGS__), R2((b) + 2, __VA_ARGS__)
#define R8(b, ...) R4(b, __VA_ARGS__), R4((b) + 4, __VA_ARGS__)
#define R16(b, ...) R8(b, __VA_ARGS__), R8((b) + 8, __VA_ARGS__)

#define STR(op, f) ENT(K_STR, (op), O_NONE, O_NONE, I_NONE, F_STRING | (f))

const struct emul_opinfo emul_map1[256] = {
	ALU_ROW(0x00, ALU_ADD, F_LOCK),
	ALU_ROW(0x08, ALU_OR, F_LOCK),
	ALU_ROW(0x10, ALU_ADC, F_LOCK),
	ALU_ROW(0x18, ALU_SBB, F_LOCK),
	ALU_ROW(0x20, ALU_AND, F_LOCK),
	ALU_ROW(0x28, ALU_SUB, F_LOCK),
	ALU_ROW(0x30, ALU_XOR, F_LOCK),
	ALU_ROW(0x38, ALU_CMP, 0),
	/* PUSH/POP ES CS SS DS; DAA DAS AAA AAS: gone in 64-bit mode. */
	[0x06] = NX(F_INV64, I_NONE), [0x07] = NX(F_INV64, I_NONE),
	[0x0e] = NX(F_INV64, I_NONE),
	[0x16] = NX(F_INV64, I_NONE), [0x17] = NX(F_INV64, I_NONE),
	[0x1e] = NX(F_INV64, I_NONE), [0x1f] = NX(F_INV64, I_NONE),
	[0x27] = NX(F_INV64, I_NONE), [0x2f] = NX(F_INV64, I_NONE),
	[0x37] = NX(F_INV64, I_NONE), [0x3f] = NX(F_INV64, I_NONE),
	/* INC/DEC r (REX prefixes in 64-bit mode, handled by the decoder). */
	R8(0x40, ENT(K_UNARY, UN_INC, O_Z, O_NONE, I_NONE, 0)),
	R8(0x48, ENT(K_UNARY, UN_DEC, O_Z, O_NONE, I_NONE, 0)),
	R8(0x50, ENT(K_PUSH, 0, O_NONE, O_Z, I_NONE, F_DEF64)),
	R8(0x58, ENT(K_POP, 0, O_Z, O_NONE, I_NONE, F_DEF64)),
	[0x60] = NX(F_INV64, I_NONE), [0x61] = NX(F_INV64, I_NONE),
	/* BOUND; EVEX in 64-bit mode or with mod=3 (decode.c). */
	[0x62] = NX(F_MODRM | F_INV64, I_NONE),
	/* ARPL; MOVSXD in 64-bit mode (emul_movsxd below). */
	[0x63] = NX(F_MODRM, I_NONE),
	[0x68] = ENT(K_PUSH, 0, O_NONE, O_I, I_Z, F_DEF64),
	[0x69] = ENT(K_IMUL, 0, O_G, O_E, I_Z, F_MODRM),
	[0x6a] = ENT(K_PUSH, 0, O_NONE, O_I, I_B, F_DEF64),
	[0x6b] = ENT(K_IMUL, 0, O_G, O_E, I_B, F_MODRM),
	[0x6c] = STR(STR_INS, F_BYTE), [0x6d] = STR(STR_INS, 0),
	[0x6e] = STR(STR_OUTS, F_BYTE), [0x6f] = STR(STR_OUTS, 0),
	R16(0x70, NX(F_F64, I_B)),                       /* Jcc rel8 */
	[0x80] = GRP(GRP1, O_E, O_I, I_B, F_BYTE),
	[0x81] = GRP(GRP1, O_E, O_I, I_Z, 0),
	[0x82] = GRP(GRP1, O_E, O_I, I_B, F_BYTE | F_INV64),
	[0x83] = GRP(GRP1, O_E, O_I, I_B, 0),
	[0x84] = ENT(K_TEST, 0, O_E, O_G, I_NONE, F_MODRM | F_BYTE),
	[0x85] = ENT(K_TEST, 0, O_E, O_G, I_NONE, F_MODRM),
	/* XCHG with memory is locked whether or not LOCK is present. */
	[0x86] = ENT(K_XCHG, 0, O_E, O_G, I_NONE, F_MODRM | F_BYTE | F_LOCK),
	[0x87] = ENT(K_XCHG, 0, O_E, O_G, I_NONE, F_MODRM | F_LOCK),
	[0x88] = ENT(K_MOV, 0, O_E, O_G, I_NONE, F_MODRM | F_BYTE),
	[0x89] = ENT(K_MOV, 0, O_E, O_G, I_NONE, F_MODRM),
	[0x8a] = ENT(K_MOV, 0, O_G, O_E, I_NONE, F_MODRM | F_BYTE),
	[0x8b] = ENT(K_MOV, 0, O_G, O_E, I_NONE, F_MODRM),
	[0x8c] = GRP(GRP_SREG, O_NONE, O_NONE, I_NONE, 0), /* MOV r/m, Sreg */
	[0x8d] = ENT(K_LEA, 0, O_G, O_M, I_NONE, F_MODRM | F_MEM),
	[0x8e] = GRP(GRP_SREG, O_NONE, O_NONE, I_NONE, 0), /* MOV Sreg, r/m */
	[0x8f] = GRP(GRP1A, O_NONE, O_NONE, I_NONE, 0),
	/* 90 without REX.B is NOP (exec.c); otherwise XCHG r, rAX. */
	R8(0x90, ENT(K_XCHG, 0, O_Z, O_A, I_NONE, 0)),
	[0x98] = NX(0, I_NONE), [0x99] = NX(0, I_NONE),  /* CBW, CWD */
	[0x9a] = NX(F_INV64, I_FAR),                     /* CALL far ptr */
	[0x9b] = NX(0, I_NONE),                          /* FWAIT */
	[0x9c] = NX(F_DEF64, I_NONE), [0x9d] = NX(F_DEF64, I_NONE),
	[0x9e] = NX(0, I_NONE), [0x9f] = NX(0, I_NONE),
	[0xa0] = ENT(K_MOV, 0, O_A, O_O, I_MOFFS, F_BYTE),
	[0xa1] = ENT(K_MOV, 0, O_A, O_O, I_MOFFS, 0),
	[0xa2] = ENT(K_MOV, 0, O_O, O_A, I_MOFFS, F_BYTE),
	[0xa3] = ENT(K_MOV, 0, O_O, O_A, I_MOFFS, 0),
	[0xa4] = STR(STR_MOVS, F_BYTE), [0xa5] = STR(STR_MOVS, 0),
	[0xa6] = STR(STR_CMPS, F_BYTE), [0xa7] = STR(STR_CMPS, 0),
	[0xa8] = ENT(K_TEST, 0, O_A, O_I, I_B, F_BYTE),
	[0xa9] = ENT(K_TEST, 0, O_A, O_I, I_Z, 0),
	[0xaa] = STR(STR_STOS, F_BYTE), [0xab] = STR(STR_STOS, 0),
	[0xac] = STR(STR_LODS, F_BYTE), [0xad] = STR(STR_LODS, 0),
	[0xae] = STR(STR_SCAS, F_BYTE), [0xaf] = STR(STR_SCAS, 0),
	R8(0xb0, ENT(K_MOV, 0, O_Z, O_I, I_B, F_BYTE)),
	R8(0xb8, ENT(K_MOV, 0, O_Z, O_I, I_V, 0)),
	[0xc0] = GRP(GRP2, O_E, O_I, I_B, F_BYTE),
	[0xc1] = GRP(GRP2, O_E, O_I, I_B, 0),
	[0xc2] = ENT(K_RET, 0, O_NONE, O_I, I_W, F_F64),
	[0xc3] = ENT(K_RET, 0, O_NONE, O_NONE, I_NONE, F_F64),
	/* LES/LDS; VEX prefixes in 64-bit mode or with mod=3 (decode.c). */
	[0xc4] = NX(F_MODRM | F_MEM | F_INV64, I_NONE),
	[0xc5] = NX(F_MODRM | F_MEM | F_INV64, I_NONE),
	[0xc6] = GRP(GRP11, O_E, O_I, I_B, F_BYTE),
	[0xc7] = GRP(GRP11, O_E, O_I, I_Z, 0),
	[0xc8] = ENT(K_ENTER, 0, O_NONE, O_NONE, I_ENTER, F_DEF64),
	[0xc9] = ENT(K_LEAVE, 0, O_NONE, O_NONE, I_NONE, F_DEF64),
	[0xca] = ENT(K_RETF, 0, O_NONE, O_I, I_W, 0),
	[0xcb] = ENT(K_RETF, 0, O_NONE, O_NONE, I_NONE, 0),
	[0xcc] = NX(0, I_NONE), [0xcd] = NX(0, I_B),     /* INT3, INT n */
	[0xce] = NX(F_INV64, I_NONE), [0xcf] = NX(0, I_NONE), /* INTO, IRET */
	[0xd0] = GRP(GRP2, O_E, O_ONE, I_NONE, F_BYTE),
	[0xd1] = GRP(GRP2, O_E, O_ONE, I_NONE, 0),
	[0xd2] = GRP(GRP2, O_E, O_CL, I_NONE, F_BYTE),
	[0xd3] = GRP(GRP2, O_E, O_CL, I_NONE, 0),
	[0xd4] = NX(F_INV64, I_B), [0xd5] = NX(F_INV64, I_B), /* AAM, AAD */
	[0xd6] = UNSUP,                                  /* SALC (undocumented) */
	[0xd7] = NX(0, I_NONE),                          /* XLAT */
	/* x87: memory forms decoded (length), register forms not claimed */
	[0xd8] = GRP(GRP_X87, O_NONE, O_NONE, I_NONE, F_UNSUPREG),
	[0xd9] = GRP(GRP_X87_D9, O_NONE, O_NONE, I_NONE, F_UNSUPREG),
	[0xda] = GRP(GRP_X87, O_NONE, O_NONE, I_NONE, F_UNSUPREG),
	[0xdb] = GRP(GRP_X87_DB, O_NONE, O_NONE, I_NONE, F_UNSUPREG),
	[0xdc] = GRP(GRP_X87, O_NONE, O_NONE, I_NONE, F_UNSUPREG),
	[0xdd] = GRP(GRP_X87_DD, O_NONE, O_NONE, I_NONE, F_UNSUPREG),
	[0xde] = GRP(GRP_X87, O_NONE, O_NONE, I_NONE, F_UNSUPREG),
	[0xdf] = GRP(GRP_X87, O_NONE, O_NONE, I_NONE, F_UNSUPREG),
	R4(0xe0, NX(F_F64, I_B)),                        /* LOOPcc, JrCXZ */
	[0xe4] = ENT(K_IN, 0, O_A, O_I, I_B, F_BYTE),
	[0xe5] = ENT(K_IN, 0, O_A, O_I, I_B, 0),
	[0xe6] = ENT(K_OUT, 0, O_I, O_A, I_B, F_BYTE),
	[0xe7] = ENT(K_OUT, 0, O_I, O_A, I_B, 0),
	[0xe8] = ENT(K_CALL, 0, O_NONE, O_I, I_JZ, F_F64),
	[0xe9] = NX(F_F64, I_JZ),
	[0xea] = NX(F_INV64, I_FAR),
	[0xeb] = NX(F_F64, I_B),
	[0xec] = ENT(K_IN, 0, O_A, O_DX, I_NONE, F_BYTE),
	[0xed] = ENT(K_IN, 0, O_A, O_DX, I_NONE, 0),
	[0xee] = ENT(K_OUT, 0, O_DX, O_A, I_NONE, F_BYTE),
	[0xef] = ENT(K_OUT, 0, O_DX, O_A, I_NONE, 0),
	[0xf1] = NX(0, I_NONE), [0xf4] = NX(0, I_NONE),  /* INT1, HLT */
	[0xf5] = ENT(K_FLAG, FL_CMC, O_NONE, O_NONE, I_NONE, 0),
	[0xf6] = GRP(GRP3_B, O_E, O_NONE, I_NONE, F_BYTE),
	[0xf7] = GRP(GRP3_V, O_E, O_NONE, I_NONE, 0),
	[0xf8] = ENT(K_FLAG, FL_CLC, O_NONE, O_NONE, I_NONE, 0),
	[0xf9] = ENT(K_FLAG, FL_STC, O_NONE, O_NONE, I_NONE, 0),
	[0xfa] = NX(0, I_NONE), [0xfb] = NX(0, I_NONE),  /* CLI, STI */
	[0xfc] = ENT(K_FLAG, FL_CLD, O_NONE, O_NONE, I_NONE, 0),
	[0xfd] = ENT(K_FLAG, FL_STD, O_NONE, O_NONE, I_NONE, 0),
	[0xfe] = GRP(GRP4, O_E, O_NONE, I_NONE, F_BYTE),
	[0xff] = GRP(GRP5, O_E, O_NONE, I_NONE, 0),
};

/* MOVSXD r, r/m32 (63 in 64-bit mode). */
const struct emul_opinfo emul_movsxd = ENT(K_MOVSXD, 0, O_G, O_E, I_NONE, F_MODRM);

#define SETCC ENT(K_SETCC, 0, O_E, O_NONE, I_NONE, F_MODRM | F_BYTE)
#define CMOV  ENT(K_CMOV, 0, O_G, O_E, I_NONE, F_MODRM)
#define NXM   NX(F_MODRM, I_NONE)
#define NXMI  NX(F_MODRM, I_B)
#define BTX(op, lk) ENT(K_BT, (op), O_E, O_G, I_NONE, F_MODRM | (lk))

const struct emul_opinfo emul_map0f[256] = {
	[0x00] = GRP(GRP6, O_E, O_NONE, I_NONE, 0),
	[0x01] = GRP(GRP7, O_E, O_NONE, I_NONE, 0),
	[0x02] = NXM, [0x03] = NXM,                      /* LAR, LSL */
	[0x05] = NX(0, I_NONE), [0x06] = NX(0, I_NONE),  /* SYSCALL, CLTS */
	[0x07] = NX(0, I_NONE), [0x08] = NX(0, I_NONE),  /* SYSRET, INVD */
	[0x09] = NX(0, I_NONE),                          /* WBINVD */
	[0x0b] = ENT(K_UD, 0, O_NONE, O_NONE, I_NONE, 0),/* UD2 */
	[0x0d] = GRP(GRP_PREFETCH, O_NONE, O_NONE, I_NONE, 0),
	[0x0e] = UNSUP, [0x0f] = UNSUP,                  /* 3DNow! */
	[0x10] = SSE(SSE_10, F_MODRM, I_NONE),
	[0x11] = SSE(SSE_11, F_MODRM, I_NONE),
	/* SSE arithmetic and shuffles: Shade neither executes them nor
	 * claims their (prefix-dependent) validity: unsupported. */
	R4(0x12, UNSUP), R2(0x16, UNSUP),
	[0x18] = GRP(GRP16, O_NONE, O_NONE, I_NONE, F_UNSUPREG),
	/* Reserved / hint NOPs; 0F 1F /0 is the long NOP. */
	R4(0x19, UNSUP), R2(0x1d, UNSUP),
	[0x1f] = NX(F_MODRM | F_UNSUPREG, I_NONE),
	R4(0x20, NX(F_MODRM | F_FORCEREG, I_NONE)),      /* MOV CR/DR */
	[0x28] = SSE(SSE_28, F_MODRM, I_NONE),
	[0x29] = SSE(SSE_29, F_MODRM, I_NONE),
	[0x2a] = UNSUP,
	[0x2b] = SSE(SSE_2B, F_MODRM, I_NONE),
	R4(0x2c, UNSUP),
	[0x30] = NX(0, I_NONE), [0x31] = NX(0, I_NONE), [0x32] = NX(0, I_NONE),
	[0x33] = NX(0, I_NONE), [0x34] = NX(0, I_NONE), [0x35] = NX(0, I_NONE),
	[0x37] = NX(0, I_NONE),
	R16(0x40, CMOV),
	R16(0x50, UNSUP),
	R8(0x60, UNSUP), R4(0x68, UNSUP), R2(0x6c, UNSUP),
	[0x6e] = SSE(SSE_6E, F_MODRM, I_NONE),
	[0x6f] = SSE(SSE_6F, F_MODRM, I_NONE),
	R4(0x70, UNSUP), R2(0x74, UNSUP), [0x76] = UNSUP,
	[0x77] = NX(0, I_NONE),                          /* EMMS */
	[0x78] = UNSUP, [0x79] = UNSUP,                  /* VMREAD/VMWRITE, SSE4a */
	[0x7c] = UNSUP, [0x7d] = UNSUP,
	[0x7e] = SSE(SSE_7E, F_MODRM, I_NONE),
	[0x7f] = SSE(SSE_7F, F_MODRM, I_NONE),
	R16(0x80, NX(F_F64, I_JZ)),                      /* Jcc rel16/32 */
	R16(0x90, SETCC),
	[0xa0] = NX(F_DEF64, I_NONE), [0xa1] = NX(F_DEF64, I_NONE), /* PUSH/POP FS */
	[0xa2] = NX(0, I_NONE),                          /* CPUID */
	[0xa3] = BTX(BT_BT, 0),
	[0xa4] = ENT(K_SHD, 0, O_E, O_G, I_B, F_MODRM),
	[0xa5] = ENT(K_SHD, 2, O_E, O_G, I_NONE, F_MODRM),
	[0xa6] = UNSUP, [0xa7] = UNSUP,                  /* VIA PadLock */
	[0xa8] = NX(F_DEF64, I_NONE), [0xa9] = NX(F_DEF64, I_NONE), /* PUSH/POP GS */
	[0xaa] = NX(0, I_NONE),                          /* RSM */
	[0xab] = BTX(BT_BTS, F_LOCK),
	[0xac] = ENT(K_SHD, 1, O_E, O_G, I_B, F_MODRM),
	[0xad] = ENT(K_SHD, 3, O_E, O_G, I_NONE, F_MODRM),
	[0xae] = GRP(GRP15, O_NONE, O_NONE, I_NONE, 0),
	[0xaf] = ENT(K_IMUL, 0, O_G, O_E, I_NONE, F_MODRM),
	[0xb0] = ENT(K_CMPXCHG, 0, O_E, O_G, I_NONE, F_MODRM | F_BYTE | F_LOCK),
	[0xb1] = ENT(K_CMPXCHG, 0, O_E, O_G, I_NONE, F_MODRM | F_LOCK),
	[0xb2] = NX(F_MODRM | F_MEM, I_NONE),            /* LSS */
	[0xb3] = BTX(BT_BTR, F_LOCK),
	[0xb4] = NX(F_MODRM | F_MEM, I_NONE),            /* LFS */
	[0xb5] = NX(F_MODRM | F_MEM, I_NONE),            /* LGS */
	[0xb6] = ENT(K_MOVZX, 1, O_G, O_E, I_NONE, F_MODRM),
	[0xb7] = ENT(K_MOVZX, 2, O_G, O_E, I_NONE, F_MODRM),
	[0xb8] = UNSUP,                                  /* POPCNT, JMPE */
	[0xb9] = UNSUP,                                  /* UD1 */
	[0xba] = GRP(GRP8, O_E, O_I, I_B, 0),
	[0xbb] = BTX(BT_BTC, F_LOCK),
	[0xbc] = SSE(SSE_BC, F_MODRM, I_NONE),
	[0xbd] = SSE(SSE_BD, F_MODRM, I_NONE),
	[0xbe] = ENT(K_MOVSX, 1, O_G, O_E, I_NONE, F_MODRM),
	[0xbf] = ENT(K_MOVSX, 2, O_G, O_E, I_NONE, F_MODRM),
	[0xc0] = ENT(K_XADD, 0, O_E, O_G, I_NONE, F_MODRM | F_BYTE | F_LOCK),
	[0xc1] = ENT(K_XADD, 0, O_E, O_G, I_NONE, F_MODRM | F_LOCK),
	[0xc2] = UNSUP,
	[0xc3] = SSE(SSE_C3, F_MODRM, I_NONE),
	R2(0xc4, UNSUP), [0xc6] = UNSUP,
	[0xc7] = GRP(GRP9, O_E, O_NONE, I_NONE, 0),
	R8(0xc8, NX(0, I_NONE)),                         /* BSWAP */
	/* MMX / SSE arithmetic: not decoded */
	R4(0xd0, UNSUP), R2(0xd4, UNSUP),
	[0xd6] = SSE(SSE_D6, F_MODRM, I_NONE),
	[0xd7] = UNSUP, R8(0xd8, UNSUP),
	R4(0xe0, UNSUP), R2(0xe4, UNSUP), [0xe6] = UNSUP,
	[0xe7] = SSE(SSE_E7, F_MODRM, I_NONE),
	R8(0xe8, UNSUP), R8(0xf0, UNSUP), R4(0xf8, UNSUP), R2(0xfc, UNSUP), [0xfe] = UNSUP,
	[0xff] = UNSUP,                                  /* UD0 */
};

/* 0F 38: only MOVBE (and CRC32, length only) are decoded. */
const struct emul_opinfo emul_map0f38[256] = {
	[0xf0] = SSE(SSE_38F0, F_MODRM, I_NONE),
	[0xf1] = SSE(SSE_38F1, F_MODRM, I_NONE),
};

/* 0F 3A: nothing Shade needs. */
const struct emul_opinfo emul_map0f3a[256] = {
	[0x0f] = UNSUP,
};

#define G(k, s, d, sr, i, f) ENT((k), (s), (d), (sr), (i), (f))
#define GALU(op, lk) G(K_ALU, (op), O_NONE, O_NONE, I_NONE, (lk))
#define GSH(op) G(K_SHIFT, (op), O_NONE, O_NONE, I_NONE, 0)
#define GNX(f)  G(K_NOEXEC, 0, O_NONE, O_NONE, I_NONE, (f))
#define SINV0   G(K_INVALID, 0, O_NONE, O_NONE, I_NONE, 0)

const struct emul_opinfo emul_groups[GRP_NGROUPS][8] = {
	[GRP1] = {
		GALU(ALU_ADD, F_LOCK), GALU(ALU_OR, F_LOCK), GALU(ALU_ADC, F_LOCK),
		GALU(ALU_SBB, F_LOCK), GALU(ALU_AND, F_LOCK), GALU(ALU_SUB, F_LOCK),
		GALU(ALU_XOR, F_LOCK), GALU(ALU_CMP, 0),
	},
	/* 8F /0 POP r/m; other reg values are AMD XOP: not decoded. */
	[GRP1A] = {
		G(K_POP, 0, O_E, O_NONE, I_NONE, F_DEF64),
		UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP,
	},
	[GRP2] = {
		GSH(SH_ROL), GSH(SH_ROR), GSH(SH_RCL), GSH(SH_RCR),
		GSH(SH_SHL), GSH(SH_SHR), GSH(SH_SAL), GSH(SH_SAR),
	},
	/* F6/F7: /1 is an undocumented alias of TEST: not decoded. */
	[GRP3_B] = {
		G(K_TEST, 0, O_NONE, O_I, I_B, 0), UNSUP,
		G(K_UNARY, UN_NOT, O_NONE, O_NONE, I_NONE, F_LOCK),
		G(K_UNARY, UN_NEG, O_NONE, O_NONE, I_NONE, F_LOCK),
		G(K_MULDIV, MD_MUL, 0, 0, 0, 0), G(K_MULDIV, MD_IMUL, 0, 0, 0, 0),
		G(K_MULDIV, MD_DIV, 0, 0, 0, 0), G(K_MULDIV, MD_IDIV, 0, 0, 0, 0),
	},
	[GRP3_V] = {
		G(K_TEST, 0, O_NONE, O_I, I_Z, 0), UNSUP,
		G(K_UNARY, UN_NOT, O_NONE, O_NONE, I_NONE, F_LOCK),
		G(K_UNARY, UN_NEG, O_NONE, O_NONE, I_NONE, F_LOCK),
		G(K_MULDIV, MD_MUL, 0, 0, 0, 0), G(K_MULDIV, MD_IMUL, 0, 0, 0, 0),
		G(K_MULDIV, MD_DIV, 0, 0, 0, 0), G(K_MULDIV, MD_IDIV, 0, 0, 0, 0),
	},
	[GRP4] = {
		G(K_UNARY, UN_INC, O_NONE, O_NONE, I_NONE, F_LOCK),
		G(K_UNARY, UN_DEC, O_NONE, O_NONE, I_NONE, F_LOCK),
	},
	[GRP5] = {
		G(K_UNARY, UN_INC, O_NONE, O_NONE, I_NONE, F_LOCK),
		G(K_UNARY, UN_DEC, O_NONE, O_NONE, I_NONE, F_LOCK),
		G(K_CALL, 0, O_NONE, O_E, I_NONE, F_F64),
		G(K_CALLF, 0, O_NONE, O_M, I_NONE, F_MEM),
		G(K_JMP, 0, O_NONE, O_E, I_NONE, F_F64),
		G(K_JMPF, 0, O_NONE, O_M, I_NONE, F_MEM),
		G(K_PUSH, 0, O_NONE, O_E, I_NONE, F_DEF64),
	},
	/* SLDT STR LLDT LTR VERR VERW */
	[GRP6] = { GNX(0), GNX(0), GNX(0), GNX(0), GNX(0), GNX(0) },
	/* SGDT SIDT LGDT LIDT SMSW - LMSW INVLPG; register forms other
	 * than SMSW/LMSW are VMCALL, MONITOR, SWAPGS...: not decoded. */
	[GRP7] = {
		GNX(F_UNSUPREG), GNX(F_UNSUPREG), GNX(F_UNSUPREG), GNX(F_UNSUPREG),
		G(K_SMSW, 0, O_E, O_NONE, I_NONE, 0),
		UNSUP,
		G(K_LMSW, 0, O_NONE, O_E, I_NONE, 0),
		GNX(F_UNSUPREG),
	},
	[GRP8] = {
		[4] = G(K_BT, BT_BT, O_NONE, O_NONE, I_NONE, 0),
		[5] = G(K_BT, BT_BTS, O_NONE, O_NONE, I_NONE, F_LOCK),
		[6] = G(K_BT, BT_BTR, O_NONE, O_NONE, I_NONE, F_LOCK),
		[7] = G(K_BT, BT_BTC, O_NONE, O_NONE, I_NONE, F_LOCK),
	},
	/* C7 /1 CMPXCHG8B/16B; the rest (RDRAND, VMPTRLD...) not decoded. */
	[GRP9] = {
		UNSUP, G(K_CMPXCHG8B, 0, O_M, O_NONE, I_NONE, F_MEM | F_LOCK),
		UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP,
	},
	/* C6/C7 /0 MOV; /7 is XABORT/XBEGIN (not decoded). */
	[GRP11] = {
		[0] = G(K_MOV, 0, O_NONE, O_NONE, I_NONE, 0),
		[7] = UNSUP,
	},
	[GRP12] = { UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP },
	[GRP13] = { UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP },
	[GRP14] = { UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP },
	[GRP15] = { UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP },
	/* 0F 18: PREFETCHh (reg forms are hint NOPs). */
	[GRP16] = { GNX(0), GNX(0), GNX(0), GNX(0), GNX(0), GNX(0), GNX(0), GNX(0) },
	/* 8C/8E: only ES CS SS DS FS GS exist. The 8C store is executed; 8E
	 * (a segment load: descriptor checks) is decoded only: see
	 * emul_insn_executable(). */
	[GRP_SREG] = {
		G(K_MOVSREG, 0, O_NONE, O_NONE, I_NONE, 0), G(K_MOVSREG, 0, O_NONE, O_NONE, I_NONE, 0),
		G(K_MOVSREG, 0, O_NONE, O_NONE, I_NONE, 0), G(K_MOVSREG, 0, O_NONE, O_NONE, I_NONE, 0),
		G(K_MOVSREG, 0, O_NONE, O_NONE, I_NONE, 0), G(K_MOVSREG, 0, O_NONE, O_NONE, I_NONE, 0),
	},
	/* x87 memory forms (register forms are not claimed) */
	[GRP_X87] = { GNX(0), GNX(0), GNX(0), GNX(0), GNX(0), GNX(0), GNX(0), GNX(0) },
	[GRP_X87_D9] = { GNX(0), SINV0, GNX(0), GNX(0), GNX(0), GNX(0), GNX(0), GNX(0) },
	[GRP_X87_DB] = { GNX(0), GNX(0), GNX(0), GNX(0), SINV0, GNX(0), SINV0, GNX(0) },
	[GRP_X87_DD] = { GNX(0), GNX(0), GNX(0), GNX(0), GNX(0), SINV0, GNX(0), GNX(0) },
	[GRP_PREFETCH] = { UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP, UNSUP },
};

#define S(k, s, d, sr, f) ENT((k), (s), (d), (sr), I_NONE, (f))
#define SMOV(s, d, sr, f) S(K_SSEMOV, (s), (d), (sr), (f))
#define SNX(f) S(K_NOEXEC, 0, O_NONE, O_NONE, (f))
#define SINV   S(K_INVALID, 0, O_NONE, O_NONE, 0)
#define SUNS   S(K_UNSUP, 0, O_NONE, O_NONE, 0)

/* Columns: no prefix, 66, F3, F2 (SDM Vol. 2D A.3, "mandatory prefix"). */
const struct emul_opinfo emul_sse[SSE_NSSE][4] = {
	/* MOVUPS MOVUPD MOVSS MOVSD */
	[SSE_10] = { SMOV(SSE_MOVU_LOAD, O_G, O_E, 0), SMOV(SSE_MOVU_LOAD, O_G, O_E, 0), SNX(0), SNX(0) },
	[SSE_11] = { SMOV(SSE_MOVU_STORE, O_E, O_G, 0), SMOV(SSE_MOVU_STORE, O_E, O_G, 0), SNX(0), SNX(0) },
	/* MOVAPS MOVAPD */
	[SSE_28] = { SMOV(SSE_MOVA_LOAD, O_G, O_E, 0), SMOV(SSE_MOVA_LOAD, O_G, O_E, 0), SUNS, SUNS },
	[SSE_29] = { SMOV(SSE_MOVA_STORE, O_E, O_G, 0), SMOV(SSE_MOVA_STORE, O_E, O_G, 0), SUNS, SUNS },
	/* MOVNTPS MOVNTPD; F3/F2 are AMD's MOVNTSS/SD: not decoded */
	[SSE_2B] = { SMOV(SSE_MOVA_STORE, O_E, O_G, F_MEM), SMOV(SSE_MOVA_STORE, O_E, O_G, F_MEM),
		     S(K_UNSUP, 0, 0, 0, 0), S(K_UNSUP, 0, 0, 0, 0) },
	/* MOVD/MOVQ mm, r/m; MOVD/MOVQ xmm, r/m */
	[SSE_6E] = { SMOV(MMX_MOVD_TO_MM, O_G, O_E, F_W64), SMOV(SSE_MOVD_TO_XMM, O_G, O_E, F_W64), SUNS, SUNS },
	/* MOVQ mm, mm/m64; MOVDQA; MOVDQU */
	[SSE_6F] = { SMOV(MMX_MOVQ_LOAD, O_G, O_E, 0), SMOV(SSE_MOVA_LOAD, O_G, O_E, 0),
		     SMOV(SSE_MOVU_LOAD, O_G, O_E, 0), SUNS },
	[SSE_7E] = { SMOV(MMX_MOVD_FROM_MM, O_E, O_G, F_W64), SMOV(SSE_MOVD_FROM_XMM, O_E, O_G, F_W64),
		     SMOV(SSE_MOVQ_LOAD, O_G, O_E, 0), SUNS },
	[SSE_7F] = { SMOV(MMX_MOVQ_STORE, O_E, O_G, 0), SMOV(SSE_MOVA_STORE, O_E, O_G, 0),
		     SMOV(SSE_MOVU_STORE, O_E, O_G, 0), SUNS },
	/* MOVQ xmm/m64, xmm; MOVQ2DQ, MOVDQ2Q (register only) */
	[SSE_D6] = { SUNS, SMOV(SSE_MOVQ_STORE, O_E, O_G, 0), SUNS, SUNS },
	/* MOVNTQ, MOVNTDQ */
	[SSE_E7] = { SMOV(MMX_MOVQ_STORE, O_E, O_G, F_MEM), SMOV(SSE_MOVA_STORE, O_E, O_G, F_MEM), SUNS, SUNS },
	/* JMPE (IA-64 only), POPCNT */
	[SSE_B8] = { SINV, SINV, SNX(0), SINV },
	/* BSF / TZCNT, BSR / LZCNT; 66 is the operand-size prefix here */
	[SSE_BC] = { S(K_BSF, 0, O_G, O_E, 0), S(K_BSF, 0, O_G, O_E, 0), SNX(0), S(K_BSF, 0, O_G, O_E, 0) },
	[SSE_BD] = { S(K_BSF, 1, O_G, O_E, 0), S(K_BSF, 1, O_G, O_E, 0), SNX(0), S(K_BSF, 1, O_G, O_E, 0) },
	/* MOVNTI m32/m64, r */
	[SSE_C3] = { S(K_MOV, 0, O_M, O_G, F_MEM), SUNS, SUNS, SUNS },
	/* MOVBE r, m / m, r; F2: CRC32 */
	[SSE_38F0] = { S(K_MOVBE, 0, O_G, O_M, F_MEM), S(K_MOVBE, 0, O_G, O_M, F_MEM), SUNS, SUNS },
	[SSE_38F1] = { S(K_MOVBE, 0, O_M, O_G, F_MEM), S(K_MOVBE, 0, O_M, O_G, F_MEM), SUNS, SUNS },
	/* VMREAD, VMWRITE; 66/F2 are AMD SSE4a EXTRQ/INSERTQ: not decoded */
	[SSE_78] = { SNX(0), S(K_UNSUP, 0, 0, 0, 0), SINV, S(K_UNSUP, 0, 0, 0, 0) },
	[SSE_79] = { SNX(0), S(K_UNSUP, 0, 0, 0, 0), SINV, S(K_UNSUP, 0, 0, 0, 0) },
};
