/* Decoded-instruction cache: skip decoding when CS:RIP holds the same
 * bytes as last time (see emul.h).  Validation is part of the normal
 * fetch (the same callbacks, never more than 15 bytes): the bytes fetched
 * must start with the cached instruction's bytes, so a stale entry can
 * never be executed and the cache needs no invalidation protocol. */
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
	const struct emul_insn *cand = NULL, *ip;
	uint64_t la;
	unsigned avail, slot;
	int st;

	res_clear(res);
	c->dirty = 0;
	if ((st = ex_code_la(c, &la, &avail, res)))
		goto out;
	slot = slot_of(la);
	if (ic->e[slot].valid && ic->e[slot].la == la && ic->e[slot].mode == (uint8_t)c->mode)
		cand = &ic->e[slot].insn;
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
