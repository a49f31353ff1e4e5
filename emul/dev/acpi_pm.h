/* ACPI fixed-hardware registers of the guest (ACPI 6.4 section 4.8): the PM1a
 * event block (PM1_STS, PM1_EN), the PM1a control block (PM1_CNT: SCI_EN,
 * SLP_TYP, SLP_EN) and the 24-bit PM timer at 3.579545 MHz, all in one I/O
 * window at ACPI_PM_BASE (the FADT built by acpi_tables.c points there):
 *   base+0  PM1a_EVT_BLK (4 bytes: PM1_STS, PM1_EN)
 *   base+4  PM1a_CNT_BLK (2 bytes)
 *   base+8  PM_TMR_BLK   (4 bytes, read-only)
 * Writing SLP_EN with SLP_TYP = the \_S5 value powers the VM off through
 * vm_control. The SCI (TMR_STS/PWRBTN_STS & their enables) drives an
 * irq_line, level-triggered, active high.
 *
 * VMX side: acpi_pm_init, register acpi_pm_ops at ACPI_PM_BASE for
 * ACPI_PM_LEN ports, arm the host timer for acpi_pm_next_event_ns() and call
 * acpi_pm_advance(now) when it fires (only matters when the guest enables
 * the timer-overflow SCI). acpi_pm_power_button() presses the power button. */
#ifndef EMUL_DEV_ACPI_PM_H
#define EMUL_DEV_ACPI_PM_H
#include <stdint.h>
#include <stdbool.h>
#include "emul/dev/iobus.h"
#include "emul/dev/irq.h"

#define ACPI_PM_BASE		0x600
#define ACPI_PM_LEN		12
#define ACPI_PM1_EVT_OFF	0
#define ACPI_PM1_EVT_LEN	4
#define ACPI_PM1_CNT_OFF	4
#define ACPI_PM1_CNT_LEN	2
#define ACPI_PM_TMR_OFF		8
#define ACPI_PM_TMR_LEN		4
#define ACPI_PM_TIMER_HZ	3579545ull
#define ACPI_SCI_IRQ		9
#define ACPI_S5_TYP		5	/* SLP_TYPa of \_S5 in the DSDT */

/* PM1 status / enable bits (ACPI 6.4 Tables 4.16, 4.17). */
#define ACPI_PM1_TMR		(1u << 0)
#define ACPI_PM1_GBL		(1u << 5)
#define ACPI_PM1_PWRBTN		(1u << 8)
#define ACPI_PM1_SLPBTN		(1u << 9)
#define ACPI_PM1_RTC		(1u << 10)
#define ACPI_PM1_WAK		(1u << 15)
/* PM1 control bits (Table 4.18). */
#define ACPI_PM1_SCI_EN		(1u << 0)
#define ACPI_PM1_SLP_EN		(1u << 13)

struct acpi_pm {
	uint16_t sts, en, cnt;
	uint64_t tmr_epoch;		/* bit-23 toggles counted at the last TMR_STS clear */
	bool sci;			/* level on the SCI line */
	struct dev_clock clock;
	struct irq_line irq;		/* SCI: line ACPI_SCI_IRQ */
	struct vm_control ctl;
	bool off;			/* S5 entered */
};

void acpi_pm_init(struct acpi_pm *pm, struct dev_clock clock, struct irq_line irq,
		  struct vm_control ctl);
/* The PM timer value (24 bits) at guest time @now_ns. */
uint32_t acpi_pm_timer(uint64_t now_ns);
uint64_t acpi_pm_next_event_ns(const struct acpi_pm *pm);
void acpi_pm_advance(struct acpi_pm *pm, uint64_t now_ns);
void acpi_pm_power_button(struct acpi_pm *pm);

extern const struct io_dev_ops acpi_pm_ops;

#endif
