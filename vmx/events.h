/* Interrupt delivery and guest time for a vCPU: what happens just before
 * every VM entry, and the exits that exist only for it. */
#ifndef VMX_EVENTS_H
#define VMX_EVENTS_H
#include <stdint.h>
#include "vmx/exit.h"

/* Guest time in nanoseconds since the VM started (from its TSC). */
uint64_t guest_now_ns(const struct vcpu *v);
/* The guest's own TSC value now. */
uint64_t guest_tsc(const struct vcpu *v);

/* Before VM entry: let due device timers fire, inject the highest pending
 * external interrupt if the guest can take it (else ask for an interrupt
 * window), and arm the host timer for the next device event. */
void events_before_entry(struct vcpu *v);

/* Set the guest's TSC to start at 0 now; remember the control fields. */
void events_init(struct vcpu *v);

/* No per-entry rewrite of the preemption timer is needed (the CPU saves
 * its count at exits, or there is no preemption timer at all). */
bool vmx_timer_saved(void);

#include "vmx/platform.h"
/* The exit path's test: is there event work before this entry? A touched
 * device, a pending interrupt or an interrupt window. A due timer needs no
 * check here: the preemption timer exits when it is due (its handler marks
 * the state dirty); only a CPU that can't keep the timer's count across
 * exits needs it rewritten at every entry. */
static inline bool events_pending_work(const struct vcpu *v)
{
	const struct vm_platform *p = v->vm->plat;
	return p->events_active &&
	       (p->dirty || p->irq_pending || (v->cpu_ctls & CPU_INTR_WINDOW_EXITING) || !p->timer_saved);
}

/* An external-interrupt exit at @vector: the host timer that stands in for
 * the preemption timer on CPUs without one? (Then it is EOIed and due
 * device events are looked at before the next entry.) */
bool events_host_timer_irq(struct vcpu *v, unsigned vector);

enum exit_action handle_hlt(struct vcpu *v);
enum exit_action handle_interrupt_window(struct vcpu *v);
enum exit_action handle_preemption_timer(struct vcpu *v);

#endif
