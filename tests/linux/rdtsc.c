/*
 * shade-rdtsc — print "SHADE-LINUX: tsc <n>" with the CPU's time-stamp
 * counter, for the boot benchmark (tests/run-bench-linux).
 *
 * Under Bochs with `clock: sync=none` the TSC counts emulated instructions,
 * and under Shade the guest's TSC starts at 0 when the VM starts, so this
 * number is "ticks since power-on" (bare) or "ticks since VM start" (Shade).
 * Busybox has no way to read the TSC, hence this tiny static program: no
 * libc (built with gcc -static -nostdlib), just RDTSC, write(2) and
 * exit(2) through SYSCALL (x86-64 Linux ABI).
 */
#include <stdint.h>

static long sys3(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	/* LFENCE: no earlier instruction may still be in flight (SDM vol. 2B, RDTSC). */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* The kernel enters _start with RSP 16-byte aligned, not 8 off as after a
 * CALL: realign, or SSE stores the compiler emits would fault. */
__attribute__((force_align_arg_pointer, noreturn)) void _start(void)
{
	static const char prefix[] = "SHADE-LINUX: tsc ";
	char buf[sizeof(prefix) + 24];
	char digits[21];
	uint64_t t = rdtsc();
	int n = 0, len = 0;

	do {
		digits[n++] = (char)('0' + t % 10);
		t /= 10;
	} while (t != 0 && n < 20);
	for (unsigned i = 0; i < sizeof(prefix) - 1; i++)
		buf[len++] = prefix[i];
	while (n > 0)
		buf[len++] = digits[--n];
	buf[len++] = '\n';
	sys3(1 /* write */, 1, (long)buf, len);
	sys3(60 /* exit */, 0, 0, 0);
	for (;;)
		;
}
