/*
 * A tiny printf to COM1: %s %d %i %u %x %X %c %p %%, the length modifiers
 * l, ll and z, a '0' or '-' flag and a field width. snprintf formats into a
 * buffer (for the PRINT hypercall).
 */
#ifndef GUEST_PRINTF_H
#define GUEST_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
