/* emul/fastmov: a digested move replays exactly what the full emulator
 * does. Random MOV/MOVZX/MOVSX/MOVSXD forms (every prefix mix, addressing
 * form and operand size) in every mode with random registers go through
 * emul_step; the digest must name the same single access (linear address,
 * size, direction), store the same value or land the loaded value the
 * same way, and advance RIP by the same length. Everything else (other
 * instructions, register forms, LOCK) must not digest. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "emul/emul.h"
#include "emul/fastmov.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Code at CODE_LA; every data access succeeds and is logged. */
#define CODE_LA 0x7000ull
static uint8_t code[16];
struct access { uint64_t la; unsigned len; bool write; uint8_t data[16]; };
static struct access acc[4];
static unsigned nacc;

/* What a read returns: a pattern of the address, so values differ. */
static uint8_t pattern(uint64_t la)
{
	return (uint8_t)(la * 0x9d + (la >> 8) * 0x3b + 0x5a);
}

static int cb_fetch(void *o, uint64_t la, void *buf, unsigned len, struct emul_fault *f)
{
	(void)o;
	if (la < CODE_LA || la + len > CODE_LA + sizeof(code)) {
		f->vector = EMUL_PF;
		f->has_error_code = true;
		f->error_code = 0x10;
		f->cr2 = la;
		return EMUL_CB_FAULT;
	}
	memcpy(buf, code + (la - CODE_LA), len);
	return EMUL_CB_OK;
}

static int cb_read(void *o, uint64_t la, void *buf, unsigned len, struct emul_fault *f)
{
	(void)o;
	(void)f;
	for (unsigned i = 0; i < len; i++)
		((uint8_t *)buf)[i] = pattern(la + i);
	if (nacc < 4)
		acc[nacc] = (struct access){ la, len, false, { 0 } };
	nacc++;
	return EMUL_CB_OK;
}

static int cb_write(void *o, uint64_t la, const void *buf, unsigned len, struct emul_fault *f)
{
	(void)o;
	(void)f;
	if (nacc < 4) {
		acc[nacc] = (struct access){ la, len, true, { 0 } };
		memcpy(acc[nacc].data, buf, len);
	}
	nacc++;
	return EMUL_CB_OK;
}

static const struct emul_ops ops = { .fetch = cb_fetch, .read = cb_read, .write = cb_write };

/* Opcode forms of the move family: bytes after the prefixes. */
static const struct { uint8_t b[2]; uint8_t n; bool modrm; bool only64; } forms[] = {
	{ { 0x88 }, 1, true, false }, { { 0x89 }, 1, true, false },
	{ { 0x8a }, 1, true, false }, { { 0x8b }, 1, true, false },
	{ { 0xc6 }, 1, true, false }, { { 0xc7 }, 1, true, false },
	{ { 0xa0 }, 1, false, false }, { { 0xa1 }, 1, false, false },
	{ { 0xa2 }, 1, false, false }, { { 0xa3 }, 1, false, false },
	{ { 0x0f, 0xb6 }, 2, true, false }, { { 0x0f, 0xb7 }, 2, true, false },
	{ { 0x0f, 0xbe }, 2, true, false }, { { 0x0f, 0xbf }, 2, true, false },
	{ { 0x63 }, 1, true, true },
};
static const uint8_t legacy[] = { 0x66, 0x67, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0xf3, 0xf2 };

static unsigned gen_move(bool long64, bool reg_form)
{
	unsigned n = 0, f;

	do
		f = (unsigned)(rnd() % (sizeof(forms) / sizeof(forms[0])));
	while (forms[f].only64 && !long64);
	for (unsigned p = (unsigned)(rnd() % 4); p; p--)
		code[n++] = legacy[rnd() % sizeof(legacy)];
	if (long64 && rnd() % 2)
		code[n++] = (uint8_t)(0x40 | (rnd() & 15));
	for (unsigned i = 0; i < forms[f].n; i++)
		code[n++] = forms[f].b[i];
	if (forms[f].modrm) {
		uint8_t modrm = (uint8_t)rnd();
		if (reg_form)
			modrm |= 0xc0;
		else if ((modrm >> 6) == 3)
			modrm &= 0x7f;
		if (code[n - 1] == 0xc6 || code[n - 1] == 0xc7)
			modrm &= 0xc7;          /* /0 */
		code[n++] = modrm;
	}
	while (n < sizeof(code))
		code[n++] = (uint8_t)rnd();
	return f;
}

