/* Emulator semantics that the host-CPU differential test cannot reach:
 * 16/32-bit modes and real mode, segmentation faults, canonical checks,
 * page-split accesses to RAM and MMIO, REP chunking and faults in the
 * middle of a REP, port I/O with IOPL, SMSW/LMSW, SSE exceptions, #AC,
 * the 15-byte limit, far transfers in real mode, unsupported reporting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "emul/emul.h"

/* Linear memory: RAM [0, 64K); an MMIO page at 0x20000 that records
 * accesses; everything else faults (#PF, CR2 = address). */
#define RAM_SIZE 0x10000
#define MMIO_PAGE 0x20000

static uint8_t ram[RAM_SIZE];
static uint8_t mmio[4096];
struct acc_log { uint64_t la; unsigned len; bool write; };
static struct acc_log log_[256];
static unsigned nlog, nfetch_pages, crossings;
static uint64_t fetched_la[4];
static uint32_t port_val;
static uint16_t last_port;
static unsigned port_writes, port_reads;
static uint32_t port_out_vals[64];

static void note(uint64_t la, unsigned len, bool write)
{
	if ((la & 4095) + len > 4096)
		crossings++;
	if (nlog < 256)
		log_[nlog++] = (struct acc_log){ la, len, write };
}

static int fault(struct emul_fault *f, uint64_t la, bool write)
{
	f->vector = EMUL_PF;
	f->has_error_code = true;
	f->error_code = write ? 2 : 0;
	f->cr2 = la;
	return EMUL_CB_FAULT;
}

static int mem_access(uint64_t la, void *buf, unsigned len, bool write, struct emul_fault *f)
{
	note(la, len, write);
	if (la + len <= RAM_SIZE) {
		if (write)
			memcpy(ram + la, buf, len);
		else
			memcpy(buf, ram + la, len);
		return EMUL_CB_OK;
	}
	if (la >= MMIO_PAGE && la + len <= MMIO_PAGE + 4096) {
		if (write)
			memcpy(mmio + (la - MMIO_PAGE), buf, len);
		else
			memcpy(buf, mmio + (la - MMIO_PAGE), len);
		return EMUL_CB_OK;
	}
	return fault(f, la, write);
}

static int cb_fetch(void *o, uint64_t la, void *buf, unsigned len, struct emul_fault *f)
{
	(void)o;
	if (nfetch_pages < 4)
		fetched_la[nfetch_pages] = la;
	nfetch_pages++;
	if ((la & 4095) + len > 4096)
		crossings++;
	if (la + len <= RAM_SIZE) {
		memcpy(buf, ram + la, len);
		return EMUL_CB_OK;
	}
	return fault(f, la, false);
}

static int cb_read(void *o, uint64_t la, void *buf, unsigned len, struct emul_fault *f)
{
	(void)o;
	return mem_access(la, buf, len, false, f);
}

static int cb_write(void *o, uint64_t la, const void *buf, unsigned len, struct emul_fault *f)
{
	(void)o;
	return mem_access(la, (void *)buf, len, true, f);
}

static int cb_check(void *o, uint64_t la, unsigned len, enum emul_access acc, struct emul_fault *f)
{
	(void)o;
	if (la + len <= RAM_SIZE || (la >= MMIO_PAGE && la + len <= MMIO_PAGE + 4096))
		return EMUL_CB_OK;
	return fault(f, la, acc == EMUL_ACC_WRITE);
}

static int cb_in(void *o, uint16_t port, unsigned size, uint32_t *v)
{
	(void)o;
	(void)size;
	last_port = port;
	*v = port_val++;
	port_reads++;
	return EMUL_CB_OK;
}

static int cb_out(void *o, uint16_t port, unsigned size, uint32_t v)
{
	(void)o;
	(void)size;
	last_port = port;
	if (port_writes < 64)
		port_out_vals[port_writes] = v;
	port_writes++;
	return EMUL_CB_OK;
}

static bool io_ok;
static bool cb_io_allowed(void *o, uint16_t port, unsigned size)
{
	(void)o;
	(void)port;
	(void)size;
	return io_ok;
}

static const struct emul_ops ops = {
	.fetch = cb_fetch, .read = cb_read, .write = cb_write, .check = cb_check,
	.pio_in = cb_in, .pio_out = cb_out, .io_allowed = cb_io_allowed,
};

static struct emul_ctx ctx;
static struct emul_result res;

#define CODE 0x1000

static void reset(enum emul_mode mode)
{
	memset(ram, 0, sizeof(ram));
	memset(mmio, 0, sizeof(mmio));
	nlog = nfetch_pages = crossings = 0;
	port_val = 0x11223344;
	port_writes = port_reads = 0;
	io_ok = false;
	emul_ctx_init(&ctx, &ops, NULL);
	ctx.mode = mode;
	if (mode == EMUL_MODE_REAL || mode == EMUL_MODE_PROT16) {
		for (int i = 0; i < EMUL_NSEG; i++) {
			ctx.seg[i].limit = 0xffff;
			ctx.seg[i].ar &= ~(uint32_t)(EMUL_AR_DB | EMUL_AR_G);
		}
		ctx.seg[EMUL_CS].ar &= ~(uint32_t)EMUL_AR_L;
	} else if (mode != EMUL_MODE_LONG64) {
		ctx.seg[EMUL_CS].ar = (ctx.seg[EMUL_CS].ar & ~(uint32_t)EMUL_AR_L) | EMUL_AR_DB;
	}
	if (mode == EMUL_MODE_REAL)
		ctx.cr0 &= ~EMUL_CR0_PE;
	if (mode == EMUL_MODE_REAL || mode == EMUL_MODE_PROT16 || mode == EMUL_MODE_PROT32)
		ctx.efer = 0;
	ctx.rip = CODE;
}

static int run_at(uint64_t la, const uint8_t *code, size_t n)
{
	memcpy(ram + la, code, n);
	ctx.rip = la;
	return emul_step(&ctx, &res);
}

#define RUN(...) run_at(CODE, (const uint8_t[]){ __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }))

static void expect_exc(int st, unsigned vec, uint32_t err)
{
	assert_int_equal(st, EMUL_EXCEPTION);
	assert_int_equal(res.status, EMUL_EXCEPTION);
	assert_int_equal(res.vector, vec);
	if (vec == EMUL_GP || vec == EMUL_SS_VEC) {
		assert_true(res.has_error_code);
		assert_int_equal(res.error_code, err);
	}
	assert_int_equal(ctx.rip, CODE);     /* fault: RIP unchanged */
}

/* ---- real mode and 16-bit addressing --------------------------------- */

