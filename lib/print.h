/* Formatted output into buffers (freestanding; no floating point). */
#ifndef LIB_PRINT_H
#define LIB_PRINT_H
#include <stdarg.h>
#include <stddef.h>

/* Supports %% %c %s %d %i %u %x %X %p %o, the l/ll/z/h length modifiers,
 * '-', '0', a width and a precision for %s (".N" or ".*"). Always NUL-terminates; returns the length the full
 * output would have had. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
