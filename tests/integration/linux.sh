#!/usr/bin/env bash
# linux: Debian's cloud kernel (tools/prepare-linux) boots under Shade in
# Bochs with the busybox initramfs, to userspace, and powers off cleanly
# (issue 6). /init (tests/linux/init) prints "SHADE-LINUX: ..." markers:
# userspace up, the TSC, `uname -r`, /proc/cpuinfo's hypervisor flag, eight
# children (each a fork+exec: a new address space for the shadow MMU, and an
# exit), a pipeline, a background job, a tmpfs write/read-back, "all done",
# then `poweroff -f` (ACPI S5): Shade ends the VM with status 0.
#
# Time: on bare Bochs (tests/run-bench-linux) this boot takes 35-65 s of
# wall time on a loaded 2-core machine (BIOS and GRUB ~13 s of it; 0.66 G
# ticks from kernel entry to userspace). Under Shade every VM exit adds about
# 9 us plus Shade's own instructions; the whole test takes about 30-60 s
# (~120 K exits). 600 s leaves room without letting a hang eat CI's hour.
# SHADE_LINUX_TIMEOUT overrides it.
# shellcheck source=tests/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

t_need_shade linux/image || t_done

linux_dir=${SHADE_LINUX_DIR:-$REPO/build/linux}
if ! "$REPO/tools/prepare-linux" -q "$linux_dir" >"$T_TMP/prepare.log" 2>&1; then
	sed 's/^/    | /' "$T_TMP/prepare.log"
	t_fail linux/prepare "tools/prepare-linux failed (it needs Debian's package mirror)"
	t_done
fi
release=$(cat "$linux_dir/kernel-release")
cmdline=$(sed 's/#.*//' "$REPO/tests/linux/cmdline" | xargs)

shade_run --timeout "${SHADE_LINUX_TIMEOUT:-600}" --mem 256M \
	--initrd "$linux_dir/initrd.gz" --append "$cmdline" "$linux_dir/vmlinuz"
echo "    linux: shade-run exit $RUN_RC after ${RUN_SECS}s"

m='^\[vm0\] SHADE-LINUX: '
expect_line linux/kernel-banner '^\[vm0\] .*Linux version [0-9]'
expect_line linux/userspace "${m}userspace up\$"
expect_line linux/tsc "${m}tsc [0-9]+\$"
expect_line linux/uname "${m}kernel ${release//./\\.}\$"
expect_line linux/hypervisor-flag "${m}cpuinfo hypervisor flag: yes\$"
children=$(grep -a -c -E "${m}child [0-9]+ \([1-8]\)\$" "$RUN_OUT")
t_check linux/eight-children test "$children" = 8
expect_line linux/children-ok "${m}children ok\$"
expect_line linux/pipeline "${m}pipeline ok\$"
expect_line linux/background-job "${m}background job ok\$"
expect_line linux/tmpfs "${m}tmpfs ok\$"
expect_no_line linux/no-failed-check "${m}FAIL"
expect_line linux/all-done "${m}all done\$"
expect_no_line linux/no-panic '^\[vm0\] .*(Kernel panic|BUG: |Oops: |general protection fault)'
expect_line linux/acpi-power-down '^\[vm0\] .*reboot: Power down'
expect_line linux/exit-counts '^shade: vm0: [0-9]+ exits:'
expect_line linux/end-line '^shade: end reason=guest status=0$'
expect_rc linux/exit-status 0

# Interactive: with shade.shell, /init starts a shell on the console; what is
# typed on Shade's serial port reaches it (the guest sleeps until IRQ4, so
# Shade looks at its UART on timer exits), and `exit` powers off.
shade_run --timeout "${SHADE_LINUX_TIMEOUT:-600}" --mem 256M --initrd "$linux_dir/initrd.gz" \
	--append "$cmdline shade.shell" --input $'echo typed-$((6*7))\nexit\n' \
	--input-after 'SHADE-LINUX: interactive shell' "$linux_dir/vmlinuz"
expect_line linux/shell/prompt '^\[vm0\] SHADE-LINUX: interactive shell'
expect_line linux/shell/typed-command-ran '^\[vm0\] typed-42$'
expect_line linux/shell/exit-powers-off '^\[vm0\] SHADE-LINUX: all done$'
expect_rc linux/shell/exit-status 0
t_done