static void test_real_mode_addressing(void **s)
{
	(void)s;
	reset(EMUL_MODE_REAL);
	ctx.seg[EMUL_DS].sel = 0x100;
	ctx.seg[EMUL_DS].base = 0x1000;
	ctx.gpr[EMUL_RBX] = 0x10;
	ctx.gpr[EMUL_RSI] = 0x20;
	ctx.gpr[EMUL_RAX] = 0xdeadbeef;
	/* mov [bx+si+0x5], ax */
	assert_int_equal(RUN(0x89, 0x40, 0x05), EMUL_DONE);
	assert_int_equal(ram[0x1035] | ram[0x1036] << 8, 0xbeef);
	assert_int_equal(ctx.rip, CODE + 3);
	/* 16-bit effective addresses wrap: bx+si = 0x10000+0x8 -> 0x0008 */
	reset(EMUL_MODE_REAL);
	ctx.seg[EMUL_DS].base = 0x2000;
	ctx.gpr[EMUL_RBX] = 0xfff8;
	ctx.gpr[EMUL_RSI] = 0x10;
	ctx.gpr[EMUL_RAX] = 0x55;
	assert_int_equal(RUN(0x88, 0x00), EMUL_DONE);      /* mov [bx+si], al */
	assert_int_equal(ram[0x2008], 0x55);
	/* bp-based addressing uses SS */
	reset(EMUL_MODE_REAL);
	ctx.seg[EMUL_SS].base = 0x3000;
	ctx.gpr[EMUL_RBP] = 0x10;
	ctx.gpr[EMUL_RAX] = 0x77;
	assert_int_equal(RUN(0x88, 0x46, 0x02), EMUL_DONE); /* mov [bp+2], al */
	assert_int_equal(ram[0x3012], 0x77);
}

static void test_segment_limits(void **s)
{
	(void)s;
	/* word access at offset 0xffff in a 64K segment: #GP(0) */
	reset(EMUL_MODE_REAL);
	ctx.gpr[EMUL_RBX] = 0xffff;
	expect_exc(RUN(0x89, 0x07), EMUL_GP, 0);
	/* ...through SS: #SS(0) */
	reset(EMUL_MODE_REAL);
	ctx.gpr[EMUL_RBP] = 0xffff;
	expect_exc(RUN(0x89, 0x46, 0x00), EMUL_SS_VEC, 0);
	/* 32-bit protected: limit 0xfff, dword at 0xffe */
	reset(EMUL_MODE_PROT32);
	ctx.seg[EMUL_DS].limit = 0xfff;
	ctx.gpr[EMUL_RBX] = 0xffe;
	expect_exc(RUN(0x89, 0x03), EMUL_GP, 0);
	ctx.gpr[EMUL_RBX] = 0xffc;
	assert_int_equal(RUN(0x89, 0x03), EMUL_DONE);
}

static void test_segment_types(void **s)
{
	(void)s;
	/* null (unusable) DS: #GP(0) */
	reset(EMUL_MODE_PROT32);
	ctx.seg[EMUL_DS].ar |= EMUL_AR_UNUSABLE;
	ctx.gpr[EMUL_RBX] = 0x100;
	expect_exc(RUN(0x89, 0x03), EMUL_GP, 0);
	/* read-only data segment: write #GP, read fine */
	reset(EMUL_MODE_PROT32);
	ctx.seg[EMUL_DS].ar &= ~(uint32_t)EMUL_AR_TYPE_W;
	ctx.gpr[EMUL_RBX] = 0x100;
	expect_exc(RUN(0x89, 0x03), EMUL_GP, 0);
	ctx.rip = CODE;
	assert_int_equal(RUN(0x8b, 0x03), EMUL_DONE);
	/* expand-down (limit 0x0fff, 32-bit): offsets <= limit fault */
	reset(EMUL_MODE_PROT32);
	ctx.seg[EMUL_DS].ar |= 0x4;
	ctx.seg[EMUL_DS].limit = 0x0fff;
	ctx.gpr[EMUL_RBX] = 0x800;
	expect_exc(RUN(0x89, 0x03), EMUL_GP, 0);
	ctx.gpr[EMUL_RBX] = 0x2000;
	assert_int_equal(RUN(0x89, 0x03), EMUL_DONE);
	/* CS override: execute-only code segment can't be read */
	reset(EMUL_MODE_PROT32);
	ctx.seg[EMUL_CS].ar &= ~(uint32_t)EMUL_AR_TYPE_W;
	ctx.gpr[EMUL_RBX] = 0x100;
	expect_exc(RUN(0x2e, 0x8b, 0x03), EMUL_GP, 0);
}

static void test_canonical(void **s)
{
	(void)s;
	reset(EMUL_MODE_LONG64);
	ctx.gpr[EMUL_RBX] = 0x0000800000000000ull;
	expect_exc(RUN(0x89, 0x03), EMUL_GP, 0);
	/* rsp/rbp-based: #SS(0) */
	reset(EMUL_MODE_LONG64);
	ctx.gpr[EMUL_RBP] = 0x0000800000000000ull;
	expect_exc(RUN(0x89, 0x45, 0x00), EMUL_SS_VEC, 0);
	/* a push through a non-canonical RSP: #SS(0), RSP unchanged */
	reset(EMUL_MODE_LONG64);
	ctx.gpr[EMUL_RSP] = 0x0000800000000008ull;
	expect_exc(RUN(0x53), EMUL_SS_VEC, 0);              /* push rbx */
	assert_int_equal(ctx.gpr[EMUL_RSP], 0x0000800000000008ull);
	/* jmp to a non-canonical target: #GP at the jmp */
	reset(EMUL_MODE_LONG64);
	ctx.gpr[EMUL_RAX] = 0x8000000000000000ull;
	expect_exc(RUN(0xff, 0xe0), EMUL_GP, 0);
	/* FS base applies in 64-bit mode, DS base does not */
	reset(EMUL_MODE_LONG64);
	ctx.seg[EMUL_FS].base = 0x4000;
	ctx.seg[EMUL_DS].base = 0x8000;
	ctx.gpr[EMUL_RBX] = 0x10;
	ctx.gpr[EMUL_RAX] = 0xab;
	assert_int_equal(RUN(0x64, 0x88, 0x03), EMUL_DONE);
	assert_int_equal(ram[0x4010], 0xab);
	assert_int_equal(RUN(0x88, 0x03), EMUL_DONE);
	assert_int_equal(ram[0x10], 0xab);
}

/* ---- split accesses --------------------------------------------------- */

