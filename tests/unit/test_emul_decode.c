/* Decoder tests: hand-written encodings with known lengths and fields, and
 * a length cross-check against Capstone 4 over every opcode x ModRM form and
 * over a random corpus.
 *
 * Capstone 4 quirks accounted for (see capstone_quirk()):
 *  - Capstone does not enforce the 15-byte limit on long prefix runs: it
 *    decodes them with their real length; Shade reports TOO_LONG (#GP).
 *    Compared as "Shade rejects, Capstone length > 15".
 *  - Shade's "unsupported" opcodes are skipped (not claimed).
 *  Everything else found is listed in capstone_quirk() with its reason. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <capstone/capstone.h>

#include "emul/emul.h"
#include "emul/tables.h"
#include "tests/unit/emul_rng.h"

struct dec_case {
	enum emul_mode mode;
	uint8_t n;
	uint8_t bytes[16];
	int status;
	uint8_t len;
};

#define M64 EMUL_MODE_LONG64
#define M32 EMUL_MODE_PROT32
#define M16 EMUL_MODE_PROT16
#define RM  EMUL_MODE_REAL
#define OK  EMUL_DEC_OK
#define C(m, st, l, ...) { m, sizeof((uint8_t[]){ __VA_ARGS__ }), { __VA_ARGS__ }, st, l }

static const struct dec_case cases[] = {
	C(M64, OK, 2, 0x89, 0x00),                          /* mov [rax], eax */
	C(M64, OK, 3, 0x48, 0x89, 0x00),                    /* mov [rax], rax */
	C(M64, OK, 3, 0x89, 0x04, 0x24),                    /* mov [rsp], eax (SIB) */
	C(M64, OK, 7, 0x89, 0x04, 0x25, 1, 2, 3, 4),        /* mov [disp32], eax */
	C(M64, OK, 6, 0x89, 0x05, 1, 2, 3, 4),              /* mov [rip+d32], eax */
	C(M64, OK, 3, 0x89, 0x45, 0x7f),                    /* mov [rbp+d8] */
	C(M64, OK, 4, 0x41, 0x89, 0x45, 0x00),              /* mov [r13+0] */
	C(M64, OK, 7, 0x89, 0x84, 0x88, 1, 2, 3, 4),        /* [rax+rcx*4+d32] */
	C(M64, OK, 7, 0x89, 0x04, 0xe5, 1, 2, 3, 4, 0),     /* no base, no index */
	C(M64, OK, 10, 0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8), /* mov rax, moffs64 */
	C(M64, OK, 6, 0x67, 0xa1, 1, 2, 3, 4),              /* moffs32 in 64-bit */
	C(M32, OK, 5, 0xa1, 1, 2, 3, 4),
	C(M16, OK, 3, 0xa1, 1, 2),
	C(M32, OK, 4, 0x67, 0xa1, 1, 2),                    /* moffs16 */
	C(M64, OK, 10, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8), /* mov rax, imm64 */
	C(M64, OK, 5, 0xb8, 1, 2, 3, 4),
	C(M64, OK, 4, 0x66, 0xb8, 1, 2),
	C(M64, OK, 7, 0x48, 0xc7, 0x00, 1, 2, 3, 4),        /* imm32 sign-ext */
	C(M64, OK, 5, 0x66, 0xc7, 0x00, 1, 2),
	C(M16, OK, 4, 0xc7, 0x07, 1, 2),                    /* mov word [bx], imm16 */
	C(M16, OK, 4, 0x89, 0x06, 0x34, 0x12),              /* mov [0x1234], ax */
	C(M16, OK, 3, 0x89, 0x46, 0xfe),                    /* mov [bp-2], ax */
	C(M16, OK, 4, 0x89, 0x80, 0x00, 0x10),              /* [bx+si+d16] */
	C(M16, OK, 4, 0x67, 0x89, 0x04, 0x24),              /* 32-bit addr in 16-bit */
	C(M32, OK, 3, 0x67, 0x89, 0x07),                    /* [bx] in 32-bit */
	C(M64, OK, 5, 0xe8, 1, 2, 3, 4),
	C(M64, OK, 6, 0x66, 0xe8, 1, 2, 3, 4),              /* Intel: 66 ignored */
	C(M16, OK, 3, 0xe8, 1, 2),
	C(M64, OK, 4, 0xc8, 1, 2, 3),                       /* enter */
	C(M32, OK, 7, 0xea, 1, 2, 3, 4, 5, 6),              /* jmp far */
	C(M64, EMUL_DEC_INVALID, 1, 0xea, 1, 2, 3, 4, 5, 6),
	C(M64, OK, 5, 0x0f, 0x38, 0xf0, 0x04, 0x24),        /* movbe eax, [rsp] */
	C(M64, OK, 4, 0x66, 0x0f, 0x6f, 0x00),              /* movdqa */
	C(M64, OK, 4, 0xf3, 0x0f, 0x6f, 0x00),              /* movdqu */
	C(M64, OK, 3, 0x0f, 0xc7, 0x0e),                    /* cmpxchg8b [rsi] */
	C(M64, EMUL_DEC_INVALID, 3, 0x0f, 0xc7, 0xce),      /* reg form */
	C(M64, EMUL_DEC_INVALID, 2, 0x8d, 0xc0),            /* lea reg, reg */
	C(M64, OK, 3, 0xf0, 0x01, 0x03),                    /* lock add (decodes) */
	C(M64, OK, 13, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90, 0x90),
	C(M64, OK, 15, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90),
	C(M64, EMUL_DEC_TOO_LONG, 0, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90),
	C(M64, EMUL_DEC_TOO_LONG, 0, 0x66, 0x66, 0x66, 0x66, 0x48, 0x81, 0x84, 0x88, 1, 2, 3, 4, 1, 2, 3, 4),
	C(M64, EMUL_DEC_NEED_MORE, 0, 0x48, 0x81, 0x84),
	C(M64, OK, 2, 0x40, 0x90),                          /* REX then opcode */
	C(M32, OK, 1, 0x40),                                /* inc eax */
	C(M64, EMUL_DEC_UNSUPPORTED, 0, 0xc5, 0xf8, 0x77),  /* VEX */
	C(M32, EMUL_DEC_UNSUPPORTED, 0, 0xc5, 0xf8, 0x77),
	C(M32, OK, 6, 0xc5, 0x05, 1, 2, 3, 4),              /* lds eax, [disp32] */
};

