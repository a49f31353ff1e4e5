#ifndef BOOT_CPU_TABLES_H
#define BOOT_CPU_TABLES_H
#include <stdint.h>
void cpu_tables_init(void);
uint64_t host_tss_base(void);
uint64_t host_gdt_base(void);
uint64_t host_idt_base(void);
#endif
