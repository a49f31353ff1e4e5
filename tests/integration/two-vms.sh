#!/usr/bin/env bash
# two-vms: two guests at once, given as vm0 (KERNEL) and vm1 (--vm ...), each
# on its own console prefix. vm0 ends with status 0 (EXIT hypercall), vm1
# with 5 (0x02 to port 0xf4): the run's status is the non-zero one.
# (multi-vm.sh checks that a fault in one VM spares the other.)
source "$(dirname "$0")/../lib/common.sh"

t_need_shade two-vms/image || t_done
a=$T_TMP/vm-a.elf b=$T_TMP/vm-b.elf
if ! mb_kernel "$a" --line "guest A says hello" --vmcall-exit 0 ||
   ! mb_kernel "$b" --line "guest B says hello" --exit 0x02; then
	t_fail two-vms/build "could not assemble the test kernels"
	t_done
fi

shade_run --timeout 180 "$a" --vm "$b mem=32M"
expect_line two-vms/vm0-console '^\[vm0\] guest A says hello$'
expect_line two-vms/vm1-console '^\[vm1\] guest B says hello$'
expect_line two-vms/end-line '^shade: end reason=guest status=5$'
expect_rc two-vms/exit-status 5

t_done
