/* Event injection and guest time (SDM Vol. 3C 27.6 event injection, 26.7.5
 * interrupt-window exiting, 26.5.1 the VMX-preemption timer, 25.4.2 activity
 * and interruptibility state).
 *
 * The devices of the VM (vmx/platform.c) say which interrupt is pending and
 * when their next timer event is due. Before every entry Shade lets due
 * events fire, injects at most one external interrupt when the guest can
 * take it, and otherwise asks the CPU for an exit as soon as it can. The
 * host's timer is the VMX-preemption timer (counting TSC >> MISC[4:0]); a
 * CPU without it (Core 2 Penryn) waits in root mode for a halted guest. */
#include "vmx/events.h"
#include "vmx/vmx_ops.h"
#include "vmx/caps.h"
#include "vmx/platform.h"
#include "drivers/tsc.h"
#include "lib/x86.h"
#include "lib/log.h"

#define ACTIVITY_ACTIVE	0
#define ACTIVITY_HLT	1
#define INTR_BLOCK_STI_MOVSS 3u
#define NO_EVENT UINT64_MAX

static bool has_preemption_timer(void)
{
	return vmx_ctl_allowed(vmx_caps.pin, PIN_PREEMPTION_TIMER);
}

/* The HLT activity state can be entered with VM entry (MISC bit 6). */
static bool has_hlt_activity(void)
{
	return vmx_caps.misc & (1u << 6);
}

/* The preemption timer counts down while the guest runs; with the
 * "save VMX-preemption timer value" exit control the VMCS keeps what is
 * left at each exit, so the value is written only when the deadline moves
 * (SDM Vol. 3C 25.5.1, 28.3). Without that control it is written at every
 * entry. */
static bool saves_timer(void)
{
	return vmx_ctl_allowed(vmx_caps.exit, 1u << 22);
}

bool vmx_timer_saved(void)
{
	return !has_preemption_timer() || saves_timer();
}

void events_init(struct vcpu *v)
{
	v->time_base = rdtsc();
	v->tsc_offset = -v->time_base;
	vmwrite(TSC_OFFSET, v->tsc_offset);
	v->pin_ctls = (uint32_t)vmread(PIN_BASED_VM_EXEC_CONTROL);
	v->cpu_ctls = (uint32_t)vmread(CPU_BASED_VM_EXEC_CONTROL);
	v->halted = false;
	v->vm->plat->dirty = true;
	v->vm->plat->events_active = true;
}

uint64_t guest_tsc(const struct vcpu *v)
{
	return rdtsc() + v->tsc_offset;
}

/* Device time runs from the VM's start, whatever the guest does to its TSC. */
uint64_t guest_now_ns(const struct vcpu *v)
{
	return tsc_to_ns(rdtsc() - v->time_base);
}

static void set_cpu_ctl(struct vcpu *v, uint32_t bit, bool on)
{
	uint32_t c = on ? v->cpu_ctls | bit : v->cpu_ctls & ~bit;
	if (c != v->cpu_ctls) {
		v->cpu_ctls = c;
		vmwrite(CPU_BASED_VM_EXEC_CONTROL, c);
	}
}

static void set_pin_ctl(struct vcpu *v, uint32_t bit, bool on)
{
	uint32_t c = on ? v->pin_ctls | bit : v->pin_ctls & ~bit;
	if (c != v->pin_ctls) {
		v->pin_ctls = c;
		vmwrite(PIN_BASED_VM_EXEC_CONTROL, c);
	}
}

/* Can the guest take an external interrupt at the next entry? (IF set, no
 * STI/MOV-SS blocking: SDM Vol. 3C 27.6.2 / Vol. 3A 6.8.3.) */
