/* The Multiboot v1 kernel loader (see mbload.h).  Three steps: find and
 * check the header; turn the image into a list of segments (a.out kludge
 * or ELF program headers), checking each against the file; check the list
 * against the guest's RAM and each other; then copy. */
#include "guest/mbload.h"

#include <string.h>

#include "guest/le.h"

#define PF_X		1u
#define PT_LOAD		1u
#define ET_EXEC		2u
#define EM_386		3u
#define EM_X86_64	62u
#define EHDR32_SIZE	52u
#define EHDR64_SIZE	64u
#define PHDR32_SIZE	32u
#define PHDR64_SIZE	56u

struct seg {
	unsigned index;		/* program header number (0 for a.out) */
	uint64_t off, filesz;	/* bytes in the file */
	uint64_t paddr, memsz;	/* where in guest RAM, how much */
	uint64_t vaddr;
	bool exec;
};

struct ld {
	const uint8_t *img;
	uint64_t len;
	const char *name;
	const struct guest_ram *ram;
	struct diag *d;
	struct seg segs[MBLOAD_MAX_SEGS];
	unsigned nsegs;
	uint64_t entry;		/* guest-physical */
};

const char *mbload_err_name(enum mbload_err e)
{
	static const char *const names[] = {
		[MBLOAD_OK] = "ok", [MBLOAD_ENOHEADER] = "no-header",
		[MBLOAD_ECHECKSUM] = "checksum", [MBLOAD_EFLAGS] = "flags",
		[MBLOAD_EAOUT] = "aout", [MBLOAD_ENOTELF] = "not-elf",
		[MBLOAD_EELF] = "elf", [MBLOAD_ETRUNC] = "truncated",
		[MBLOAD_ESEGMENT] = "segment", [MBLOAD_EOVERLAP] = "overlap",
		[MBLOAD_ERANGE] = "range", [MBLOAD_EENTRY] = "entry",
		[MBLOAD_EENTRY4G] = "entry-above-4g",
	};

	return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}

/* ---- header (spec 3.1.1-3.1.3) ---- */

static enum mbload_err find_header(const uint8_t *img, uint64_t len,
				   struct mb_header *h, struct diag *d,
				   const char *name)
{
	uint64_t end = len < MB_HEADER_SEARCH ? len : MB_HEADER_SEARCH;
	int64_t bad = -1;

	for (uint64_t off = 0; off + 12 <= end; off += 4) {
		const uint8_t *p = img + off;

		if (le32(p) != MB_HEADER_MAGIC)
			continue;
		if ((uint32_t)(le32(p) + le32(p + 4) + le32(p + 8)) != 0) {
			if (bad < 0)
				bad = (int64_t)off;
			continue;
		}
		*h = (struct mb_header){ .offset = (uint32_t)off,
					 .flags = le32(p + 4) };
		/* The a.out fields belong to the header, which must lie
		 * wholly in the first 8 KiB (spec 3.1.1). */
		if ((h->flags & MB_HFLAG_AOUT_KLUDGE) && off + 32 <= end) {
			h->header_addr = le32(p + 12);
			h->load_addr = le32(p + 16);
			h->load_end_addr = le32(p + 20);
			h->bss_end_addr = le32(p + 24);
			h->entry_addr = le32(p + 28);
		}
		return MBLOAD_OK;
	}
	if (bad >= 0) {
		diag_add(d, "%s: Multiboot magic at offset %#llx but its checksum "
			 "is wrong", name, (unsigned long long)bad);
		return MBLOAD_ECHECKSUM;
	}
	diag_add(d, "%s: no Multiboot header (magic 0x1BADB002) in the first "
		 "%u bytes", name, MB_HEADER_SEARCH);
	return MBLOAD_ENOHEADER;
}

enum mbload_err mb_find_header(const uint8_t *img, size_t len,
			       struct mb_header *h, struct diag *d)
{
	return find_header(img, img ? len : 0, h, d, "image");
}

static enum mbload_err check_flags(struct ld *l, const struct mb_header *h)
{
	uint32_t required = h->flags & 0xffff;
	uint32_t refused = required & ~MB_HFLAGS_HONOURED;

	if (refused & MB_HFLAG_VIDEO) {
		diag_add(l->d, "%s: header flag 2 requires a video mode; Shade "
			 "gives guests no framebuffer", l->name);
		return MBLOAD_EFLAGS;
	}
	if (refused) {
		diag_add(l->d, "%s: header requires flag bits %#x that Shade does "
			 "not know (bits 0-15 are requirements)", l->name, refused);
		return MBLOAD_EFLAGS;
	}
	if ((h->flags & MB_HFLAG_AOUT_KLUDGE) &&
	    (uint64_t)h->offset + 32 > (l->len < MB_HEADER_SEARCH ? l->len : MB_HEADER_SEARCH)) {
		diag_add(l->d, "%s: header at offset %#x has flag 16 but its address "
			 "fields are cut off", l->name, h->offset);
		return MBLOAD_EAOUT;
	}
	return MBLOAD_OK;
}

