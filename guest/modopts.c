/* GRUB module lines and their grouping into VMs (see modopts.h). */
#include "guest/modopts.h"

#include <string.h>

/* "module 2 '/boot/k'", or "module 2" when the line has no path (GRUB 2):
 * how every message names a module. */
#define MOD_FMT "module %u%s%.*s%s%s"
#define MOD_ARGS(i, m) (i), (m)->path.n ? " '" : "", \
	DIAG_TOK((m)->path.p, (m)->path.n), (m)->path.n ? "'" : ""

static const char *const role_names[] = { "unset", "kernel", "initrd", "module", NULL };

const char *mod_role_name(enum mod_role r)
{
	return (unsigned)r <= MOD_ROLE_MODULE ? role_names[r] : "?";
}

struct line {
	unsigned index;
	struct modopts *m;
	struct diag *d;
	struct tok word;	/* the key=value word being handled */
};

static bool set_vm(struct line *l, struct tok v)
{
	uint64_t n;
	enum num_err e = parse_u64(v, &n);

	if (e != NUM_OK || n >= MODOPTS_MAX_VMS) {
		diag_add(l->d, MOD_FMT ": '%.*s%s': vm must be 0..%u",
			 MOD_ARGS(l->index, l->m), DIAG_TOK(l->word.p, l->word.n),
			 MODOPTS_MAX_VMS - 1);
		return false;
	}
	l->m->vm = (uint8_t)n;
	return true;
}

static bool set_role(struct line *l, struct tok v)
{
	int r = tok_is_any(v, role_names);

	if (r <= 0) {		/* "unset" is no role a user can give */
		diag_add(l->d, MOD_FMT ": '%.*s%s': role must be kernel, initrd or module",
			 MOD_ARGS(l->index, l->m), DIAG_TOK(l->word.p, l->word.n));
		return false;
	}
	l->m->role = (enum mod_role)r;
	return true;
}

static bool set_mem(struct line *l, struct tok v)
{
	uint64_t n;
	enum num_err e = parse_size(v, &n);

	if (e != NUM_OK) {
		diag_add(l->d, MOD_FMT ": '%.*s%s': %s (e.g. mem=64M)",
			 MOD_ARGS(l->index, l->m), DIAG_TOK(l->word.p, l->word.n),
			 num_err_str(e));
		return false;
	}
	/* Guest RAM is [0, mem) below the 3 GiB MMIO hole, in 4 KiB pages. */
	if (n < MODOPTS_MEM_MIN || n > MODOPTS_MEM_MAX || (n & 0xfff)) {
		diag_add(l->d, MOD_FMT ": '%.*s%s': mem must be 4M..3G and a multiple of 4K",
			 MOD_ARGS(l->index, l->m), DIAG_TOK(l->word.p, l->word.n));
		return false;
	}
	l->m->mem = n;
	return true;
}

struct key {
	const char *name;
	bool (*set)(struct line *l, struct tok v);
};

