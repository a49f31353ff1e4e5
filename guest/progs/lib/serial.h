/* COM1 output by polling (16550 at 0x3f8). */
#ifndef GUEST_SERIAL_H
#define GUEST_SERIAL_H

#include <stddef.h>

#define COM1_BASE 0x3f8
#define COM1_LSR  (COM1_BASE + 5)
#define LSR_DR    0x01  /* data ready */
#define LSR_THRE  0x20  /* transmit holding register empty */
#define LSR_TEMT  0x40  /* transmitter empty: the last bit has left */

void serial_init(void);
void serial_putc(char c);
void serial_write(const char *s, size_t n);
void serial_drain(void);

#endif
