#!/usr/bin/env bash
# vm-stops: a guest that triple-faults, and one that halts with interrupts
# off, are stopped with a message naming the VM and the cause; Shade itself
# stays up to report and end the run (shade-run: 245, vm-fault).
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/guest.sh"

t_need_shade vm-stops/image || t_done
t_need_guest vm-stops/program test-triple || t_done
shade_run --timeout 120 "$GUEST_DIR/test-triple.elf"
expect_line vm-stops/triple/message '^shade: error: vm0 stopped: triple fault at RIP [0-9a-f]+'
expect_line vm-stops/triple/exit-counts '^shade: vm0: [0-9]+ exits:.* triple fault=1'
expect_line vm-stops/triple/end-line '^shade: end reason=vm-fault'
expect_rc vm-stops/triple/exit-status 245

t_need_guest vm-stops/program test-hltcli || t_done
shade_run --timeout 120 "$GUEST_DIR/test-hltcli.elf"
expect_line vm-stops/hlt-cli/message '^shade: error: vm0 stopped: HLT with interrupts disabled at RIP [0-9a-f]+'
expect_line vm-stops/hlt-cli/end-line '^shade: end reason=vm-fault'
expect_rc vm-stops/hlt-cli/exit-status 245
t_done
