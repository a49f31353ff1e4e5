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

#include "vmx/platform.h"
/* The exit path's test: is there event work before this entry? */
static inline bool events_pending_work(const struct vcpu *v)
{
	return v->vm->plat->events_active;
}

/* Set the guest's TSC to start at 0 now; remember the control fields. */
void events_init(struct vcpu *v);

enum exit_action handle_hlt(struct vcpu *v);
enum exit_action handle_interrupt_window(struct vcpu *v);
enum exit_action handle_preemption_timer(struct vcpu *v);

#endif
