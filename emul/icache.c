/* Decoded-instruction cache: skip decoding when CS:RIP holds the same
 * bytes as last time (see emul.h).  Validation re-fetches the cached
 * instruction's bytes through ops->fetch (so the guest's current page
 * tables apply) and compares them, so a stale entry can never be executed
 * and the cache needs no invalidation protocol.  When the bytes differ
 * (or the instruction straddles a page) the general fetch-and-decode path
 * runs: that costs one extra fetch of at most 15 bytes, on the same page. */
#include <string.h>

#include "emul/exec.h"

#define PAGE_SIZE_ 4096u

void emul_icache_init(struct emul_icache *ic)
{
	memset(ic, 0, sizeof(*ic));
}

static unsigned slot_of(uint64_t la)
{
	return (unsigned)((la ^ (la >> 7) ^ (la >> 13)) % EMUL_ICACHE_ENTRIES);
}

/* The hit path, kept short: one fetch of exactly the cached length when
 * it lies within one page and the CS limit, compared byte by byte.
 * Returns 1 on a hit (*res filled by emul_execute), 0 to take the general
 * path, or an error status from the fetch. */
static int try_hit(struct emul_ctx *c, const struct emul_insn *cand, uint64_t la,
		   unsigned avail, struct emul_result *res, int *st)
{
	uint8_t buf[15];
	struct emul_fault f;
	unsigned len = cand->len;
	int r;

	if (len > avail || len > PAGE_SIZE_ - (unsigned)(la & (PAGE_SIZE_ - 1)) || !c->ops->fetch)
		return 0;
	fault_clear(&f);
	r = c->ops->fetch(c->opaque, la, buf, len, &f);
	if (r != EMUL_CB_OK)
		return 0;          /* let the general path report it */
	for (unsigned i = 0; i < len; i++)
		if (buf[i] != cand->bytes[i])
			return 0;  /* changed code: decode again */
	*st = emul_execute(c, cand, res);
	return 1;
}

int emul_step_cached(struct emul_ctx *c, struct emul_icache *ic, struct emul_result *res)
{
	struct emul_insn in;
	const struct emul_insn *cand = NULL, *ip;
	uint64_t la;
	unsigned avail, slot;
	int st;

	res_clear(res);
	c->dirty = 0;
	if ((st = ex_code_la(c, &la, &avail, res)))
		goto out;
	slot = slot_of(la);
	if (ic->e[slot].valid && ic->e[slot].la == la && ic->e[slot].mode == (uint8_t)c->mode) {
		cand = &ic->e[slot].insn;
		if (try_hit(c, cand, la, avail, res, &st)) {
			ic->hits++;
			return st;
		}
	}
	if ((st = ex_fetch_decode(c, &in, res, cand, &ip)))
		goto out;
	if (ip == cand) {
		ic->hits++;
	} else {
		ic->misses++;
		ic->e[slot].la = la;
		ic->e[slot].mode = (uint8_t)c->mode;
		ic->e[slot].insn = in;
		ic->e[slot].valid = 1;
	}
	return emul_execute(c, ip, res);
out:
	res->status = st;
	return st;
}