static void test_split_ram_mmio(void **s)
{
	(void)s;
	/* A dword across [unmapped page | MMIO page]: the first part faults;
	 * nothing is written anywhere. */
	reset(EMUL_MODE_LONG64);
	ctx.gpr[EMUL_RBX] = MMIO_PAGE - 2;         /* [0x1fffe, 0x20002) */
	ctx.gpr[EMUL_RAX] = 0x44332211;
	expect_exc(RUN(0x89, 0x03), EMUL_PF, 0);
	/* the MMIO part was only checked, never written */
	assert_int_equal(res.cr2, MMIO_PAGE - 2);
	for (unsigned i = 0; i < nlog; i++)
		assert_false(log_[i].write && log_[i].la >= MMIO_PAGE);
	assert_int_equal(mmio[0], 0);
	/* two-page split inside RAM: each callback within one page */
	reset(EMUL_MODE_LONG64);
	ctx.gpr[EMUL_RBX] = 0x2ffd;
	ctx.gpr[EMUL_RAX] = 0x8877665544332211ull;
	assert_int_equal(RUN(0x48, 0x89, 0x03), EMUL_DONE);
	assert_int_equal(crossings, 0);
	assert_int_equal(nlog, 2);
	assert_int_equal(log_[0].la, 0x2ffd);
	assert_int_equal(log_[0].len, 3);
	assert_int_equal(log_[1].la, 0x3000);
	assert_int_equal(log_[1].len, 5);
	assert_int_equal(ram[0x2ffd], 0x11);
	assert_int_equal(ram[0x3004], 0x88);
	/* a write whose second page faults leaves the first page untouched */
	reset(EMUL_MODE_LONG64);
	ctx.gpr[EMUL_RBX] = MMIO_PAGE + 4096 - 4;
	ctx.gpr[EMUL_RAX] = ~0ull;
	expect_exc(RUN(0x48, 0x89, 0x03), EMUL_PF, 0);
	assert_int_equal(res.cr2, MMIO_PAGE + 4096);
	assert_int_equal(mmio[4092], 0);
	for (unsigned i = 0; i < nlog; i++)
		assert_false(log_[i].write);
}

/* ---- REP strings ------------------------------------------------------ */

static void test_rep_chunks(void **s)
{
	int st, n = 0;

	(void)s;
	reset(EMUL_MODE_LONG64);
	ctx.rep_chunk = 4;
	for (int i = 0; i < 10; i++)
		ram[0x5000 + i] = (uint8_t)(i + 1);
	ctx.gpr[EMUL_RSI] = 0x5000;
	ctx.gpr[EMUL_RDI] = MMIO_PAGE + 0x10;
	ctx.gpr[EMUL_RCX] = 10;
	memcpy(ram + CODE, (uint8_t[]){ 0xf3, 0xa4 }, 2);   /* rep movsb */
	st = emul_step(&ctx, &res);
	assert_int_equal(st, EMUL_RESTART);
	assert_int_equal(ctx.rip, CODE);
	assert_int_equal(ctx.gpr[EMUL_RCX], 6);
	assert_int_equal(ctx.gpr[EMUL_RSI], 0x5004);
	assert_int_equal(ctx.gpr[EMUL_RDI], MMIO_PAGE + 0x14);
	do {
		st = emul_step(&ctx, &res);
		n++;
	} while (st == EMUL_RESTART && n < 10);
	assert_int_equal(st, EMUL_DONE);
	assert_int_equal(n, 2);
	assert_int_equal(ctx.rip, CODE + 2);
	assert_int_equal(ctx.gpr[EMUL_RCX], 0);
	assert_memory_equal(mmio + 0x10, ram + 0x5000, 10);
}

static void test_rep_fault_midway(void **s)
{
	int st;

	(void)s;
	/* rep stosd running off the end of RAM: 3 dwords fit, the 4th faults */
	reset(EMUL_MODE_LONG64);
	ctx.gpr[EMUL_RDI] = RAM_SIZE - 12;
	ctx.gpr[EMUL_RCX] = 8;
	ctx.gpr[EMUL_RAX] = 0xcafef00d;
	st = RUN(0xf3, 0xab);
	expect_exc(st, EMUL_PF, 0);
	assert_int_equal(res.cr2, RAM_SIZE);
	assert_int_equal(ctx.gpr[EMUL_RCX], 5);             /* 3 done */
	assert_int_equal(ctx.gpr[EMUL_RDI], RAM_SIZE);
	/* rep with rcx = 0: nothing, RIP advances; 32-bit address size uses ECX */
	reset(EMUL_MODE_LONG64);
	ctx.gpr[EMUL_RCX] = 0xffffffff00000000ull;
	assert_int_equal(RUN(0x67, 0xf3, 0xab), EMUL_DONE);
	assert_int_equal(nlog, 0);
	assert_int_equal(ctx.rip, CODE + 3);
	/* repne scasb stops on a match; DF=1 walks down */
	reset(EMUL_MODE_LONG64);
	memcpy(ram + 0x6000, "abcdefgh", 8);
	ctx.gpr[EMUL_RDI] = 0x6007;
	ctx.gpr[EMUL_RCX] = 8;
	ctx.gpr[EMUL_RAX] = 'c';
	ctx.rflags |= EMUL_FL_DF;
	assert_int_equal(RUN(0xf2, 0xae), EMUL_DONE);
	assert_int_equal(ctx.gpr[EMUL_RDI], 0x6001);
	assert_int_equal(ctx.gpr[EMUL_RCX], 2);
	assert_true(ctx.rflags & EMUL_FL_ZF);
}

/* ---- port I/O ---------------------------------------------------------- */

static void test_port_io(void **s)
{
	(void)s;
	/* in al, 0x60 / out dx, eax */
	reset(EMUL_MODE_LONG64);
	ctx.gpr[EMUL_RAX] = ~0ull;
	assert_int_equal(RUN(0xe4, 0x60), EMUL_DONE);
	assert_int_equal(last_port, 0x60);
	assert_int_equal(ctx.gpr[EMUL_RAX], 0xffffffffffffff44ull);
	ctx.rip = CODE;
	ctx.gpr[EMUL_RDX] = 0x3f8;
	ctx.gpr[EMUL_RAX] = 0x12345678;
	assert_int_equal(RUN(0xef), EMUL_DONE);
	assert_int_equal(last_port, 0x3f8);
	assert_int_equal(port_out_vals[0], 0x12345678);
	/* CPL 3 > IOPL 0 and the bitmap says no: #GP(0), no port access */
	reset(EMUL_MODE_LONG64);
	ctx.cpl = 3;
	expect_exc(RUN(0xe4, 0x60), EMUL_GP, 0);
	assert_int_equal(port_reads, 0);
	io_ok = true;
	assert_int_equal(RUN(0xe4, 0x60), EMUL_DONE);
	/* IOPL 3: allowed without asking */
	reset(EMUL_MODE_LONG64);
	ctx.cpl = 3;
	ctx.rflags |= 3u << 12;
	assert_int_equal(RUN(0xe4, 0x60), EMUL_DONE);
	/* rep outsw from RAM, rep insb into MMIO */
	reset(EMUL_MODE_LONG64);
	memcpy(ram + 0x7000, (uint16_t[]){ 1, 2, 3 }, 6);
	ctx.gpr[EMUL_RSI] = 0x7000;
	ctx.gpr[EMUL_RCX] = 3;
	ctx.gpr[EMUL_RDX] = 0x80;
	assert_int_equal(RUN(0x66, 0xf3, 0x6f), EMUL_DONE);
	assert_int_equal(port_writes, 3);
	assert_int_equal(port_out_vals[2], 3);
	ctx.rip = CODE;
	ctx.gpr[EMUL_RDI] = MMIO_PAGE;
	ctx.gpr[EMUL_RCX] = 4;
	assert_int_equal(RUN(0xf3, 0x6c), EMUL_DONE);
	assert_int_equal(mmio[0], 0x44);
	assert_int_equal(mmio[3], 0x47);
}

