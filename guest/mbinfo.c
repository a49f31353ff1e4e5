/* Parsing the host Multiboot v1 info structure (see mbinfo.h).
 * Multiboot Specification 0.6.96, section 3.3. */
#include "guest/mbinfo.h"

#include <string.h>

#include "guest/le.h"

struct rd {
	mb_read_fn read;
	void *ctx;
	struct mbinfo *mi;
	struct diag *d;
};

static void problem(struct rd *r, bool about_modules)
{
	r->mi->problems++;
	if (about_modules)
		r->mi->mod_problems++;
}

const char *mb_mem_type_name(uint32_t type)
{
	static const char *const names[] = {
		[MB_MEM_AVAILABLE] = "available", [MB_MEM_RESERVED] = "reserved",
		[MB_MEM_ACPI] = "ACPI", [MB_MEM_NVS] = "ACPI NVS",
		[MB_MEM_BAD] = "bad",
	};

	return type && type <= MB_MEM_BAD ? names[type] : "unknown";
}

/*
 * Copy the NUL-terminated string at @addr into the pool, reading page by
 * page so a string that ends just before unreadable memory still works.
 * @max counts the NUL.  On failure the pool is left as it was.
 */
static bool read_string(struct rd *r, uint32_t addr, uint32_t max,
			uint32_t *len, uint32_t *off, const char *what,
			bool about_modules)
{
	struct mbinfo *mi = r->mi;
	uint32_t room = MBINFO_POOL - mi->pool_used;
	uint32_t limit = max < room ? max : room;
	uint32_t n = 0;

	while (n < limit) {
		uint64_t a = (uint64_t)addr + n;
		uint32_t chunk = 4096 - (uint32_t)(a & 4095);
		char *dst = mi->pool + mi->pool_used + n;

		if (chunk > limit - n)
			chunk = limit - n;
		if (!r->read(r->ctx, a, dst, chunk)) {
			diag_add(r->d, "%s at %#x: unreadable memory at %#llx",
				 what, addr, (unsigned long long)a);
			problem(r, about_modules);
			return false;
		}
		size_t got = strnlen(dst, chunk);

		if (got < chunk) {
			*len = n + (uint32_t)got;
			*off = mi->pool_used;
			mi->pool_used += *len + 1;
			return true;
		}
		n += chunk;
	}
	if (limit < max)
		diag_add(r->d, "%s at %#x: no room left to copy it (%u bytes of strings)",
			 what, addr, MBINFO_POOL);
	else
		diag_add(r->d, "%s at %#x: no NUL within %u bytes", what, addr, max);
	problem(r, about_modules);
	return false;
}

/* Bytes of the info structure the flags say are valid (spec 3.3). */
static uint32_t info_size(uint32_t flags)
{
	static const uint8_t end_of[13] = {
		12, 16, 20, 28, 44, 44, 52, 60, 64, 68, 72, 88, MBI_SIZE_MAX,
	};
	uint32_t size = 4;

	for (unsigned bit = 0; bit < 13; bit++)
		if ((flags & (1u << bit)) && end_of[bit] > size)
			size = end_of[bit];
	return size;
}

static void add_range(struct rd *r, uint64_t base, uint64_t len, uint32_t type)
{
	struct mbinfo *mi = r->mi;

	if (len == 0)
		return;
	if (len > UINT64_MAX - base) {
		diag_add(r->d, "memory map: range at %#llx length %#llx wraps past 2^64; clamped",
			 (unsigned long long)base, (unsigned long long)len);
		problem(r, false);
		len = UINT64_MAX - base;
		if (len == 0)
			return;
	}
	if (mi->nranges >= MBINFO_MAX_RANGES)
		return;		/* parse_mmap reports it */
	mi->ranges[mi->nranges++] = (struct mb_range){ base, len, type };
}

/* Walk the BIOS map: entries of (size, base_addr, length, type), where size
 * counts the bytes after itself, so the next entry is at +size+4. */
