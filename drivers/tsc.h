/* The host TSC as Shade's clock. */
#ifndef DRIVERS_TSC_H
#define DRIVERS_TSC_H
#include <stdint.h>

/* Measure the TSC frequency against the PIT (channel 2, gated through port
 * 0x61), once at boot. Under Bochs with `clock: sync=none` this is the
 * configured ips; on hardware the nominal TSC frequency. */
void tsc_calibrate(void);
uint64_t tsc_hz(void);
/* TSC ticks <-> nanoseconds, without overflow for spans of centuries. */
uint64_t tsc_to_ns(uint64_t ticks);
uint64_t ns_to_tsc(uint64_t ns);

#endif
