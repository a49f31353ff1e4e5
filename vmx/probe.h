/* Is VT-x usable here? Explains every "no". */
#ifndef VMX_PROBE_H
#define VMX_PROBE_H
#include <stdbool.h>

/* Returns true when VMX can be turned on. Otherwise *why names the reason
 * ("VT-x not available on this CPU", "VT-x disabled by firmware", ...).
 * Sets and locks IA32_FEATURE_CONTROL when the firmware left it unlocked. */
bool vmx_probe(const char **why);

#endif
