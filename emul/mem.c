/* Guest memory as the emulator sees it: segmentation checks (SDM Vol. 3A
 * 3.4.5, 5.3, 5.4; 64-bit: 3.3.7.1 canonical addresses), alignment
 * checking (Vol. 3A 6.15 #AC), then accesses through the caller's callbacks
 * split so that no callback access crosses a 4 KiB linear page. */
#include <string.h>

#include "emul/exec.h"

#define PAGE 4096u

static bool canonical(uint64_t la)
{
	return (uint64_t)((int64_t)(la << 16) >> 16) == la;
}

int mem_linear(struct ex *ex, unsigned seg, uint64_t off, unsigned len, bool write,
	       uint64_t *la)
{
	const struct emul_ctx *c = ex->ctx;
	const struct emul_seg *s = &c->seg[seg < EMUL_NSEG ? seg : EMUL_DS];
	/* Faults through SS are #SS(0), all others #GP(0). */
	unsigned vec = seg == EMUL_SS ? EMUL_SS_VEC : EMUL_GP;
	unsigned type = s->ar & EMUL_AR_TYPE_MASK;
	uint64_t last = off + len - 1;

	if (seg >= EMUL_NSEG)              /* a caller-made emul_insn (emul_execute) */
		return ex_gp0(ex);
	if (c->mode == EMUL_MODE_LONG64) {
		/* Only FS and GS have a base in 64-bit mode; no limits. */
		uint64_t a = off + ((seg == EMUL_FS || seg == EMUL_GS) ? s->base : 0);

		if (!canonical(a) || !canonical(a + len - 1))
			return ex_raise(ex, vec, true, 0);
		*la = a;
		return 0;
	}
	if (c->mode != EMUL_MODE_REAL) {
		if (s->ar & EMUL_AR_UNUSABLE)
			return ex_raise(ex, vec, true, 0);   /* null selector */
		if (type & EMUL_AR_TYPE_CODE) {
			/* Code segments: never writable, readable if R. */
			if (write || !(type & EMUL_AR_TYPE_W))
				return ex_raise(ex, vec, true, 0);
		} else if (write && !(type & EMUL_AR_TYPE_W)) {
			return ex_raise(ex, vec, true, 0);
		}
		if (!(type & EMUL_AR_TYPE_CODE) && (type & EMUL_AR_TYPE_E)) {
			/* Expand-down: valid offsets are (limit, upper]. */
			uint64_t upper = (s->ar & EMUL_AR_DB) ? 0xffffffffull : 0xffffull;

			if (off <= s->limit || last > upper)
				return ex_raise(ex, vec, true, 0);
			*la = (s->base + off) & 0xffffffffull;
			return 0;
		}
	}
	if (last > s->limit)
		return ex_raise(ex, vec, true, 0);
	*la = (s->base + off) & 0xffffffffull;
	return 0;
}

/* Map a callback's return value to the executor's status. */
static inline __attribute__((always_inline)) int cb_result(struct ex *ex, int r, const struct emul_fault *f)
{
	if (r == EMUL_CB_OK)
		return 0;
	if (r == EMUL_CB_FAULT) {
		ex->res->vector = f->vector;
		ex->res->has_error_code = f->has_error_code;
		ex->res->error_code = f->error_code;
		ex->res->cr2 = f->cr2;
		ex->res->why = "guest fault on access";
		return EMUL_EXCEPTION;
	}
	ex->res->why = "callback aborted";
	return EMUL_ABORT;
}

static inline __attribute__((always_inline)) int one_part(struct ex *ex, uint64_t la, void *buf, unsigned len, bool write)
{
	const struct emul_ops *ops = ex->ctx->ops;
	struct emul_fault f;
	int r;

	fault_clear(&f);
	if (write)
		r = ops->write ? ops->write(ex->ctx->opaque, la, buf, len, &f) : EMUL_CB_ABORT;
	else
		r = ops->read ? ops->read(ex->ctx->opaque, la, buf, len, &f) : EMUL_CB_ABORT;
	return cb_result(ex, r, &f);
}

/* Access [la, la+len) split at the page boundary; the second page is
 * checked first so a fault there leaves no side effect on the first. */
