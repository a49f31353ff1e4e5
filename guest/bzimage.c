/* The Linux boot-protocol loader (see bzimage.h).  Offsets are those of
 * struct setup_header / struct boot_params in boot.rst. */
#include "guest/bzimage.h"

#include <string.h>

#include "guest/le.h"
#include "guest/mbguest.h"

/* setup header fields (file offset == zero-page offset) */
#define H_SETUP_SECTS		0x1f1
#define H_SYSSIZE		0x1f4
#define H_BOOT_FLAG		0x1fe
#define H_JUMP			0x200
#define H_HEADER		0x202
#define H_VERSION		0x206
#define H_TYPE_OF_LOADER	0x210
#define H_LOADFLAGS		0x211
#define H_CODE32_START		0x214
#define H_RAMDISK_IMAGE		0x218
#define H_RAMDISK_SIZE		0x21c
#define H_CMD_LINE_PTR		0x228
#define H_INITRD_ADDR_MAX	0x22c
#define H_KERNEL_ALIGNMENT	0x230
#define H_RELOCATABLE		0x234
#define H_XLOADFLAGS		0x236
#define H_CMDLINE_SIZE		0x238
#define H_HARDWARE_SUBARCH	0x23c	/* u32, then u64 subarch data */
#define H_SETUP_DATA		0x250
#define H_PREF_ADDRESS		0x258
#define H_INIT_SIZE		0x260
#define H_END_V210		0x264	/* the 2.10 header ends after init_size */
#define ZP_E820_ENTRIES		0x1e8
#define ZP_HDR_MAX_END		0x290	/* the setup header's room in boot_params */
#define ZP_E820_TABLE		0x2d0
#define ZP_SIZE			0x1000

#define LOADED_HIGH		0x01
#define XLF_KERNEL_64		0x01
#define E820_RAM		1
#define E820_RESERVED		2
#define MIB			0x100000ull

struct bz {
	const uint8_t *img;
	uint64_t len;
	const char *name;
	const struct guest_ram *ram;
	const struct bzimage_params *p;
	struct diag *d;
	struct bzimage_info *info;
	uint64_t pm_off, pm_len;	/* protected-mode kernel in the file */
	uint32_t hdr_end;		/* end of the setup header in the file */
	uint32_t align, init_size;
	uint64_t pref;
	bool relocatable;
	bool kernel64;			/* XLF_KERNEL_64: a 64-bit entry exists */
	size_t cmdline_len;
};

const char *bzimage_err_name(enum bzimage_err e)
{
	static const char *const names[] = {
		[BZ_OK] = "ok", [BZ_ETRUNC] = "truncated", [BZ_EMAGIC] = "magic",
		[BZ_EVERSION] = "version", [BZ_EHEADER] = "header",
		[BZ_ECMDLINE] = "cmdline", [BZ_ENOFIT] = "no-fit",
		[BZ_EINITRD] = "initrd",
	};

	return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}

bool bzimage_probe(const uint8_t *img, size_t len)
{
	return img && len >= H_HEADER + 4 && le16(img + H_BOOT_FLAG) == 0xAA55 &&
	       memcmp(img + H_HEADER, "HdrS", 4) == 0;
}

static enum bzimage_err check_magic(struct bz *b)
{
	if (b->len < H_HEADER + 4) {
		diag_add(b->d, "%s: %llu bytes is too short for a Linux setup header",
			 b->name, (unsigned long long)b->len);
		return BZ_ETRUNC;
	}
	if (le16(b->img + H_BOOT_FLAG) != 0xAA55) {
		diag_add(b->d, "%s: no boot_flag 0xAA55 at 0x1fe: not a Linux bzImage",
			 b->name);
		return BZ_EMAGIC;
	}
	if (memcmp(b->img + H_HEADER, "HdrS", 4) != 0) {
		diag_add(b->d, "%s: no \"HdrS\" at 0x202: a pre-2.00 zImage, not supported",
			 b->name);
		return BZ_EMAGIC;
	}
	return BZ_OK;
}

static enum bzimage_err check_version(struct bz *b)
{
	uint16_t v;

