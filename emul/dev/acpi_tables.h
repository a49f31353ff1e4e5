/* ACPI tables for a guest (ACPI 6.4 chapter 5): RSDP, RSDT, XSDT, FADT,
 * FACS, MADT and a minimal DSDT holding Name (\_S5, Package () {5, 5, 0, 0})
 * so the guest can power off through the PM1a control block (acpi_pm.c).
 *
 * acpi_tables_build() writes everything as one blob, RSDP first, laid out
 * for guest-physical address @base_gpa = the blob's first byte. Put the
 * blob in guest RAM in the BIOS area 0xE0000-0xFFFFF (software scans 16-byte
 * boundaries there for "RSD PTR "), e.g. base_gpa 0xE0000: the blob is well
 * under ACPI_TABLES_MAX_SIZE bytes. The tables describe one CPU, the local
 * APIC, one I/O APIC with 24 pins, ISA IRQ0 -> GSI2 and a level/active-high
 * SCI, and the PM registers at fixed ports; no PCI, no HPET. */
#ifndef EMUL_DEV_ACPI_TABLES_H
#define EMUL_DEV_ACPI_TABLES_H
#include <stdint.h>
#include <stddef.h>

#define ACPI_TABLES_MAX_SIZE	1024

struct acpi_params {
	uint32_t lapic_addr;	/* MADT local APIC address */
	uint8_t lapic_id;	/* the one processor's APIC ID */
	uint8_t ioapic_id;
	uint32_t ioapic_addr;
	uint16_t pm_base;	/* PM1a_EVT at +0, PM1a_CNT at +4, PM_TMR at +8 */
	uint8_t sci_irq;
	uint8_t s5_typ;		/* SLP_TYP value for S5 */
};

#define ACPI_PARAMS_DEFAULT { .lapic_addr = 0xfee00000, .lapic_id = 0, .ioapic_id = 0, \
	.ioapic_addr = 0xfec00000, .pm_base = 0x600, .sci_irq = 9, .s5_typ = 5 }

/* Where each table landed (offsets into the buffer). */
struct acpi_layout {
	size_t rsdp, facs, dsdt, fadt, madt, rsdt, xsdt, size;
};

/* Returns the number of bytes written, or 0 when @size is below
 * ACPI_TABLES_MAX_SIZE, @base_gpa is not 64-byte aligned or the tables
 * would not lie below 4 GiB (the RSDT and FADT hold 32-bit pointers).
 * @layout may be NULL. */
size_t acpi_tables_build(void *buf, size_t size, uint64_t base_gpa,
			 const struct acpi_params *p, struct acpi_layout *layout);

#endif
