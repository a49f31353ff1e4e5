/* Decoded-instruction cache: skip decoding when CS:RIP holds the same
 * bytes as last time (see emul.h).  Validation is a re-fetch of exactly
 * the instruction's bytes and a compare, so a stale entry can never be
 * executed: the cache needs no invalidation protocol with the MMU. */
#include <string.h>

#include "emul/exec.h"

void emul_icache_init(struct emul_icache *ic)
{
	memset(ic, 0, sizeof(*ic));
}

static unsigned slot_of(uint64_t la)
{
	return (unsigned)((la ^ (la >> 7) ^ (la >> 13)) % EMUL_ICACHE_ENTRIES);
}

int emul_step_cached(struct emul_ctx *c, struct emul_icache *ic, struct emul_result *res)
{
	struct emul_insn in;
	uint8_t buf[15];
	uint64_t la;
	unsigned avail, slot;
	int st;

	memset(res, 0, sizeof(*res));
	res->why = "";
	c->dirty = 0;
	if ((st = ex_code_la(c, &la, &avail, res)))
		goto out;
	slot = slot_of(la);
	if (ic->e[slot].valid && ic->e[slot].la == la && ic->e[slot].mode == (uint8_t)c->mode &&
	    ic->e[slot].insn.len <= avail) {
		const struct emul_insn *hit = &ic->e[slot].insn;

		if ((st = ex_fetch(c, la, buf, 0, hit->len, res)))
			goto out;
		if (!memcmp(buf, hit->bytes, hit->len)) {
			ic->hits++;
			return emul_execute(c, hit, res);
		}
	}
	ic->misses++;
	if ((st = ex_fetch_decode(c, &in, res)))
		goto out;
	ic->e[slot].la = la;
	ic->e[slot].mode = (uint8_t)c->mode;
	ic->e[slot].insn = in;
	ic->e[slot].valid = 1;
	return emul_execute(c, &in, res);
out:
	res->status = st;
	return st;
}
