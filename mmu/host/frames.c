/* Range-based frame allocator: a short list of free ranges (bump allocation
 * from the lowest) plus a free list of single returned frames, threaded
 * through the frames themselves. */
#include <string.h>
#include "mmu/host/frames.h"
#include "lib/log.h"

#define MAX_RANGES 64

struct range { uint64_t start, end; };

static struct range usable[MAX_RANGES], reserved[MAX_RANGES];
static int n_usable, n_reserved;
static uint64_t free_list, free_list_len, top;

static void add(struct range *set, int *n, uint64_t start, uint64_t end, const char *what)
{
	if (end <= start)
		return;
	if (*n == MAX_RANGES) {
		log_warn("too many %s memory ranges; ignoring %lx-%lx", what, start, end);
		return;
	}
	set[(*n)++] = (struct range){ start, end };
}

void frames_add_usable(uint64_t start, uint64_t end)
{
	start = (start + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	end &= ~(PAGE_SIZE - 1);
	add(usable, &n_usable, start, end, "usable");
	if (end > top)
		top = end;
}

void frames_reserve(uint64_t start, uint64_t end)
{
	add(reserved, &n_reserved, start & ~(PAGE_SIZE - 1), (end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1), "reserved");
}

/* Cut [rs, re) out of every usable range, splitting where needed. */
static void carve(uint64_t rs, uint64_t re)
{
	for (int i = 0; i < n_usable; i++) {
		struct range *u = &usable[i];
		if (re <= u->start || rs >= u->end)
			continue;
		if (rs > u->start && re < u->end) {
			uint64_t old_end = u->end;
			u->end = rs;
			add(usable, &n_usable, re, old_end, "usable");
		} else if (rs <= u->start && re >= u->end) {
			u->end = u->start;
		} else if (rs <= u->start) {
			u->start = re;
		} else {
			u->end = rs;
		}
	}
}

static int cmp_start(const struct range *a, const struct range *b)
{
	return a->start < b->start ? -1 : a->start > b->start;
}

void frames_finalize(void)
{
	for (int i = 0; i < n_reserved; i++)
		carve(reserved[i].start, reserved[i].end);
	/* Insertion sort: lowest ranges first, so low frames go out first. */
	for (int i = 1; i < n_usable; i++)
		for (int j = i; j > 0 && cmp_start(&usable[j], &usable[j - 1]) < 0; j--) {
			struct range t = usable[j];
			usable[j] = usable[j - 1];
			usable[j - 1] = t;
		}
}

uint64_t frame_alloc_below(uint64_t limit)
{
	uint64_t pa = 0;
	if (free_list && (!limit || free_list + PAGE_SIZE <= limit)) {
		pa = free_list;
		free_list = *(uint64_t *)phys_to_virt(pa);
		free_list_len--;
	} else {
		for (int i = 0; i < n_usable && !pa; i++) {
			struct range *u = &usable[i];
			if (u->end - u->start >= PAGE_SIZE && (!limit || u->start + PAGE_SIZE <= limit)) {
				pa = u->start;
				u->start += PAGE_SIZE;
			}
		}
	}
	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

void frame_free(uint64_t pa)
{
	BUG_ON(!pa || (pa & (PAGE_SIZE - 1)));
	*(uint64_t *)phys_to_virt(pa) = free_list;
	free_list = pa;
	free_list_len++;
}

uint64_t frames_alloc_contig(uint64_t n)
{
	uint64_t bytes = n * PAGE_SIZE;
	if (!n || bytes / PAGE_SIZE != n)
		return 0;
	/* Take from the top of the largest-enough range, keeping low memory
	 * (below 4 GiB, needed for VMCS/PDPT pages) for single frames. */
	for (int i = n_usable - 1; i >= 0; i--) {
		struct range *u = &usable[i];
		if (u->end - u->start >= bytes) {
			u->end -= bytes;
			memset(phys_to_virt(u->end), 0, bytes);
			return u->end;
		}
	}
	return 0;
}

uint64_t frames_free_count(void)
{
	uint64_t n = free_list_len;
	for (int i = 0; i < n_usable; i++)
		n += (usable[i].end - usable[i].start) / PAGE_SIZE;
	return n;
}

uint64_t frames_top(void)
{
	return top;
}

void frames_print(void)
{
	for (int i = 0; i < n_usable; i++)
		if (usable[i].end > usable[i].start)
			log_debug("free frames %lx-%lx", usable[i].start, usable[i].end);
	log_info("host memory: %lu KiB free", frames_free_count() * 4);
}
