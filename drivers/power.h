/* Leaving the machine. */
#ifndef DRIVERS_POWER_H
#define DRIVERS_POWER_H
#include <stdint.h>

/* Print the closing line `shade: end reason=R status=N`, then try, in order:
 * QEMU's isa-debug-exit (port 0xf4), Bochs's shutdown port (0x8900), ACPI S5,
 * and finally halt forever. */
void machine_end(const char *reason, int status) __attribute__((noreturn));

/* Remember the ACPI PM1a control block and S5 sleep type, if the firmware's
 * tables give them (drivers/acpi.c). */
void power_set_acpi_s5(uint16_t pm1a_cnt, uint16_t pm1b_cnt, uint16_t slp_typa, uint16_t slp_typb);

#endif
