/* 64-bit by 32-bit division without libgcc (no 32-bit libgcc is installed). */
#ifndef GUEST_DIV64_H
#define GUEST_DIV64_H

#include <stdint.h>

uint64_t udiv64(uint64_t n, uint32_t d, uint32_t *rem);

#endif
