/* Crafted kernel images for the loader tests: ELF32, ELF64 and a.out-kludge
 * Multiboot kernels built byte by byte, so each test can break exactly one
 * field. */
#ifndef SHADE_TESTS_GUEST_IMAGES_H
#define SHADE_TESTS_GUEST_IMAGES_H

#include "tests/unit/guest_test.h"

#define IMG_MAX		0x10000
#define IMG_MB_OFF	0x200	/* where the builders put the Multiboot header */

struct img {
	uint8_t b[IMG_MAX];
	size_t len;
};

struct segdef {
	uint32_t type;		/* 1 = PT_LOAD */
	uint32_t flags;		/* 1 = X, 2 = W, 4 = R */
	uint64_t off, vaddr, paddr, filesz, memsz;
};

/* The byte a builder puts at file offset @off inside segment data. */
static inline uint8_t img_pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + 3) | 1;	/* never 0, never 0xCC-even */
}

static inline void img_mb_header(struct img *im, uint32_t off, uint32_t flags)
{
	put32(im->b + off, 0x1BADB002u);
	put32(im->b + off + 4, flags);
	put32(im->b + off + 8, 0u - 0x1BADB002u - flags);
	if (im->len < off + 48)
		im->len = off + 48;
}

static inline void img_fill(struct img *im, uint64_t off, uint64_t n)
{
	for (uint64_t i = off; i < off + n && i < IMG_MAX; i++)
		im->b[i] = img_pattern(i);
	if (off + n > im->len)
		im->len = (size_t)(off + n);
}

/* ELF file: header, program headers at 0x40 (ELF32: 0x34), segment bytes
 * filled with img_pattern, a Multiboot header with @mbflags at IMG_MB_OFF. */
static inline void img_elf(struct img *im, bool is64, uint64_t entry,
			   const struct segdef *s, unsigned n, uint32_t mbflags)
{
	uint8_t *b = im->b;
	uint32_t phoff = is64 ? 64 : 52, phsz = is64 ? 56 : 32;

	memset(im, 0, sizeof(*im));
	memcpy(b, "\177ELF", 4);
	b[4] = is64 ? 2 : 1;	/* class */
	b[5] = 1;		/* little-endian */
	b[6] = 1;		/* version */
	put16(b + 16, 2);	/* ET_EXEC */
	put16(b + 18, is64 ? 62 : 3);
	put32(b + 20, 1);
	if (is64) {
		put64(b + 24, entry);
		put64(b + 32, phoff);
		put16(b + 52, 64);
		put16(b + 54, (uint16_t)phsz);
		put16(b + 56, (uint16_t)n);
	} else {
		put32(b + 24, (uint32_t)entry);
		put32(b + 28, phoff);
		put16(b + 40, 52);
		put16(b + 42, (uint16_t)phsz);
		put16(b + 44, (uint16_t)n);
	}
	im->len = phoff + n * phsz;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = b + phoff + i * phsz;
		if (is64) {
			put32(p, s[i].type);
			put32(p + 4, s[i].flags);
			put64(p + 8, s[i].off);
			put64(p + 16, s[i].vaddr);
			put64(p + 24, s[i].paddr);
			put64(p + 32, s[i].filesz);
			put64(p + 40, s[i].memsz);
			put64(p + 48, 0x1000);
		} else {
			put32(p, s[i].type);
			put32(p + 4, (uint32_t)s[i].off);
			put32(p + 8, (uint32_t)s[i].vaddr);
			put32(p + 12, (uint32_t)s[i].paddr);
			put32(p + 16, (uint32_t)s[i].filesz);
			put32(p + 20, (uint32_t)s[i].memsz);
			put32(p + 24, s[i].flags);
			put32(p + 28, 0x1000);
		}
	}
	/* after a long program header table if need be */
	uint32_t mb = phoff + n * phsz > IMG_MB_OFF ? ((phoff + n * phsz + 3) & ~3u) : IMG_MB_OFF;
	img_mb_header(im, mb, mbflags);
	for (unsigned i = 0; i < n; i++)
		if (s[i].off < IMG_MAX && s[i].filesz < IMG_MAX)
			img_fill(im, s[i].off, s[i].filesz);
}

/* A two-segment kernel: text (R+X) at 1 MiB from file offset 0x1000, data
 * (R+W) at 1 MiB + 0x3000 with 0x1800 bytes of bss; entry 1 MiB + 0x10. */
#define K_TEXT	0x100000u
#define K_DATA	0x103000u
static inline void img_elf_simple(struct img *im, bool is64)
{
	const struct segdef s[] = {
		{ 1, 5, 0x1000, K_TEXT, K_TEXT, 0x1234, 0x1234 },
		{ 1, 6, 0x3000, K_DATA, K_DATA, 0x800, 0x2000 },
	};
	img_elf(im, is64, K_TEXT + 0x10, s, 2, 0x3);
}

/* a.out kludge: the file is loaded from offset 0 to load_addr 1 MiB; the
 * header at IMG_MB_OFF so header_addr = load_addr + IMG_MB_OFF. */
static inline void img_aout(struct img *im, uint32_t load_addr, uint32_t file_len,
			    uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	memset(im, 0, sizeof(*im));
	img_fill(im, 0, file_len);
	img_mb_header(im, IMG_MB_OFF, 0x10003);
	put32(im->b + IMG_MB_OFF + 12, load_addr + IMG_MB_OFF);
	put32(im->b + IMG_MB_OFF + 16, load_addr);
	put32(im->b + IMG_MB_OFF + 20, load_end);
	put32(im->b + IMG_MB_OFF + 24, bss_end);
	put32(im->b + IMG_MB_OFF + 28, entry);
	im->len = file_len;
}

#endif

/* A minimal bzImage (protocol 2.15, relocatable, 64-bit capable): 4 setup
 * sectors, @pm_len bytes of "kernel" filled with img_pattern, pref_address
 * 16 MiB, kernel_alignment 2 MiB, init_size 128 KiB, cmdline_size 2047. */
static inline void img_bzimage(struct img *im, uint32_t pm_len)
{
	uint8_t *b = im->b;

	memset(im, 0, sizeof(*im));
	b[0x1f1] = 4;
	put32(b + 0x1f4, pm_len / 16);
	put16(b + 0x1fe, 0xaa55);
	b[0x200] = 0xeb;
	b[0x201] = 0x6a;
	memcpy(b + 0x202, "HdrS", 4);
	put16(b + 0x206, 0x020f);
	b[0x211] = 0x01;
	put32(b + 0x214, 0x100000);
	put32(b + 0x22c, 0x7fffffff);
	put32(b + 0x230, 0x200000);
	b[0x234] = 1;
	put16(b + 0x236, 0x3);
	put32(b + 0x238, 2047);
	put64(b + 0x258, 0x1000000);
	put32(b + 0x260, 0x20000);
	im->len = 0xa00;
	img_fill(im, 0xa00, pm_len);
}
