#ifndef VMX_DUMP_H
#define VMX_DUMP_H
#include <stdint.h>
const char *vmx_insn_error_name(uint64_t err);
const char *vmx_exit_name(uint32_t reason);
/* Every field worth seeing of the current VMCS, one per line. */
void vmcs_dump_fields(void);
#endif
