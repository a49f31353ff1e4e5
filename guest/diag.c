/* Problem reports: a bounded line collector and a tiny printf subset.
 * See diag.h.  No allocation, no recursion; every loop is bounded by the
 * format string or the output size. */
#include "guest/diag.h"

#include <stdint.h>
#include <string.h>

struct sink {
	char *buf;
	size_t size;
	size_t len;
	bool full;
};

static void put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len++] = c;
	else
		s->full = true;
}

static char printable(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) ? (char)c : '?';
}

struct spec {
	bool alt;		/* '#': 0x prefix for %x */
	bool zero;		/* '0': pad with zeros */
	unsigned width;
	int prec;		/* -1: none */
	int lng;		/* 0 int, 1 long, 2 long long, 3 size_t */
};

static void put_padded(struct sink *s, const char *txt, size_t n,
		       const struct spec *sp, const char *prefix)
{
	size_t plen = strlen(prefix);
	size_t total = n + plen;
	size_t pad = sp->width > total ? sp->width - total : 0;

	if (!sp->zero)
		for (; pad; pad--)
			put(s, ' ');
	for (size_t i = 0; i < plen; i++)
		put(s, prefix[i]);
	for (; pad; pad--)
		put(s, '0');
	for (size_t i = 0; i < n; i++)
		put(s, txt[i]);
}

static void put_uint(struct sink *s, uint64_t v, unsigned base, bool upper,
		     bool neg, const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = sizeof(tmp);

	do {
		tmp[--n] = digits[v % base];
		v /= base;
	} while (v);
	put_padded(s, tmp + n, sizeof(tmp) - n, sp,
		   neg ? "-" : (sp->alt && base == 16 ? "0x" : ""));
}

static void put_str(struct sink *s, const char *str, const struct spec *sp)
{
	size_t n;

	if (!str)
		str = "(null)";
	/* strnlen with the precision as bound: the string need not be
	 * NUL-terminated when a precision is given. */
	n = sp->prec >= 0 ? strnlen(str, (size_t)sp->prec) : strlen(str);
	for (size_t pad = sp->width > n ? sp->width - n : 0; pad; pad--)
		put(s, ' ');
	for (size_t i = 0; i < n; i++)
		put(s, printable((unsigned char)str[i]));
}

static uint64_t get_unsigned(va_list *ap, int lng)
{
	switch (lng) {
	case 1: return va_arg(*ap, unsigned long);
	case 2: return va_arg(*ap, unsigned long long);
	case 3: return va_arg(*ap, size_t);
	default: return va_arg(*ap, unsigned int);
	}
}

static int64_t get_signed(va_list *ap, int lng)
{
	switch (lng) {
	case 1: return va_arg(*ap, long);
	case 2: return va_arg(*ap, long long);
	case 3: return (int64_t)va_arg(*ap, size_t);
	default: return va_arg(*ap, int);
	}
}

/* Parse flags, width, precision and length; returns the conversion char. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '#')
			sp->alt = true;
		else if (*f == '0')
			sp->zero = true;
		else
			break;
	}
	while (*f >= '0' && *f <= '9' && sp->width < 1000)
		sp->width = sp->width * 10 + (unsigned)(*f++ - '0');
	if (*f == '.') {
		f++;
		if (*f == '*') {
			int p = va_arg(*ap, int);
			sp->prec = p < 0 ? -1 : p;
			f++;
		} else {
			sp->prec = 0;
			while (*f >= '0' && *f <= '9' && sp->prec < 100000)
				sp->prec = sp->prec * 10 + (*f++ - '0');
		}
	}
	if (*f == 'z') {
		sp->lng = 3;
		f++;
	}
	while (*f == 'l' && sp->lng < 2) {
		sp->lng++;
		f++;
	}
	return f;
}

static void convert(struct sink *s, char c, const struct spec *sp, va_list *ap)
{
	int64_t sv;
	char ch;

	switch (c) {
	case 'd':
	case 'i':
		sv = get_signed(ap, sp->lng);
		put_uint(s, sv < 0 ? (uint64_t)0 - (uint64_t)sv : (uint64_t)sv,
			 10, false, sv < 0, sp);
		break;
	case 'u':
		put_uint(s, get_unsigned(ap, sp->lng), 10, false, false, sp);
		break;
	case 'x':
	case 'X':
		put_uint(s, get_unsigned(ap, sp->lng), 16, c == 'X', false, sp);
		break;
	case 's':
		put_str(s, va_arg(*ap, const char *), sp);
		break;
	case 'c':
		ch = printable((unsigned char)va_arg(*ap, int));
		put(s, ch);
		break;
	case '%':
		put(s, '%');
		break;
	default:		/* unknown conversion: show it, consume nothing */
		put(s, '%');
		if (c)
			put(s, c);
		break;
	}
}

static size_t format(char *buf, size_t size, const char *fmt, va_list ap,
		     bool *full)
{
	struct sink s = { .buf = buf, .size = size };
	struct spec sp;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&s, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &aq);
		convert(&s, *fmt, &sp, &aq);
		if (*fmt)
			fmt++;
	}
	va_end(aq);
	if (size)
		buf[s.len] = '\0';
	if (full)
		*full = s.full;
	return s.len;
}

size_t diag_vfmt(char *buf, size_t size, const char *fmt, va_list ap)
{
	return format(buf, size, fmt, ap, NULL);
}

size_t diag_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = format(buf, size, fmt, ap, NULL);
	va_end(ap);
	return n;
}

void diag_init(struct diag *d, char *buf, size_t size)
{
	*d = (struct diag){ .buf = buf, .size = buf ? size : 0 };
	if (d->size)
		buf[0] = '\0';
}

/* Mark the end of the buffer "...\n" so a reader sees text was lost. */
static void mark_truncated(struct diag *d)
{
	static const char ell[] = "...\n";

	d->truncated = true;
	if (d->size < sizeof(ell))
		return;
	if (d->len > d->size - sizeof(ell))
		d->len = d->size - sizeof(ell);
	memcpy(d->buf + d->len, ell, sizeof(ell));
	d->len += sizeof(ell) - 1;
}

void diag_vadd(struct diag *d, const char *fmt, va_list ap)
{
	bool full = false;
	size_t n;

	if (!d)
		return;
	d->count++;
	if (d->truncated || d->size == 0) {
		d->truncated = true;
		return;
	}
	n = format(d->buf + d->len, d->size - d->len, fmt, ap, &full);
	if (!full && d->len + n + 2 <= d->size) {
		d->len += n;
		d->buf[d->len++] = '\n';
		d->buf[d->len] = '\0';
		return;
	}
	d->len += n;
	mark_truncated(d);
}

void diag_add(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, fmt, ap);
	va_end(ap);
}