static void test_handwritten(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct emul_insn in;
		const struct dec_case *c = &cases[i];
		int r = emul_decode(c->mode, c->bytes, c->n, &in);

		if (r != c->status || (r == OK && in.len != c->len)) {
			fprintf(stderr, "case %zu: status %d (want %d) len %u (want %u)\n",
				i, r, c->status, in.len, c->len);
			fail();
		}
	}
}

static void test_fields(void **state)
{
	struct emul_insn in;
	static const uint8_t b1[] = { 0x65, 0x4c, 0x8b, 0x44, 0x8d, 0xf0 }; /* mov r8, gs:[rbp+rcx*4-16] */
	static const uint8_t b2[] = { 0x36, 0x67, 0x66, 0x89, 0x42, 0x10 };  /* 16-bit: mov ss:[bp+si+16], eax */
	static const uint8_t b3[] = { 0x2e, 0x89, 0x05, 0x10, 0, 0, 0 };     /* cs: ignored in 64-bit; rip-rel */
	static const uint8_t b4[] = { 0x66, 0x48, 0x83, 0x00, 0xff };        /* REX.W beats 66 */
	static const uint8_t b5[] = { 0x48, 0x66, 0x83, 0x00, 0xff };        /* REX not last: ignored */

	(void)state;
	assert_int_equal(emul_decode(M64, b1, sizeof(b1), &in), OK);
	assert_int_equal(in.len, 6);
	assert_int_equal(in.reg, 8);
	assert_int_equal(in.base, EMUL_RBP);
	assert_int_equal(in.index, EMUL_RCX);
	assert_int_equal(in.scale, 2);
	assert_int_equal(in.disp, -16);
	assert_int_equal(in.seg, EMUL_GS);
	assert_int_equal(in.opsize, 8);
	assert_int_equal(in.kind, K_MOV);

	assert_int_equal(emul_decode(M32, b2, sizeof(b2), &in), OK);
	assert_int_equal(in.addrsize, 2);
	assert_int_equal(in.opsize, 2);
	assert_int_equal(in.base, EMUL_RBP);
	assert_int_equal(in.index, EMUL_RSI);
	assert_int_equal(in.seg, EMUL_SS);
	assert_int_equal(in.disp, 16);

	assert_int_equal(emul_decode(M64, b3, sizeof(b3), &in), OK);
	assert_true(in.rip_rel);
	assert_int_equal(in.seg, EMUL_DS);
	assert_int_equal(in.seg_override, EMUL_NO_REG);

	assert_int_equal(emul_decode(M64, b4, sizeof(b4), &in), OK);
	assert_int_equal(in.opsize, 8);
	assert_int_equal(in.imm, 0xff);
	assert_int_equal(in.sub, ALU_ADD);
	assert_int_equal(emul_decode(M64, b5, sizeof(b5), &in), OK);
	assert_int_equal(in.opsize, 2);
	assert_int_equal(in.rex, 0);
}

