/* Is VT-x usable here? Explains every "no". */
#ifndef VMX_PROBE_H
#define VMX_PROBE_H
#include <stdbool.h>
#include <stdint.h>

/* Returns true when VMX can be turned on. Otherwise *why names the reason
 * ("VT-x not available on this CPU", "VT-x disabled by firmware", ...).
 * Sets and locks IA32_FEATURE_CONTROL when the firmware left it unlocked. */
bool vmx_probe(const char **why);

/* The decision itself, from the values the CPU reports (host-testable). */
struct vmx_probe_in {
	uint32_t cpuid1_ecx;
	uint64_t feature_control;	/* IA32_FEATURE_CONTROL */
	uint64_t basic;			/* IA32_VMX_BASIC */
	uint64_t exit_ctls;		/* IA32_VMX_(TRUE_)EXIT_CTLS */
};

enum vmx_probe_result {
	VMX_PROBE_OK,
	VMX_PROBE_NO_VMX,
	VMX_PROBE_DISABLED,
	VMX_PROBE_UNSUPPORTED,
};

/* *fc_write: a value to write to IA32_FEATURE_CONTROL first (0: none). The
 * capability MSRs may only be read once VMX is known to exist, so callers
 * read basic/exit_ctls only after a first call says it does. */
enum vmx_probe_result vmx_probe_decide(const struct vmx_probe_in *in, uint64_t *fc_write, const char **why);

#endif