/* ---- MOV r/m, Sreg ------------------------------------------------------ */

static void test_mov_from_sreg(void **s)
{
	(void)s;
	reset(EMUL_MODE_LONG64);
	ctx.seg[EMUL_DS].sel = 0x2b;
	ctx.seg[EMUL_FS].sel = 0x53;
	ctx.gpr[EMUL_RBX] = 0x100;
	memset(ram + 0x100, 0xee, 8);
	/* mov [rbx], ds: 16 bits whatever the operand size, even with REX.W */
	assert_int_equal(RUN(0x48, 0x8c, 0x1b), EMUL_DONE);
	assert_int_equal(ram[0x100], 0x2b);
	assert_int_equal(ram[0x101], 0x00);
	assert_int_equal(ram[0x102], 0xee);
	/* mov eax, fs: zero-extended into the register */
	ctx.rip = CODE;
	ctx.gpr[EMUL_RAX] = ~0ull;
	assert_int_equal(RUN(0x8c, 0xe0), EMUL_DONE);
	assert_int_equal(ctx.gpr[EMUL_RAX], 0x53);
	/* reg field 6 names no segment register: #UD */
	reset(EMUL_MODE_LONG64);
	expect_exc(RUN(0x8c, 0x33), EMUL_UD, -1);
	/* 8E (a segment load) is decoded but not executed */
	reset(EMUL_MODE_LONG64);
	assert_int_equal(RUN(0x8e, 0x1b), EMUL_UNSUPPORTED);
}

/* ---- SMSW / LMSW ------------------------------------------------------ */

static void test_smsw_lmsw(void **s)
{
	(void)s;
	reset(EMUL_MODE_LONG64);
	ctx.cr0 = 0x80050033;
	ctx.gpr[EMUL_RBX] = 0x100;
	memset(ram + 0x100, 0xee, 8);
	assert_int_equal(RUN(0x0f, 0x01, 0x23), EMUL_DONE);  /* smsw [rbx] */
	assert_int_equal(ram[0x100], 0x33);
	assert_int_equal(ram[0x101], 0x00);
	assert_int_equal(ram[0x102], 0xee);                  /* 16-bit store */
	ctx.rip = CODE;
	ctx.gpr[EMUL_RAX] = ~0ull;
	assert_int_equal(RUN(0x0f, 0x01, 0xe0), EMUL_DONE);  /* smsw eax */
	assert_int_equal(ctx.gpr[EMUL_RAX], 0x80050033);
	/* lmsw ax = 0: PE stays set, MP/EM/TS cleared */
	ctx.rip = CODE;
	ctx.gpr[EMUL_RAX] = 0xfff0;
	assert_int_equal(RUN(0x0f, 0x01, 0xf0), EMUL_DONE);
	assert_int_equal(ctx.cr0 & 0xf, 1);
	assert_true(ctx.dirty & EMUL_DIRTY_CR0);
	ctx.rip = CODE;
	ctx.gpr[EMUL_RAX] = 0xe;
	assert_int_equal(RUN(0x0f, 0x01, 0xf0), EMUL_DONE);
	assert_int_equal(ctx.cr0 & 0xf, 0xf);
	/* CPL 3: #GP(0) */
	reset(EMUL_MODE_LONG64);
	ctx.cpl = 3;
	expect_exc(RUN(0x0f, 0x01, 0xf0), EMUL_GP, 0);
	/* real mode: LMSW can set PE */
	reset(EMUL_MODE_REAL);
	ctx.gpr[EMUL_RAX] = 1;
	assert_int_equal(RUN(0x0f, 0x01, 0xf0), EMUL_DONE);
	assert_int_equal(ctx.cr0 & 1, 1);
}

/* ---- SSE exceptions, #AC ---------------------------------------------- */

static unsigned fpu_gets;

static void fpu_get_cb(void *opaque, struct emul_ctx *c)
{
	(void)opaque;
	fpu_gets++;
	for (int i = 0; i < 16; i++)
		memset(c->xmm[i], 0x30 + i, 16);
}

static void test_sse_exceptions(void **s)
{
	(void)s;
	reset(EMUL_MODE_LONG64);
	ctx.cr0 |= EMUL_CR0_TS;
	ctx.gpr[EMUL_RBX] = 0x100;
	expect_exc(RUN(0x66, 0x0f, 0x6f, 0x03), EMUL_NM, 0);   /* movdqa */
	reset(EMUL_MODE_LONG64);
	ctx.cr0 |= EMUL_CR0_EM;
	expect_exc(RUN(0x0f, 0x6f, 0x03), EMUL_UD, 0);         /* movq mm */
	reset(EMUL_MODE_LONG64);
	ctx.cr4 &= ~EMUL_CR4_OSFXSR;
	expect_exc(RUN(0x0f, 0x10, 0x03), EMUL_UD, 0);         /* movups */
	reset(EMUL_MODE_LONG64);
	ctx.gpr[EMUL_RBX] = 0x108;
	expect_exc(RUN(0x66, 0x0f, 0x7f, 0x03), EMUL_GP, 0);   /* misaligned movdqa */
	/* movdqu to MMIO, straddling into the next page: split, both faulting
	 * checked first */
	reset(EMUL_MODE_LONG64);
	for (int i = 0; i < 16; i++)
		ctx.xmm[3][i] = (uint8_t)(0xa0 + i);
	ctx.gpr[EMUL_RBX] = MMIO_PAGE + 8;
	assert_int_equal(RUN(0xf3, 0x0f, 0x7f, 0x1b), EMUL_DONE);
	assert_int_equal(mmio[8], 0xa0);
	assert_int_equal(mmio[23], 0xaf);
	assert_true(ctx.dirty == 0 || ctx.dirty == EMUL_DIRTY_XMM);
	ctx.rip = CODE;
	expect_exc(RUN(0x66, 0x0f, 0x6f, 0x23), EMUL_GP, 0);   /* movdqa xmm4, [rbx+8]: misaligned */
	ctx.rip = CODE;
	ctx.gpr[EMUL_RBX] = MMIO_PAGE;
	assert_int_equal(RUN(0x66, 0x0f, 0x6f, 0x23), EMUL_DONE);
	assert_true(ctx.dirty & EMUL_DIRTY_XMM);
	/* no FPU state from the caller: unsupported, not garbage */
	reset(EMUL_MODE_LONG64);
	ctx.no_fpu_state = true;
	assert_int_equal(RUN(0x0f, 0x10, 0x03), EMUL_UNSUPPORTED);
	/* ...or provided on demand by ops->fpu_get, only for SSE/MMX moves */
	{
		struct emul_ops lazy = ops;

		lazy.fpu_get = fpu_get_cb;
		reset(EMUL_MODE_LONG64);
		ctx.ops = &lazy;
		ctx.no_fpu_state = true;
		ctx.gpr[EMUL_RBX] = 0x100;
		fpu_gets = 0;
		assert_int_equal(RUN(0x89, 0x03), EMUL_DONE);              /* mov: not asked */
		assert_int_equal(fpu_gets, 0);
		assert_int_equal(RUN(0x0f, 0x11, 0x1b), EMUL_DONE);        /* movups [rbx], xmm3 */
		assert_int_equal(fpu_gets, 1);
		assert_int_equal(ram[0x100], 0x33);
		assert_int_equal(ram[0x10f], 0x33);
	}
}