static inline __attribute__((always_inline)) int access_linear(struct ex *ex, uint64_t la, void *buf, unsigned len, bool write)
{
	const struct emul_ops *ops = ex->ctx->ops;
	unsigned first = PAGE - (unsigned)(la & (PAGE - 1));
	uint64_t la2;
	int r;

	if (first >= len)
		return one_part(ex, la, buf, len, write);
	la2 = la + first;
	if (ex->ctx->mode != EMUL_MODE_LONG64)
		la2 &= 0xffffffffull;
	if (ops->check) {
		struct emul_fault f;

		fault_clear(&f);
		r = ops->check(ex->ctx->opaque, la2, len - first,
			       write ? EMUL_ACC_WRITE : EMUL_ACC_READ, &f);
		if ((r = cb_result(ex, r, &f)))
			return r;
	}
	if ((r = one_part(ex, la, buf, first, write)))
		return r;
	return one_part(ex, la2, (uint8_t *)buf + first, len - first, write);
}

/* #AC: CPL 3, CR0.AM and RFLAGS.AC, misaligned 2/4/8-byte data access. */
static inline __attribute__((always_inline)) int align_check(struct ex *ex, uint64_t la, unsigned len)
{
	const struct emul_ctx *c = ex->ctx;

	if (c->cpl == 3 && (c->cr0 & EMUL_CR0_AM) && (c->rflags & EMUL_FL_AC) &&
	    c->mode != EMUL_MODE_REAL && (len == 2 || len == 4 || len == 8) &&
	    (la & (len - 1)))
		return ex_raise(ex, EMUL_AC, true, 0);
	return 0;
}

int mem_read(struct ex *ex, unsigned seg, uint64_t off, void *buf, unsigned len)
{
	uint64_t la;
	int r;

	if ((r = mem_linear(ex, seg, off, len, false, &la)))
		return r;
	if ((r = align_check(ex, la, len)))
		return r;
	return access_linear(ex, la, buf, len, false);
}

int mem_write(struct ex *ex, unsigned seg, uint64_t off, const void *buf, unsigned len)
{
	uint64_t la;
	int r;

	if (len > 16)
		return ex_gp0(ex);
	if ((r = mem_linear(ex, seg, off, len, true, &la)))
		return r;
	if ((r = align_check(ex, la, len)))
		return r;
	/* access_linear() does not modify the buffer on writes */
	return access_linear(ex, la, (void *)(uintptr_t)buf, len, true);
}

/* A write that the CPU checks but whose value would not change (shift by
 * a masked count of 0): segment checks, #AC, and ops->check() on each page
 * for write access, without a write callback (no MMIO side effect). */
int mem_probe_write(struct ex *ex, unsigned seg, uint64_t off, unsigned len)
{
	const struct emul_ops *ops = ex->ctx->ops;
	unsigned first;
	uint64_t la;
	int r;

	if ((r = mem_linear(ex, seg, off, len, true, &la)) || (r = align_check(ex, la, len)))
		return r;
	if (!ops->check)
		return 0;
	first = PAGE - (unsigned)(la & (PAGE - 1));
	if (first > len)
		first = len;
	for (unsigned done = 0, n = first; done < len; done += n, n = len - done) {
		struct emul_fault f;
		uint64_t a = la + done;

		fault_clear(&f);

		if (ex->ctx->mode != EMUL_MODE_LONG64)
			a &= 0xffffffffull;
		r = ops->check(ex->ctx->opaque, a, n, EMUL_ACC_WRITE, &f);
		if ((r = cb_result(ex, r, &f)))
			return r;
	}
	return 0;
}

int mem_read_linear(struct ex *ex, uint64_t la, void *buf, unsigned len)
{
	return access_linear(ex, la, buf, len, false);
}

/* Values are little-endian in guest memory, as on every host Shade
 * builds for (x86); the byte order is checked at compile time. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian host");

int mem_read_val(struct ex *ex, unsigned seg, uint64_t off, unsigned size, uint64_t *v)
{
	uint64_t x = 0, la;
	int r;

	if ((r = mem_linear(ex, seg, off, size, false, &la)) || (r = align_check(ex, la, size)) ||
	    (r = access_linear(ex, la, &x, size, false)))
		return r;
	*v = x;
	return 0;
}

int mem_write_val(struct ex *ex, unsigned seg, uint64_t off, unsigned size, uint64_t v)
{
	uint64_t la;
	int r;

	if ((r = mem_linear(ex, seg, off, size, true, &la)) || (r = align_check(ex, la, size)))
		return r;
	return access_linear(ex, la, &v, size, true);
}
