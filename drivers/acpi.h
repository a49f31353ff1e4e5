/* The host firmware's ACPI tables: just enough to power the machine off
 * (S5) when neither QEMU's nor Bochs's exit port is there. */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* Find the \_S5 package in an AML table (DSDT body) and read its first two
 * elements, the SLP_TYPa/SLP_TYPb values (ACPI 6.4, 7.4.2). Pure parsing,
 * bounds-checked, host-testable. */
bool acpi_find_s5(const uint8_t *aml, size_t len, uint16_t *typa, uint16_t *typb);

/* Locate RSDP -> RSDT/XSDT -> FADT -> DSDT in low memory and, when all are
 * sane, hand the PM1 control blocks and S5 types to power_set_acpi_s5(). */
void acpi_init(void);

#endif