/* Register values: small, negative-small, 32-bit, and (outside 64-bit mode,
 * where addresses need not be canonical) anything. */
static uint64_t gen_reg(bool long64)
{
	switch (rnd() % 4) {
	case 0: return rnd() & 0xfff;
	case 1: return (uint64_t)-(int64_t)(rnd() & 0xffff);
	case 2: return rnd() & 0xffffffffull;
	default: return long64 ? (rnd() & 0x3fffffffffffull) : rnd();
	}
}

static const enum emul_mode modes[] = {
	EMUL_MODE_REAL, EMUL_MODE_PROT16, EMUL_MODE_PROT32,
	EMUL_MODE_COMPAT16, EMUL_MODE_COMPAT32, EMUL_MODE_LONG64,
};

static void setup(struct emul_ctx *c, enum emul_mode mode)
{
	bool long64 = mode == EMUL_MODE_LONG64;

	emul_ctx_init(c, &ops, NULL);
	c->mode = mode;
	c->cr0 = mode == EMUL_MODE_REAL ? 0 : 1;
	c->efer = (mode >= EMUL_MODE_COMPAT16) ? EMUL_EFER_LMA : 0;
	for (int s = 0; s < EMUL_NSEG; s++) {
		c->seg[s].sel = (uint16_t)(8 * (s + 1));
		c->seg[s].base = long64 ? rnd() & 0x7fffffffffull : rnd() & 0xffffffffull;
		c->seg[s].limit = 0xffffffffu;
		c->seg[s].ar = 0x93 | EMUL_AR_DB | EMUL_AR_G;
	}
	/* CS holds the code at CODE_LA (64-bit mode ignores its base). */
	c->seg[EMUL_CS].base = long64 ? 0 : 0x1000;
	c->seg[EMUL_CS].ar = 0x9b | EMUL_AR_G |
			     (mode == EMUL_MODE_LONG64 ? EMUL_AR_L :
			      (mode == EMUL_MODE_PROT32 || mode == EMUL_MODE_COMPAT32) ? EMUL_AR_DB : 0);
	c->rip = CODE_LA - c->seg[EMUL_CS].base;
	for (int r = 0; r < 16; r++)
		c->gpr[r] = long64 || r < 8 ? gen_reg(long64) : 0;
	c->rflags = 0x2 | (rnd() & 0x8d5);
}

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void test_replay_matches_emulator(void **state)
{
	(void)state;
	unsigned compared[6] = { 0 }, loads = 0, stores = 0, high8 = 0, straddles = 0;

	for (unsigned m = 0; m < 6; m++) {
		for (unsigned i = 0; i < 30000; i++) {
			struct emul_ctx c;
			struct emul_result r;
			struct emul_insn in;
			struct emul_fastmov f;
			enum emul_mode mode = modes[m];
			bool long64 = mode == EMUL_MODE_LONG64;

			setup(&c, mode);
			gen_move(long64, false);
			if (emul_decode(mode, code, sizeof(code), &in) != EMUL_DEC_OK)
				continue;
			assert_true(emul_fastmov_from(&in, &f));
			uint64_t g0[16], rip0 = c.rip, fl0 = c.rflags;
			memcpy(g0, c.gpr, sizeof(g0));
			nacc = 0;
			int st = emul_step(&c, &r);
			if (st != EMUL_DONE)
				continue;   /* e.g. a segment or canonical fault: the CPU's, before any #PF */
			uint64_t base = c.seg[f.seg].base;
			uint64_t la = emul_fastmov_linear(&f, long64, base, emul_fastmov_ea(&f, g0, rip0));
			if ((la & 0xfff) + f.size > 0x1000) {
				straddles++;     /* split in two: the fast path leaves these alone */
				continue;
			}
			assert_int_equal(nacc, 1);
			assert_int_equal(acc[0].la, la);
			assert_int_equal(acc[0].len, f.size);
			assert_int_equal(acc[0].write, f.op == FASTMOV_STORE);
			assert_int_equal(c.rip, (rip0 + f.len) & (long64 ? ~0ull : 0xffffffffull));
			assert_int_equal(c.rflags, fl0);
			uint64_t g[16];
			memcpy(g, g0, sizeof(g));
			if (f.op == FASTMOV_STORE) {
				assert_int_equal(le(acc[0].data, f.size), emul_fastmov_value(&f, g0));
				stores++;
			} else {
				uint64_t v = 0;
				for (unsigned b = 0; b < f.size; b++)
					v |= (uint64_t)pattern(la + b) << (8 * b);
				emul_fastmov_load(&f, g, v);
				loads++;
			}
			high8 += f.high8;
			for (int k = 0; k < 16; k++)
				if (g[k] != c.gpr[k])
					fail_msg("mode %u, bytes %02x %02x %02x %02x %02x: gpr %d is %llx, replay gives %llx",
						 m, code[0], code[1], code[2], code[3], code[4], k,
						 (unsigned long long)c.gpr[k], (unsigned long long)g[k]);
			compared[m]++;
		}
	}
	for (unsigned m = 0; m < 6; m++) {
		printf("# mode %u: %u moves compared\n", m, compared[m]);
		assert_true(compared[m] > 10000);
	}
	printf("# %u loads, %u stores, %u with AH..BH, %u straddling (not replayed)\n", loads, stores, high8,
	       straddles);
	assert_true(loads > 10000 && stores > 10000 && high8 > 100);
}