/* ---- a.out kludge (spec 3.1.3) ---- */

static enum mbload_err plan_aout(struct ld *l, const struct mb_header *h)
{
	struct seg *s = &l->segs[0];
	uint64_t behind = (uint64_t)h->header_addr - h->load_addr;
	uint64_t load_end, bss_end;

	if (h->load_addr > h->header_addr || behind > h->offset) {
		diag_add(l->d, "%s: a.out kludge: load_addr %#x must be at most "
			 "header_addr %#x and at most %#x bytes before it (the header's "
			 "file offset)", l->name, h->load_addr, h->header_addr, h->offset);
		return MBLOAD_EAOUT;
	}
	*s = (struct seg){ .off = h->offset - behind, .paddr = h->load_addr,
			   .vaddr = h->load_addr, .exec = true };
	/* load_end_addr 0: text and data run to the end of the file. */
	if (h->load_end_addr == 0) {
		s->filesz = l->len - s->off;
	} else if (h->load_end_addr <= h->load_addr) {
		diag_add(l->d, "%s: a.out kludge: load_end_addr %#x is not above "
			 "load_addr %#x", l->name, h->load_end_addr, h->load_addr);
		return MBLOAD_EAOUT;
	} else {
		s->filesz = (uint64_t)h->load_end_addr - h->load_addr;
	}
	if (s->filesz > l->len - s->off) {
		diag_add(l->d, "%s: a.out kludge: %#llx bytes to load from file offset "
			 "%#llx, but the file has %#llx bytes (truncated?)", l->name,
			 (unsigned long long)s->filesz, (unsigned long long)s->off,
			 (unsigned long long)l->len);
		return MBLOAD_ETRUNC;
	}
	load_end = h->load_addr + s->filesz;
	bss_end = h->bss_end_addr ? h->bss_end_addr : load_end;
	if (bss_end < load_end) {
		diag_add(l->d, "%s: a.out kludge: bss_end_addr %#x is below the end "
			 "of the loaded bytes %#llx", l->name, h->bss_end_addr,
			 (unsigned long long)load_end);
		return MBLOAD_EAOUT;
	}
	s->memsz = bss_end - h->load_addr;
	l->nsegs = 1;
	if (h->entry_addr < h->load_addr || h->entry_addr >= load_end) {
		diag_add(l->d, "%s: a.out kludge: entry_addr %#x is outside the "
			 "loaded bytes [%#x, %#llx)", l->name, h->entry_addr,
			 h->load_addr, (unsigned long long)load_end);
		return MBLOAD_EENTRY;
	}
	l->entry = h->entry_addr;
	return MBLOAD_OK;
}

/* ---- ELF (System V ABI, ELF32/ELF64 program headers) ---- */

struct elf {
	bool is64;
	uint64_t entry, phoff;
	uint32_t phentsize, phnum;
};

static enum mbload_err elf_header(struct ld *l, struct elf *e)
{
	const uint8_t *p = l->img;
	uint32_t machine;

	if (l->len < 16 || memcmp(p, "\177ELF", 4) != 0) {
		diag_add(l->d, "%s: not an ELF file, and its Multiboot header has no "
			 "a.out addresses (flag 16)", l->name);
		return MBLOAD_ENOTELF;
	}
	if (p[4] != 1 && p[4] != 2) {
		diag_add(l->d, "%s: ELF class %u is neither ELF32 nor ELF64", l->name, p[4]);
		return MBLOAD_EELF;
	}
	e->is64 = p[4] == 2;
	if (p[5] != 1 || p[6] != 1) {
		diag_add(l->d, "%s: ELF data encoding %u / version %u: only "
			 "little-endian version 1 is supported", l->name, p[5], p[6]);
		return MBLOAD_EELF;
	}
	if (l->len < (e->is64 ? EHDR64_SIZE : EHDR32_SIZE)) {
		diag_add(l->d, "%s: file of %llu bytes is shorter than its ELF header",
			 l->name, (unsigned long long)l->len);
		return MBLOAD_ETRUNC;
	}
	machine = le16(p + 18);
	if (le16(p + 16) != ET_EXEC) {
		diag_add(l->d, "%s: ELF type %u is not ET_EXEC (2)", l->name, le16(p + 16));
		return MBLOAD_EELF;
	}
	if (machine != (e->is64 ? EM_X86_64 : EM_386)) {
		diag_add(l->d, "%s: ELF%s machine %u is not %s", l->name,
			 e->is64 ? "64" : "32", machine,
			 e->is64 ? "x86-64 (62)" : "i386 (3)");
		return MBLOAD_EELF;
	}
	e->entry = e->is64 ? le64(p + 24) : le32(p + 24);
	e->phoff = e->is64 ? le64(p + 32) : le32(p + 28);
	e->phentsize = le16(p + (e->is64 ? 54 : 42));
	e->phnum = le16(p + (e->is64 ? 56 : 44));
	return MBLOAD_OK;
}

