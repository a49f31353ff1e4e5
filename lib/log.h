/* The console and log levels. Every hypervisor message starts with "shade: "
 * (the prefix the runner and users grep for). */
#ifndef LIB_LOG_H
#define LIB_LOG_H
#include <stdarg.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };
extern enum log_level log_level;

/* Raw console output (no prefix). */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
void console_write(const char *s, unsigned long len);

/* One "shade: "-prefixed line at a level; the newline is added. */
void klog(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Each line of @text (lines end with '\n') as one "shade:" message. */
void klog_lines(enum log_level lvl, const char *text);

#define log_err(...)	klog(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)	klog(LOG_WARN, __VA_ARGS__)
#define log_info(...)	klog(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	klog(LOG_DEBUG, __VA_ARGS__)

/* Stop the machine after a fatal error; says where it came from. */
void panic_at(const char *file, int line, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));
#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)
#define BUG_ON(c) do { if (__builtin_expect(!!(c), 0)) panic("BUG: %s", #c); } while (0)

#endif
