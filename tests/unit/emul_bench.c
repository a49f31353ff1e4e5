/* Host benchmark of the emulator (make emul-bench): nanoseconds per
 * decode, per decode+execute (emul_step with fetch and memory callbacks),
 * per cached step, against Capstone 4's decode-only on the same corpus.
 * The corpus is MMIO-style instructions (moves, ALU ops, MOVZX, SSE moves
 * with memory operands of every addressing form) in 64-bit mode.
 * Wall-clock on a shared machine: compare ratios, not absolute numbers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <capstone/capstone.h>

#include "emul/emul.h"
#include "tests/unit/emul_rng.h"

#define NINSN 4096
#define MEM 0x20000
#define CODE_BASE 0x10000      /* code lives in the fake memory too */

static uint8_t mem[MEM];
static uint8_t code[NINSN][16];
static unsigned code_len[NINSN];
static volatile uint64_t sink;

static int cb_fetch(void *o, uint64_t la, void *buf, unsigned len, struct emul_fault *f)
{
	(void)o;
	if (la + len > MEM) {
		f->vector = EMUL_PF;
		return EMUL_CB_FAULT;
	}
	memcpy(buf, mem + la, len);
	return EMUL_CB_OK;
}

static int cb_read(void *o, uint64_t la, void *buf, unsigned len, struct emul_fault *f)
{
	return cb_fetch(o, la, buf, len, f);
}

static int cb_write(void *o, uint64_t la, const void *buf, unsigned len, struct emul_fault *f)
{
	(void)o;
	if (la + len > MEM) {
		f->vector = EMUL_PF;
		return EMUL_CB_FAULT;
	}
	memcpy(mem + la, buf, len);
	return EMUL_CB_OK;
}

static const struct emul_ops ops = { .fetch = cb_fetch, .read = cb_read, .write = cb_write };

