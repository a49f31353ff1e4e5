#!/usr/bin/env bash
# emul: the guest program test-emul-mmio runs every instruction form of
# issue 3 on RAM (the CPU's own result), then on MMIO (pc-testdev's echo RAM
# at 0xff000000, every access through Shade's emulator), across a RAM/MMIO
# page boundary both ways, and with forced emulation (UD2 "kvm" marker),
# in 32-bit and 64-bit code, and compares. Without force-emulation=on the
# MMIO cases still run (the guest finds the marker off and skips only the
# forced-emulation half, which is not counted).
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/guest.sh"

t_need_shade emul/image || t_done
t_need_guest emul/program test-emul-mmio || t_done
shade_run --timeout 600 --hv-args "force-emulation=on" "$GUEST_DIR/test-emul-mmio.elf"
expect_guest_results emul/forced
expect_line emul/forced/mode '^\[vm0\] test-emul-mmio: .*forced emulation: yes'
expect_rc emul/forced/exit-status 0

shade_run --timeout 600 "$GUEST_DIR/test-emul-mmio.elf"
expect_guest_results emul/mmio-only 0 allow-skips
expect_line emul/mmio-only/fep-off '^\[vm0\] SKIP emul-fep'
# The checks repeat each instruction: after the first time the MMIO fast
# path (vmx/mmio_fast.c) finishes the plain moves, and the results above
# are its results.
expect_line emul/mmio-only/fast-path-used '^shade: vm0: emulator: .* mmio-fast=[0-9]{4,}'
expect_rc emul/mmio-only/exit-status 0
t_done