static const struct key keys[] = {
	{ "vm", set_vm },
	{ "role", set_role },
	{ "mem", set_mem },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static bool parse_option(struct line *l, bool seen[NKEYS])
{
	struct tok k, v;
	bool has_val = tok_split(l->word, &k, &v);

	for (size_t i = 0; i < NKEYS; i++) {
		if (!tok_is(k, keys[i].name))
			continue;
		if (!has_val || v.n == 0) {
			diag_add(l->d, MOD_FMT ": '%.*s%s': %s needs a value",
				 MOD_ARGS(l->index, l->m),
				 DIAG_TOK(l->word.p, l->word.n), keys[i].name);
			return false;
		}
		if (seen[i]) {
			diag_add(l->d, MOD_FMT ": '%.*s%s': %s given twice",
				 MOD_ARGS(l->index, l->m),
				 DIAG_TOK(l->word.p, l->word.n), keys[i].name);
			return false;
		}
		seen[i] = true;
		return keys[i].set(l, v);
	}
	diag_add(l->d, MOD_FMT ": '%.*s%s': unknown option (vm= role= mem=, "
		 "or -- before the guest's arguments)",
		 MOD_ARGS(l->index, l->m), DIAG_TOK(l->word.p, l->word.n));
	return false;
}

static bool tok_has(struct tok t, char c)
{
	for (size_t i = 0; i < t.n; i++)
		if (t.p[i] == c)
			return true;
	return false;
}

bool modopts_parse(const char *s, size_t len, unsigned index,
		   struct modopts *m, struct diag *d)
{
	struct tok rest = { s, s ? len : 0 };
	bool seen[NKEYS] = { false };
	struct line l = { .index = index, .m = m, .d = d };
	bool ok = true;

	*m = (struct modopts){ .role = MOD_ROLE_UNSET };
	if (rest.n > MODOPTS_MAX_LINE) {
		rest.n = MODOPTS_MAX_LINE;
		tok_next(&rest, &m->path);
		diag_add(d, MOD_FMT ": module string longer than %u bytes",
			 MOD_ARGS(index, m), MODOPTS_MAX_LINE);
		return false;
	}
	/* GRUB 2 hands over only the words after the file name; QEMU's -kernel
	 * loader and GRUB legacy put the file name first. So the first word is
	 * the path only when it is no option: an empty string, or one that
	 * starts with an option, is a module without a path (all defaults). */
	struct tok first = rest;
	if (tok_next(&first, &l.word) && !tok_is(l.word, "--") &&
	    !tok_has(l.word, '=')) {
		m->path = l.word;
		rest = first;
	}
	while (tok_next(&rest, &l.word)) {
		if (tok_is(l.word, "--")) {
			m->has_rest = true;
			m->rest = tok_trim(rest);
			break;
		}
		if (!parse_option(&l, seen))
			ok = false;
	}
	return ok;
}

struct tok modopts_string(const struct modopts *m)
{
	return m->has_rest ? m->rest : m->path;
}

/* Pass 1: which VMs have a role=kernel module. */
static void find_explicit_kernels(const struct modopts *m, unsigned n,
				  bool explicit[MODOPTS_MAX_VMS])
{
	for (unsigned i = 0; i < n; i++)
		if (m[i].vm < MODOPTS_MAX_VMS && m[i].role == MOD_ROLE_KERNEL)
			explicit[m[i].vm] = true;
}

static unsigned add_kernel(struct vm_plan *p, const struct modopts *m,
			   unsigned i, struct diag *d)
{
	if (p->kernel >= 0) {
		diag_add(d, MOD_FMT ": vm %u already has a kernel, " MOD_FMT,
			 MOD_ARGS(i, &m[i]), m[i].vm,
			 MOD_ARGS((unsigned)p->kernel, &m[p->kernel]));
		return 1;
	}
	p->kernel = (int)i;
	p->cmdline = m[i].rest;
	return 0;
}

static unsigned add_initrd(struct vm_plan *p, const struct modopts *m,
			   unsigned i, struct diag *d)
{
	if (p->initrd >= 0) {
		diag_add(d, MOD_FMT ": vm %u already has an initrd, " MOD_FMT,
			 MOD_ARGS(i, &m[i]), m[i].vm,
			 MOD_ARGS((unsigned)p->initrd, &m[p->initrd]));
		return 1;
	}
	p->initrd = (int)i;
	return 0;
}

static unsigned add_module(struct vm_plan *p, const struct modopts *m,
			   unsigned i, struct diag *d)
{
	if (p->nmods >= VMPLAN_MAX_MODS) {
		diag_add(d, MOD_FMT ": vm %u has more than %u modules",
			 MOD_ARGS(i, &m[i]), m[i].vm, VMPLAN_MAX_MODS);
		return 1;
	}
	p->mods[p->nmods++] = (uint8_t)i;
	return 0;
}

static unsigned add_mem(struct vm_plan *p, const struct modopts *m,
			unsigned i, int *mem_from, struct diag *d)
{
	if (!m[i].mem)
		return 0;
	if (*mem_from >= 0 && p->mem != m[i].mem) {
		diag_add(d, MOD_FMT ": mem=%llu KiB for vm %u, but " MOD_FMT
			 " said %llu KiB", MOD_ARGS(i, &m[i]),
			 (unsigned long long)(m[i].mem >> 10), m[i].vm,
			 MOD_ARGS((unsigned)*mem_from, &m[*mem_from]),
			 (unsigned long long)(p->mem >> 10));
		return 1;
	}
	p->mem = m[i].mem;
	*mem_from = (int)i;
	return 0;
}

/* The role a module without role= gets: see modopts_group(). */
static enum mod_role effective_role(const struct modopts *mi,
				    const bool explicit[MODOPTS_MAX_VMS],
				    bool *unset_seen)
{
	if (mi->role != MOD_ROLE_UNSET)
		return mi->role;
	if (!explicit[mi->vm] && !*unset_seen) {
		*unset_seen = true;
		return MOD_ROLE_KERNEL;
	}
	return MOD_ROLE_MODULE;
}

unsigned modopts_group(const struct modopts *m, unsigned n,
		       struct vm_plan plans[MODOPTS_MAX_VMS], struct diag *d)
{
	bool explicit[MODOPTS_MAX_VMS] = { false };
	bool unset_seen[MODOPTS_MAX_VMS] = { false };
	int mem_from[MODOPTS_MAX_VMS];
	unsigned problems = 0;

	for (unsigned v = 0; v < MODOPTS_MAX_VMS; v++) {
		plans[v] = (struct vm_plan){ .kernel = -1, .initrd = -1,
					     .mem = MODOPTS_MEM_DEFAULT };
		mem_from[v] = -1;
	}
	find_explicit_kernels(m, n, explicit);
	for (unsigned i = 0; i < n; i++) {
		struct vm_plan *p;

		if (m[i].vm >= MODOPTS_MAX_VMS) {	/* not from modopts_parse */
			diag_add(d, MOD_FMT ": vm %u out of range", MOD_ARGS(i, &m[i]),
				 m[i].vm);
			problems++;
			continue;
		}
		p = &plans[m[i].vm];
		p->present = true;
		problems += add_mem(p, m, i, &mem_from[m[i].vm], d);
		switch (effective_role(&m[i], explicit, &unset_seen[m[i].vm])) {
		case MOD_ROLE_KERNEL:
			problems += add_kernel(p, m, i, d);
			break;
		case MOD_ROLE_INITRD:
			problems += add_initrd(p, m, i, d);
			break;
		default:
			problems += add_module(p, m, i, d);
			break;
		}
	}
	for (unsigned v = 0; v < MODOPTS_MAX_VMS; v++) {
		if (plans[v].present && plans[v].kernel < 0) {
			diag_add(d, "vm %u has modules but no kernel (add role=kernel "
				 "to its kernel's module line)", v);
			problems++;
		}
	}
	return problems;
}
