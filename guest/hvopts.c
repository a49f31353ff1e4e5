/* The hypervisor command line (see hvopts.h).  One table row per key; each
 * row's handler converts the value or reports why it cannot. */
#include "guest/hvopts.h"

#include "guest/optlex.h"

static const char *const log_names[] = { "error", "warn", "info", "debug", NULL };

const char *hv_log_name(enum hv_log l)
{
	return (unsigned)l <= HV_LOG_DEBUG ? log_names[l] : "?";
}

void hvopts_defaults(struct hvopts *o)
{
	*o = (struct hvopts){
		.console_port = 0x3f8,
		.baud = HVOPTS_UART_CLOCK,
		.baud_divisor = 1,
		.log_level = HV_LOG_INFO,
		.shadow_pages = HVOPTS_SHADOW_DEFAULT,
		.force_emulation = false,
	};
}

/* The PC's standard COM port bases. */
static const uint16_t com_ports[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

static bool set_console(struct hvopts *o, struct tok v, struct diag *d)
{
	static const char *const com[] = { "com1", "com2", "com3", "com4", NULL };
	static const char *const tty[] = { "ttyS0", "ttyS1", "ttyS2", "ttyS3", NULL };
	int i = tok_is_any(v, com);
	uint64_t port;
	enum num_err e;

	if (i < 0)
		i = tok_is_any(v, tty);
	if (i >= 0) {
		o->console_port = com_ports[i];
		return true;
	}
	e = parse_u64(v, &port);
	if (e != NUM_OK) {
		diag_add(d, "console=%.*s%s: expected com1..com4 or an I/O port (0x3f8)",
			 DIAG_TOK(v.p, v.n));
		return false;
	}
	/* A 16550 decodes 8 consecutive ports (base+0..base+7). */
	if (port == 0 || port > 0xfff8) {
		diag_add(d, "console=%.*s%s: port must be in 0x1..0xfff8",
			 DIAG_TOK(v.p, v.n));
		return false;
	}
	o->console_port = (uint16_t)port;
	return true;
}

static bool set_baud(struct hvopts *o, struct tok v, struct diag *d)
{
	uint64_t baud;
	enum num_err e = parse_u64(v, &baud);

	if (e != NUM_OK) {
		diag_add(d, "baud=%.*s%s: %s", DIAG_TOK(v.p, v.n), num_err_str(e));
		return false;
	}
	/* The 16550 divisor latch is 16 bits: baud = 115200 / divisor, and
	 * divisor 115200 (baud=1) does not fit. */
	if (baud == 0 || baud > HVOPTS_UART_CLOCK || HVOPTS_UART_CLOCK % baud ||
	    HVOPTS_UART_CLOCK / baud > 0xffff) {
		diag_add(d, "baud=%.*s%s: must divide 115200 exactly (e.g. 9600, 38400, 115200)",
			 DIAG_TOK(v.p, v.n));
		return false;
	}
	o->baud = (uint32_t)baud;
	o->baud_divisor = (uint16_t)(HVOPTS_UART_CLOCK / baud);
	return true;
}

static bool set_log(struct hvopts *o, struct tok v, struct diag *d)
{
	static const char *const digits[] = { "0", "1", "2", "3", NULL };
	int i = tok_is_any(v, log_names);

	if (i < 0)
		i = tok_is_any(v, digits);
	if (i < 0) {
		diag_add(d, "log=%.*s%s: expected error, warn, info or debug",
			 DIAG_TOK(v.p, v.n));
		return false;
	}
	o->log_level = (enum hv_log)i;
	return true;
}

static bool set_shadow(struct hvopts *o, struct tok v, struct diag *d)
{
	uint64_t n;
	enum num_err e = parse_u64(v, &n);

	if (e != NUM_OK) {
		diag_add(d, "shadow-pages=%.*s%s: %s", DIAG_TOK(v.p, v.n),
			 num_err_str(e));
		return false;
	}
	if (n < HVOPTS_SHADOW_MIN || n > HVOPTS_SHADOW_MAX) {
		diag_add(d, "shadow-pages=%.*s%s: must be in %u..%u",
			 DIAG_TOK(v.p, v.n), HVOPTS_SHADOW_MIN, HVOPTS_SHADOW_MAX);
		return false;
	}
	o->shadow_pages = (uint32_t)n;
	return true;
}

static bool set_force_emul(struct hvopts *o, struct tok v, struct diag *d)
{
	if (!parse_bool(v, &o->force_emulation)) {
		diag_add(d, "force-emulation=%.*s%s: expected on or off",
			 DIAG_TOK(v.p, v.n));
		return false;
	}
	return true;
}

/* selftest=crash|bad-entry|vmfail: deliberately break something so the tests can
 * see Shade's crash dump and its report of a failed VM entry. */
static bool set_selftest(struct hvopts *o, struct tok v, struct diag *d)
{
	if (tok_is(v, "crash"))
		o->selftest = HV_SELFTEST_CRASH;
	else if (tok_is(v, "bad-entry"))
		o->selftest = HV_SELFTEST_BAD_ENTRY;
	else if (tok_is(v, "vmfail"))
		o->selftest = HV_SELFTEST_VMFAIL;
	else {
		diag_add(d, "selftest=%.*s%s: expected crash, bad-entry or vmfail", DIAG_TOK(v.p, v.n));
		return false;
	}
	return true;
}

struct key {
	const char *name;
	bool (*set)(struct hvopts *o, struct tok v, struct diag *d);
	const char *bare;	/* the value of the bare word "name", or NULL */
	bool bare_only;		/* "name=..." is an error */
};

static const struct key keys[] = {
	{ "console", set_console, NULL, false },
	{ "baud", set_baud, NULL, false },
	{ "log", set_log, NULL, false },
	{ "shadow-pages", set_shadow, NULL, false },
	{ "force-emulation", set_force_emul, "on", false },
	{ "selftest", set_selftest, NULL, false },
	{ "quiet", set_log, "error", true },
	{ "debug", set_log, "debug", true },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const struct key *find_key(struct tok k)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (tok_is(k, keys[i].name))
			return &keys[i];
	return NULL;
}

/* GRUB and QEMU hand over "path args": a first word with no '=' that is no
 * option of ours is the kernel's path ("/boot/shade.elf", "build/shade.elf"). */
static bool is_path_word(struct tok w)
{
	struct tok k, v;

	return !tok_split(w, &k, &v) && !find_key(k);
}

/* The value a word gives its key, or false (reported) if it gives none. */
static bool word_value(struct tok w, const struct key *key, struct tok *v,
		       struct diag *d)
{
	struct tok k;
	bool has_val = tok_split(w, &k, v);

	if (!has_val && key->bare) {
		*v = tok_span(key->bare, HVOPTS_MAX_WORD);
		return true;
	}
	if (key->bare_only) {
		diag_add(d, "'%.*s%s': %s takes no value", DIAG_TOK(w.p, w.n),
			 key->name);
		return false;
	}
	if (!has_val || v->n == 0) {
		diag_add(d, "'%.*s%s': %s needs a value (%s=...)",
			 DIAG_TOK(w.p, w.n), key->name, key->name);
		return false;
	}
	return true;
}

/* One word; its problems go to @d. */
static void parse_word(struct tok w, struct hvopts *o, struct diag *d,
		       bool seen[NKEYS])
{
	struct tok k, v;
	const struct key *key;

	if (w.n > HVOPTS_MAX_WORD) {
		diag_add(d, "'%.*s%s': option longer than %u bytes, ignored",
			 DIAG_TOK(w.p, w.n), HVOPTS_MAX_WORD);
		return;
	}
	tok_split(w, &k, &v);
	key = find_key(k);
	if (!key) {
		diag_add(d, "'%.*s%s': unknown option (known: console baud log "
			 "shadow-pages force-emulation selftest quiet debug)",
			 DIAG_TOK(w.p, w.n));
		return;
	}
	if (!word_value(w, key, &v, d))
		return;
	if (seen[key - keys])
		diag_add(d, "'%.*s%s': %s given more than once; the last one counts",
			 DIAG_TOK(w.p, w.n), key->name);
	seen[key - keys] = true;
	key->set(o, v, d);
}

unsigned hvopts_parse(const char *cmdline, struct hvopts *o, struct diag *d)
{
	struct diag local;
	struct diag *dd = d;
	bool seen[NKEYS] = { false };
	struct tok rest = tok_span(cmdline, HVOPTS_MAX_CMDLINE + 1);
	struct tok w;
	unsigned before;
	bool first = true;

	if (!dd) {
		diag_init(&local, NULL, 0);
		dd = &local;
	}
	before = dd->count;
	hvopts_defaults(o);
	if (rest.n > HVOPTS_MAX_CMDLINE) {
		rest.n = HVOPTS_MAX_CMDLINE;
		diag_add(dd, "command line longer than %u bytes; the rest is ignored",
			 HVOPTS_MAX_CMDLINE);
	}
	while (tok_next(&rest, &w)) {
		if (first && is_path_word(w)) {
			first = false;
			continue;
		}
		first = false;
		parse_word(w, o, dd, seen);
	}
	return dd->count - before;
}

size_t hvopts_describe(const struct hvopts *o, char *buf, size_t size)
{
	return diag_fmt(buf, size,
			"console=%#x baud=%u log=%s shadow-pages=%u force-emulation=%s",
			o->console_port, o->baud, hv_log_name(o->log_level),
			o->shadow_pages, o->force_emulation ? "on" : "off");
}