static void test_alignment_check(void **s)
{
	(void)s;
	reset(EMUL_MODE_LONG64);
	ctx.cpl = 3;
	ctx.cr0 |= EMUL_CR0_AM;
	ctx.rflags |= EMUL_FL_AC;
	ctx.gpr[EMUL_RBX] = 0x101;
	expect_exc(RUN(0x89, 0x03), EMUL_AC, 0);
	ctx.gpr[EMUL_RBX] = 0x104;
	assert_int_equal(RUN(0x89, 0x03), EMUL_DONE);
	/* CPL 0: no #AC */
	reset(EMUL_MODE_LONG64);
	ctx.cr0 |= EMUL_CR0_AM;
	ctx.rflags |= EMUL_FL_AC;
	ctx.gpr[EMUL_RBX] = 0x101;
	assert_int_equal(RUN(0x89, 0x03), EMUL_DONE);
}

/* ---- fetch ------------------------------------------------------------ */

static void test_fetch_limits(void **s)
{
	uint8_t longi[16];

	(void)s;
	/* 16 bytes: #GP(0) */
	reset(EMUL_MODE_LONG64);
	memset(longi, 0x66, sizeof(longi));
	longi[15] = 0x90;
	expect_exc(run_at(CODE, longi, 16), EMUL_GP, 0);
	/* an instruction ending before the page end: the next page is not
	 * fetched (it is unmapped here: would be a #PF) */
	reset(EMUL_MODE_LONG64);
	ctx.rip = RAM_SIZE - 3;
	ctx.gpr[EMUL_RBX] = 0x100;
	memcpy(ram + RAM_SIZE - 3, (uint8_t[]){ 0x89, 0x03 }, 2);
	assert_int_equal(emul_step(&ctx, &res), EMUL_DONE);
	assert_int_equal(nfetch_pages, 1);
	assert_int_equal(fetched_la[0], RAM_SIZE - 3);
	/* one straddling the page end: fetched in two page-bounded parts */
	reset(EMUL_MODE_LONG64);
	ctx.rip = 0x2ffe;
	ctx.gpr[EMUL_RAX] = 5;
	memcpy(ram + 0x2ffe, (uint8_t[]){ 0x48, 0x05, 1, 0, 0, 0 }, 6);  /* add rax, 1 */
	assert_int_equal(emul_step(&ctx, &res), EMUL_DONE);
	assert_int_equal(ctx.gpr[EMUL_RAX], 6);
	assert_int_equal(nfetch_pages, 2);
	assert_int_equal(fetched_la[1], 0x3000);
	assert_int_equal(crossings, 0);
	/* and a fault on the second part of the fetch */
	reset(EMUL_MODE_LONG64);
	ctx.rip = RAM_SIZE - 2;
	memcpy(ram + RAM_SIZE - 2, (uint8_t[]){ 0x48, 0x05 }, 2);
	assert_int_equal(emul_step(&ctx, &res), EMUL_EXCEPTION);
	assert_int_equal(res.vector, EMUL_PF);
	assert_int_equal(res.cr2, RAM_SIZE);
	/* past the CS limit in protected mode: #GP(0) */
	reset(EMUL_MODE_PROT32);
	ctx.seg[EMUL_CS].limit = CODE + 1;
	expect_exc(RUN(0x05, 1, 0, 0, 0), EMUL_GP, 0);
}

static void test_unsupported_and_invalid(void **s)
{
	(void)s;
	reset(EMUL_MODE_LONG64);
	assert_int_equal(RUN(0x0f, 0xa2), EMUL_UNSUPPORTED);      /* cpuid */
	assert_int_equal(res.insn_len, 2);
	assert_int_equal(res.insn[1], 0xa2);
	assert_int_equal(RUN(0xc5, 0xf8, 0x77), EMUL_UNSUPPORTED); /* vzeroupper */
	expect_exc(RUN(0x0f, 0x0b), EMUL_UD, 0);                   /* ud2 */
	expect_exc(RUN(0xf0, 0x01, 0xc0), EMUL_UD, 0);             /* lock add eax, eax */
	expect_exc(RUN(0x06), EMUL_UD, 0);                         /* push es in 64-bit */
}

/* ---- other modes ------------------------------------------------------ */

