/* libFuzzer target: random instruction bytes, random mode and state, run
 * through emul_decode + emul_step with callbacks over a bounded fake
 * memory.  Checks, besides ASan/UBSan: no callback access crosses a page
 * or exceeds 16 bytes, fetches stay within 15 bytes, each emul_step makes
 * a bounded number of callback calls, results are well-formed; and where
 * the instruction digests into a fast move (emul/fastmov.h, the MMIO fast
 * path's replay), the replay does what emul_step did, and the direct move
 * decoder (emul_fastmov_decode) accepts only moves, digested alike.
 *
 * Input layout (missing bytes read as zero):
 *   [0] mode  [1] cpl/flags selector  [2] rep_chunk  [3] segment variant
 *   [4..19]  instruction bytes (15) + 1 spare
 *   [20..]   GPR seeds (2 bytes each, 16 regs), then memory contents. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emul/emul.h"
#include "emul/fastmov.h"

#define MEM_SIZE (4 * 4096)   /* fake RAM at linear [0, 16 KiB) */
#define MMIO_BASE 0x10000     /* fake MMIO page: reads a pattern */
#define CODE_LA 0x0ff8        /* code straddles pages 0 and 1 sometimes */

struct fz {
	uint8_t mem[MEM_SIZE];
	unsigned calls;
	unsigned fetched, fetch_limit;
	unsigned data_accesses;		/* reads and writes, for the fast-move check */
	uint64_t last_la;
	unsigned last_len;
	bool last_write;
	uint8_t last_data[16];
};

static void bad(void)
{
	__builtin_trap();
}

static void check_access(struct fz *z, uint64_t la, unsigned len)
{
	if (len == 0 || len > 16 || (la & 4095) + len > 4096)
		bad();
	if (++z->calls > 20000)
		bad();               /* one emul_step must stay bounded */
}

static int fault(struct emul_fault *f, uint64_t la)
{
	f->vector = EMUL_PF;
	f->has_error_code = true;
	f->error_code = 0;
	f->cr2 = la;
	return EMUL_CB_FAULT;
}

static int access(struct fz *z, uint64_t la, void *buf, unsigned len, bool write,
		  struct emul_fault *f)
{
	check_access(z, la, len);
	if (write)
		memcpy(z->last_data, buf, len);
	if (la < MEM_SIZE && la + len <= MEM_SIZE) {
		if (write)
			memcpy(z->mem + la, buf, len);
		else
			memcpy(buf, z->mem + la, len);
		if (!write)
			memcpy(z->last_data, buf, len);
		return EMUL_CB_OK;
	}
	if (la >= MMIO_BASE && la + len <= MMIO_BASE + 4096) {
		if (!write) {
			memset(buf, (int)(la & 0xff), len);
			memcpy(z->last_data, buf, len);
		}
		return EMUL_CB_OK;
	}
	if (la == 0xdead0000)
		return EMUL_CB_ABORT;
	return fault(f, la);
}

static int cb_fetch(void *o, uint64_t la, void *buf, unsigned len, struct emul_fault *f)
{
	struct fz *z = o;

	z->fetched += len;
	if (z->fetched > z->fetch_limit)
		bad();
	return access(z, la, buf, len, false, f);
}

/* Data accesses, logged for the fast-move check. */
static void note_data(struct fz *z, uint64_t la, unsigned len, bool write)
{
	z->data_accesses++;
	z->last_la = la;
	z->last_len = len;
	z->last_write = write;
}

static int cb_read(void *o, uint64_t la, void *buf, unsigned len, struct emul_fault *f)
{
	note_data(o, la, len, false);
	return access(o, la, buf, len, false, f);
}

static int cb_write(void *o, uint64_t la, const void *buf, unsigned len, struct emul_fault *f)
{
	note_data(o, la, len, true);
	return access(o, la, (void *)buf, len, true, f);
}

static int cb_check(void *o, uint64_t la, unsigned len, enum emul_access acc, struct emul_fault *f)
{
	uint8_t tmp[16];

	(void)acc;
	check_access(o, la, len);
	if (la < MEM_SIZE && la + len <= MEM_SIZE)
		return EMUL_CB_OK;
	if (la >= MMIO_BASE && la + len <= MMIO_BASE + 4096)
		return EMUL_CB_OK;
	(void)tmp;
	return fault(f, la);
}

