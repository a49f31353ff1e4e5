/* The guest's local APIC (Intel SDM Vol. 3A chapter 11): one register model
 * reached as xAPIC MMIO (lapic_mmio_ops on the 4 KiB page at the APIC base)
 * or as x2APIC MSRs 0x800-0x8ff (lapic_msr_read/write), one vCPU.
 *
 * How the VMX side drives it:
 *   init     lapic_init(&apic, &params) once; it is also the reset state.
 *   MSRs     IA32_APIC_BASE (0x1b): lapic_get_base / lapic_set_base (false:
 *            inject #GP). x2APIC 0x800-0x8ff: lapic_msr_read/write (false:
 *            #GP). IA32_TSC_DEADLINE (0x6e0): lapic_tsc_deadline_read/write.
 *   MMIO     register lapic_mmio_ops at lapic_mmio_base() for LAPIC_MMIO_LEN
 *            bytes; move the range when lapic_set_base changes the base.
 *            lapic_mmio_enabled() says whether the page decodes at all.
 *   inject   v = lapic_pending_vector(): -1 none, else when the guest can
 *            take it, inject v and call lapic_ack(v). lapic_take_nmi() for
 *            NMIs; lapic_take_extint() when an ExtINT message asks for the
 *            8259A's vector; lapic_accepts_pic() when the PIC's INTR output
 *            reaches the CPU directly (APIC off, or LINT0 unmasked ExtINT).
 *   time     lapic_next_event_ns() (UINT64_MAX: none) to arm the host timer,
 *            lapic_advance(now) when it fires and on exits.
 *   wires    interrupt messages in: lapic_receive (the IOAPIC's sink);
 *            EOI of a level-triggered vector out: params.eoi (to ioapic_eoi).
 *
 * Time: the APIC timer counts at LAPIC_BUS_HZ (1 GHz: one count per ns)
 * divided by the divide configuration; the current count is computed from
 * the clock, never by per-tick work. */
#ifndef EMUL_DEV_LAPIC_H
#define EMUL_DEV_LAPIC_H
#include <stdint.h>
#include <stdbool.h>
#include "emul/dev/iobus.h"
#include "emul/dev/irq.h"

#define LAPIC_DEFAULT_BASE	0xfee00000ull
#define LAPIC_MMIO_LEN		0x1000
#define LAPIC_BUS_HZ		1000000000ull
#define LAPIC_VERSION		0x14		/* integrated APIC (SDM 11.4.8) */
#define LAPIC_LVT_COUNT		6		/* timer, thermal, perf, LINT0, LINT1, error */

/* IA32_APIC_BASE bits (SDM 11.4.4, 11.12.1). */
#define APIC_BASE_BSP		(1ull << 8)
#define APIC_BASE_EXTD		(1ull << 10)	/* x2APIC mode */
#define APIC_BASE_EN		(1ull << 11)	/* global enable */

/* Delivery modes (ICR, LVT, IOAPIC redirection entries). */
enum apic_dm {
	APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2,
	APIC_DM_NMI = 4, APIC_DM_INIT = 5, APIC_DM_STARTUP = 6, APIC_DM_EXTINT = 7,
};

/* An interrupt message as the IOAPIC (or an MSI) sends it to local APICs. */
struct apic_msg {
	uint8_t vector;
	uint8_t delivery_mode;		/* enum apic_dm */
	bool level;			/* trigger mode: true = level */
	bool logical;			/* destination mode */
	uint32_t dest;			/* 8-bit xAPIC destination (or x2APIC ID) */
};

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };

/* Converts a guest TSC value to guest time in ns, for TSC-deadline mode. */
struct lapic_tsc {
	uint64_t (*to_ns)(void *ctx, uint64_t tsc);
	void *ctx;
};

struct lapic_params {
	uint32_t apic_id;		/* initial APIC ID (CPUID.1 EBX[31:24], x2APIC ID) */
	bool bsp;
	unsigned phys_addr_bits;	/* MAXPHYADDR; 0 = 36 */
	/* Start like a PC BIOS leaves it: APIC software-enabled, LINT0 ExtINT
	 * (the 8259A's INTR), LINT1 NMI. false: the SDM power-up state. */
	bool virtual_wire;
	struct dev_clock clock;
	struct lapic_tsc tsc;		/* NULL to_ns: TSC ticks are ns */
	/* EOI of a vector whose TMR bit was set (level-triggered): the IOAPIC's
	 * ioapic_eoi. May be NULL. SDM 11.8.5. */
	void (*eoi)(void *ctx, uint8_t vector);
	void *eoi_ctx;
};

