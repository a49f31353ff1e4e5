/* Guest RAM accesses by guest-physical address, for the emulator and the
 * loaders. Writes keep the shadows of guest page tables exact (DESIGN.md:
 * "Writes to a guest page table that has shadows are trapped and
 * emulated, then the affected shadow entries are updated or dropped"). */
#include <string.h>
#include "mmu/shadow.h"

/* Is all of [gpa, gpa+len) RAM (and writable RAM if @write)? */
static bool range_is_ram(const struct mmu *m, uint64_t gpa, size_t len,
			 bool write)
{
	uint64_t end = gpa + len, f;

	if (len == 0)
		return true;
	if (end < gpa)
		return false;
	for (f = gpa >> 12; f <= (end - 1) >> 12; f++) {
		uint32_t flags;

		if (!memslot_frame(m->slots, f, NULL, NULL, &flags))
			return false;
		if (write && (flags & MEMSLOT_READONLY))
			return false;
	}
	return true;
}

/* The sizes one instruction's access has are copied with one move each
 * (a constant-size __builtin_memcpy is a move even in a freestanding
 * build; memcpy() loops). */
static inline void copy_access(void *dst, const void *src, size_t len)
{
	switch (len) {
	case 8: __builtin_memcpy(dst, src, 8); break;
	case 4: __builtin_memcpy(dst, src, 4); break;
	case 2: __builtin_memcpy(dst, src, 2); break;
	case 1: __builtin_memcpy(dst, src, 1); break;
	default: memcpy(dst, src, len);
	}
}

/* mmu_read_guest() across frames (or of nothing). */
static __attribute__((noinline)) int read_frames(struct mmu *m, uint64_t gpa,
						 void *dst, size_t len)
{
	size_t done = 0;

	if (!range_is_ram(m, gpa, len, false))
		return MMU_ERR_NOT_RAM;
	while (done < len) {
		uint64_t a = gpa + done;
		size_t n = 4096 - (a & 0xfff);
		void *hva;

		if (n > len - done)
			n = len - done;
		/* RAM (checked above), so translated */
		if (!memslot_frame(m->slots, a >> 12, NULL, &hva, NULL))
			return MMU_ERR_NOT_RAM;
		memcpy((char *)dst + done, (char *)hva + (a & 0xfff), n);
		done += n;
	}
	return MMU_OK;
}

int mmu_read_guest(struct mmu *m, uint64_t gpa, void *dst, size_t len)
{
	const struct memslot *s;

	if (len - 1 >= 4096 - (gpa & 0xfff))   /* none, or more than one frame */
		return read_frames(m, gpa, dst, len);
	s = gfn_slot(m, gpa >> 12);
	if (!s)
		return MMU_ERR_NOT_RAM;
	copy_access(dst, (char *)s->hva + (gpa - s->gpa), len);
	return MMU_OK;
}

/* The guest wrote [off, off+len) of frame @gfn at @page: its shadows must
 * follow (DESIGN.md), and software TLBs forget what they knew. */
static inline void wrote_frame(struct mmu *m, uint64_t gfn, char *page,
			       unsigned off, size_t len)
{
	if (m->nsp && frame_guest_write(m, gfn, page, off, len)) {
		m->stats.pt_writes++;
		soft_tlb_flush(m);
	}
}

/* mmu_write_guest() across frames (or of nothing). */
static __attribute__((noinline)) int write_frames(struct mmu *m, uint64_t gpa,
						  const void *src, size_t len)
{
	size_t done = 0;

	if (!range_is_ram(m, gpa, len, true))
		return MMU_ERR_NOT_RAM;
	while (done < len) {
		uint64_t a = gpa + done;
		size_t n = 4096 - (a & 0xfff);
		void *hva;

		if (n > len - done)
			n = len - done;
		/* RAM (checked above), so translated */
		if (!memslot_frame(m->slots, a >> 12, NULL, &hva, NULL))
			return MMU_ERR_NOT_RAM;
		memcpy((char *)hva + (a & 0xfff), (const char *)src + done, n);
		wrote_frame(m, a >> 12, hva, (unsigned)(a & 0xfff), n);
		done += n;
	}
	return MMU_OK;
}

int mmu_write_guest(struct mmu *m, uint64_t gpa, const void *src, size_t len)
{
	unsigned off = (unsigned)(gpa & 0xfff);
	const struct memslot *s;
	char *page;

	if (len - 1 >= 4096 - off)   /* none, or more than one frame */
		return write_frames(m, gpa, src, len);
	s = gfn_slot(m, gpa >> 12);
	if (!s || (s->flags & MEMSLOT_READONLY))
		return MMU_ERR_NOT_RAM;
	page = (char *)s->hva + ((gpa - off) - s->gpa);
	copy_access(page + off, src, len);
	wrote_frame(m, gpa >> 12, page, off, len);
	return MMU_OK;
}
