/* libFuzzer harness for every guest/ parser and loader (not a cmocka test:
 * built by `make fuzz-guest`, see guest/module.mk).  The first input byte
 * picks the target, the rest is its hostile input.  Besides the sanitizers,
 * each target checks the promises its header makes and aborts if one is
 * broken.  Built with -DGUEST_FUZZ_SEEDS it is instead a small program that
 * writes a seed corpus (good images of every kind) into the directory
 * given as its argument. */
#include <stdio.h>
#include <stdlib.h>
#include "tests/unit/guest_images.h"
#include "guest/hvopts.h"
#include "guest/modopts.h"
#include "guest/mbinfo.h"
#include "guest/mbload.h"
#include "guest/mbguest.h"
#include "guest/bzimage.h"

#define RAM_SIZE (8u << 20)
static uint8_t ram_buf[RAM_SIZE];
static char msgs[1024];
static struct diag dg;

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "broken promise: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static void check_diag(void)
{
	CHECK(strlen(msgs) < sizeof(msgs));
	for (const char *p = msgs; *p; p++)
		CHECK(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
}

static void fuzz_hvopts(const uint8_t *d, size_t n)
{
	static char s[8192];
	struct hvopts o;
	size_t k = n < sizeof(s) - 1 ? n : sizeof(s) - 1;

	memcpy(s, d, k);
	s[k] = '\0';
	hvopts_parse(s, &o, &dg);
	CHECK(o.baud && 115200 % o.baud == 0 && o.baud_divisor * o.baud == 115200);
	CHECK(o.shadow_pages >= HVOPTS_SHADOW_MIN && o.shadow_pages <= HVOPTS_SHADOW_MAX);
	CHECK(o.console_port && o.console_port <= 0xfff8 && o.log_level <= HV_LOG_DEBUG);
}

/* Module strings separated by '\n'. */
static void fuzz_modopts(const uint8_t *d, size_t n)
{
	static struct modopts m[40];
	struct vm_plan plans[MODOPTS_MAX_VMS];
	unsigned k = 0;
	size_t start = 0;

	for (size_t i = 0; i <= n && k < 40; i++) {
		if (i < n && d[i] != '\n')
			continue;
		modopts_parse((const char *)d + start, i - start, k, &m[k], &dg);
		CHECK(m[k].vm < MODOPTS_MAX_VMS);
		CHECK(!m[k].mem || (m[k].mem >= MODOPTS_MEM_MIN && m[k].mem <= MODOPTS_MEM_MAX && !(m[k].mem & 0xfff)));
		k++;
		start = i + 1;
	}
	unsigned bad = modopts_group(m, k, plans, &dg);
	for (unsigned v = 0; v < MODOPTS_MAX_VMS && !bad; v++) {
		CHECK(!plans[v].present || (plans[v].kernel >= 0 && (unsigned)plans[v].kernel < k));
		CHECK(plans[v].nmods <= VMPLAN_MAX_MODS);
	}
}

struct fmem { const uint8_t *d; size_t n; };

static bool fmem_read(void *ctx, uint64_t a, void *dst, size_t len)
{
	struct fmem *m = ctx;
	CHECK(len <= 4096);
	if (a >= m->n || len > m->n - a)
		return false;
	memcpy(dst, m->d + a, len);
	return true;
}

static void fuzz_mbinfo(const uint8_t *d, size_t n)
{
	static struct mbinfo mi;
	static struct mb_range r[MBINFO_MAX_RESERVED];
	struct fmem m = { d, n };

	mbinfo_parse(0, fmem_read, &m, &mi, &dg);
	CHECK(mi.nmods <= MBINFO_MAX_MODS && mi.nranges <= MBINFO_MAX_RANGES);
	CHECK(mi.pool_used <= MBINFO_POOL);
	for (unsigned i = 0; i < mi.nmods; i++) {
		CHECK(mi.mods[i].start <= mi.mods[i].end);
		CHECK(strlen(mbinfo_mod_string(&mi, i)) == mi.mods[i].string_len);
	}
	for (unsigned i = 0; i < mi.nranges; i++)
		CHECK(mi.ranges[i].len && mi.ranges[i].base + mi.ranges[i].len > mi.ranges[i].base);
	unsigned k = mbinfo_reserved(&mi, 0x100000, 0x180000, r, MBINFO_MAX_RESERVED);
	for (unsigned i = 1; i < k; i++)
		CHECK(r[i - 1].base + r[i - 1].len < r[i].base);
}

static void fuzz_mbload(const uint8_t *d, size_t n)
{
	struct guest_ram ram = { ram_buf, RAM_SIZE };
	struct mbload_info in;

	if (mbload(d, n, "fuzz", &ram, &in, &dg) != MBLOAD_OK) {
		CHECK(dg.count > 0);
		return;
	}
	CHECK(in.load_lo >= MBLOAD_MIN_ADDR && in.load_hi <= RAM_SIZE && in.load_lo < in.load_hi);
	CHECK(in.entry >= in.load_lo && in.entry < in.load_hi);
}

static void fuzz_bzimage(const uint8_t *d, size_t n)
{
	struct guest_ram ram = { ram_buf, RAM_SIZE };
	struct bzimage_params p = { .cmdline = "console=ttyS0", .cmdline_len = 13,
				    .initrd = ram_buf, .initrd_len = n > 0 ? (d[0] * 4096u) : 0 };
	struct bzimage_info in;

	if (bzimage_load(d, n, "fuzz", &ram, &p, &in, &dg) != BZ_OK) {
		CHECK(dg.count > 0);
		return;
	}
	CHECK(in.load_addr >= 0x100000 && in.load_end <= RAM_SIZE);
	CHECK(!in.initrd_len || (in.initrd_addr >= 0x100000 && in.initrd_addr + (uint64_t)in.initrd_len <= RAM_SIZE));
	CHECK(!in.initrd_len || in.initrd_addr >= in.load_end || in.initrd_addr + in.initrd_len <= in.load_addr);
}

static void fuzz_mbguest(const uint8_t *d, size_t n)
{
	struct guest_ram ram = { ram_buf, RAM_SIZE };
	struct mbguest_module m[4];
	struct mbguest_layout lay;
	uint64_t v[6] = { 0 };

	memcpy(v, d, n < sizeof(v) ? n : sizeof(v));
	for (unsigned i = 0; i < 4; i++)
		m[i] = (struct mbguest_module){ d, v[i] % (n + 1), (const char *)d, (size_t)(v[i] >> 32) % (n + 1) };
	struct mbguest_params p = { .kernel_end = v[4] % (RAM_SIZE + 0x1000), .cmdline = (const char *)d,
				    .cmdline_len = (size_t)(v[5] % (n + 1)), .mods = m, .nmods = (unsigned)(v[5] >> 60) % 5 };
	if (mbguest_build(&ram, &p, &lay, &dg) == MBGUEST_OK)
		CHECK(lay.info == MBGUEST_INFO && lay.end <= RAM_SIZE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const targets[])(const uint8_t *, size_t) = {
		fuzz_hvopts, fuzz_modopts, fuzz_mbinfo, fuzz_mbload, fuzz_bzimage, fuzz_mbguest,
	};

	if (size < 1)
		return 0;
	diag_init(&dg, msgs, sizeof(msgs));
	targets[data[0] % 6](data + 1, size - 1);
	check_diag();
	return 0;
}

#ifdef GUEST_FUZZ_SEEDS
static void seed(const char *dir, const char *name, uint8_t target, const void *b, size_t n)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/seed-%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputc(target, f);
	fwrite(b, 1, n, f);
	fclose(f);
}

