#!/usr/bin/env bash
# qemu-no-vtx: QEMU's TCG CPU has no VMX. Shade, booted by QEMU's Multiboot
# loader (-kernel) and once through GRUB from the ISO, must refuse cleanly:
# the reason on the console, reason=no-vtx, shade-run exit 243.
source "$(dirname "$0")/../lib/common.sh"

t_need_shade qemu-no-vtx/image || t_done

shade_run --emu qemu --timeout 60
expect_line qemu-no-vtx/direct/message 'VT-x not available on this CPU'
expect_line qemu-no-vtx/direct/end-line '^shade: end reason=no-vtx '
expect_rc qemu-no-vtx/direct/exit-status 243
expect_err qemu-no-vtx/direct/diagnosis 'VT-x'

# The GRUB path: the same refusal from the ISO that Bochs and USB sticks boot.
shade_run --emu qemu --boot iso --timeout 120
expect_line qemu-no-vtx/iso/message 'VT-x not available on this CPU'
expect_rc qemu-no-vtx/iso/exit-status 243
t_done