static int cb_in(void *o, uint16_t port, unsigned size, uint32_t *v)
{
	struct fz *z = o;

	if (size != 1 && size != 2 && size != 4)
		bad();
	if (++z->calls > 20000)
		bad();
	*v = port * 0x01010101u;
	return port == 0xdead ? EMUL_CB_ABORT : EMUL_CB_OK;
}

static int cb_out(void *o, uint16_t port, unsigned size, uint32_t v)
{
	struct fz *z = o;

	(void)port;
	(void)v;
	if (size != 1 && size != 2 && size != 4)
		bad();
	if (++z->calls > 20000)
		bad();
	return EMUL_CB_OK;
}

static bool cb_io_allowed(void *o, uint16_t port, unsigned size)
{
	(void)o;
	(void)size;
	return port & 1;
}

static const struct emul_ops ops = {
	.fetch = cb_fetch, .read = cb_read, .write = cb_write, .check = cb_check,
	.pio_in = cb_in, .pio_out = cb_out, .io_allowed = cb_io_allowed,
};

static uint8_t byte_at(const uint8_t *d, size_t n, size_t i)
{
	return i < n ? d[i] : 0;
}

static void setup_segments(struct emul_ctx *c, uint8_t v)
{
	for (int i = 0; i < EMUL_NSEG; i++) {
		struct emul_seg *s = &c->seg[i];

		s->base = (v & 1) ? 0 : (uint64_t)(i * 0x10);
		s->limit = (v & 2) ? 0xffff : (v & 4) ? 0x3fff : 0xffffffffu;
		s->ar = EMUL_AR_P | EMUL_AR_S | EMUL_AR_TYPE_W | EMUL_AR_TYPE_A |
			((v & 8) ? EMUL_AR_DB : 0);
		if ((v & 0x10) && i == EMUL_DS)
			s->ar |= EMUL_AR_UNUSABLE;
		if ((v & 0x20) && i == EMUL_ES)
			s->ar |= EMUL_AR_TYPE_E;          /* expand-down */
		if ((v & 0x40) && i == EMUL_SS)
			s->ar &= ~EMUL_AR_TYPE_W;
	}
	c->seg[EMUL_CS].ar = EMUL_AR_P | EMUL_AR_S | EMUL_AR_TYPE_CODE | EMUL_AR_TYPE_W |
			     ((v & 8) ? EMUL_AR_DB : 0) | ((v & 0x80) ? EMUL_AR_L : 0);
	c->seg[EMUL_CS].base = 0;
}

static struct emul_icache icache;

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* The instruction at CODE_LA digests into a fast move: one emul_step must
 * do exactly what the replay says (one access at the address the digest
 * forms, the same value stored or the same registers after a load). */