static void test_prot32_stack_and_branches(void **s)
{
	(void)s;
	reset(EMUL_MODE_PROT32);
	ctx.gpr[EMUL_RSP] = 0x8000;
	assert_int_equal(RUN(0xe8, 0x10, 0, 0, 0), EMUL_DONE);     /* call +0x10 */
	assert_int_equal(ctx.rip, CODE + 5 + 0x10);
	assert_int_equal(ctx.gpr[EMUL_RSP], 0x7ffc);
	assert_int_equal(ram[0x7ffc] | ram[0x7ffd] << 8, CODE + 5);
	/* ret back */
	ctx.rip = CODE;
	assert_int_equal(RUN(0xc3), EMUL_DONE);
	assert_int_equal(ctx.rip, CODE + 5);
	assert_int_equal(ctx.gpr[EMUL_RSP], 0x8000);
	/* call beyond the CS limit: #GP(0), nothing pushed */
	reset(EMUL_MODE_PROT32);
	ctx.seg[EMUL_CS].limit = 0x1fff;
	ctx.gpr[EMUL_RSP] = 0x8000;
	expect_exc(RUN(0xe8, 0x00, 0x20, 0, 0), EMUL_GP, 0);
	assert_int_equal(ctx.gpr[EMUL_RSP], 0x8000);
	/* 16-bit stack (SS.B = 0): SP wraps, ESP's upper half is kept */
	reset(EMUL_MODE_PROT32);
	ctx.seg[EMUL_SS].ar &= ~(uint32_t)EMUL_AR_DB;
	ctx.gpr[EMUL_RSP] = 0xabcd0000;
	ctx.gpr[EMUL_RAX] = 0x11223344;
	assert_int_equal(RUN(0x66, 0x50), EMUL_DONE);              /* push ax */
	assert_int_equal(ctx.gpr[EMUL_RSP], 0xabcdfffe);
	assert_int_equal(ram[0xfffe], 0x44);
	assert_int_equal(ram[0xffff], 0x33);
	/* stack limit: SS limit 0x7fff, push below 0: wraps to 0xfffc > limit */
	reset(EMUL_MODE_PROT32);
	ctx.seg[EMUL_SS].ar &= ~(uint32_t)EMUL_AR_DB;
	ctx.seg[EMUL_SS].limit = 0x7fff;
	ctx.gpr[EMUL_RSP] = 0;
	expect_exc(RUN(0x50), EMUL_SS_VEC, 0);
	assert_int_equal(ctx.gpr[EMUL_RSP], 0);
	/* moffs32 and 16-bit addressing in 32-bit mode */
	reset(EMUL_MODE_PROT32);
	ctx.gpr[EMUL_RAX] = 0x99;
	assert_int_equal(RUN(0xa2, 0x00, 0x30, 0, 0), EMUL_DONE);  /* mov [0x3000], al */
	assert_int_equal(ram[0x3000], 0x99);
	ctx.rip = CODE;
	ctx.gpr[EMUL_RBX] = 0x12340100;                            /* bx = 0x100 */
	assert_int_equal(RUN(0x67, 0x88, 0x07), EMUL_DONE);        /* mov [bx], al */
	assert_int_equal(ram[0x100], 0x99);
}

static void test_real_mode_far(void **s)
{
	(void)s;
	reset(EMUL_MODE_REAL);
	ctx.gpr[EMUL_RBX] = 0x200;
	memcpy(ram + 0x200, (uint8_t[]){ 0x34, 0x12, 0x00, 0x20 }, 4); /* 2000:1234 */
	assert_int_equal(RUN(0xff, 0x2f), EMUL_DONE);              /* jmp far [bx] */
	assert_int_equal(ctx.rip, 0x1234);
	assert_int_equal(ctx.seg[EMUL_CS].sel, 0x2000);
	assert_int_equal(ctx.seg[EMUL_CS].base, 0x20000);
	assert_true(ctx.dirty & EMUL_DIRTY_SEG);
	/* call far [bx] pushes CS:IP */
	reset(EMUL_MODE_REAL);
	ctx.seg[EMUL_CS].sel = 0x0;
	ctx.gpr[EMUL_RBX] = 0x200;
	ctx.gpr[EMUL_RSP] = 0x8000;
	memcpy(ram + 0x200, (uint8_t[]){ 0x00, 0x05, 0x00, 0x00 }, 4);
	assert_int_equal(RUN(0xff, 0x1f), EMUL_DONE);
	assert_int_equal(ctx.rip, 0x500);
	assert_int_equal(ctx.gpr[EMUL_RSP], 0x7ffc);
	assert_int_equal(ram[0x7ffc] | ram[0x7ffd] << 8, CODE + 2);
	/* retf pops IP and CS */
	ctx.rip = CODE;
	ctx.seg[EMUL_CS].base = 0;
	memcpy(ram + 0x7ffc, (uint8_t[]){ 0x10, 0x00, 0x00, 0x01 }, 4);
	assert_int_equal(RUN(0xcb), EMUL_DONE);
	assert_int_equal(ctx.rip, 0x10);
	assert_int_equal(ctx.seg[EMUL_CS].base, 0x1000);
	assert_int_equal(ctx.gpr[EMUL_RSP], 0x8000);
}

/* A GDT at 0x9000: 1 = flat 32-bit code DPL0, 2 = 64-bit code DPL0,
 * 3 = code base 0x4000 limit 0xfff DPL0, 4 = DPL3 code, 5 = not present,
 * 6 = data, 7 = call gate. */
static void put_gdt(void)
{
	static const uint8_t gdt[8][8] = {
		{ 0 },
		{ 0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0 },
		{ 0xff, 0xff, 0, 0, 0, 0x9b, 0xaf, 0 },
		{ 0xff, 0x0f, 0, 0x40, 0, 0x9b, 0x40, 0 },
		{ 0xff, 0xff, 0, 0, 0, 0xfb, 0xcf, 0 },
		{ 0xff, 0xff, 0, 0, 0, 0x1b, 0xcf, 0 },
		{ 0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0 },
		{ 0, 0x20, 0x08, 0, 0, 0x8c, 0, 0 },
	};
	memcpy(ram + 0x9000, gdt, sizeof(gdt));
	ctx.gdtr_base = 0x9000;
	ctx.gdtr_limit = sizeof(gdt) - 1;
}

static void far_ptr(uint64_t at, uint32_t off, uint16_t sel)
{
	memcpy(ram + at, &off, 4);
	memcpy(ram + at + 4, &sel, 2);
}

