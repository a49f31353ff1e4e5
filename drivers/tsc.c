/* TSC calibration against the 8254 PIT's channel 2 (1.193182 MHz), the
 * classic way: gate on, count down a known interval in mode 0, watch OUT2
 * through port 0x61 (Intel 8254 data sheet; PC port 0x61 bits 0, 1, 5). */
#include "drivers/tsc.h"
#include "lib/x86.h"
#include "lib/log.h"

#define PIT_HZ 1193182ull
#define CAL_PIT_TICKS 11932u	/* ~10 ms */

static uint64_t hz = 1000000000ull;	/* until calibrated: 1 GHz */

void tsc_calibrate(void)
{
	uint8_t p61 = inb(0x61);
	outb(0x61, (p61 & ~0x02) | 0x01);	/* gate 2 on, speaker off */
	outb(0x43, 0xb0);			/* channel 2, lo/hi, mode 0, binary */
	outb(0x42, CAL_PIT_TICKS & 0xff);
	outb(0x42, CAL_PIT_TICKS >> 8);
	uint64_t start = rdtsc(), end = start;
	/* OUT2 goes high when the count reaches 0; bound the wait so a PIT
	 * that never answers can't hang the boot. */
	for (unsigned long i = 0; i < 100000000ul; i++) {
		if (inb(0x61) & 0x20) {
			end = rdtsc();
			break;
		}
	}
	outb(0x61, p61);
	if (end > start) {
		hz = (end - start) * PIT_HZ / CAL_PIT_TICKS;
		log_info("TSC: %lu.%03lu MHz", hz / 1000000, hz / 1000 % 1000);
	} else {
		log_warn("TSC calibration failed (PIT silent): assuming 1 GHz");
	}
}

uint64_t tsc_hz(void)
{
	return hz;
}

/* Split into whole seconds and the rest, so no product overflows 64 bits
 * for any TSC below 18 GHz (and no 128-bit division needs libgcc). */
uint64_t tsc_to_ns(uint64_t ticks)
{
	return ticks / hz * 1000000000ull + ticks % hz * 1000000000ull / hz;
}

uint64_t ns_to_tsc(uint64_t ns)
{
	return ns / 1000000000ull * hz + ns % 1000000000ull * hz / 1000000000ull;
}
