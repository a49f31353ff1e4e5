/*
 * A QEMU-style test kernel, as kvm-unit-tests and similar suites write them:
 * a Multiboot kernel that prints on COM1, takes its configuration from
 * fw_cfg and from an environment module (KEY=VALUE lines), pokes QEMU's
 * pc-testdev, and reports through isa-debug-exit (port 0xf4). It is built
 * by tests/integration/qemu-style.sh and runs unchanged on bare QEMU
 * (-kernel, -initrd, -device pc-testdev, -device isa-debug-exit) and under
 * Shade; the test compares what it prints in both places.
 *
 * It knows nothing of Shade: no hypercalls, no Shade CPUID leaves.
 */
#include <stdint.h>

#define MB_MAGIC 0x1BADB002u
#define MB_FLAGS 0x00000003u

__attribute__((section(".multiboot"), used, aligned(4)))
static const uint32_t mb_header[3] = { MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS) };

static inline void outb(uint16_t p, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(p)); }
static inline void outw(uint16_t p, uint16_t v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(p)); }
static inline void outl(uint16_t p, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(p)); }
static inline uint8_t inb(uint16_t p) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint32_t inl(uint16_t p) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }

static void putc(char c)
{
	while (!(inb(0x3fd) & 0x20))
		;
	outb(0x3f8, (uint8_t)c);
}

static void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

static void putu(uint32_t v)
{
	char b[11];
	int n = 0;
	do
		b[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		putc(b[--n]);
}

static void putx(uint32_t v)
{
	for (int i = 28; i >= 0; i -= 4)
		putc("0123456789abcdef"[(v >> i) & 15]);
}

static int fails;

static void check(int ok, const char *name)
{
	puts(ok ? "PASS " : "FAIL ");
	puts(name);
	putc('\n');
	fails += !ok;
}

/* fw_cfg traditional interface: 16-bit selector at 0x510, data at 0x511. */
static void fw_read(uint16_t key, void *buf, unsigned n)
{
	outw(0x510, key);
	for (unsigned i = 0; i < n; i++)
		((uint8_t *)buf)[i] = inb(0x511);
}

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
};
struct mb_mod {
	uint32_t start, end, string, reserved;
};

/* The value of KEY in the environment text [p, end), or 0. */
static uint32_t env_get(const char *p, const char *end, const char *key)
{
	while (p < end) {
		const char *k = key, *q = p;
		while (*k && q < end && *q == *k)
			k++, q++;
		if (!*k && q < end && *q == '=') {
			uint32_t v = 0;
			for (q++; q < end && *q >= '0' && *q <= '9'; q++)
				v = v * 10 + (uint32_t)(*q - '0');
			return v;
		}
		while (p < end && *p != '\n')
			p++;
		p++;
	}
	return 0;
}

void kmain(uint32_t magic, const struct mb_info *mbi);
void kmain(uint32_t magic, const struct mb_info *mbi)
{
	outb(0x3fb, 0x03);	/* 8N1: some emulators start with 5-bit words */
	puts("qemu-style: start\n");
	check(magic == 0x2BADB002u, "multiboot-magic");

	char sig[4];
	fw_read(0x0000, sig, 4);
	check(sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U', "fw_cfg-signature");
	uint64_t ram = 0;
	fw_read(0x0003, &ram, 8);
	check(ram >= (16u << 20), "fw_cfg-ram-size");
	uint16_t cpus = 0;
	fw_read(0x0005, &cpus, 2);
	check(cpus >= 1, "fw_cfg-nb-cpus");

	/* pc-testdev: the read-back port returns what was written. */
	outl(0xe0, 0x5ade1234u);
	check(inl(0xe0) == 0x5ade1234u, "testdev-readback");
	/* ...and its RAM at 0xff000000 keeps what is stored there (MMIO). */
	volatile uint32_t *iomem = (volatile uint32_t *)0xff000000u;
	iomem[3] = 0xfeedf00du;
	check(iomem[3] == 0xfeedf00du, "testdev-iomem");

	uint32_t status = 99;
	if ((mbi->flags & (1u << 3)) && mbi->mods_count >= 1) {
		const struct mb_mod *m = (const struct mb_mod *)mbi->mods_addr;
		const char *env = (const char *)m->start, *end = (const char *)m->end;
		uint32_t a = env_get(env, end, "A"), b = env_get(env, end, "B");
		puts("env: A=");
		putu(a);
		puts(" B=");
		putu(b);
		putc('\n');
		check(a + b == env_get(env, end, "SUM"), "env-sum");
		status = env_get(env, end, "EXIT");
		/* RESET=1: reset the machine through port 0xcf9 (PIIX/ICH reset
		 * control: bit 2 with bit 1 = hard reset) and so boot again. */
		if (env_get(env, end, "RESET")) {
			puts("qemu-style: resetting\n");
			while (!(inb(0x3fd) & 0x40))
				;
			outb(0xcf9, 0x06);
		}
	} else {
		check(0, "env-module");
	}
	puts("qemu-style: checksum ");
	putx((uint32_t)ram ^ 0x5ade1234u);
	putc('\n');
	puts(fails ? "qemu-style: FAILED\n" : "qemu-style: all passed\n");
	while (!(inb(0x3fd) & 0x40))
		;
	/* isa-debug-exit: the emulator ends with status (v << 1) | 1. */
	outb(0xf4, (uint8_t)(fails ? 0x7f : status));
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Entry and stack; push/pop the section so the compiler's own notion of
 * the current section stays true. */
__asm__(".pushsection .text\n"
	".globl _start\n"
	"_start:\n"
	"  movl $stack_top, %esp\n"
	"  pushl %ebx\n"
	"  pushl %eax\n"
	"  call kmain\n"
	"1: hlt\n"
	"  jmp 1b\n"
	".popsection\n"
	".pushsection .bss\n"
	".align 16\n"
	"stack: .skip 8192\n"
	"stack_top:\n"
	".popsection\n");
