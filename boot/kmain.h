#ifndef BOOT_KMAIN_H
#define BOOT_KMAIN_H
#include <stdint.h>
void kmain(uint32_t magic, uint32_t info);
#endif
