/* The guest's Multiboot information (see mbguest.h for the layout). */
#include "guest/mbguest.h"

#include <string.h>

#include "guest/le.h"
#include "guest/mbinfo.h"

#define PAGE_UP(x) (((x) + 0xfffull) & ~0xfffull)

static const char loader_name[] = "Shade";

struct plan {
	uint64_t mod_at[MBGUEST_MAX_MODS];
	uint64_t end;
	uint32_t cmdline_at, str_at[MBGUEST_MAX_MODS];
};

static size_t span_len(const char *s, size_t n)
{
	/* An embedded NUL ends the string early, as it would for the guest;
	 * nothing longer than the string area is ever looked at. */
	size_t cap = MBGUEST_STRINGS_END - MBGUEST_STRINGS;

	return s ? strnlen(s, n < cap ? n : cap) : 0;
}

static enum mbguest_err plan_strings(const struct mbguest_params *p,
				     struct plan *pl, struct diag *d)
{
	uint64_t at = MBGUEST_STRINGS;

	pl->cmdline_at = (uint32_t)at;
	at += span_len(p->cmdline, p->cmdline_len) + 1;
	for (unsigned i = 0; i < p->nmods && at <= MBGUEST_STRINGS_END; i++) {
		pl->str_at[i] = (uint32_t)at;
		at += span_len(p->mods[i].string, p->mods[i].string_len) + 1;
	}
	if (at > MBGUEST_STRINGS_END) {
		diag_add(d, "guest command line and module strings need more than "
			 "the %u bytes set aside for them",
			 MBGUEST_STRINGS_END - MBGUEST_STRINGS);
		return MBGUEST_ESTRINGS;
	}
	return MBGUEST_OK;
}

static enum mbguest_err plan_modules(const struct guest_ram *ram,
				     const struct mbguest_params *p,
				     struct plan *pl, struct diag *d)
{
	uint64_t at = PAGE_UP(p->kernel_end < MBGUEST_HIGH ? MBGUEST_HIGH : p->kernel_end);

	pl->end = p->kernel_end;
	for (unsigned i = 0; i < p->nmods; i++) {
		uint64_t len = p->mods[i].data ? p->mods[i].len : 0;

		if (!guest_ram_fits(ram, at, len)) {
			diag_add(d, "module %u (%.*s%s, %llu bytes) does not fit in guest "
				 "RAM: it would start at %#llx of %#llx", i,
				 DIAG_TOK(p->mods[i].string ? p->mods[i].string : "",
					  span_len(p->mods[i].string, p->mods[i].string_len)),
				 (unsigned long long)len, (unsigned long long)at,
				 (unsigned long long)ram->size);
			return MBGUEST_ENOFIT;
		}
		pl->mod_at[i] = at;
		pl->end = at + len;
		at = PAGE_UP(at + len);
	}
	return MBGUEST_OK;
}

static enum mbguest_err check(const struct guest_ram *ram,
			      const struct mbguest_params *p, struct diag *d)
{
	if (ram->size < MBGUEST_MIN_MEM || ram->size > MBGUEST_MAX_MEM) {
		diag_add(d, "guest RAM of %#llx bytes: a Multiboot guest needs 2 MiB "
			 "to 4 GiB - 1 MiB", (unsigned long long)ram->size);
		return MBGUEST_ERAM;
	}
	if (p->kernel_end > ram->size) {
		diag_add(d, "kernel end %#llx lies beyond guest RAM %#llx",
			 (unsigned long long)p->kernel_end, (unsigned long long)ram->size);
		return MBGUEST_ERAM;
	}
	if (p->nmods > MBGUEST_MAX_MODS || (p->nmods && !p->mods)) {
		diag_add(d, "%u modules: a guest takes at most %u", p->nmods,
			 MBGUEST_MAX_MODS);
		return MBGUEST_ETOOMANY;
	}
	return MBGUEST_OK;
}