static enum mbload_err elf_phdr_table(struct ld *l, const struct elf *e)
{
	uint32_t need = e->is64 ? PHDR64_SIZE : PHDR32_SIZE;

	if (e->phnum == 0) {
		diag_add(l->d, "%s: ELF file has no program headers", l->name);
		return MBLOAD_EELF;
	}
	if (e->phnum > MBLOAD_MAX_PHDRS) {
		diag_add(l->d, "%s: %u program headers (at most %u)", l->name,
			 e->phnum, MBLOAD_MAX_PHDRS);
		return MBLOAD_EELF;
	}
	if (e->phentsize < need) {
		diag_add(l->d, "%s: e_phentsize %u is smaller than a program header (%u)",
			 l->name, e->phentsize, need);
		return MBLOAD_EELF;
	}
	/* phnum and phentsize are 16-bit: the product cannot overflow. */
	if (e->phoff > l->len || (uint64_t)e->phnum * e->phentsize > l->len - e->phoff) {
		diag_add(l->d, "%s: program headers [%#llx, +%u x %u) lie beyond the "
			 "file's %llu bytes", l->name, (unsigned long long)e->phoff,
			 e->phnum, e->phentsize, (unsigned long long)l->len);
		return MBLOAD_ETRUNC;
	}
	return MBLOAD_OK;
}

static void read_phdr(const uint8_t *p, bool is64, uint32_t *type, struct seg *s)
{
	*type = le32(p);
	if (is64) {
		s->exec = le32(p + 4) & PF_X;
		s->off = le64(p + 8);
		s->vaddr = le64(p + 16);
		s->paddr = le64(p + 24);
		s->filesz = le64(p + 32);
		s->memsz = le64(p + 40);
	} else {
		s->off = le32(p + 4);
		s->vaddr = le32(p + 8);
		s->paddr = le32(p + 12);
		s->filesz = le32(p + 16);
		s->memsz = le32(p + 20);
		s->exec = le32(p + 24) & PF_X;
	}
}

static enum mbload_err check_seg_file(struct ld *l, const struct seg *s)
{
	if (s->off > l->len || s->filesz > l->len - s->off) {
		diag_add(l->d, "%s: segment %u: file bytes [%#llx, +%#llx) lie beyond "
			 "the file's %llu bytes (truncated?)", l->name, s->index,
			 (unsigned long long)s->off, (unsigned long long)s->filesz,
			 (unsigned long long)l->len);
		return MBLOAD_ETRUNC;
	}
	if (s->filesz > s->memsz) {
		diag_add(l->d, "%s: segment %u: p_filesz %#llx is larger than p_memsz %#llx",
			 l->name, s->index, (unsigned long long)s->filesz,
			 (unsigned long long)s->memsz);
		return MBLOAD_ESEGMENT;
	}
	if (s->memsz > UINT64_MAX - s->paddr || s->memsz > UINT64_MAX - s->vaddr) {
		diag_add(l->d, "%s: segment %u: address %#llx + size %#llx wraps around",
			 l->name, s->index, (unsigned long long)s->paddr,
			 (unsigned long long)s->memsz);
		return MBLOAD_ESEGMENT;
	}
	return MBLOAD_OK;
}

/*
 * The guest-physical entry point: e_entry inside the file-backed part of an
 * executable segment, by virtual address (translated, as GRUB does) or by
 * physical address.
 */
static enum mbload_err elf_entry(struct ld *l, uint64_t entry)
{
	const struct seg *in_noexec = NULL;

	for (unsigned i = 0; i < l->nsegs; i++) {
		const struct seg *s = &l->segs[i];
		uint64_t phys;

		if (entry >= s->vaddr && entry - s->vaddr < s->filesz)
			phys = entry - s->vaddr + s->paddr;
		else if (entry >= s->paddr && entry - s->paddr < s->filesz)
			phys = entry;
		else
			continue;
		if (!s->exec) {
			in_noexec = s;
			continue;
		}
		if (phys > UINT32_MAX) {
			diag_add(l->d, "%s: entry point %#llx is above 4 GiB; the guest "
				 "starts in 32-bit protected mode", l->name,
				 (unsigned long long)phys);
			return MBLOAD_EENTRY4G;
		}
		l->entry = phys;
		return MBLOAD_OK;
	}
	if (in_noexec)
		diag_add(l->d, "%s: entry point %#llx is in segment %u, which is not "
			 "executable", l->name, (unsigned long long)entry, in_noexec->index);
	else
		diag_add(l->d, "%s: entry point %#llx is not inside the file bytes of "
			 "any loaded segment", l->name, (unsigned long long)entry);
	return MBLOAD_EENTRY;
}

