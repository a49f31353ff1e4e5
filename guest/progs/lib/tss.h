#ifndef GUEST_TSS_H
#define GUEST_TSS_H

#include <stdbool.h>

void tss_init(void);
void tss_set_longmode(bool on);

#endif