/* The decoder never reads past `avail` nor past byte 15: give it exactly
 * n bytes of a buffer whose tail is poisoned (ASan catches overreads). */
static void test_bounds(void **state)
{
	(void)state;
	rng_seed(7);
	for (int i = 0; i < 20000; i++) {
		uint8_t *buf;
		unsigned n = 1 + rng_below(16);
		struct emul_insn in;

		buf = test_malloc(n);
		for (unsigned j = 0; j < n; j++)
			buf[j] = (uint8_t)rng64();
		(void)emul_decode((enum emul_mode)rng_below(6), buf, n, &in);
		test_free(buf);
	}
}

/* ---- Capstone cross-check ------------------------------------------- */

static csh cs_handle[3];
static const cs_mode cs_modes[3] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };
static const enum emul_mode shade_modes[3] = { M16, M32, M64 };

static int cs_setup(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++)
		if (cs_open(CS_ARCH_X86, cs_modes[i], &cs_handle[i]) != CS_ERR_OK)
			return -1;
	return 0;
}

static int cs_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++)
		cs_close(&cs_handle[i]);
	return 0;
}

/* Capstone's length, or 0 if it rejects. */
static unsigned cs_length(int m, const uint8_t *b, size_t n)
{
	cs_insn *insn;
	size_t cnt = cs_disasm(cs_handle[m], b, n, 0x1000, 1, &insn);
	unsigned len = 0;

	if (cnt) {
		len = insn[0].size;
		cs_free(insn, cnt);
	}
	return len;
}

struct xstats {
	unsigned long compared, skipped_unsup, quirks, mismatches;
};

static bool is_legacy_prefix(int m, uint8_t b)
{
	return b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 ||
	       b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 ||
	       b == 0x65 || (m == 2 && (b & 0xf0) == 0x40);
}

static unsigned quirk_counts[6];

/* Known Capstone 4 disagreements, each with its reason; returns true when
 * the case is explained (counted, not a failure). */