int main(int argc, char **argv)
{
	static struct img im;
	static uint8_t mem[0x3000];
	const char *dir = argc > 1 ? argv[1] : ".";
	const char *hv = "/boot/shade.elf console=com2 baud=9600 log=debug shadow-pages=4096 force-emulation=on quiet";
	const char *mods = "/boot/k vm=1 role=kernel mem=64M -- a b\n/boot/i vm=1 role=initrd\n/m role=module -- s";

	seed(dir, "hvopts", 0, hv, strlen(hv));
	seed(dir, "modopts", 1, mods, strlen(mods));
	/* a GRUB-like info structure at 0 */
	put32(mem, 0x24f);
	put32(mem + 4, 639);
	put32(mem + 8, 64512);
	put32(mem + 16, 0x400);
	memcpy(mem + 0x400, "/boot/shade.elf log=info", 25);
	put32(mem + 20, 2);
	put32(mem + 24, 0x200);
	put32(mem + 0x200, 0x200000); put32(mem + 0x204, 0x201000); put32(mem + 0x208, 0x500);
	put32(mem + 0x210, 0x201000); put32(mem + 0x214, 0x201800); put32(mem + 0x218, 0x520);
	memcpy(mem + 0x500, "/k vm=0", 8);
	memcpy(mem + 0x520, "/i role=initrd", 15);
	put32(mem + 44, 48);
	put32(mem + 48, 0x300);
	put32(mem + 0x300, 20); put64(mem + 0x304, 0); put64(mem + 0x30c, 0x9fc00); put32(mem + 0x314, 1);
	put32(mem + 0x318, 20); put64(mem + 0x31c, 0x100000); put64(mem + 0x324, 0x3f00000); put32(mem + 0x32c, 1);
	put32(mem + 64, 0x600);
	memcpy(mem + 0x600, "GRUB", 5);
	seed(dir, "mbinfo", 2, mem, sizeof(mem));
	img_elf_simple(&im, false);
	seed(dir, "elf32", 3, im.b, im.len);
	img_elf_simple(&im, true);
	seed(dir, "elf64", 3, im.b, im.len);
	img_aout(&im, 0x100000, 0x3000, 0x102800, 0x105000, 0x100300);
	seed(dir, "aout", 3, im.b, im.len);
	img_bzimage(&im, 0x2000);
	put64(im.b + 0x258, 0x400000);	/* pref inside the fuzz RAM */
	seed(dir, "bzimage", 4, im.b, im.len);
	seed(dir, "mbguest", 5, mem, 256);
	return 0;
}
#endif
