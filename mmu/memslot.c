/* Memslots: a sorted array of guest RAM ranges with a binary search. */
#include "mmu/memslot.h"

#define FRAME_MASK 0xfffull

void memslots_init(struct memslots *ms)
{
	ms->count = 0;
}

static bool slot_covers(const struct memslot *s, uint64_t gpa)
{
	return gpa >= s->gpa && gpa - s->gpa < s->size;
}

/* First slot index whose gpa is greater than @gpa. */
static unsigned upper_bound(const struct memslots *ms, uint64_t gpa)
{
	unsigned lo = 0, hi = ms->count;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (ms->slot[mid].gpa <= gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int memslot_add(struct memslots *ms, uint64_t gpa, uint64_t size,
		uint64_t hpa, void *hva, uint32_t flags)
{
	unsigned pos, i;

	if (size == 0 || ((gpa | size | hpa | (uintptr_t)hva) & FRAME_MASK))
		return MEMSLOT_ERR_ALIGN;
	if (gpa + size - 1 < gpa || hpa + size - 1 < hpa ||
	    (uintptr_t)hva + (size - 1) < (uintptr_t)hva)
		return MEMSLOT_ERR_RANGE;
	if (ms->count >= MEMSLOTS_MAX)
		return MEMSLOT_ERR_FULL;
	pos = upper_bound(ms, gpa);
	/* Only the neighbours can overlap a range in a sorted, disjoint array. */
	if (pos > 0 && gpa - ms->slot[pos - 1].gpa < ms->slot[pos - 1].size)
		return MEMSLOT_ERR_OVERLAP;
	if (pos < ms->count && ms->slot[pos].gpa - gpa < size)
		return MEMSLOT_ERR_OVERLAP;
	for (i = ms->count; i > pos; i--)
		ms->slot[i] = ms->slot[i - 1];
	ms->slot[pos] = (struct memslot){ .gpa = gpa, .size = size, .hpa = hpa,
					  .hva = hva, .flags = flags };
	ms->count++;
	return MEMSLOT_OK;
}

const struct memslot *memslot_lookup(const struct memslots *ms, uint64_t gpa)
{
	unsigned pos = upper_bound(ms, gpa);

	if (pos == 0 || !slot_covers(&ms->slot[pos - 1], gpa))
		return NULL;
	return &ms->slot[pos - 1];
}

bool memslot_gap(const struct memslots *ms, uint64_t gpa, uint64_t *lo, uint64_t *len)
{
	unsigned pos = upper_bound(ms, gpa);
	uint64_t start = 0, end = 0;   /* end 0: up to the top of the space */

	if (pos > 0) {
		const struct memslot *s = &ms->slot[pos - 1];

		if (slot_covers(s, gpa))
			return false;
		start = s->gpa + s->size;
	}
	if (pos < ms->count)
		end = ms->slot[pos].gpa;
	*lo = start;
	*len = end ? end - start : (start ? 0 - start : ~0ull);
	return true;
}

bool memslot_frame(const struct memslots *ms, uint64_t gfn, uint64_t *hpa,
		   void **hva, uint32_t *flags)
{
	const struct memslot *s;
	uint64_t off;

	if (gfn > (UINT64_MAX >> 12))
		return false;
	s = memslot_lookup(ms, gfn << 12);
	if (!s)
		return false;
	off = (gfn << 12) - s->gpa;
	if (hpa)
		*hpa = s->hpa + off;
	if (hva)
		*hva = (char *)s->hva + off;
	if (flags)
		*flags = s->flags;
	return true;
}

void *memslot_hva(const struct memslots *ms, uint64_t gpa, size_t len)
{
	const struct memslot *s = memslot_lookup(ms, gpa);
	uint64_t off;

	if (!s || len == 0)
		return NULL;
	off = gpa - s->gpa;
	if (len > s->size - off)
		return NULL;
	return (char *)s->hva + off;
}