static bool interruptible(void)
{
	return (vmread(GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(vmread(GUEST_INTERRUPTIBILITY_INFO) & INTR_BLOCK_STI_MOVSS);
}

/* An NMI from the local APIC, when nothing blocks it (SDM Vol. 3C 27.6;
 * blocking by NMI is interruptibility bit 3). */
static void deliver_nmi(struct vcpu *v)
{
	if ((vmread(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID) ||
	    (vmread(GUEST_INTERRUPTIBILITY_INFO) & (1u << 3)))
		return;
	if (!platform_take_nmi(v->vm->plat))
		return;
	vmwrite(VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | INTR_TYPE_NMI | 2);
	if (v->halted) {
		v->halted = false;
		vmwrite(GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	}
}

/* What platform_pending_interrupt() would say is not known yet. */
#define PENDING_UNKNOWN (-2)

/* Inject the interrupt the controllers say is next (@pending, if just
 * asked), if the guest can take it now, else ask for the window;
 * p->irq_pending says what is left. The controllers are asked twice at
 * most: what is pending, and (after one is taken) what is pending then. */
static void deliver_interrupts(struct vcpu *v, int pending)
{
	struct vm_platform *p = v->vm->plat;
	if (p->lapic.nmi_pending)
		deliver_nmi(v);		/* an NMI is not one of the pending vectors */
	if (pending == PENDING_UNKNOWN)
		pending = platform_pending_interrupt(p);
	if (pending >= 0) {
		/* An event already queued (an exception, or one being
		 * re-delivered) goes first; the interrupt waits for the next
		 * window. */
		if ((vmread(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID) || !interruptible()) {
			set_cpu_ctl(v, CPU_INTR_WINDOW_EXITING, true);
			p->irq_pending = true;
			return;
		}
		int vec = platform_ack_interrupt(p, pending);
		vmwrite(VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | INTR_TYPE_EXT_INTR | (uint32_t)vec);
		if (v->halted) {
			v->halted = false;
			vmwrite(GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
		}
		pending = platform_pending_interrupt(p);
	}
	set_cpu_ctl(v, CPU_INTR_WINDOW_EXITING, pending >= 0);
	p->irq_pending = pending >= 0;
}

static void write_timer(struct vcpu *v, uint64_t deadline_tsc)
{
	uint64_t now = rdtsc();
	uint64_t ticks = deadline_tsc > now ? (deadline_tsc - now) >> (vmx_caps.misc & 0x1f) : 0;
	vmwrite(VMX_PREEMPTION_TIMER_VALUE, ticks > 0xffffffffull ? 0xffffffffull : ticks);
	(void)v;
}

/* Without the VMX-preemption timer (Core 2), the host's own 8254 channel 0
 * stands in: a one-shot (mode 0) count to the deadline raises host IRQ0,
 * which exits the guest (external-interrupt exiting) wherever it is. The
 * host PIC delivers it at vector 0x20 (drivers/pic.c) and is EOIed here. */
#define HOST_PIT_HZ 1193182ull
#define HOST_TIMER_VECTOR 0x20

static void host_pit_arm(uint64_t deadline_tsc)
{
	static bool unmasked;
	uint64_t now = rdtsc();
	uint64_t ns = deadline_tsc > now ? tsc_to_ns(deadline_tsc - now) : 0;
	uint64_t count = ns / 1000 * HOST_PIT_HZ / 1000000 + 1;
	if (count > 0xffff)
		count = 0xffff;	/* re-armed at the next exit if the deadline is further */
	outb(0x43, 0x30);	/* channel 0, lo/hi, mode 0, binary */
	outb(0x40, count & 0xff);
	outb(0x40, count >> 8);
	if (!unmasked) {
		outb(0x21, inb(0x21) & ~1u);
		unmasked = true;
	}
}

bool events_host_timer_irq(struct vcpu *v, unsigned vector)
{
	if (has_preemption_timer() || vector != HOST_TIMER_VECTOR)
		return false;
	outb(0x20, 0x20);	/* non-specific EOI to the host's master PIC */
	v->vm->plat->dirty = true;
	v->vm->plat->events_active = true;
	return true;
}

/* Arm the preemption timer for the next device event (or disarm it). */
static void arm_timer(struct vcpu *v, struct vm_platform *p)
{
	if (!has_preemption_timer()) {
		if (p->next_event_tsc != NO_EVENT)
			host_pit_arm(p->next_event_tsc);
		return;
	}
	bool on = p->next_event_tsc != NO_EVENT;
	if (on)
		write_timer(v, p->next_event_tsc);
	if (on != !!(v->pin_ctls & PIN_PREEMPTION_TIMER)) {
		/* Saving the count is only allowed with the timer active. */
		if (saves_timer()) {
			uint64_t ex = vmread(VM_EXIT_CONTROLS);
			vmwrite(VM_EXIT_CONTROLS, on ? ex | (1u << 22) : ex & ~(1ull << 22));
		}
		set_pin_ctl(v, PIN_PREEMPTION_TIMER, on);
	}
}

/* Recompute the cached device answers after something may have changed. */
/* After the devices changed: their next event, the timer for it, and
 * what interrupt is pending (returned: platform_pending_interrupt()). */
static int refresh(struct vcpu *v, struct vm_platform *p)
{
	p->dirty = false;
	p->next_event_ns = platform_next_event_ns(p);
	/* Kept as a host-TSC deadline: the per-exit check is one RDTSC. */
	p->next_event_tsc = p->next_event_ns == NO_EVENT ? NO_EVENT : v->time_base + ns_to_tsc(p->next_event_ns);
	int pending = platform_pending_interrupt(p);
	p->irq_pending = pending >= 0;
	arm_timer(v, p);
	return pending;
}

void events_before_entry(struct vcpu *v)
{
	struct vm_platform *p = v->vm->plat;
	if (p->next_event_tsc != NO_EVENT && rdtsc() >= p->next_event_tsc) {
		platform_advance(p, guest_now_ns(v));
		p->dirty = true;
	}
	int pending = PENDING_UNKNOWN;
	if (p->dirty)
		pending = refresh(v, p);
	else if ((v->pin_ctls & PIN_PREEMPTION_TIMER) && !saves_timer())
		write_timer(v, p->next_event_tsc);
	if (p->irq_pending || (v->cpu_ctls & CPU_INTR_WINDOW_EXITING))
		deliver_interrupts(v, pending);
	p->events_active = p->irq_pending || p->next_event_tsc != NO_EVENT ||
			   (v->cpu_ctls & CPU_INTR_WINDOW_EXITING) || (v->pin_ctls & PIN_PREEMPTION_TIMER);
}

/* Wait in root mode until the next device event (no preemption timer or
 * no HLT activity state on this CPU). Bounded by the event itself. */
static void wait_in_root_mode(struct vcpu *v, uint64_t next_ns)
{
	while (guest_now_ns(v) < next_ns)
		cpu_relax();
	platform_advance(v->vm->plat, guest_now_ns(v));
	v->vm->plat->dirty = true;
	v->vm->plat->events_active = true;
}

enum exit_action handle_hlt(struct vcpu *v)
{
	struct vm_platform *p = v->vm->plat;
	uint64_t rflags = vmread(GUEST_RFLAGS);
	skip_instruction(v);
	if (!(rflags & RFLAGS_IF)) {
		vm_stop(v->vm, VM_END_FAULT, 0, "HLT with interrupts disabled at RIP %lx: the vCPU can never wake up",
			vmread(GUEST_RIP) - vmread(VM_EXIT_INSTRUCTION_LEN));
		return EXIT_STOP;
	}
	if (platform_pending_interrupt(p) >= 0)
		return EXIT_RESUME;	/* woken at once: injected on entry */
	uint64_t next = platform_next_event_ns(p);
	if (next == NO_EVENT) {
		vm_stop(v->vm, VM_END_FAULT, 0, "HLT at RIP %lx waits for an interrupt no device will raise",
			vmread(GUEST_RIP) - vmread(VM_EXIT_INSTRUCTION_LEN));
		return EXIT_STOP;
	}
	if (has_preemption_timer() && has_hlt_activity()) {
		/* The CPU waits for us: enter in the HLT state; the preemption
		 * timer ends the wait at the next event. */
		v->halted = true;
		vmwrite(GUEST_ACTIVITY_STATE, ACTIVITY_HLT);
	} else {
		wait_in_root_mode(v, next);
	}
	return EXIT_RESUME;
}

enum exit_action handle_interrupt_window(struct vcpu *v)
{
	(void)v;	/* events_before_entry injects now that the guest can take it */
	return EXIT_RESUME;
}

enum exit_action handle_preemption_timer(struct vcpu *v)
{
	/* A device event is due: events_before_entry lets it fire. */
	v->vm->plat->dirty = true;
	v->vm->plat->events_active = true;
	return EXIT_RESUME;
}