static bool capstone_quirk(int m, const uint8_t *b, const struct emul_insn *in,
			   int r, unsigned cslen)
{
	bool has66 = false, hasrep = false, haslock = false;
	unsigned np = 0;

	while (np < 15 && is_legacy_prefix(m, b[np])) {
		has66 |= b[np] == 0x66;
		hasrep |= b[np] == 0xf2 || b[np] == 0xf3;
		haslock |= b[np] == 0xf0;
		np++;
	}
	/* 1. Capstone 4 decodes > 15-byte prefix runs; the CPU raises #GP. */
	if (r == EMUL_DEC_TOO_LONG && (cslen == 0 || cslen > 15)) {
		quirk_counts[0]++;
		return true;
	}
	/* 2. Capstone 4 accepts LOCK on forms the CPU rejects with #UD
	 *    (register destinations, r <- r/m ALU forms, NOPs, and anything
	 *    once F2/F3 is present, which it takes for XACQUIRE/XRELEASE).
	 *    Explained only if Shade decodes the same bytes without the
	 *    LOCK prefixes to the same length. */
	if (r == EMUL_DEC_INVALID && haslock && cslen) {
		uint8_t c[15];
		unsigned k = 0, nlock = 0;
		struct emul_insn in2;

		for (unsigned i = 0; i < 15; i++) {
			if (i < np && b[i] == 0xf0)
				nlock++;
			else
				c[k++] = b[i];
		}
		while (k < 15)
			c[k++] = 0;
		if (emul_decode(shade_modes[m], c, 15, &in2) == OK &&
		    in2.len + nlock == cslen) {
			quirk_counts[1]++;
			return true;
		}
	}
	/* 3. 66 combined with F2/F3 on a non-SSE instruction: Capstone 4
	 *    sometimes drops the 66 (BND/XACQUIRE interpretations) or rejects
	 *    the instruction; the CPU applies the operand-size prefix. */
	if (has66 && hasrep) {
		quirk_counts[2]++;
		return true;
	}
	/* 4. 64-bit mode near branches (Jcc, JMP/CALL rel, RET): Intel CPUs
	 *    ignore 66 (SDM Vol. 2A 2.2.1.3, "near branches"); Capstone 4
	 *    follows AMD and shrinks the displacement to 16 bits. */
	if (m == 2 && r == OK && (in->flags & F_F64) && (has66 || (in->rex & 8))) {
		quirk_counts[3]++;
		return true;
	}
	if (m == 2 && r == EMUL_DEC_TOO_LONG && has66 && np < 14 &&
	    (b[np] == 0xe8 || b[np] == 0xe9 ||
	     (b[np] == 0x0f && (b[np + 1] & 0xf0) == 0x80))) {
		quirk_counts[3]++;
		return true;
	}
	/* 5. Capstone 4 rejects some MOVQ xmm/m64, xmm (66 0F D6) forms (in
	 *    16-bit mode, SIB without base); the instruction exists in every
	 *    mode with every addressing form (SDM Vol. 2B MOVQ). */
	if (cslen == 0 && r == OK && in->map == 1 && in->opcode == 0xd6) {
		quirk_counts[4]++;
		return true;
	}
	/* 6. MOV Sreg (8C/8E) with REX.R: Capstone 4 rejects it (sreg 8..15);
	 *    Shade, like the CPU, uses only ModRM.reg bits 2:0 for Sreg. */
	if (m == 2 && r == OK && in->map == 0 &&
	    (in->opcode == 0x8c || in->opcode == 0x8e) && (in->rex & 4)) {
		quirk_counts[5]++;
		return true;
	}
	return false;
}

static void compare_one(int m, const uint8_t *b, struct xstats *st, bool verbose)
{
	struct emul_insn in;
	int r = emul_decode(shade_modes[m], b, 15, &in);
	unsigned cslen;
	bool agree;

	if (r == EMUL_DEC_UNSUPPORTED) {
		st->skipped_unsup++;
		return;
	}
	cslen = cs_length(m, b, 15);
	st->compared++;
	agree = (r == OK && cslen == in.len) ||
		(r != OK && cslen == 0);
	if (agree)
		return;
	if (capstone_quirk(m, b, &in, r, cslen)) {
		st->quirks++;
		return;
	}
	if (verbose && st->mismatches < 40) {
		fprintf(stderr, "mode %d:", 16 << m);
		for (int i = 0; i < 15; i++)
			fprintf(stderr, " %02x", b[i]);
		fprintf(stderr, " -> shade %d len %u, capstone len %u\n",
			r, in.len, cslen);
	}
	st->mismatches++;
}

static void report(const char *what, const struct xstats *st)
{
	fprintf(stderr, "# %s: %lu compared, %lu unsupported skipped, "
		"%lu known-quirk (too-long %u, lock %u, 66+rep %u, branch-66 %u, "
		"movq %u, sreg-rex %u), %lu mismatches\n", what, st->compared,
		st->skipped_unsup, st->quirks, quirk_counts[0], quirk_counts[1],
		quirk_counts[2], quirk_counts[3], quirk_counts[4], quirk_counts[5],
		st->mismatches);
	memset(quirk_counts, 0, sizeof(quirk_counts));
}

/* Every opcode of the one-byte, 0F, 0F38 F0/F1 maps with every ModRM byte,
 * under a few prefix combinations, in 16-, 32- and 64-bit modes. */