static void put_string(const struct guest_ram *ram, uint32_t at,
		       const char *s, size_t n)
{
	size_t len = span_len(s, n);

	if (len)
		memcpy(guest_ram_ptr(ram, at), s, len);
	guest_ram_ptr(ram, at)[len] = '\0';
}

static void put_mmap(const struct guest_ram *ram)
{
	static const struct { uint64_t base; uint32_t type; } map[2] = {
		{ 0, MB_MEM_AVAILABLE }, { MBGUEST_LOW_END, MB_MEM_RESERVED },
	};
	uint8_t *e = guest_ram_ptr(ram, MBGUEST_MMAP);

	for (unsigned i = 0; i < 3; i++, e += 24) {
		uint64_t base = i < 2 ? map[i].base : MBGUEST_HIGH;
		uint64_t end = i == 0 ? MBGUEST_LOW_END : i == 1 ? MBGUEST_HIGH : ram->size;

		st32(e, 20);	/* size: the bytes after this field */
		st64(e + 4, base);
		st64(e + 12, end - base);
		st32(e + 20, i < 2 ? map[i].type : MB_MEM_AVAILABLE);
	}
}

static void put_info(const struct guest_ram *ram, const struct mbguest_params *p,
		     const struct plan *pl)
{
	uint8_t *mbi = guest_ram_ptr(ram, MBGUEST_INFO);

	memset(mbi, 0, MBI_SIZE_MAX);
	st32(mbi + MBI_OFF_FLAGS, MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS |
	     MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME);
	st32(mbi + MBI_OFF_MEM_LOWER, MBGUEST_LOW_END >> 10);
	st32(mbi + MBI_OFF_MEM_UPPER, (uint32_t)((ram->size - MBGUEST_HIGH) >> 10));
	st32(mbi + MBI_OFF_CMDLINE, pl->cmdline_at);
	st32(mbi + MBI_OFF_MODS_COUNT, p->nmods);
	st32(mbi + MBI_OFF_MODS_ADDR, MBGUEST_MODS);
	st32(mbi + MBI_OFF_MMAP_LENGTH, 3 * 24);
	st32(mbi + MBI_OFF_MMAP_ADDR, MBGUEST_MMAP);
	st32(mbi + MBI_OFF_LOADER_NAME, MBGUEST_NAME);
}

static void put_modules(const struct guest_ram *ram, const struct mbguest_params *p,
			const struct plan *pl, struct mbguest_layout *out)
{
	uint8_t *e = guest_ram_ptr(ram, MBGUEST_MODS);

	memset(e, 0, MBGUEST_MAX_MODS * MBI_MOD_SIZE);
	for (unsigned i = 0; i < p->nmods; i++, e += MBI_MOD_SIZE) {
		const struct mbguest_module *m = &p->mods[i];
		uint64_t len = m->data ? m->len : 0;

		if (len)
			memcpy(guest_ram_ptr(ram, pl->mod_at[i]), m->data, len);
		put_string(ram, pl->str_at[i], m->string, m->string_len);
		st32(e, (uint32_t)pl->mod_at[i]);
		st32(e + 4, (uint32_t)(pl->mod_at[i] + len));
		st32(e + 8, pl->str_at[i]);
		out->mod_start[i] = (uint32_t)pl->mod_at[i];
	}
}

enum mbguest_err mbguest_build(const struct guest_ram *ram,
			       const struct mbguest_params *p,
			       struct mbguest_layout *out, struct diag *d)
{
	struct plan pl;
	enum mbguest_err err;

	memset(out, 0, sizeof(*out));
	if ((err = check(ram, p, d)) || (err = plan_strings(p, &pl, d)) ||
	    (err = plan_modules(ram, p, &pl, d)))
		return err;
	put_info(ram, p, &pl);
	put_mmap(ram);
	memcpy(guest_ram_ptr(ram, MBGUEST_NAME), loader_name, sizeof(loader_name));
	put_string(ram, pl.cmdline_at, p->cmdline, p->cmdline_len);
	put_modules(ram, p, &pl, out);
	out->info = MBGUEST_INFO;
	out->end = pl.end;
	return MBGUEST_OK;
}
