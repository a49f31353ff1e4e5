/* Console output and log levels on top of the UART driver. */
#include "lib/log.h"
#include "lib/print.h"
#include "drivers/uart.h"
#include "drivers/power.h"
#include "boot/crash.h"

enum log_level log_level = LOG_INFO;

void console_write(const char *s, unsigned long len)
{
	for (unsigned long i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

void kvprintf(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	console_write(buf, n < (int)sizeof(buf) ? (unsigned long)n : sizeof(buf) - 1);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

void klog(enum log_level lvl, const char *fmt, ...)
{
	static const char *const tag[] = {
		[LOG_ERROR] = "error: ", [LOG_WARN] = "warning: ",
		[LOG_INFO] = "", [LOG_DEBUG] = "debug: ",
	};
	if (lvl > log_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	kprintf("shade: %s", tag[lvl]);
	kvprintf(fmt, ap);
	kprintf("\n");
	va_end(ap);
}

void klog_lines(enum log_level lvl, const char *text)
{
	const char *p = text;
	while (p && *p) {
		const char *nl = p;
		while (*nl && *nl != '\n')
			nl++;
		klog(lvl, "%.*s", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

void panic_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kprintf("shade: PANIC at %s:%d: ", file, line);
	kvprintf(fmt, ap);
	kprintf("\n");
	va_end(ap);
	crash_dump_context();
	machine_end("panic", 1);
}