static void parse_mmap(struct rd *r)
{
	struct mbinfo *mi = r->mi;
	uint32_t len = mi->mmap_length, off = 0;
	uint8_t e[MBI_MMAP_ENTRY_MIN];

	if (len > MBINFO_MAX_MMAP_LEN) {
		diag_add(r->d, "memory map: mmap_length %u is absurd; only %u bytes read",
			 len, MBINFO_MAX_MMAP_LEN);
		problem(r, false);
		len = MBINFO_MAX_MMAP_LEN;
	}
	while (off < len) {
		uint8_t sz[4];
		uint32_t size;
		uint64_t at = (uint64_t)mi->mmap_addr + off;

		if (len - off < 4 || !r->read(r->ctx, at, sz, 4)) {
			diag_add(r->d, "memory map: entry at offset %u is cut off or unreadable", off);
			problem(r, false);
			return;
		}
		size = le32(sz);
		if (size < MBI_MMAP_ENTRY_MIN) {
			diag_add(r->d, "memory map: entry at offset %u has size %u (< 20); "
				 "the rest of the map is ignored", off, size);
			problem(r, false);
			return;
		}
		if (size > len - off - 4) {
			diag_add(r->d, "memory map: entry at offset %u (size %u) runs past "
				 "mmap_length %u", off, size, len);
			problem(r, false);
			return;
		}
		if (!r->read(r->ctx, at + 4, e, sizeof(e))) {
			diag_add(r->d, "memory map: entry at offset %u is unreadable", off);
			problem(r, false);
			return;
		}
		if (mi->nranges == MBINFO_MAX_RANGES && le64(e + 8)) {
			diag_add(r->d, "memory map: more than %u entries; the rest are ignored",
				 MBINFO_MAX_RANGES);
			problem(r, false);
			return;
		}
		add_range(r, le64(e), le64(e + 8), le32(e + 16));
		off += size + 4;
	}
}

/* Without a BIOS map: mem_lower KiB from 0 and mem_upper KiB from 1 MiB. */
static void ranges_from_mem(struct rd *r)
{
	struct mbinfo *mi = r->mi;
	uint32_t lower = mi->mem_lower_kb;

	if (lower > 640) {
		diag_add(r->d, "mem_lower %u KiB is more than 640; clamped", lower);
		problem(r, false);
		lower = 640;
	}
	add_range(r, 0, (uint64_t)lower << 10, MB_MEM_AVAILABLE);
	add_range(r, 1ull << 20, (uint64_t)mi->mem_upper_kb << 10, MB_MEM_AVAILABLE);
}

static void parse_one_module(struct rd *r, uint32_t i)
{
	struct mbinfo *mi = r->mi;
	uint8_t e[MBI_MOD_SIZE];
	struct mb_module m = { .index = i };

	if (!r->read(r->ctx, (uint64_t)mi->mods_addr + i * MBI_MOD_SIZE, e, sizeof(e))) {
		diag_add(r->d, "module %u: its entry at %#llx is unreadable", i,
			 (unsigned long long)mi->mods_addr + i * MBI_MOD_SIZE);
		problem(r, true);
		return;
	}
	m.start = le32(e);
	m.end = le32(e + 4);
	m.string_addr = le32(e + 8);
	if (m.end < m.start) {
		diag_add(r->d, "module %u: ends at %#x before it starts at %#x", i,
			 m.end, m.start);
		problem(r, true);
		return;
	}
	if (m.string_addr) {
		char what[32];

		diag_fmt(what, sizeof(what), "module %u string", i);
		if (!read_string(r, m.string_addr, MBINFO_MAX_STR, &m.string_len,
				 &m.string_off, what, true))
			return;
	} else {
		m.string_off = 0;	/* pool[0] is always "" */
	}
	mi->mods[mi->nmods++] = m;
}

static bool overlap(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 < b1 && b0 < a1;
}

static void check_module_overlaps(struct rd *r)
{
	struct mbinfo *mi = r->mi;

	for (unsigned i = 0; i < mi->nmods; i++) {
		for (unsigned j = i + 1; j < mi->nmods; j++) {
			const struct mb_module *a = &mi->mods[i], *b = &mi->mods[j];

			if (!overlap(a->start, a->end, b->start, b->end))
				continue;
			diag_add(r->d, "module %u [%#x, %#x) overlaps module %u [%#x, %#x)",
				 b->index, b->start, b->end, a->index, a->start, a->end);
			problem(r, true);
		}
	}
}

