#ifndef GUEST_TSS_H
#define GUEST_TSS_H

#include <stdbool.h>

void tss_init(void);
void tss_set_longmode(bool on);
#include <stdint.h>
/* The ring-0 stack an exception from CPL 3 switches to. */
uint32_t tss_esp0(void);
void tss_set_esp0(uint32_t esp0);

#endif
