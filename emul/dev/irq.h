/* The wires between device models and the VMX side (notes/DEVICES.md):
 * interrupt request lines out of a device, the guest clock a timed model
 * reads, and the reset/power-off requests a model can make. Portable: the
 * models only call these; the VMX side (or a unit test) supplies them. */
#ifndef EMUL_DEV_IRQ_H
#define EMUL_DEV_IRQ_H
#include <stdint.h>
#include <stdbool.h>

/* An interrupt request output. Edge sources (PIT OUT0) call set(line, true)
 * on the rising edge and set(line, false) when the output falls; level
 * sources hold the level. @set may be NULL: the line is not connected. */
struct irq_line {
	void (*set)(void *ctx, unsigned line, bool level);
	void *ctx;
};

static inline void irq_line_set(const struct irq_line *l, unsigned line, bool level)
{
	if (l && l->set)
		l->set(l->ctx, line, level);
}

/* Guest time in nanoseconds, monotonic. A model reads it on register
 * accesses that depend on time (PIT count, RTC seconds). @now_ns NULL: 0. */
struct dev_clock {
	uint64_t (*now_ns)(void *ctx);
	void *ctx;
};

static inline uint64_t dev_clock_now(const struct dev_clock *c)
{
	return (c && c->now_ns) ? c->now_ns(c->ctx) : 0;
}

/* Requests a model makes of the whole VM (i8042 0xFE, port 0xCF9, ACPI S5).
 * The VMX side acts on them after the exit that made them; either may be NULL. */
struct vm_control {
	void (*reset)(void *ctx);
	void (*poweroff)(void *ctx);
	void *ctx;
};

static inline void vm_control_reset(const struct vm_control *v)
{
	if (v && v->reset)
		v->reset(v->ctx);
}

static inline void vm_control_poweroff(const struct vm_control *v)
{
	if (v && v->poweroff)
		v->poweroff(v->ctx);
}

/* Conversions between guest nanoseconds and whole cycles of a device clock
 * of @hz (8254: 1193182 Hz, MC146818 time base: 32768 Hz). Split at whole
 * seconds so the products stay below 2^64 for any 64-bit time (no 128-bit
 * division in the freestanding build). dev_ticks(ns) = floor(ns * hz / 1e9);
 * dev_tick_ns(t) = the first nanosecond at which dev_ticks() reaches t. */
#define DEV_NS_PER_SEC 1000000000ull

static inline uint64_t dev_ticks(uint64_t ns, uint64_t hz)
{
	return ns / DEV_NS_PER_SEC * hz + ns % DEV_NS_PER_SEC * hz / DEV_NS_PER_SEC;
}

static inline uint64_t dev_tick_ns(uint64_t t, uint64_t hz)
{
	uint64_t s = t / hz, r = t % hz;

	if (s >= UINT64_MAX / DEV_NS_PER_SEC)
		return UINT64_MAX;
	return s * DEV_NS_PER_SEC + (r * DEV_NS_PER_SEC + hz - 1) / hz;
}

#endif