static void parse_modules(struct rd *r)
{
	struct mbinfo *mi = r->mi;
	uint32_t n = mi->mods_count;

	if (n > MBINFO_MAX_MODS) {
		diag_add(r->d, "mods_count %u: Shade takes at most %u modules; the rest are ignored",
			 n, MBINFO_MAX_MODS);
		problem(r, true);
		n = MBINFO_MAX_MODS;
	}
	for (uint32_t i = 0; i < n; i++)
		parse_one_module(r, i);
	check_module_overlaps(r);
}

static void parse_strings(struct rd *r)
{
	struct mbinfo *mi = r->mi;

	if (mi->flags & MBI_FLAG_CMDLINE)
		mi->has_cmdline = read_string(r, mi->cmdline_addr, MBINFO_MAX_STR,
					      &mi->cmdline_len, &mi->cmdline_off,
					      "command line", false);
	if (mi->flags & MBI_FLAG_LOADER_NAME)
		mi->has_loader_name = read_string(r, mi->loader_name_addr,
						  MBINFO_MAX_NAME,
						  &mi->loader_name_len,
						  &mi->loader_name_off,
						  "boot loader name", false);
}

static void take_fields(struct mbinfo *mi, const uint8_t *b)
{
	if (mi->flags & MBI_FLAG_MEM) {
		mi->mem_lower_kb = le32(b + MBI_OFF_MEM_LOWER);
		mi->mem_upper_kb = le32(b + MBI_OFF_MEM_UPPER);
	}
	if (mi->flags & MBI_FLAG_CMDLINE)
		mi->cmdline_addr = le32(b + MBI_OFF_CMDLINE);
	if (mi->flags & MBI_FLAG_MODS) {
		mi->mods_count = le32(b + MBI_OFF_MODS_COUNT);
		mi->mods_addr = le32(b + MBI_OFF_MODS_ADDR);
	}
	if (mi->flags & MBI_FLAG_MMAP) {
		mi->mmap_length = le32(b + MBI_OFF_MMAP_LENGTH);
		mi->mmap_addr = le32(b + MBI_OFF_MMAP_ADDR);
	}
	if (mi->flags & MBI_FLAG_LOADER_NAME)
		mi->loader_name_addr = le32(b + MBI_OFF_LOADER_NAME);
}

static bool parse_memory(struct rd *r)
{
	struct mbinfo *mi = r->mi;

	if (mi->flags & MBI_FLAG_MMAP) {
		parse_mmap(r);
		mi->ranges_from_mmap = mi->nranges != 0;
	}
	if (!mi->nranges && (mi->flags & MBI_FLAG_MEM))
		ranges_from_mem(r);
	if (!mi->nranges) {
		diag_add(r->d, "no memory information (neither a memory map nor "
			 "mem_lower/mem_upper)");
		problem(r, false);
		return false;
	}
	return true;
}

bool mbinfo_parse(uint32_t addr, mb_read_fn read, void *ctx,
		  struct mbinfo *mi, struct diag *d)
{
	struct rd r = { .read = read, .ctx = ctx, .mi = mi, .d = d };
	uint8_t b[MBI_SIZE_MAX] = { 0 };

	memset(mi, 0, sizeof(*mi));
	mi->addr = addr;
	mi->pool_used = 1;	/* pool[0] = "": the absent string */
	if (!read(ctx, addr, b, 4)) {
		diag_add(d, "Multiboot info at %#x is unreadable", addr);
		problem(&r, true);
		return false;
	}
	mi->flags = le32(b);
	mi->size = info_size(mi->flags);
	if (!read(ctx, addr, b, mi->size)) {
		diag_add(d, "Multiboot info at %#x (%u bytes for flags %#x) is unreadable",
			 addr, mi->size, mi->flags);
		problem(&r, true);
		mi->flags = 0;
		return false;
	}
	take_fields(mi, b);
	parse_strings(&r);
	if (mi->flags & MBI_FLAG_MODS)
		parse_modules(&r);
	return parse_memory(&r);
}

