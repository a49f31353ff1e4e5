#!/usr/bin/env bash
# exits: the guest program test-exits drives every exit handler of the
# bring-up (CPUID policy, hypercalls, port I/O incl. string I/O, the MSR
# allow-list, CR accesses, exceptions) and checks what the guest sees. It runs
# on the main model and on Core 2 Penryn, which lacks EPT, unrestricted guest
# and the VM-entry/exit EFER controls (Shade uses MSR-load areas there).
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/guest.sh"

t_need_shade exits/image || t_done
t_need_guest exits/program test-exits || t_done
for cpu in corei7_skylake_x core2_penryn_t9600; do
	shade_run --timeout 240 --cpu "$cpu" "$GUEST_DIR/test-exits.elf"
	expect_guest_results "exits/$cpu"
	expect_line "exits/$cpu/end-line" '^shade: end reason=guest status=0$'
	expect_rc "exits/$cpu/exit-status" 0
done
t_done
