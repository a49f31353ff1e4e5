/* Leaving the machine with a status, under Shade or on bare QEMU/Bochs. */
#ifndef GUEST_EXIT_H
#define GUEST_EXIT_H

#include <stdint.h>

/* Statuses the runtime itself uses. */
#define EXIT_STATUS_EXCEPTION 0x71      /* an exception nobody expected */

void guest_exit(uint32_t status) __attribute__((noreturn));

#endif
