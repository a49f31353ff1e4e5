/* Guest RAM as memslots: which guest-physical frames are RAM, and where they
 * live on the host. Anything no slot covers is MMIO (DESIGN.md, "The
 * page-fault exit path"): the shadow MMU never maps it, the emulator runs
 * the access on a device model instead. */
#ifndef SHADE_MMU_MEMSLOT_H
#define SHADE_MMU_MEMSLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMSLOTS_MAX      16
#define MEMSLOT_READONLY  (1u << 0)   /* ROM: reads map, writes go to the emulator */

#define MEMSLOT_OK          0
#define MEMSLOT_ERR_ALIGN  -1   /* gpa/size/hpa/hva not 4 KiB aligned, or size 0 */
#define MEMSLOT_ERR_RANGE  -2   /* gpa+size or hpa+size wraps around */
#define MEMSLOT_ERR_OVERLAP -3  /* intersects an existing slot */
#define MEMSLOT_ERR_FULL   -4   /* MEMSLOTS_MAX slots already */

struct memslot {
	uint64_t gpa;      /* first guest-physical byte, 4 KiB aligned */
	uint64_t size;     /* bytes, 4 KiB multiple, > 0 */
	uint64_t hpa;      /* host-physical base of the (contiguous) backing */
	void *hva;         /* host pointer to the same backing */
	uint32_t flags;    /* MEMSLOT_* */
};

/* Sorted by gpa, never overlapping: lookups are a binary search. */
struct memslots {
	struct memslot slot[MEMSLOTS_MAX];
	unsigned count;
};

void memslots_init(struct memslots *ms);

/**
 * memslot_add() - register a slot; returns MEMSLOT_OK or MEMSLOT_ERR_*.
 * The slot array stays sorted; overlapping or wrapping ranges are refused.
 */
int memslot_add(struct memslots *ms, uint64_t gpa, uint64_t size,
		uint64_t hpa, void *hva, uint32_t flags);

/** memslot_lookup() - the slot covering @gpa, or NULL (MMIO). */
const struct memslot *memslot_lookup(const struct memslots *ms, uint64_t gpa);

/**
 * memslot_gap() - if no slot covers @gpa: the whole uncovered range around
 * it, [*lo, *lo + *len) (MMIO as far as the slots go). False if a slot
 * covers @gpa.
 */
bool memslot_gap(const struct memslots *ms, uint64_t gpa, uint64_t *lo, uint64_t *len);

/**
 * memslot_frame() - translate the 4 KiB frame @gfn: host-physical address and
 * host pointer of its first byte, and the slot flags. False if no slot covers
 * it (MMIO). Slots are checked per 4 KiB frame, never per large page.
 */
bool memslot_frame(const struct memslots *ms, uint64_t gfn, uint64_t *hpa,
		   void **hva, uint32_t *flags);

/**
 * memslot_hva() - host pointer for [gpa, gpa+len) if one slot covers all of
 * it, else NULL.
 */
void *memslot_hva(const struct memslots *ms, uint64_t gpa, size_t len);

#endif