	if (b->len < H_VERSION + 2) {
		diag_add(b->d, "%s: %llu bytes end inside the setup header",
			 b->name, (unsigned long long)b->len);
		return BZ_ETRUNC;
	}
	v = le16(b->img + H_VERSION);
	b->info->version = v;
	if (v < BZ_MIN_VERSION) {
		diag_add(b->d, "%s: boot protocol %u.%02u is older than 2.10, which "
			 "Shade needs (init_size, pref_address)", b->name, v >> 8, v & 0xff);
		return BZ_EVERSION;
	}
	return BZ_OK;
}

/* setup_sects, syssize and the header's own length against the file. */
static enum bzimage_err check_sizes(struct bz *b)
{
	uint32_t sects = b->img[H_SETUP_SECTS] ? b->img[H_SETUP_SECTS] : 4;
	uint64_t setup = (uint64_t)(sects + 1) * 512;
	uint64_t sys = (uint64_t)le32(b->img + H_SYSSIZE) * 16;

	b->hdr_end = H_HEADER + b->img[H_JUMP + 1];
	if (b->hdr_end < H_END_V210 || b->hdr_end > ZP_HDR_MAX_END) {
		diag_add(b->d, "%s: setup header ends at %#x (0x202 + byte at 0x201); "
			 "protocol 2.10 needs it to reach %#x", b->name, b->hdr_end,
			 H_END_V210);
		return BZ_EHEADER;
	}
	if (setup >= b->len || b->hdr_end > setup) {
		diag_add(b->d, "%s: %u setup sectors (%llu bytes) leave no kernel in "
			 "the file's %llu bytes", b->name, sects,
			 (unsigned long long)setup, (unsigned long long)b->len);
		return BZ_ETRUNC;
	}
	b->pm_off = setup;
	b->pm_len = b->len - setup;
	if (sys > b->pm_len) {
		diag_add(b->d, "%s: syssize says %llu bytes of kernel, the file has "
			 "%llu after the setup code (truncated?)", b->name,
			 (unsigned long long)sys, (unsigned long long)b->pm_len);
		return BZ_ETRUNC;
	}
	b->info->setup_size = (uint32_t)setup;
	return BZ_OK;
}

static enum bzimage_err check_fields(struct bz *b)
{
	const uint8_t *h = b->img;

	if (!(h[H_LOADFLAGS] & LOADED_HIGH)) {
		diag_add(b->d, "%s: loadflags %#x lacks LOADED_HIGH: a zImage loaded "
			 "at 0x10000, not supported", b->name, h[H_LOADFLAGS]);
		return BZ_EHEADER;
	}
	b->align = le32(h + H_KERNEL_ALIGNMENT);
	b->relocatable = h[H_RELOCATABLE] != 0;
	b->pref = le64(h + H_PREF_ADDRESS);
	b->init_size = le32(h + H_INIT_SIZE);
	if (b->align == 0 || (b->align & (b->align - 1)) || b->align > (1u << 30)) {
		diag_add(b->d, "%s: kernel_alignment %#x is not a power of two up to 1 GiB",
			 b->name, b->align);
		return BZ_EHEADER;
	}
	if (b->init_size < b->pm_len) {
		diag_add(b->d, "%s: init_size %#x is smaller than the kernel's %#llx "
			 "file bytes", b->name, b->init_size,
			 (unsigned long long)b->pm_len);
		return BZ_EHEADER;
	}
	if (b->info->version >= 0x020c && (le16(h + H_XLOADFLAGS) & XLF_KERNEL_64))
		b->kernel64 = true;
	return BZ_OK;
}

static enum bzimage_err check_cmdline(struct bz *b)
{
	uint32_t max = le32(b->img + H_CMDLINE_SIZE);
	const char *s = b->p->cmdline;
	size_t area = BZ_CMDLINE_END - BZ_CMDLINE - 1;
	size_t n = b->p->cmdline_len;

	b->cmdline_len = s ? strnlen(s, n < area + 1 ? n : area + 1) : 0;
	if (b->cmdline_len > max || b->cmdline_len > area) {
		diag_add(b->d, "%s: command line of %zu bytes is longer than the %u "
			 "the kernel accepts (cmdline_size)", b->name, b->cmdline_len,
			 max < area ? max : (uint32_t)area);
		return BZ_ECMDLINE;
	}
	return BZ_OK;
}

static bool fits(const struct bz *b, uint64_t at, uint64_t len)
{
	return at >= MIB && guest_ram_fits(b->ram, at, len);
}

