#!/usr/bin/env bash
# two-vms: two guests at once, given as vm0 (KERNEL) and vm1 (--vm ...), each
# on its own console prefix. The run's status is the first non-zero guest
# status. Then a triple fault in vm0 stops vm0 only: vm1 still runs to its
# end, and the run ends with reason vm-fault (exit 245).
source "$(dirname "$0")/../lib/common.sh"

t_need_shade two-vms/image || t_done
a=$T_TMP/vm-a.elf b=$T_TMP/vm-b.elf tf=$T_TMP/vm-triple.elf
if ! mb_kernel "$a" --line "guest A says hello" --exit 0 ||
   ! mb_kernel "$b" --line "guest B says hello" --exit 0x02 ||
   ! mb_kernel "$tf" --line "guest T faults now" --triple-fault; then
	t_fail two-vms/build "could not assemble the test kernels"
	t_done
fi

shade_run --timeout 180 "$a" --vm "$b mem=32M"
expect_line two-vms/vm0-console '^\[vm0\] guest A says hello$'
expect_line two-vms/vm1-console '^\[vm1\] guest B says hello$'
expect_line two-vms/end-line '^shade: end reason=guest status=5$'
expect_rc two-vms/exit-status 5

shade_run --timeout 180 "$tf" --vm "$a mem=16M"
expect_line two-vms/fault/vm0-console '^\[vm0\] guest T faults now$'
expect_line two-vms/fault/vm1-still-runs '^\[vm1\] guest A says hello$'
expect_line two-vms/fault/end-line '^shade: end reason=vm-fault '
expect_rc two-vms/fault/exit-status 245
t_done