static void test_prot_far(void **s)
{
	(void)s;
	/* jmp far [ebx] to selector 3 (base 0x4000): CS loaded, RIP = off */
	reset(EMUL_MODE_PROT32);
	put_gdt();
	ctx.gpr[EMUL_RBX] = 0x200;
	far_ptr(0x200, 0x123, 0x18);
	assert_int_equal(RUN(0xff, 0x2b), EMUL_DONE);
	assert_int_equal(ctx.rip, 0x123);
	assert_int_equal(ctx.seg[EMUL_CS].sel, 0x18);
	assert_int_equal(ctx.seg[EMUL_CS].base, 0x4000);
	assert_int_equal(ctx.seg[EMUL_CS].limit, 0xfff);
	assert_true(ctx.dirty & EMUL_DIRTY_SEG);
	/* beyond the new limit: #GP(0), CS unchanged */
	reset(EMUL_MODE_PROT32);
	put_gdt();
	ctx.gpr[EMUL_RBX] = 0x200;
	far_ptr(0x200, 0x1000, 0x18);
	expect_exc(RUN(0xff, 0x2b), EMUL_GP, 0);
	assert_int_equal(ctx.seg[EMUL_CS].base, 0);
	/* DPL 3 non-conforming from CPL 0: #GP(sel); not present: #NP(sel);
	 * data segment: #GP(sel); null: #GP(0); past the GDT limit: #GP(sel);
	 * call gate and LDT: unsupported */
	far_ptr(0x200, 0x10, 0x20);
	expect_exc(RUN(0xff, 0x2b), EMUL_GP, 0x20);
	far_ptr(0x200, 0x10, 0x28);
	expect_exc(RUN(0xff, 0x2b), EMUL_NP, 0);
	assert_int_equal(res.error_code, 0x28);
	far_ptr(0x200, 0x10, 0x30);
	expect_exc(RUN(0xff, 0x2b), EMUL_GP, 0x30);
	far_ptr(0x200, 0x10, 0x03);
	expect_exc(RUN(0xff, 0x2b), EMUL_GP, 0);
	far_ptr(0x200, 0x10, 0x40);
	expect_exc(RUN(0xff, 0x2b), EMUL_GP, 0x40);
	far_ptr(0x200, 0x10, 0x38);
	assert_int_equal(RUN(0xff, 0x2b), EMUL_UNSUPPORTED);
	far_ptr(0x200, 0x10, 0x0c);
	assert_int_equal(RUN(0xff, 0x2b), EMUL_UNSUPPORTED);
	/* call far [ebx] pushes CS and EIP, retf comes back */
	reset(EMUL_MODE_PROT32);
	put_gdt();
	ctx.seg[EMUL_CS].sel = 0x08;
	ctx.gpr[EMUL_RBX] = 0x200;
	ctx.gpr[EMUL_RSP] = 0x8000;
	far_ptr(0x200, 0x40, 0x18);
	assert_int_equal(RUN(0xff, 0x1b), EMUL_DONE);
	assert_int_equal(ctx.gpr[EMUL_RSP], 0x7ff8);
	assert_int_equal(ram[0x7ff8], (CODE + 2) & 0xff);
	assert_int_equal(ram[0x7ffc], 0x08);
	assert_int_equal(ctx.rip, 0x40);
	/* retf (code now at 0x4000 + 0x40) */
	memcpy(ram + 0x4040, (uint8_t[]){ 0xcb }, 1);
	assert_int_equal(emul_step(&ctx, &res), EMUL_DONE);
	assert_int_equal(ctx.seg[EMUL_CS].sel, 0x08);
	assert_int_equal(ctx.seg[EMUL_CS].base, 0);
	assert_int_equal(ctx.rip, CODE + 2);
	assert_int_equal(ctx.gpr[EMUL_RSP], 0x8000);
	/* compatibility mode -> 64-bit code segment: the mode follows CS.L */
	reset(EMUL_MODE_COMPAT32);
	put_gdt();
	ctx.gpr[EMUL_RBX] = 0x200;
	far_ptr(0x200, 0x3000, 0x10);
	assert_int_equal(RUN(0xff, 0x2b), EMUL_DONE);
	assert_int_equal(ctx.mode, EMUL_MODE_LONG64);
	assert_int_equal(ctx.rip, 0x3000);
	/* retf to another privilege level: unsupported */
	reset(EMUL_MODE_PROT32);
	put_gdt();
	ctx.gpr[EMUL_RSP] = 0x8000;
	memcpy(ram + 0x8000, (uint32_t[]){ 0x10, 0x23 }, 8);
	assert_int_equal(RUN(0xcb), EMUL_UNSUPPORTED);
}

static void test_16bit_details(void **s)
{
	(void)s;
	/* rep movsw with SI wrapping at 64K: the 2nd word comes from DS:0 */
	reset(EMUL_MODE_REAL);
	ctx.seg[EMUL_DS].base = 0;
	ctx.seg[EMUL_ES].base = 0x4000;
	ram[0xfffe] = 0x11;
	ram[0xffff] = 0x22;
	ram[0] = 0x33;
	ram[1] = 0x44;
	ctx.gpr[EMUL_RSI] = 0xabcdfffe;
	ctx.gpr[EMUL_RDI] = 0x10;
	ctx.gpr[EMUL_RCX] = 0x77770002;
	assert_int_equal(RUN(0xf3, 0xa5), EMUL_DONE);
	assert_int_equal(ram[0x4010], 0x11);
	assert_int_equal(ram[0x4012], 0x33);
	assert_int_equal(ram[0x4013], 0x44);
	assert_int_equal(ctx.gpr[EMUL_RSI], 0xabcd0002);       /* only SI moved */
	assert_int_equal(ctx.gpr[EMUL_RCX], 0x77770000);       /* only CX counted */
	/* a word at DS:ffff exceeds the 64K limit: #GP(0) */
	reset(EMUL_MODE_REAL);
	ctx.gpr[EMUL_RSI] = 0xffff;
	ctx.gpr[EMUL_RCX] = 1;
	expect_exc(RUN(0xf3, 0xa5), EMUL_GP, 0);
	/* 66 in real mode: 32-bit operand */
	reset(EMUL_MODE_REAL);
	ctx.gpr[EMUL_RBX] = 0x100;
	ctx.gpr[EMUL_RAX] = 0x12345678;
	assert_int_equal(RUN(0x66, 0x89, 0x07), EMUL_DONE);
	assert_int_equal(ram[0x103], 0x12);
	/* 67 in real mode: 32-bit addressing, still limited to 64K */
	reset(EMUL_MODE_REAL);
	ctx.gpr[EMUL_RAX] = 0x10000;
	expect_exc(RUN(0x67, 0x88, 0x00), EMUL_GP, 0);
	ctx.gpr[EMUL_RAX] = 0xfff0;
	ctx.gpr[EMUL_RBX] = 0x5a;
	assert_int_equal(RUN(0x67, 0x88, 0x18), EMUL_DONE);
	assert_int_equal(ram[0xfff0], 0x5a);
	/* near call/ret in real mode: 16-bit IP and SP */
	reset(EMUL_MODE_REAL);
	ctx.gpr[EMUL_RSP] = 0x12340100;
	assert_int_equal(RUN(0xe8, 0x00, 0x10), EMUL_DONE);   /* call +0x1000 */
	assert_int_equal(ctx.rip, CODE + 3 + 0x1000);
	assert_int_equal(ctx.gpr[EMUL_RSP], 0x123400fe);
	assert_int_equal(ram[0xfe] | ram[0xff] << 8, CODE + 3);
	/* IP wraps at 64K */
	reset(EMUL_MODE_REAL);
	ctx.gpr[EMUL_RSP] = 0x100;
	assert_int_equal(RUN(0xe8, 0x00, 0xf0), EMUL_DONE);   /* call -0x1000 */
	assert_int_equal(ctx.rip, (CODE + 3 - 0x1000) & 0xffff);
	/* 16-bit protected mode: enter 4, 0 / leave with a 16-bit stack */
	reset(EMUL_MODE_PROT16);
	ctx.gpr[EMUL_RSP] = 0x800;
	ctx.gpr[EMUL_RBP] = 0x1234;
	assert_int_equal(RUN(0xc8, 0x04, 0x00, 0x00), EMUL_DONE);
	assert_int_equal(ctx.gpr[EMUL_RBP], 0x7fe);
	assert_int_equal(ctx.gpr[EMUL_RSP], 0x7fa);
	assert_int_equal(ram[0x7fe] | ram[0x7ff] << 8, 0x1234);
	assert_int_equal(RUN(0xc9), EMUL_DONE);
	assert_int_equal(ctx.gpr[EMUL_RBP], 0x1234);
	assert_int_equal(ctx.gpr[EMUL_RSP], 0x800);
	/* compatibility mode with a 16-bit code segment: [bp+di] uses SS */
	reset(EMUL_MODE_COMPAT16);
	ctx.seg[EMUL_SS].base = 0x3000;
	ctx.gpr[EMUL_RBP] = 0x10;
	ctx.gpr[EMUL_RDI] = 0x1;
	ctx.gpr[EMUL_RAX] = 0xbeef;
	assert_int_equal(RUN(0x89, 0x03), EMUL_DONE);          /* mov [bp+di], ax */
	assert_int_equal(ram[0x3011] | ram[0x3012] << 8, 0xbeef);
}