struct lapic {
	struct lapic_params p;
	uint64_t base;			/* IA32_APIC_BASE */
	uint32_t xapic_id;		/* ID register in xAPIC mode, bits 31:24 */
	uint32_t tpr, ldr, dfr, svr;
	uint32_t esr, esr_pending;	/* latched by an ESR write (SDM 11.5.3) */
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[LAPIC_LVT_COUNT];
	uint32_t isr[8], tmr[8], irr[8];
	uint32_t timer_icr, timer_dcr;
	uint64_t timer_start_ns;	/* when the count was (virtually) at timer_icr */
	uint64_t timer_next_ns;		/* next expiry; UINT64_MAX: not armed */
	uint64_t tsc_deadline;		/* IA32_TSC_DEADLINE as written (0: disarmed) */
	uint64_t timer_fired;		/* expiries seen (coalesced ticks count each) */
	bool lint_level[2];
	bool nmi_pending, extint_pending;
};

void lapic_init(struct lapic *a, const struct lapic_params *p);

/* IA32_APIC_BASE. set returns false for a #GP: reserved bits, EXTD without
 * EN, x2APIC -> xAPIC, disabled -> x2APIC (SDM 11.12.5). Disabling resets
 * the APIC to its power-up state. */
uint64_t lapic_get_base(const struct lapic *a);
bool lapic_set_base(struct lapic *a, uint64_t value);
uint64_t lapic_mmio_base(const struct lapic *a);
bool lapic_mmio_enabled(const struct lapic *a);	/* xAPIC mode */
bool lapic_x2apic_enabled(const struct lapic *a);

/* x2APIC MSR access (0x800-0x8ff); false: the CPU raises #GP(0). */
bool lapic_msr_read(struct lapic *a, uint32_t msr, uint64_t *val);
bool lapic_msr_write(struct lapic *a, uint32_t msr, uint64_t val);
/* IA32_TSC_DEADLINE (SDM 11.5.4.1): reads 0 and ignores writes unless the
 * timer is in TSC-deadline mode. */
uint64_t lapic_tsc_deadline_read(const struct lapic *a);
void lapic_tsc_deadline_write(struct lapic *a, uint64_t tsc);

extern const struct io_dev_ops lapic_mmio_ops;

/* Interrupt acceptance: a fixed interrupt arrives (IRR set, TMR = level). */
void lapic_accept(struct lapic *a, uint8_t vector, bool level_triggered);
/* A message from the IOAPIC/MSI: destination check, then by delivery mode. */
void lapic_receive(struct lapic *a, const struct apic_msg *m);
void lapic_receive_cb(void *apic, const struct apic_msg *m);	/* ioapic sink */
bool lapic_match_dest(const struct lapic *a, uint32_t dest, bool logical);
/* LINT0/LINT1 input pins (per their LVT entry: fixed, NMI, ExtINT). */
void lapic_set_lint(struct lapic *a, unsigned pin, bool level);

/* Highest IRR vector whose priority class beats the PPR, or -1. */
int lapic_pending_vector(const struct lapic *a);
/* The vector was injected: IRR -> ISR (SDM 11.8.4 "interrupt acceptance"). */
void lapic_ack(struct lapic *a, uint8_t vector);
bool lapic_take_nmi(struct lapic *a);
bool lapic_take_extint(struct lapic *a);
bool lapic_accepts_pic(const struct lapic *a);
uint32_t lapic_ppr(const struct lapic *a);

uint64_t lapic_next_event_ns(const struct lapic *a);
void lapic_advance(struct lapic *a, uint64_t now_ns);
uint32_t lapic_timer_current(const struct lapic *a, uint64_t now_ns);

/* xAPIC register access by MMIO offset (aligned 32-bit), also used by the
 * MSR path; exposed for tests and the VMX side's fast paths. */
uint32_t lapic_reg_read(struct lapic *a, uint32_t off);
void lapic_reg_write(struct lapic *a, uint32_t off, uint32_t val);

#endif
