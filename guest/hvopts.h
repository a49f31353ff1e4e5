/* The hypervisor's own command line (the words after the kernel on GRUB's
 * `multiboot` line).
 *
 *   console=com1|com2|com3|com4|ttyS0..ttyS3|0xPORT   UART base (default com1)
 *   baud=N            115200/N must be a whole number (default 115200)
 *   log=error|warn|info|debug|0..3                    (default info)
 *   quiet             same as log=error
 *   debug             same as log=debug
 *   shadow-pages=N    frames for shadow page tables, 16..262144 (default 1024)
 *   force-emulation=on|off|1|0|yes|no|true|false      (default off)
 *   selftest=crash|bad-entry|vmfail   break Shade on purpose (for its own tests)
 *
 * A first word with no '=' that is no option ("/boot/shade.elf",
 * "build/shade.elf") is the kernel's own path, which QEMU and some GRUB
 * versions put first, and is skipped.  Every problem - unknown key, bad
 * value, missing value, a word longer than HVOPTS_MAX_WORD, a key given
 * twice - becomes one message naming the word; parsing then carries on and
 * the option keeps its default (or its earlier value).
 */
#ifndef SHADE_GUEST_HVOPTS_H
#define SHADE_GUEST_HVOPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/diag.h"

enum hv_log {
	HV_LOG_ERROR,
	HV_LOG_WARN,
	HV_LOG_INFO,
	HV_LOG_DEBUG,
};

#define HVOPTS_MAX_CMDLINE	4096	/* bytes looked at, at most */
#define HVOPTS_MAX_WORD		128	/* longer words are refused */
#define HVOPTS_UART_CLOCK	115200	/* 16550 input clock / 16 */
#define HVOPTS_SHADOW_MIN	16
#define HVOPTS_SHADOW_MAX	262144	/* 1 GiB of 4 KiB frames */
#define HVOPTS_SHADOW_DEFAULT	1024

enum hv_selftest {
	HV_SELFTEST_NONE,
	HV_SELFTEST_CRASH,	/* an invalid opcode inside Shade: the crash dump */
	HV_SELFTEST_BAD_ENTRY,	/* vm0 starts with a broken guest state */
	HV_SELFTEST_VMFAIL,	/* vm0's first entry is a VMRESUME: VMfailValid */
};

struct hvopts {
	uint16_t console_port;	/* UART I/O base, default 0x3f8 */
	uint32_t baud;		/* default 115200 */
	uint16_t baud_divisor;	/* HVOPTS_UART_CLOCK / baud: the DLL/DLM value */
	enum hv_log log_level;	/* default HV_LOG_INFO */
	uint32_t shadow_pages;	/* default HVOPTS_SHADOW_DEFAULT */
	bool force_emulation;	/* default false */
	enum hv_selftest selftest;	/* default HV_SELFTEST_NONE */
};

/** hvopts_defaults - fill @o with the defaults above. */
void hvopts_defaults(struct hvopts *o);

/**
 * hvopts_parse - parse @cmdline (NUL-terminated, or cut at
 * HVOPTS_MAX_CMDLINE bytes; NULL means empty) into @o, which starts from
 * the defaults.  Problems go to @d (may be NULL).  Returns the number of
 * problems found (0: the whole line was understood).
 */
unsigned hvopts_parse(const char *cmdline, struct hvopts *o, struct diag *d);

/** hv_log_name - "error", "warn", "info" or "debug". */
const char *hv_log_name(enum hv_log l);

/** hvopts_describe - one line "console=0x3f8 baud=115200 ..." into @buf. */
size_t hvopts_describe(const struct hvopts *o, char *buf, size_t size);

#endif
