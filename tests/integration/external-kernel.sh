#!/usr/bin/env bash
# external-kernel: a Multiboot kernel that is not part of the project, built
# here from generated assembly, runs as vm0 under Bochs. Its COM1 line shows
# up as "[vm0] ...", and the value it writes to port 0xf4 (0x15) becomes
# shade-run's exit status (0x15 << 1) | 1 = 43.
source "$(dirname "$0")/../lib/common.sh"

t_need_shade external-kernel/image || t_done
kernel=$T_TMP/hello-kernel.elf
line="hello from an external Multiboot kernel"
if ! mb_kernel "$kernel" --line "$line" --exit 0x15; then
	t_fail external-kernel/build "could not assemble the test kernel"
	t_done
fi

shade_run --timeout 120 "$kernel"
expect_line external-kernel/console "^\[vm0\] $line\$"
expect_line external-kernel/end-line '^shade: end reason=guest status=43$'
expect_rc external-kernel/exit-status 43
t_done
