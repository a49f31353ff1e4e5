/* Problem reports from the guest/ parsers and loaders.
 *
 * Everything in guest/ reads hostile input (boot-loader structures, module
 * lines, kernel images) and must say *why* it refused something, naming the
 * token or field.  Code here has no console and no malloc, so messages are
 * formatted into a buffer the caller owns: one line per problem, each ended
 * by '\n', the whole buffer always NUL-terminated.  When the buffer fills up
 * the last line ends in "...\n" and later messages are only counted.
 *
 * The formatter understands a small printf subset: %d %i %u %x %X %s %c %%,
 * flags '#' '0', a field width, the precision ".*" / ".N" (for %s), and the
 * length modifiers l, ll, z.  Bytes outside printable ASCII in a %s or %c
 * argument are printed as '?', so a hostile string cannot send escape
 * sequences to the console.
 */
#ifndef SHADE_GUEST_DIAG_H
#define SHADE_GUEST_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct diag {
	char *buf;		/* caller's buffer (may be NULL: count only) */
	size_t size;		/* its size in bytes */
	size_t len;		/* bytes used, excluding the final NUL */
	unsigned count;		/* problems reported, including dropped ones */
	bool truncated;		/* some text did not fit */
};

/** diag_init - start collecting into @buf (@size bytes; NULL/0 allowed). */
void diag_init(struct diag *d, char *buf, size_t size);

/** diag_add - append one problem line (no trailing '\n' in @fmt). @d may be NULL. */
void diag_add(struct diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** diag_vadd - va_list form of diag_add. */
void diag_vadd(struct diag *d, const char *fmt, va_list ap);

/**
 * diag_fmt - format into @buf (@size bytes, always NUL-terminated when
 * @size > 0) with the subset above.  Returns the number of bytes written,
 * excluding the NUL.  Exposed so callers can build one-line summaries.
 */
size_t diag_fmt(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t diag_vfmt(char *buf, size_t size, const char *fmt, va_list ap);

/*
 * Quoting a token of hostile length: print at most DIAG_TOK_MAX bytes of it
 * and "..." when it was longer.  Use as  diag_add(d, "bad '%.*s%s'", DIAG_TOK(p, n)).
 */
#define DIAG_TOK_MAX 40
#define DIAG_TOK(p, n) \
	(int)((n) > DIAG_TOK_MAX ? DIAG_TOK_MAX : (n)), (p), \
	((n) > DIAG_TOK_MAX ? "..." : "")

#endif
