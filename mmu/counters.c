/* The per-VM MMU counters as one line of text (no printf in portable code). */
#include "mmu/mmu.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_str(struct out *o, const char *s)
{
	while (*s)
		put_char(o, *s++);
}

static void put_u64(struct out *o, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		put_char(o, tmp[--n]);
}

/**
 * mmu_counters_format() - "name=value ..." into @buf (always terminated if
 * @size > 0). Returns the length the full line needs, without the NUL.
 */
size_t mmu_counters_format(const struct mmu *m, char *buf, size_t size)
{
	const struct mmu_counters *s = &m->stats;
	const struct { const char *name; uint64_t v; } f[] = {
		{ "pf-exits", s->pf_exits },
		{ "guest-pf", s->guest_faults },
		{ "fills", s->fills },
		{ "prefetch", s->prefetches },
		{ "pt-writes", s->pt_writes },
		{ "emulate", s->emulate_exits },
		{ "sp-created", s->sp_created },
		{ "sp-dropped", s->sp_dropped },
		{ "sp-reclaimed", s->sp_reclaimed },
		{ "cr3-reused", s->cr3_reused },
		{ "cr3-rebuilt", s->cr3_rebuilt },
		{ "mmio", s->mmio_exits },
		{ "mmio-cached", s->mmio_cache_hits },
		{ "invlpg", s->invlpg },
		{ "unshadowed", s->unshadowed },
		{ "sp-in-use", m->nsp - m->nfree },
		{ "pool-pages", m->nsp },
	};
	struct out o = { buf, size, 0 };
	unsigned i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (i)
			put_char(&o, ' ');
		put_str(&o, f[i].name);
		put_char(&o, '=');
		put_u64(&o, f[i].v);
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}