static void check_fast_move(struct fz *z, const struct emul_ctx *c0)
{
	struct emul_insn in;
	struct emul_fastmov f, direct;
	struct emul_ctx c = *c0;
	struct emul_result res;
	bool long64 = c.mode == EMUL_MODE_LONG64;

	memset(&f, 0, sizeof(f));
	memset(&direct, 0, sizeof(direct));
	bool is_move = emul_decode(c.mode, z->mem + CODE_LA, 15, &in) == EMUL_DEC_OK && emul_fastmov_from(&in, &f);
	if (emul_fastmov_decode(c.mode, z->mem + CODE_LA, &direct) && (!is_move || memcmp(&f, &direct, sizeof(f))))
		bad();
	if (!is_move)
		return;
	if ((f.size != 1 && f.size != 2 && f.size != 4 && f.size != 8) || f.len != in.len ||
	    (f.reg != EMUL_NO_REG && f.reg > 15) || (f.base != EMUL_NO_REG && f.base > 15) ||
	    (f.index != EMUL_NO_REG && f.index > 15) || f.seg >= EMUL_NSEG)
		bad();
	if (c.mode < EMUL_MODE_PROT16 || (c.rflags & EMUL_FL_AC))
		return;		/* real mode and #AC: the fast path never replays these */
	uint64_t la = emul_fastmov_linear(&f, long64, c.seg[f.seg].base, emul_fastmov_ea(&f, c.gpr, c.rip));
	z->data_accesses = 0;
	z->calls = 0;
	z->fetched = 0;
	z->fetch_limit = 15;
	if (emul_step(&c, &res) != EMUL_DONE || (la & 0xfff) + f.size > 0x1000)
		return;		/* a fault the CPU would have raised before any #PF, or a split */
	if (z->data_accesses != 1 || z->last_la != la || z->last_len != f.size ||
	    z->last_write != (f.op == FASTMOV_STORE))
		bad();
	uint64_t g[16];
	memcpy(g, c0->gpr, sizeof(g));
	if (f.op == FASTMOV_STORE) {
		if (le(z->last_data, f.size) != emul_fastmov_value(&f, c0->gpr))
			bad();
	} else {
		emul_fastmov_load(&f, g, le(z->last_data, f.size));
	}
	if (memcmp(g, c.gpr, sizeof(g)) != 0)
		bad();
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct fz z;
	struct emul_ctx c;
	struct emul_result res;
	struct emul_insn in;
	uint8_t v;

	memset(&z, 0, sizeof(z));
	for (size_t i = 52; i < n && i - 52 < MEM_SIZE; i++)
		z.mem[i - 52] = d[i];
	/* instruction at CODE_LA (or at a page end to split the fetch) */
	for (int i = 0; i < 15; i++)
		z.mem[CODE_LA + i] = byte_at(d, n, 4 + (size_t)i);

	/* decode alone, with every possible `avail` */
	for (size_t a = 0; a <= 16; a++)
		(void)emul_decode((enum emul_mode)(byte_at(d, n, 0) % 6), d + (n > 4 ? 4 : n),
				  a < (n > 4 ? n - 4 : 0) ? a : (n > 4 ? n - 4 : 0), &in);

	emul_ctx_init(&c, &ops, &z);
	c.mode = (enum emul_mode)(byte_at(d, n, 0) % 6);
	v = byte_at(d, n, 1);
	c.cpl = v & 3;
	c.rflags = 2 | ((uint64_t)(v & 0x30) << 8) /* IOPL */ | ((v & 0x40) ? EMUL_FL_DF : 0) |
		   ((v & 0x80) ? EMUL_FL_AC : 0);
	c.cr0 = EMUL_CR0_PE | ((v & 4) ? EMUL_CR0_AM : 0) | ((v & 8) ? EMUL_CR0_TS : 0);
	if (c.mode == EMUL_MODE_REAL)
		c.cr0 &= ~EMUL_CR0_PE;
	c.no_fpu_state = (v & 0x0c) == 0x0c;
	c.rep_chunk = byte_at(d, n, 2) & 15;
	setup_segments(&c, byte_at(d, n, 3));
	c.rip = CODE_LA;
	c.gdtr_base = 0x3000;                     /* descriptors come from the input */
	c.gdtr_limit = (uint16_t)(byte_at(d, n, 2) << 4 | 7);
	for (int r = 0; r < 16; r++) {
		uint16_t s = (uint16_t)(byte_at(d, n, 20 + 2 * (size_t)r) |
					 byte_at(d, n, 21 + 2 * (size_t)r) << 8);

		/* mostly small values (pointers into the fake RAM), some wild */
		c.gpr[r] = (s & 0x8000) ? (uint64_t)s * 0x9e3779b97f4a7c15ull : (s & 0x3fff);
	}
	c.gpr[EMUL_RSP] = 0x2000 + (c.gpr[EMUL_RSP] & 0xff);

	{
		static uint8_t mem_copy[MEM_SIZE];
		memcpy(mem_copy, z.mem, MEM_SIZE);
		check_fast_move(&z, &c);
		memcpy(z.mem, mem_copy, MEM_SIZE);	/* the step below starts from the input */
	}

	for (int step = 0; step < 4; step++) {
		int st;

		z.calls = 0;
		z.fetched = 0;
		/* 15 bytes per decode; a stale cache entry adds one re-fetch */
		z.fetch_limit = (v & 1) ? 30 : 15;
		/* every other input through the decoded-instruction cache (kept
		 * across inputs: stale entries must be caught by validation) */
		st = (v & 1) ? emul_step_cached(&c, &icache, &res) : emul_step(&c, &res);
		if (st != res.status || st < EMUL_DONE || st > EMUL_ABORT)
			bad();
		if (res.insn_len > 15 || !res.why)
			bad();
		if (st != EMUL_RESTART)
			break;
	}
	return 0;
}
