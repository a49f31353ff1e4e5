/* The hypervisor's own page tables. */
#ifndef MMU_HOST_HOSTPT_H
#define MMU_HOST_HOSTPT_H
#include <stdint.h>
/* Identity-map [0, max(4 GiB, top)) and switch to it: the image's text is the
 * only executable memory (NX everywhere else), rodata is read-only, and page
 * 0 is unmapped so a NULL dereference faults loudly. */
void hostpt_init(uint64_t top);
#endif
