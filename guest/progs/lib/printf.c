#include <stdint.h>
#include <stdbool.h>
#include "printf.h"
#include "serial.h"
#include "div64.h"

/* Where formatted characters go: the UART, or a bounded buffer. */
struct sink {
	char *buf;      /* NULL: COM1 */
	size_t size;
	size_t len;     /* characters produced (even those not stored) */
};

static void emit(struct sink *s, char c)
{
	if (!s->buf)
		serial_putc(c);
	else if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

struct spec {
	bool zero, left;
	int width;
	int longs;      /* 0, 1 (l, z) or 2 (ll) */
};

static void emit_padded(struct sink *s, const struct spec *sp,
			const char *txt, int n)
{
	int pad = sp->width > n ? sp->width - n : 0;

	if (!sp->left)
		while (pad-- > 0)
			emit(s, sp->zero ? '0' : ' ');
	for (int i = 0; i < n; i++)
		emit(s, txt[i]);
	if (sp->left)
		while (pad-- > 0)
			emit(s, ' ');
}

static void emit_number(struct sink *s, const struct spec *sp, uint64_t v,
			unsigned base, bool neg, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		uint32_t r;

		v = udiv64(v, base, &r);
		tmp[sizeof(tmp) - 1 - n++] = digits[r];
	} while (v);
	if (neg) {
		if (sp->zero && sp->width > 0) {
			/* "-0042": the sign goes before the zero padding. */
			struct spec rest = *sp;

			emit(s, '-');
			rest.width--;
			emit_padded(s, &rest, tmp + sizeof(tmp) - n, n);
			return;
		}
		tmp[sizeof(tmp) - 1 - n++] = '-';
	}
	emit_padded(s, sp, tmp + sizeof(tmp) - n, n);
}

static uint64_t arg_unsigned(va_list *ap, int longs)
{
	if (longs == 2)
		return va_arg(*ap, unsigned long long);
	if (longs == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static int64_t arg_signed(va_list *ap, int longs)
{
	if (longs == 2)
		return va_arg(*ap, long long);
	if (longs == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

/* Parses flags, width and length of one conversion; returns the
 * conversion character's position. */
static const char *parse_spec(const char *f, struct spec *sp)
{
	*sp = (struct spec){ 0 };
	for (;; f++) {
		if (*f == '0')
			sp->zero = true;
		else if (*f == '-')
			sp->left = true;
		else
			break;
	}
	while (*f >= '0' && *f <= '9' && sp->width < 1000)
		sp->width = sp->width * 10 + (*f++ - '0');
	while (*f == 'l' && sp->longs < 2) {
		sp->longs++;
		f++;
	}
	if (*f == 'z') {
		sp->longs = 1;
		f++;
	}
	return f;
}

static void convert(struct sink *s, const struct spec *sp, char c, va_list *ap)
{
	switch (c) {
	case 'd':
	case 'i': {
		int64_t v = arg_signed(ap, sp->longs);

		emit_number(s, sp, v < 0 ? -(uint64_t)v : (uint64_t)v, 10,
			    v < 0, false);
		break;
	}
	case 'u':
		emit_number(s, sp, arg_unsigned(ap, sp->longs), 10, false, false);
		break;
	case 'x':
	case 'X':
		emit_number(s, sp, arg_unsigned(ap, sp->longs), 16, false,
			    c == 'X');
		break;
	case 'p': {
		struct spec p = { .zero = true, .width = 8 };

		emit(s, '0');
		emit(s, 'x');
		emit_number(s, &p, (uintptr_t)va_arg(*ap, void *), 16, false,
			    false);
		break;
	}
	case 'c': {
		char ch = (char)va_arg(*ap, int);

		emit_padded(s, sp, &ch, 1);
		break;
	}
	case 's': {
		const char *str = va_arg(*ap, const char *);
		int n = 0;

		if (!str)
			str = "(null)";
		while (str[n])
			n++;
		emit_padded(s, sp, str, n);
		break;
	}
	default:        /* %% and unknown conversions print themselves */
		emit(s, c);
		break;
	}
}

static int format(struct sink *s, const char *fmt, va_list ap)
{
	va_list aq;

	va_copy(aq, ap);
	for (const char *f = fmt; *f; f++) {
		struct spec sp;

		if (*f != '%') {
			emit(s, *f);
			continue;
		}
		f = parse_spec(f + 1, &sp);
		if (!*f)
			break;
		convert(s, &sp, *f, &aq);
	}
	va_end(aq);
	if (s->buf && s->size)
		s->buf[s->len < s->size ? s->len : s->size - 1] = '\0';
	return (int)s->len;
}

int vprintf(const char *fmt, va_list ap)
{
	struct sink s = { 0 };

	return format(&s, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { .buf = buf, .size = size };

	return format(&s, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
