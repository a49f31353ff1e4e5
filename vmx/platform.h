/* A VM's devices and buses (the issue-2 platform; issue 5 grows it). */
#ifndef VMX_PLATFORM_H
#define VMX_PLATFORM_H
#include <stdint.h>
#include "emul/dev/iobus.h"
#include "emul/dev/uart16550.h"
#include "emul/dev/iomem.h"
#include "emul/dev/irq.h"
#include "emul/dev/pic8259.h"
#include "emul/dev/fw_cfg.h"
#include "emul/dev/pctestdev.h"
#include "emul/dev/pit8254.h"
#include "emul/dev/rtc_cmos.h"
#include "emul/dev/lapic.h"
#include "emul/dev/ioapic.h"
#include "emul/dev/acpi_pm.h"
#include "emul/dev/i8042.h"
#include "emul/dev/resetctl.h"
#include "vmx/vmx_defs.h"

/* QEMU pc-testdev's 64 KiB MMIO RAM. */
#define TESTDEV_IOMEM_BASE 0xff000000ull
#define TESTDEV_IOMEM_SIZE 0x10000ull

struct vm;

#define CONSOLE_LINE_MAX 160

struct vm_platform {
	struct vm *vm;
	struct iobus pio;
	struct iobus mmio;
	struct uart16550 com1;
	struct iomem testdev_mem;
	struct pic pic;
	struct pit pit;
	struct rtc rtc;
	struct lapic lapic;
	struct ioapic ioapic;
	struct acpi_pm acpi_pm;
	struct i8042 kbc;
	struct resetctl resetctl;
	struct fw_cfg fw_cfg;
	struct pctestdev testdev;
	char line[CONSOLE_LINE_MAX];	/* guest console output, line-buffered */
	unsigned line_len;
	unsigned line_len_polled;	/* line_len at the last input poll */
	unsigned input_polls;		/* COM1 accesses, to poll the host UART every 8th */
	uint64_t next_input_poll_ns;	/* next look at the host UART for a sleeping guest */
	/* Event bookkeeping for vmx/events.c: `dirty` is set whenever a device
	 * that can interrupt or has a timer may have changed state; the cached
	 * answers below are recomputed only then. */
	bool dirty;
	bool irq_pending;
	/* Anything at all for events_before_entry to do: the one flag the
	 * exit path tests (set with dirty, cleared when all is quiet). */
	bool events_active;
	uint64_t next_event_ns;		/* UINT64_MAX: none */
	uint64_t next_event_tsc;	/* the same as a host TSC value */
	bool timer_saved;		/* the CPU keeps the preemption timer's count across exits */
	/* isa-debug-exit: set when the guest wrote port 0xf4. */
	int debug_exit_pending;
	int debug_exit_status;
	/* A device asked to reset (i8042 0xFE, port 0xCF9) or power off (ACPI
	 * S5) the VM: acted on after the exit that did it. */
	const char *reset_requested;
	bool poweroff_requested;
	bool power_event;		/* either of the two: the one flag the exit path tests */
};

void platform_init(struct vm_platform *p, struct vm *vm);
/* The guest's ACPI tables live here in its RAM (the BIOS area searched for
 * the RSDP, reserved in every guest memory map). */
#define ACPI_TABLES_GPA 0xe0000u

/* An ISA interrupt line (0-15) changed level: to the PIC and the IOAPIC. */
void platform_set_isa_irq(struct vm_platform *p, unsigned line, bool level);
/* After an exit that touched devices: their interrupt and timer state may
 * have changed (vmx/events.c looks again before the next entry). */
static inline void platform_note_access(struct vm_platform *p)
{
	if (p->pio.touched | p->mmio.touched) {
		p->pio.touched = p->mmio.touched = 0;
		p->dirty = true;
		p->events_active = true;
	}
}
/* Write guest console text to Shade's console as "[vmN] ..." lines. */
void platform_console_put(struct vm_platform *p, uint8_t byte);
void platform_console_flush(struct vm_platform *p);
/* Bytes typed on Shade's console go to the COM1 of the VM with the console
 * focus; called when that VM touches its COM1, so a guest polling LSR sees
 * input without any timer. */
void platform_poll_input(struct vm_platform *p);

/* The interrupt controllers' view for vmx/events.c: the vector the guest
 * would take next (-1: none; 256: the 8259A's, through LINT0), taking the
 * one platform_pending_interrupt() just said (nothing changed since: the
 * INTA cycle / APIC acceptance; returns the vector), and the device timers
 * (UINT64_MAX: no event). */
int platform_pending_interrupt(struct vm_platform *p);
int platform_ack_interrupt(struct vm_platform *p, int pending);
uint64_t platform_next_event_ns(struct vm_platform *p);
void platform_advance(struct vm_platform *p, uint64_t now_ns);
/* Act on a device's reset or power-off request (after the exit that made it). */
void platform_power_event(struct vm *vm);
/* An NMI for the guest (LAPIC NMI delivery), taken if one is pending. */
bool platform_take_nmi(struct vm_platform *p);
/* The local APIC's MSRs: IA32_APIC_BASE, x2APIC 0x800-0x8ff, TSC deadline.
 * False: the CPU would raise #GP. */
bool platform_apic_msr_read(struct vm_platform *p, uint32_t msr, uint64_t *val);
bool platform_apic_msr_write(struct vm_platform *p, uint32_t msr, uint64_t val);

#endif
