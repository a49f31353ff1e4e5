/* The paging formats as data (SDM Vol. 3A, 4.3 32-bit, 4.4 PAE, 4.5 4-level).
 * PAGING_NONE is described as a one-level format whose single "entry" covers
 * the 4 GiB a CR0.PG=0 guest can address. */
#include "mmu/paging.h"

const struct paging_format paging_formats[4] = {
	[PAGING_NONE] = { .name = "none", .top = 0, .entry_bytes = 0,
			  .shift = { 32 }, .index_bits = { 0 } },
	[PAGING_32] = { .name = "32-bit", .top = 2, .entry_bytes = 4,
			.shift = { 0, 12, 22 }, .index_bits = { 0, 10, 10 },
			.large_levels = 1u << 2 },
	[PAGING_PAE] = { .name = "PAE", .top = 3, .entry_bytes = 8,
			 .shift = { 0, 12, 21, 30 }, .index_bits = { 0, 9, 9, 2 },
			 .large_levels = 1u << 2 },
	[PAGING_LONG] = { .name = "4-level", .top = 4, .entry_bytes = 8,
			  .shift = { 0, 12, 21, 30, 39 },
			  .index_bits = { 0, 9, 9, 9, 9 },
			  .large_levels = (1u << 2) | (1u << 3) },
};
