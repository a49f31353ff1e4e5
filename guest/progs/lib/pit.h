/* The 8254 PIT, channel 0 (IRQ 0) and the latch command. */
#ifndef GUEST_PIT_H
#define GUEST_PIT_H

#include <stdint.h>

#define PIT_HZ 1193182u

/* Channel 0, mode 2 (rate generator), reload `count` (0 = 65536). */
void pit_periodic(uint16_t count);
/* Channel 0, mode 0 (interrupt on terminal count). */
void pit_oneshot(uint16_t count);
/* Latch and read channel 0's current count. */
uint16_t pit_read(void);

#endif
