/* Lexing option strings: words, key=value pairs, numbers and sizes.
 *
 * Shared by the hypervisor command line (hvopts) and the GRUB module lines
 * (modopts).  Input is a (pointer, length) span, never assumed to be
 * NUL-terminated; words are separated by blanks (space, tab, CR, LF).
 * Numbers are decimal or 0x-hex; sizes add an optional K, M or G suffix
 * (binary: K = 1024).  Every conversion is overflow-checked.
 */
#ifndef SHADE_GUEST_OPTLEX_H
#define SHADE_GUEST_OPTLEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A span of bytes inside some caller-owned string. */
struct tok {
	const char *p;
	size_t n;
};

/**
 * tok_next - next blank-separated word of *@rest.  Advances @rest past it.
 * Returns false when only blanks remain.
 */
bool tok_next(struct tok *rest, struct tok *word);

/** tok_trim - @t without leading and trailing blanks. */
struct tok tok_trim(struct tok t);

/** tok_is - @t equals the NUL-terminated literal @lit exactly. */
bool tok_is(struct tok t, const char *lit);

/** tok_is_any - index of @t in the NULL-terminated list @lits, or -1. */
int tok_is_any(struct tok t, const char *const *lits);

/**
 * tok_split - split "key=value" at the first '='.  Returns false (and
 * @key = @t, @val empty) when there is no '='.
 */
bool tok_split(struct tok t, struct tok *key, struct tok *val);

/** tok_span - the span of a NUL-terminated string, at most @max bytes. */
struct tok tok_span(const char *s, size_t max);

enum num_err {
	NUM_OK = 0,
	NUM_EMPTY,		/* nothing to convert */
	NUM_SYNTAX,		/* not a number (or a bad suffix) */
	NUM_OVERFLOW,		/* does not fit in 64 bits */
};

/** num_err_str - a short English reason for @e ("not a number", ...). */
const char *num_err_str(enum num_err e);

/** parse_u64 - the whole of @t as decimal or 0x-hex. */
enum num_err parse_u64(struct tok t, uint64_t *out);

/** parse_size - like parse_u64 plus one optional K/M/G suffix (any case). */
enum num_err parse_size(struct tok t, uint64_t *out);

/** parse_bool - on|off|1|0|yes|no|true|false.  Returns false if none. */
bool parse_bool(struct tok t, bool *out);

#endif