const char *mbinfo_cmdline(const struct mbinfo *mi)
{
	return mi->has_cmdline ? mi->pool + mi->cmdline_off : "";
}

const char *mbinfo_loader_name(const struct mbinfo *mi)
{
	return mi->has_loader_name ? mi->pool + mi->loader_name_off : "";
}

const char *mbinfo_mod_string(const struct mbinfo *mi, unsigned i)
{
	return i < mi->nmods ? mi->pool + mi->mods[i].string_off : "";
}

/* ---- ranges never to hand out ---- */

struct resv {
	struct mb_range *out;
	unsigned n, max;
};

/* Add [base, base+len) widened to pages.  When @out is full the range is
 * folded into the last entry: reserving too much is safe, too little not. */
static void resv_add(struct resv *v, uint64_t base, uint64_t len)
{
	uint64_t end;

	if (len == 0 || v->max == 0)
		return;
	end = len > UINT64_MAX - base ? UINT64_MAX : base + len;
	base &= ~0xfffull;
	end = end > UINT64_MAX - 0xfff ? (UINT64_MAX & ~0xfffull) : (end + 0xfff) & ~0xfffull;
	if (v->n < v->max) {
		v->out[v->n++] = (struct mb_range){ base, end - base, MB_MEM_RESERVED };
		return;
	}
	struct mb_range *last = &v->out[v->max - 1];
	uint64_t lb = last->base < base ? last->base : base;
	uint64_t le = last->base + last->len > end ? last->base + last->len : end;

	*last = (struct mb_range){ lb, le - lb, MB_MEM_RESERVED };
}

static void resv_sort_merge(struct resv *v)
{
	unsigned w = 0;

	for (unsigned i = 1; i < v->n; i++) {
		struct mb_range x = v->out[i];
		unsigned j = i;

		for (; j > 0 && v->out[j - 1].base > x.base; j--)
			v->out[j] = v->out[j - 1];
		v->out[j] = x;
	}
	for (unsigned i = 0; i < v->n; i++) {
		struct mb_range *prev = w ? &v->out[w - 1] : NULL;
		uint64_t end = v->out[i].base + v->out[i].len;

		if (prev && v->out[i].base <= prev->base + prev->len) {
			if (end > prev->base + prev->len)
				prev->len = end - prev->base;
			continue;
		}
		v->out[w++] = v->out[i];
	}
	v->n = w;
}

unsigned mbinfo_reserved(const struct mbinfo *mi, uint64_t image_start,
			 uint64_t image_end, struct mb_range *out, unsigned max)
{
	struct resv v = { .out = out, .max = max };
	uint32_t nmods = mi->mods_count < MBINFO_MAX_MODS ? mi->mods_count : MBINFO_MAX_MODS;

	if (image_end > image_start)
		resv_add(&v, image_start, image_end - image_start);
	resv_add(&v, mi->addr, mi->size);
	if (mi->flags & MBI_FLAG_MODS)
		resv_add(&v, mi->mods_addr, (uint64_t)nmods * MBI_MOD_SIZE);
	if (mi->flags & MBI_FLAG_MMAP)
		resv_add(&v, mi->mmap_addr, mi->mmap_length);
	if (mi->has_cmdline)
		resv_add(&v, mi->cmdline_addr, (uint64_t)mi->cmdline_len + 1);
	if (mi->has_loader_name)
		resv_add(&v, mi->loader_name_addr, (uint64_t)mi->loader_name_len + 1);
	for (unsigned i = 0; i < mi->nmods; i++) {
		const struct mb_module *m = &mi->mods[i];

		resv_add(&v, m->start, (uint64_t)m->end - m->start);
		if (m->string_addr)
			resv_add(&v, m->string_addr, (uint64_t)m->string_len + 1);
	}
	for (unsigned i = 0; i < mi->nranges; i++)
		if (mi->ranges[i].type != MB_MEM_AVAILABLE)
			resv_add(&v, mi->ranges[i].base, mi->ranges[i].len);
	resv_sort_merge(&v);
	return v.n;
}
