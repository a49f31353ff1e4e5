/* Building VMs from what the boot loader handed over. */
#ifndef VMX_VM_BOOT_H
#define VMX_VM_BOOT_H
#include <stdbool.h>
#include "guest/mbinfo.h"
#include "guest/hvopts.h"

/* Parse every module line, group modules into VMs, load each VM's kernel
 * and Multiboot information, and start its vCPU. Without modules, the
 * built-in demo guest becomes vm0. False (after saying why, naming the
 * module) when any module is unusable: Shade then runs no VM at all. */
bool vms_build(const struct mbinfo *mbi, const struct hvopts *opts);

#endif
