#!/usr/bin/env bash
# console-focus: with two VMs, what is typed on Shade's serial port goes to
# the VM with the console focus: vm0 first; Ctrl-A 1 moves it to vm1, Ctrl-A
# 0 back (QEMU's muxed-console convention). Each VM is a generated guest
# that reads three bytes from its COM1 and prints them.
source "$(dirname "$0")/../lib/common.sh"

t_need_shade console-focus/image || t_done
k0=$T_TMP/reader0.elf
k1=$T_TMP/reader1.elf
if ! mb_kernel "$k0" --read-input 3 --line "reader0 done" --exit 0 ||
   ! mb_kernel "$k1" --read-input 3 --line "reader1 done" --exit 0; then
	t_fail console-focus/build "could not assemble the test kernels"
	t_done
fi
shade_run --timeout 240 --input $'\x011bbb\x010aaa' --input-after '^\[vm1\] ready for input' \
	"$k0" --vm "$k1 mem=16M"
expect_line console-focus/vm1-focused '^shade: console input now goes to vm1$'
expect_line console-focus/vm1-got-its-bytes '^\[vm1\] got: bbb$'
expect_line console-focus/vm0-focused '^shade: console input now goes to vm0$'
expect_line console-focus/vm0-got-its-bytes '^\[vm0\] got: aaa$'
expect_line console-focus/both-done '^\[vm1\] reader1 done$'
t_done
