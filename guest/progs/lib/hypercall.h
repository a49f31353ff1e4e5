/*
 * Shade's hypercall ABI (VMCALL from CPL 0, EAX = function; see
 * notes in README/COMMON): VERSION, PRINT, EXIT, EXIT_COUNT. Only call these
 * when shade_present() says so: elsewhere VMCALL raises #UD.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

enum {
	HC_VERSION = 0,
	HC_PRINT = 1,
	HC_EXIT = 2,
	HC_EXIT_COUNT = 3,
};

#define HC_ERROR 0xffffffffu    /* -1 in EAX */
#define HC_PRINT_MAX 4096

/* CPUID.1:ECX bit 31 set and leaf 0x40000000 signed "Shade". */
bool shade_present(void);
/* The 12 signature bytes of leaf 0x40000000 (EBX, ECX, EDX) and its EAX. */
void hv_signature(char sig[13], uint32_t *max_leaf);

uint32_t hc_version(void);
uint32_t hc_print(const void *buf, uint32_t len);
uint64_t hc_exit_count(void);
void hc_exit(uint32_t status);

#endif