static uint64_t lowest_aligned(const struct bz *b)
{
	return (MIB + b->align - 1) & ~((uint64_t)b->align - 1);
}

/*
 * Relocatable: at pref_address when it is aligned and fits (the kernel then
 * need not move itself), else (or with @low) at the lowest aligned address
 * >= 1 MiB; init_size bytes from there.  Not relocatable: at 1 MiB, from
 * where the kernel moves itself to pref_address (boot.rst, pref_address),
 * so both must fit.
 */
static enum bzimage_err place_kernel(struct bz *b, bool low)
{
	struct bzimage_info *in = b->info;
	uint64_t at;

	if (!b->relocatable) {
		uint64_t end = MIB + b->init_size;

		if (b->pref > MIB && b->pref + b->init_size > end)
			end = b->pref + b->init_size;
		in->load_addr = MIB;
		in->load_end = end;
		if (fits(b, MIB, end - MIB))
			return BZ_OK;
		diag_add(b->d, "%s: the kernel is not relocatable and needs [1 MiB, "
			 "%#llx) (init_size %#x, pref_address %#llx); guest RAM ends "
			 "at %#llx", b->name, (unsigned long long)end, b->init_size,
			 (unsigned long long)b->pref, (unsigned long long)b->ram->size);
		return BZ_ENOFIT;
	}
	at = lowest_aligned(b);
	if (!low && (b->pref & (b->align - 1)) == 0 && fits(b, b->pref, b->init_size))
		at = b->pref;
	in->load_addr = at;
	in->load_end = at + b->init_size;
	if (fits(b, at, b->init_size))
		return BZ_OK;
	diag_add(b->d, "%s: the kernel needs %#x bytes (init_size) at %#llx; guest "
		 "RAM ends at %#llx", b->name, b->init_size, (unsigned long long)at,
		 (unsigned long long)b->ram->size);
	return BZ_ENOFIT;
}

/* As high as allowed, page aligned, clear of [lo_busy, hi_busy). */
static bool place_initrd_in(struct bz *b, uint64_t lo_busy, uint64_t hi_busy)
{
	uint64_t len = b->p->initrd_len;
	uint64_t top = (uint64_t)le32(b->img + H_INITRD_ADDR_MAX) + 1;
	uint64_t at;

	if (top > b->ram->size)
		top = b->ram->size;
	if (len > top)
		return false;
	at = (top - len) & ~0xfffull;
	if (at < hi_busy && lo_busy < at + len) {	/* overlaps: go below */
		if (lo_busy < len)
			return false;
		at = (lo_busy - len) & ~0xfffull;
	}
	if (at < MIB)
		return false;
	b->info->initrd_addr = (uint32_t)at;
	b->info->initrd_len = (uint32_t)len;
	return true;
}

static enum bzimage_err place_initrd(struct bz *b)
{
	if (!b->p->initrd || !b->p->initrd_len)
		return BZ_OK;
	if (place_initrd_in(b, b->info->load_addr, b->info->load_end))
		return BZ_OK;
	/* Placing the kernel low may make room above it. */
	if (b->relocatable && b->info->load_addr != lowest_aligned(b) &&
	    place_kernel(b, true) == BZ_OK &&
	    place_initrd_in(b, b->info->load_addr, b->info->load_end))
		return BZ_OK;
	diag_add(b->d, "%s: initrd of %llu bytes does not fit in guest RAM of %#llx "
		 "below initrd_addr_max %#x beside the kernel [%#llx, %#llx)",
		 b->name, (unsigned long long)b->p->initrd_len,
		 (unsigned long long)b->ram->size, le32(b->img + H_INITRD_ADDR_MAX),
		 (unsigned long long)b->info->load_addr,
		 (unsigned long long)b->info->load_end);
	return BZ_EINITRD;
}

static void put_gdt(const struct guest_ram *ram)
{
	uint8_t *g = guest_ram_ptr(ram, BZ_GDT);

	/* SDM Vol. 3A 3.4.5: base 0, limit 4 GiB (G=1), 32-bit (D=1),
	 * present, DPL 0; type 0xA execute/read code, 0x2 read/write data. */
	memset(g, 0, 32);
	st64(g + BZ_BOOT_CS, 0x00cf9a000000ffffull);
	st64(g + BZ_BOOT_DS, 0x00cf92000000ffffull);
}