static void test_mode_of(void **s)
{
	(void)s;
	assert_int_equal(emul_mode_of(0, 0, 0), EMUL_MODE_REAL);
	assert_int_equal(emul_mode_of(1, 0, 0), EMUL_MODE_PROT16);
	assert_int_equal(emul_mode_of(1, 0, EMUL_AR_DB), EMUL_MODE_PROT32);
	assert_int_equal(emul_mode_of(1, EMUL_EFER_LMA, EMUL_AR_DB), EMUL_MODE_COMPAT32);
	assert_int_equal(emul_mode_of(1, EMUL_EFER_LMA, 0), EMUL_MODE_COMPAT16);
	assert_int_equal(emul_mode_of(1, EMUL_EFER_LMA, EMUL_AR_L), EMUL_MODE_LONG64);
}

static void test_cmov_bsf_details(void **s)
{
	(void)s;
	/* cmovz with ZF=0 from a faulting address still faults (source read) */
	reset(EMUL_MODE_LONG64);
	ctx.gpr[EMUL_RBX] = 0x50000;
	expect_exc(RUN(0x0f, 0x44, 0x03), EMUL_PF, 0);
	/* bsf with a zero source: ZF=1, destination unchanged (all 64 bits) */
	reset(EMUL_MODE_LONG64);
	ctx.gpr[EMUL_RBX] = 0x100;
	ctx.gpr[EMUL_RAX] = 0xffffffff12345678ull;
	assert_int_equal(RUN(0x0f, 0xbc, 0x03), EMUL_DONE);
	assert_true(ctx.rflags & EMUL_FL_ZF);
	assert_int_equal(ctx.gpr[EMUL_RAX], 0xffffffff12345678ull);
}

static void test_icache(void **s)
{
	struct emul_icache ic;

	(void)s;
	emul_icache_init(&ic);
	reset(EMUL_MODE_LONG64);
	ctx.gpr[EMUL_RBX] = MMIO_PAGE;
	ctx.gpr[EMUL_RAX] = 1;
	memcpy(ram + CODE, (uint8_t[]){ 0x89, 0x03 }, 2);   /* mov [rbx], eax */
	for (int i = 0; i < 3; i++) {
		ctx.rip = CODE;
		ctx.gpr[EMUL_RAX] = (uint64_t)i + 1;
		assert_int_equal(emul_step_cached(&ctx, &ic, &res), EMUL_DONE);
		assert_int_equal(mmio[0], i + 1);
		assert_int_equal(ctx.rip, CODE + 2);
	}
	assert_int_equal(ic.misses, 1);
	assert_int_equal(ic.hits, 2);
	/* the code changes under the cache: a miss, the new instruction runs */
	memcpy(ram + CODE, (uint8_t[]){ 0x88, 0x23 }, 2);   /* mov [rbx], ah */
	ctx.rip = CODE;
	ctx.gpr[EMUL_RAX] = 0x4200;
	assert_int_equal(emul_step_cached(&ctx, &ic, &res), EMUL_DONE);
	assert_int_equal(mmio[0], 0x42);
	assert_int_equal(ic.misses, 2);
	/* same bytes, another mode: a miss (16-bit: 89 03 is mov [bp+di], ax) */
	reset(EMUL_MODE_REAL);
	memcpy(ram + CODE, (uint8_t[]){ 0x88, 0x23 }, 2);   /* mov [bp+di], ah */
	ctx.gpr[EMUL_RBP] = 0x100;
	ctx.gpr[EMUL_RAX] = 0x3300;
	assert_int_equal(emul_step_cached(&ctx, &ic, &res), EMUL_DONE);
	assert_int_equal(ram[0x100], 0x33);
	assert_int_equal(ic.misses, 3);
	/* a fault while re-fetching for validation is reported as such */
	reset(EMUL_MODE_LONG64);
	ctx.rip = RAM_SIZE + 0x10;
	assert_int_equal(emul_step_cached(&ctx, &ic, &res), EMUL_EXCEPTION);
	assert_int_equal(res.vector, EMUL_PF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_mode_addressing),
		cmocka_unit_test(test_segment_limits),
		cmocka_unit_test(test_segment_types),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_split_ram_mmio),
		cmocka_unit_test(test_rep_chunks),
		cmocka_unit_test(test_rep_fault_midway),
		cmocka_unit_test(test_port_io),
		cmocka_unit_test(test_smsw_lmsw),
		cmocka_unit_test(test_mov_from_sreg),
		cmocka_unit_test(test_sse_exceptions),
		cmocka_unit_test(test_alignment_check),
		cmocka_unit_test(test_fetch_limits),
		cmocka_unit_test(test_unsupported_and_invalid),
		cmocka_unit_test(test_prot32_stack_and_branches),
		cmocka_unit_test(test_real_mode_far),
		cmocka_unit_test(test_prot_far),
		cmocka_unit_test(test_16bit_details),
		cmocka_unit_test(test_mode_of),
		cmocka_unit_test(test_cmov_bsf_details),
		cmocka_unit_test(test_icache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