/* Register forms, LOCK, and instructions that are not plain moves. */
static void test_rejects(void **state)
{
	(void)state;
	static const struct { uint8_t b[8]; const char *what; } cases[] = {
		{ { 0x89, 0xc0 }, "mov eax, eax (register form)" },
		{ { 0x8b, 0xc1 }, "mov eax, ecx (register form)" },
		{ { 0xc7, 0xc0, 1, 0, 0, 0 }, "mov eax, imm (register form)" },
		{ { 0x0f, 0xb6, 0xc1 }, "movzx eax, cl" },
		{ { 0xb8, 1, 0, 0, 0 }, "mov eax, imm" },
		{ { 0x01, 0x00 }, "add [rax], eax" },
		{ { 0x87, 0x00 }, "xchg [rax], eax" },
		{ { 0xa5 }, "movsd" },
		{ { 0xab }, "stosd" },
		{ { 0xff, 0x30 }, "push [rax]" },
		{ { 0x8f, 0x00 }, "pop [rax]" },
		{ { 0x0f, 0x38, 0xf0, 0x00 }, "movbe eax, [rax]" },
		{ { 0x8c, 0x18 }, "mov [rax], ds" },
		{ { 0x0f, 0xc3, 0x00 }, "movnti [rax], eax" },
		{ { 0x8d, 0x00 }, "lea eax, [rax]" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct emul_insn in;
		struct emul_fastmov f;
		assert_int_equal(emul_decode(EMUL_MODE_LONG64, cases[i].b, sizeof(cases[i].b), &in), EMUL_DEC_OK);
		if (emul_fastmov_from(&in, &f))
			fail_msg("%s digested as a move", cases[i].what);
	}
	/* LOCK MOV is #UD, never a move. */
	static const uint8_t locked[] = { 0xf0, 0x89, 0x00, 0, 0, 0, 0, 0 };
	struct emul_insn in;
	struct emul_fastmov f;
	if (emul_decode(EMUL_MODE_LONG64, locked, sizeof(locked), &in) == EMUL_DEC_OK)
		assert_false(emul_fastmov_from(&in, &f));
	/* Random register forms never digest. */
	for (unsigned i = 0; i < 2000; i++) {
		gen_move(true, true);
		if (code[0] >= 0xa0 && code[0] <= 0xa3)
			continue;
		if (emul_decode(EMUL_MODE_LONG64, code, sizeof(code), &in) == EMUL_DEC_OK && in.mod == 3)
			assert_false(emul_fastmov_from(&in, &f));
	}
}

/* RSP as base, index or register is flagged: the caller keeps it apart. */
static void test_uses_rsp(void **state)
{
	(void)state;
	static const struct { uint8_t b[8]; bool rsp; } cases[] = {
		{ { 0x8b, 0x04, 0x24 }, true },          /* mov eax, [rsp] */
		{ { 0x8b, 0x20 }, true },                /* mov esp, [rax] */
		{ { 0x89, 0x20 }, true },                /* mov [rax], esp */
		{ { 0x88, 0x20 }, false },               /* mov [rax], ah */
		{ { 0x40, 0x88, 0x20 }, true },          /* mov [rax], spl */
		{ { 0x8b, 0x04, 0x60 }, false },         /* mov eax, [rax] (SIB index 4 = none) */
		{ { 0x8b, 0x45, 0x10 }, false },         /* mov eax, [rbp+0x10] */
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct emul_insn in;
		struct emul_fastmov f;
		assert_int_equal(emul_decode(EMUL_MODE_LONG64, cases[i].b, sizeof(cases[i].b), &in), EMUL_DEC_OK);
		assert_true(emul_fastmov_from(&in, &f));
		assert_int_equal(f.uses_rsp, cases[i].rsp);
	}
}

/* Every field of two digests. */
static void assert_same_digest(const struct emul_fastmov *a, const struct emul_fastmov *b)
{
	if (a->op != b->op || a->size != b->size || a->reg != b->reg || a->high8 != b->high8 ||
	    a->dst_size != b->dst_size || a->sext != b->sext || a->base != b->base || a->index != b->index ||
	    a->scale != b->scale || a->rip_rel != b->rip_rel || a->seg != b->seg || a->len != b->len ||
	    a->uses_rsp != b->uses_rsp || a->shift != b->shift || a->sext_shift != b->sext_shift ||
	    a->value_mask != b->value_mask || a->dst_mask != b->dst_mask || a->keep_mask != b->keep_mask ||
	    a->addr_mask != b->addr_mask || a->disp != b->disp || a->imm != b->imm)
		fail_msg("digests differ for %02x %02x %02x %02x %02x %02x %02x %02x: len %u/%u reg %u/%u "
			 "size %u/%u seg %u/%u base %u/%u disp %llx/%llx imm %llx/%llx",
			 code[0], code[1], code[2], code[3], code[4], code[5], code[6], code[7], a->len, b->len,
			 a->reg, b->reg, a->size, b->size, a->seg, b->seg, a->base, b->base,
			 (unsigned long long)a->disp, (unsigned long long)b->disp, (unsigned long long)a->imm,
			 (unsigned long long)b->imm);
}

/* emul_fastmov_decode() gives emul_decode() + emul_fastmov_from()'s digest
 * for every move form it accepts, accepts every move form of 32- and
 * 64-bit code the generator makes (up to three legacy prefixes and a REX,
 * 32/64-bit addressing), and nothing in 16-bit code; random bytes it
 * accepts are moves with the same digest. */
static void test_fast_decode_matches(void **state)
{
	(void)state;
	unsigned accepted = 0, random_moves = 0;

	for (unsigned m = 0; m < 6; m++) {
		enum emul_mode mode = modes[m];
		bool long64 = mode == EMUL_MODE_LONG64;
		bool wide = long64 || mode == EMUL_MODE_PROT32 || mode == EMUL_MODE_COMPAT32;

		for (unsigned i = 0; i < 60000; i++) {
			struct emul_insn in;
			struct emul_fastmov slow, fast;
			bool random = i % 3 == 2;

			if (random)
				for (unsigned k = 0; k < sizeof(code); k++)
					code[k] = (uint8_t)rnd();
			else
				gen_move(long64, i % 7 == 0);
			memset(&slow, 0, sizeof(slow));
			memset(&fast, 0, sizeof(fast));
			bool s = emul_decode(mode, code, sizeof(code), &in) == EMUL_DEC_OK && emul_fastmov_from(&in, &slow);
			bool f = emul_fastmov_decode(mode, code, &fast);
			if (f) {
				if (!s)
					fail_msg("mode %u: %02x %02x %02x %02x %02x: fast decode took a non-move", m,
						 code[0], code[1], code[2], code[3], code[4]);
				assert_true(wide);
				assert_same_digest(&fast, &slow);
				accepted++;
				random_moves += random;
			} else if (s && !random && wide && in.addrsize != 2) {
				fail_msg("mode %u: %02x %02x %02x %02x %02x %02x: a move fast decode refused", m,
					 code[0], code[1], code[2], code[3], code[4], code[5]);
			}
		}
	}
	printf("# %u moves decoded directly (%u of them from random bytes), all as the full decoder\n",
	       accepted, random_moves);
	assert_true(accepted > 50000 && random_moves > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_matches_emulator),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_uses_rsp),
		cmocka_unit_test(test_fast_decode_matches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
