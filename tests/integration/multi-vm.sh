#!/usr/bin/env bash
# multi-vm: two VMs side by side. vm0 triple-faults early; Shade stops it,
# names it, and keeps running vm1, whose every exit-handler check passes.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/guest.sh"

t_need_shade multi-vm/image || t_done
t_need_guest multi-vm/program test-triple || t_done
t_need_guest multi-vm/program test-exits || t_done
shade_run --timeout 240 "$GUEST_DIR/test-triple.elf" --vm "$GUEST_DIR/test-exits.elf mem=32M"
expect_line multi-vm/vm0-stopped '^shade: error: vm0 stopped: triple fault'
expect_guest_results multi-vm/vm1 1
expect_line multi-vm/vm1-exited '^shade: vm1 exited with status 0'
expect_line multi-vm/end-line '^shade: end reason=vm-fault'
expect_rc multi-vm/exit-status 245
t_done