static void put_e820(uint8_t *zp, uint64_t mem)
{
	static const struct { uint64_t lo; uint32_t type; } map[3] = {
		{ 0, E820_RAM }, { MBGUEST_LOW_END, E820_RESERVED }, { MIB, E820_RAM },
	};

	for (unsigned i = 0; i < 3; i++) {
		uint8_t *e = zp + ZP_E820_TABLE + 20 * i;
		uint64_t hi = i < 2 ? map[i + 1].lo : mem;

		st64(e, map[i].lo);
		st64(e + 8, hi - map[i].lo);
		st32(e + 16, map[i].type);
	}
	zp[ZP_E820_ENTRIES] = 3;
}

static void put_zero_page(struct bz *b)
{
	uint8_t *zp = guest_ram_ptr(b->ram, BZ_ZERO_PAGE);
	struct bzimage_info *in = b->info;

	memset(zp, 0, ZP_SIZE);
	memcpy(zp + H_SETUP_SECTS, b->img + H_SETUP_SECTS, b->hdr_end - H_SETUP_SECTS);
	zp[H_TYPE_OF_LOADER] = 0xff;	/* "undefined" boot loader */
	st32(zp + H_CODE32_START, (uint32_t)in->load_addr);
	st32(zp + H_RAMDISK_IMAGE, in->initrd_addr);
	st32(zp + H_RAMDISK_SIZE, in->initrd_len);
	st32(zp + H_CMD_LINE_PTR, BZ_CMDLINE);
	/* Fields the file has no business setting: a plain PC, and no
	 * setup_data list (the kernel would follow that pointer). */
	memset(zp + H_HARDWARE_SUBARCH, 0, 12);
	st64(zp + H_SETUP_DATA, 0);
	put_e820(zp, b->ram->size);
}

static void write_all(struct bz *b)
{
	const struct guest_ram *ram = b->ram;
	struct bzimage_info *in = b->info;

	/* The rest of init_size is left as it is: fresh guest RAM is zero,
	 * and the kernel clears its own bss (zeroing tens of MiB here would
	 * only cost boot time). */
	memcpy(guest_ram_ptr(ram, in->load_addr), b->img + b->pm_off, b->pm_len);
	if (in->initrd_len)
		memcpy(guest_ram_ptr(ram, in->initrd_addr), b->p->initrd, in->initrd_len);
	if (b->cmdline_len)
		memcpy(guest_ram_ptr(ram, BZ_CMDLINE), b->p->cmdline, b->cmdline_len);
	guest_ram_ptr(ram, BZ_CMDLINE)[b->cmdline_len] = '\0';
	put_gdt(ram);
	put_zero_page(b);
}

enum bzimage_err bzimage_load(const uint8_t *img, size_t len, const char *name,
			      const struct guest_ram *ram,
			      const struct bzimage_params *p,
			      struct bzimage_info *info, struct diag *d)
{
	static const struct bzimage_params none;
	struct bz b = { .img = img, .len = img ? len : 0, .ram = ram,
			.p = p ? p : &none, .d = d, .info = info,
			.name = name ? name : "kernel" };
	enum bzimage_err err;

	memset(info, 0, sizeof(*info));
	if (ram->size < 2 * MIB || ram->size > MBGUEST_MAX_MEM) {
		diag_add(d, "%s: guest RAM of %#llx bytes: Linux guests need 2 MiB "
			 "to 4 GiB - 1 MiB", b.name, (unsigned long long)ram->size);
		return BZ_ENOFIT;
	}
	if ((err = check_magic(&b)) || (err = check_version(&b)) ||
	    (err = check_sizes(&b)) || (err = check_fields(&b)) ||
	    (err = check_cmdline(&b)) || (err = place_kernel(&b, false)) ||
	    (err = place_initrd(&b)))
		return err;
	info->entry32 = (uint32_t)info->load_addr;
	info->entry64 = b.kernel64 ? info->load_addr + 0x200 : 0;
	info->zero_page = BZ_ZERO_PAGE;
	info->gdt_base = BZ_GDT;
	info->gdt_limit = 0x1f;
	info->cmdline_addr = BZ_CMDLINE;
	write_all(&b);
	return BZ_OK;
}
