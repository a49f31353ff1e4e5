/* The host physical frame allocator. Ranges of usable RAM are added from the
 * firmware's memory map, reserved ranges (the image, Multiboot structures,
 * modules) are carved out, and frames are then handed out lowest first.
 * Everything is identity-mapped, so a frame's address is also its pointer. */
#ifndef MMU_HOST_FRAMES_H
#define MMU_HOST_FRAMES_H
#include <stdint.h>

#define PAGE_SIZE 4096ull

void frames_add_usable(uint64_t start, uint64_t end);
void frames_reserve(uint64_t start, uint64_t end);
/* Apply the reservations; no allocation happens before this. */
void frames_finalize(void);

/* A zeroed 4 KiB frame below `limit` (0: anywhere); 0 when none is left. */
uint64_t frame_alloc_below(uint64_t limit);
static inline uint64_t frame_alloc(void) { return frame_alloc_below(0); }
void frame_free(uint64_t pa);
/* n contiguous zeroed frames; 0 when no range is large enough. */
uint64_t frames_alloc_contig(uint64_t n);

uint64_t frames_free_count(void);
uint64_t frames_top(void);	/* highest usable address + 1 */
void frames_print(void);

static inline void *phys_to_virt(uint64_t pa) { return (void *)(uintptr_t)pa; }
static inline uint64_t virt_to_phys(const void *p) { return (uint64_t)(uintptr_t)p; }

#endif
