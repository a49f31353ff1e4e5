#!/usr/bin/env bash
# acpi-poweroff: on a machine with neither QEMU's isa-debug-exit nor Bochs's
# shutdown port, Shade powers off through ACPI S5 (PM1a_CNT from the FADT,
# SLP_TYP from the DSDT's \_S5). QEMU without the debug-exit device stands in
# for such a machine: it must end by itself, long before the timeout.
source "$(dirname "$0")/../lib/common.sh"

t_need_shade acpi-poweroff/image || t_done
out=$T_TMP/qemu.out
timeout 60 qemu-system-x86_64 -kernel "$SHADE_ELF" -append "log=debug" -m 128 \
	-display none -serial "file:$out" -no-reboot -monitor none </dev/null
rc=$?
if [ "$rc" -eq 0 ]; then
	t_pass acpi-poweroff/qemu-ended
else
	t_fail acpi-poweroff/qemu-ended "QEMU exited $rc (124: still running at the timeout)"
fi
if grep -a -q -E '^shade: debug: ACPI S5: PM1a_CNT [0-9a-f]+' "$out"; then
	t_pass acpi-poweroff/s5-found
else
	t_fail acpi-poweroff/s5-found "no 'ACPI S5' line in: $(tr -d '\r' <"$out" | tail -n 5)"
fi
if grep -a -q -E '^shade: end reason=no-vtx' "$out"; then
	t_pass acpi-poweroff/end-line
else
	t_fail acpi-poweroff/end-line "no end line"
fi
t_done