static enum mbload_err plan_elf(struct ld *l)
{
	struct elf e;
	enum mbload_err err;

	if ((err = elf_header(l, &e)) || (err = elf_phdr_table(l, &e)))
		return err;
	for (uint32_t i = 0; i < e.phnum; i++) {
		struct seg s = { .index = i };
		uint32_t type;

		read_phdr(l->img + e.phoff + (uint64_t)i * e.phentsize, e.is64, &type, &s);
		if (type != PT_LOAD)
			continue;
		if ((err = check_seg_file(l, &s)))
			return err;
		if (s.memsz == 0)
			continue;
		if (l->nsegs == MBLOAD_MAX_SEGS) {
			diag_add(l->d, "%s: more than %u loadable segments", l->name,
				 MBLOAD_MAX_SEGS);
			return MBLOAD_EELF;
		}
		l->segs[l->nsegs++] = s;
	}
	if (l->nsegs == 0) {
		diag_add(l->d, "%s: no loadable (PT_LOAD) segment", l->name);
		return MBLOAD_EELF;
	}
	return elf_entry(l, e.entry);
}

/* ---- against the guest's RAM ---- */

static enum mbload_err check_placement(struct ld *l)
{
	for (unsigned i = 0; i < l->nsegs; i++) {
		const struct seg *s = &l->segs[i];

		if (s->paddr < MBLOAD_MIN_ADDR || !guest_ram_fits(l->ram, s->paddr, s->memsz)) {
			diag_add(l->d, "%s: segment %u at [%#llx, %#llx) is outside guest "
				 "RAM [1 MiB, %#llx)", l->name, s->index,
				 (unsigned long long)s->paddr,
				 (unsigned long long)(s->paddr + s->memsz),
				 (unsigned long long)l->ram->size);
			return MBLOAD_ERANGE;
		}
		for (unsigned j = 0; j < i; j++) {
			const struct seg *t = &l->segs[j];

			if (s->paddr < t->paddr + t->memsz && t->paddr < s->paddr + s->memsz) {
				diag_add(l->d, "%s: segments %u [%#llx, %#llx) and %u [%#llx, "
					 "%#llx) overlap", l->name, t->index,
					 (unsigned long long)t->paddr,
					 (unsigned long long)(t->paddr + t->memsz), s->index,
					 (unsigned long long)s->paddr,
					 (unsigned long long)(s->paddr + s->memsz));
				return MBLOAD_EOVERLAP;
			}
		}
	}
	return MBLOAD_OK;
}

static void copy_segments(struct ld *l, struct mbload_info *info)
{
	info->load_lo = UINT64_MAX;
	info->load_hi = 0;
	for (unsigned i = 0; i < l->nsegs; i++) {
		const struct seg *s = &l->segs[i];
		uint8_t *dst = guest_ram_ptr(l->ram, s->paddr);

		memcpy(dst, l->img + s->off, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
		if (s->paddr < info->load_lo)
			info->load_lo = s->paddr;
		if (s->paddr + s->memsz > info->load_hi)
			info->load_hi = s->paddr + s->memsz;
	}
	info->nsegs = l->nsegs;
	info->entry = (uint32_t)l->entry;
}

enum mbload_err mbload(const uint8_t *img, size_t len, const char *name,
		       const struct guest_ram *ram, struct mbload_info *info,
		       struct diag *d)
{
	struct ld l = { .img = img, .len = img ? len : 0, .ram = ram, .d = d,
			.name = name ? name : "kernel" };
	enum mbload_err err;

	memset(info, 0, sizeof(*info));
	if ((err = find_header(l.img, l.len, &info->hdr, d, l.name)) ||
	    (err = check_flags(&l, &info->hdr)))
		return err;
	if (info->hdr.flags & MB_HFLAG_AOUT_KLUDGE) {
		info->kind = MBLOAD_AOUT;
		err = plan_aout(&l, &info->hdr);
	} else {
		err = plan_elf(&l);
		info->kind = l.len > 4 && l.img[4] == 2 ? MBLOAD_ELF64 : MBLOAD_ELF32;
	}
	if (err || (err = check_placement(&l)))
		return err;
	copy_segments(&l, info);
	return MBLOAD_OK;
}
