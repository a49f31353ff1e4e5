/* Lexing option strings (see optlex.h). */
#include "guest/optlex.h"

#include <string.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool tok_next(struct tok *rest, struct tok *word)
{
	const char *p = rest->p, *end = rest->p + rest->n;

	while (p < end && is_blank(*p))
		p++;
	word->p = p;
	while (p < end && !is_blank(*p))
		p++;
	word->n = (size_t)(p - word->p);
	rest->n = (size_t)(end - p);
	rest->p = p;
	return word->n != 0;
}

struct tok tok_trim(struct tok t)
{
	while (t.n && is_blank(t.p[0])) {
		t.p++;
		t.n--;
	}
	while (t.n && is_blank(t.p[t.n - 1]))
		t.n--;
	return t;
}

bool tok_is(struct tok t, const char *lit)
{
	size_t n = strlen(lit);

	return n == t.n && memcmp(t.p, lit, n) == 0;
}

int tok_is_any(struct tok t, const char *const *lits)
{
	for (int i = 0; lits[i]; i++)
		if (tok_is(t, lits[i]))
			return i;
	return -1;
}

/* memchr is not in the freestanding subset (lib/include/string.h). */
static const char *find_char(struct tok t, char c)
{
	for (size_t i = 0; i < t.n; i++)
		if (t.p[i] == c)
			return t.p + i;
	return NULL;
}

bool tok_split(struct tok t, struct tok *key, struct tok *val)
{
	const char *eq = find_char(t, '=');

	if (!eq) {
		*key = t;
		*val = (struct tok){ t.p + t.n, 0 };
		return false;
	}
	*key = (struct tok){ t.p, (size_t)(eq - t.p) };
	*val = (struct tok){ eq + 1, t.n - key->n - 1 };
	return true;
}

struct tok tok_span(const char *s, size_t max)
{
	return (struct tok){ s, s ? strnlen(s, max) : 0 };
}

const char *num_err_str(enum num_err e)
{
	static const char *const why[] = {
		[NUM_OK] = "ok",
		[NUM_EMPTY] = "empty number",
		[NUM_SYNTAX] = "not a number",
		[NUM_OVERFLOW] = "number too large",
	};

	return (unsigned)e < sizeof(why) / sizeof(why[0]) ? why[e] : "?";
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

enum num_err parse_u64(struct tok t, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (t.n == 0)
		return NUM_EMPTY;
	if (t.n > 2 && t.p[0] == '0' && (t.p[1] == 'x' || t.p[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (; i < t.n; i++) {
		unsigned d = (unsigned)digit_value(t.p[i]);

		if (d >= base)
			return NUM_SYNTAX;
		if (v > (UINT64_MAX - d) / base)
			return NUM_OVERFLOW;
		v = v * base + d;
	}
	*out = v;
	return NUM_OK;
}

enum num_err parse_size(struct tok t, uint64_t *out)
{
	static const struct tok units = { "kmg", 3 };
	unsigned shift = 0;
	enum num_err e;
	const char *u;
	char last;
	uint64_t v;

	if (t.n == 0)
		return NUM_EMPTY;
	/* K, M and G are no hex digits, so "0x10K" is unambiguous: 16 KiB. */
	last = t.p[t.n - 1];
	if (last >= 'A' && last <= 'Z')
		last = (char)(last + ('a' - 'A'));
	u = find_char(units, last);
	if (u) {
		shift = 10 * (unsigned)(u - units.p + 1);
		t.n--;
	}
	e = parse_u64(t, &v);
	if (e != NUM_OK)
		return e == NUM_EMPTY ? NUM_SYNTAX : e;
	if (v > (UINT64_MAX >> shift))
		return NUM_OVERFLOW;
	*out = v << shift;
	return NUM_OK;
}

bool parse_bool(struct tok t, bool *out)
{
	static const char *const yes[] = { "on", "1", "yes", "true", NULL };
	static const char *const no[] = { "off", "0", "no", "false", NULL };

	if (tok_is_any(t, yes) >= 0) {
		*out = true;
		return true;
	}
	if (tok_is_any(t, no) >= 0) {
		*out = false;
		return true;
	}
	return false;
}