static void exhaustive_map(int m, const uint8_t *pfx, unsigned npfx,
			   const uint8_t *esc, unsigned nesc, struct xstats *st)
{
	for (unsigned op = 0; op < 256; op++) {
		for (unsigned modrm = 0; modrm < 256; modrm++) {
			uint8_t b[15];
			unsigned k = 0;

			for (unsigned i = 0; i < npfx; i++)
				b[k++] = pfx[i];
			for (unsigned i = 0; i < nesc; i++)
				b[k++] = esc[i];
			b[k++] = (uint8_t)op;
			b[k++] = (uint8_t)modrm;
			while (k < 15)
				b[k++] = (uint8_t)rng64();
			compare_one(m, b, st, true);
		}
	}
}

static void run_exhaustive(int m)
{
	static const uint8_t pfxs[][3] = {
		{ 0 }, { 0x66 }, { 0x67 }, { 0xf3 }, { 0xf2 }, { 0x48 }, { 0x66, 0x41 },
		{ 0x67, 0x4c }, { 0xf0 },
	};
	static const uint8_t npfx[] = { 0, 1, 1, 1, 1, 1, 2, 2, 1 };
	static const uint8_t esc0f[] = { 0x0f }, esc38[] = { 0x0f, 0x38 };
	struct xstats st = { 0 };
	char name[64];

	rng_seed(1234 + (uint64_t)m);
	for (unsigned p = 0; p < sizeof(npfx); p++) {
		if (m != 2 && (pfxs[p][0] & 0xf0) == 0x40)
			continue;
		if (m != 2 && npfx[p] == 2)
			continue;
		exhaustive_map(m, pfxs[p], npfx[p], NULL, 0, &st);
		exhaustive_map(m, pfxs[p], npfx[p], esc0f, 1, &st);
		exhaustive_map(m, pfxs[p], npfx[p], esc38, 2, &st);
	}
	snprintf(name, sizeof(name), "every opcode x ModRM, %d-bit", 16 << m);
	report(name, &st);
	assert_true(st.compared > 100000);
	assert_int_equal(st.mismatches, 0);
}

static void test_cs_exhaustive16(void **state) { (void)state; run_exhaustive(0); }
static void test_cs_exhaustive32(void **state) { (void)state; run_exhaustive(1); }
static void test_cs_exhaustive64(void **state) { (void)state; run_exhaustive(2); }

/* Random byte strings, biased towards prefixes and escape bytes so the
 * interesting paths are hit often. */
static void run_random(int m, unsigned count)
{
	static const uint8_t pfx[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x36,
				       0x3e, 0x26, 0x64, 0x65, 0x40, 0x48, 0x41, 0x4f };
	struct xstats st = { 0 };
	char name[64];

	rng_seed(99 + (uint64_t)m);
	for (unsigned i = 0; i < count; i++) {
		uint8_t b[15];
		unsigned k = 0, np = rng_below(4);

		if (rng_below(8) == 0)
			np = rng_below(16);
		for (unsigned j = 0; j < np && k < 15; j++)
			b[k++] = pfx[rng_below(sizeof(pfx))];
		if (k < 15 && rng_below(3) == 0)
			b[k++] = 0x0f;
		while (k < 15)
			b[k++] = (uint8_t)rng64();
		compare_one(m, b, &st, true);
	}
	snprintf(name, sizeof(name), "random corpus, %d-bit", 16 << m);
	report(name, &st);
	assert_int_equal(st.mismatches, 0);
}

static void test_cs_random16(void **state) { (void)state; run_random(0, 150000); }
static void test_cs_random32(void **state) { (void)state; run_random(1, 150000); }
static void test_cs_random64(void **state) { (void)state; run_random(2, 300000); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handwritten),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_cs_exhaustive16),
		cmocka_unit_test(test_cs_exhaustive32),
		cmocka_unit_test(test_cs_exhaustive64),
		cmocka_unit_test(test_cs_random16),
		cmocka_unit_test(test_cs_random32),
		cmocka_unit_test(test_cs_random64),
	};
	return cmocka_run_group_tests(tests, cs_setup, cs_teardown);
}
