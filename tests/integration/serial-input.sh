#!/usr/bin/env bash
# serial-input: bytes typed on Shade's serial port reach the guest's COM1
# (LSR data-ready, RBR). A generated Multiboot guest prints "ready for
# input", reads 11 bytes by polling LSR bit 0, and prints them back; the
# input is typed through shade-run --input once that line is on the console.
source "$(dirname "$0")/../lib/common.sh"

t_need_shade serial-input/image || t_done
kernel=$T_TMP/reader.elf
if ! mb_kernel "$kernel" --read-input 11 --line "reader done" --exit 0x07; then
	t_fail serial-input/build "could not assemble the test kernel"
	t_done
fi
shade_run --timeout 180 --input 'typed ok 42' --input-after '^\[vm0\] ready for input' "$kernel"
expect_line serial-input/prompt '^\[vm0\] ready for input$'
expect_line serial-input/received '^\[vm0\] got: typed ok 42$'
expect_line serial-input/guest-continued '^\[vm0\] reader done$'
expect_rc serial-input/exit-status 15
t_done