/* One MMIO-style instruction with a memory operand near 0x8000. */
static unsigned gen(uint8_t *b)
{
	static const struct { uint8_t op[3], n, imm, sse; } t[] = {
		{ { 0x89 }, 1, 0, 0 }, { { 0x8b }, 1, 0, 0 }, { { 0x88 }, 1, 0, 0 },
		{ { 0x8a }, 1, 0, 0 }, { { 0xc7 }, 1, 4, 0 }, { { 0xc6 }, 1, 1, 0 },
		{ { 0x0f, 0xb6 }, 2, 0, 0 }, { { 0x0f, 0xb7 }, 2, 0, 0 },
		{ { 0x01 }, 1, 0, 0 }, { { 0x03 }, 1, 0, 0 }, { { 0x21 }, 1, 0, 0 },
		{ { 0x09 }, 1, 0, 0 }, { { 0x31 }, 1, 0, 0 }, { { 0x39 }, 1, 0, 0 },
		{ { 0x85 }, 1, 0, 0 }, { { 0x81 }, 1, 4, 0 }, { { 0x83 }, 1, 1, 0 },
		{ { 0x0f, 0x6f }, 2, 0, 0xf3 }, { { 0x0f, 0x7f }, 2, 0, 0xf3 },
		{ { 0x0f, 0x7e }, 2, 0, 0x66 }, { { 0x87 }, 1, 0, 0 },
	};
	unsigned k = rng_below(sizeof(t) / sizeof(t[0])), n = 0, reg = rng_below(16);
	unsigned base = (unsigned[]){ EMUL_RBX, EMUL_RSI, EMUL_RDI, EMUL_R8, EMUL_R9, EMUL_R12 }[rng_below(6)];
	uint8_t rex = 0;

	if (t[k].op[0] == 0xc6 || t[k].op[0] == 0xc7)
		reg &= 8;               /* /0 MOV */
	if (t[k].sse)
		b[n++] = t[k].sse;
	else if (rng_below(4) == 0)
		b[n++] = 0x66;
	if (!t[k].sse && rng_below(3) == 0)
		rex |= 8;
	if (reg & 8)
		rex |= 4;
	if (base & 8)
		rex |= 1;
	if (rex)
		b[n++] = 0x40 | rex;
	for (unsigned i = 0; i < t[k].n; i++)
		b[n++] = t[k].op[i];
	switch (rng_below(3)) {
	case 0:
		b[n++] = (uint8_t)(((reg & 7) << 3) | (base & 7) | 0x40);
		if ((base & 7) == 4)
			b[n++] = 0x24;
		b[n++] = (uint8_t)(rng64() & 0x78);
		break;
	case 1:
		b[n++] = (uint8_t)(((reg & 7) << 3) | (base & 7) | 0x80);
		if ((base & 7) == 4)
			b[n++] = 0x24;
		b[n++] = (uint8_t)(rng64() & 0xf0);
		b[n++] = 0x01;
		b[n++] = 0;
		b[n++] = 0;
		break;
	default:
		b[n++] = (uint8_t)(((reg & 7) << 3) | 4 | 0x40);
		b[n++] = (uint8_t)((rng_below(4) << 6) | (EMUL_RCX << 3) | (base & 7));
		b[n++] = 0x10;
		break;
	}
	for (unsigned i = 0; i < t[k].imm; i++)
		b[n++] = (uint8_t)rng64();
	return n;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void init_ctx(struct emul_ctx *c)
{
	emul_ctx_init(c, &ops, NULL);
	for (int r = 0; r < 16; r++)
		c->gpr[r] = 0x8000 + 0x40 * (uint64_t)r;
	c->gpr[EMUL_RCX] = 2;
	c->gpr[EMUL_RSP] = 0xf000;
}

int main(int argc, char **argv)
{
	unsigned reps = argc > 1 ? (unsigned)atoi(argv[1]) : 200;
	struct emul_insn in;
	struct emul_ctx c;
	struct emul_result res;
	static struct emul_icache ic;
	csh h;
	cs_insn *ci;
	double t0, t_dec, t_cs, t_step, t_cached, t_exec;
	unsigned long n = (unsigned long)reps * NINSN, ok = 0;
	static struct emul_insn pre[NINSN];

	rng_seed(2026);
	for (unsigned i = 0; i < NINSN; i++) {
		code_len[i] = gen(code[i]);
		memcpy(mem + CODE_BASE + 16 * i, code[i], code_len[i]);
		if (emul_decode(EMUL_MODE_LONG64, code[i], code_len[i], &pre[i]) != EMUL_DEC_OK) {
			fprintf(stderr, "corpus instruction %u does not decode\n", i);
			return 1;
		}
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return 1;
	ci = cs_malloc(h);

	/* decode only */
	t0 = now_ns();
	for (unsigned r = 0; r < reps; r++)
		for (unsigned i = 0; i < NINSN; i++) {
			emul_decode(EMUL_MODE_LONG64, code[i], 15, &in);
			sink += in.len;
		}
	t_dec = (now_ns() - t0) / (double)n;

	/* Capstone decode only (iterator API, no detail, no allocation) */
	t0 = now_ns();
	for (unsigned r = 0; r < reps; r++)
		for (unsigned i = 0; i < NINSN; i++) {
			const uint8_t *p = code[i];
			size_t sz = 15;
			uint64_t addr = 0x1000;

			if (cs_disasm_iter(h, &p, &sz, &addr, ci))
				sink += ci->size;
		}
	t_cs = (now_ns() - t0) / (double)n;

	/* fetch + decode + execute */
	init_ctx(&c);
	t0 = now_ns();
	for (unsigned r = 0; r < reps; r++)
		for (unsigned i = 0; i < NINSN; i++) {
			c.rip = CODE_BASE + 16 * i;
			ok += emul_step(&c, &res) == EMUL_DONE;
			c.gpr[pre[i].reg] = 0x8000;
			c.gpr[pre[i].rm] = 0x8000;
			c.gpr[EMUL_RCX] = 2;
		}
	t_step = (now_ns() - t0) / (double)n;

	/* the same with the decoded-instruction cache, each instruction
	 * repeated 8 times (a driver hammering one register) */
	emul_icache_init(&ic);
	init_ctx(&c);
	t0 = now_ns();
	for (unsigned r = 0; r < reps / 8 + 1; r++)
		for (unsigned i = 0; i < NINSN; i++)
			for (int k = 0; k < 8; k++) {
				c.rip = CODE_BASE + 16 * i;
				ok += emul_step_cached(&c, &ic, &res) == EMUL_DONE;
				c.gpr[pre[i].reg] = 0x8000;
				c.gpr[pre[i].rm] = 0x8000;
				c.gpr[EMUL_RCX] = 2;
			}
	t_cached = (now_ns() - t0) / (double)((reps / 8 + 1) * NINSN * 8ul);

	/* execute only (pre-decoded) */
	init_ctx(&c);
	t0 = now_ns();
	for (unsigned r = 0; r < reps; r++)
		for (unsigned i = 0; i < NINSN; i++) {
			c.rip = CODE_BASE + 16 * i;
			ok += emul_execute(&c, &pre[i], &res) == EMUL_DONE;
			c.gpr[pre[i].reg] = 0x8000;
			c.gpr[pre[i].rm] = 0x8000;
			c.gpr[EMUL_RCX] = 2;
		}
	t_exec = (now_ns() - t0) / (double)n;

	printf("emulator host benchmark: %u MMIO-style instructions x %u (64-bit mode)\n", NINSN, reps);
	printf("  %-44s %8.1f ns\n", "Capstone 4 decode only (cs_disasm_iter)", t_cs);
	printf("  %-44s %8.1f ns  (%.2fx Capstone)\n", "Shade decode only (emul_decode)", t_dec, t_dec / t_cs);
	printf("  %-44s %8.1f ns  (%.2fx Capstone)\n", "Shade fetch+decode+execute (emul_step)", t_step, t_step / t_cs);
	printf("  %-44s %8.1f ns  (%.2fx Capstone)\n", "Shade step, cached decode (8x same insn)", t_cached, t_cached / t_cs);
	printf("  %-44s %8.1f ns\n", "Shade execute only (emul_execute)", t_exec);
	printf("  cache: %llu hits, %llu misses; %lu steps completed\n",
	       (unsigned long long)ic.hits, (unsigned long long)ic.misses, ok);
	cs_free(ci, 1);
	cs_close(&h);
	return 0;
}
