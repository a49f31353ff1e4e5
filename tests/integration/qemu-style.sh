#!/usr/bin/env bash
# qemu-style: a test kernel of the kind people boot with `qemu -kernel`
# (tests/qemu-style/kernel.c, built here: COM1 output, fw_cfg, an
# environment module, pc-testdev's ports and MMIO RAM, isa-debug-exit) runs
# unchanged under Shade, reports the same results as on bare QEMU, and its
# exit status arrives as QEMU's would: (value << 1) | 1.
source "$(dirname "$0")/../lib/common.sh"

t_need_shade qemu-style/image || t_done
src=$REPO/tests/qemu-style
k=$T_TMP/kernel.elf
if ! gcc -m32 -ffreestanding -fno-pic -fno-pie -nostdlib -static -O2 -fno-stack-protector \
	-fno-asynchronous-unwind-tables -mgeneral-regs-only -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
	-Wl,-T,"$src/kernel.ld" -o "$k" "$src/kernel.c" 2>"$T_TMP/cc.err"; then
	t_fail qemu-style/build "$(head -n 5 "$T_TMP/cc.err")"
	t_done
fi
env=$T_TMP/env.txt
printf 'A=12\nB=30\nSUM=42\nEXIT=21\n' >"$env"

# Bare QEMU first: the reference output.
qout=$T_TMP/qemu.out
timeout 60 qemu-system-x86_64 -kernel "$k" -initrd "$env" -m 128 -display none -no-reboot \
	-monitor none -serial "file:$qout" -device isa-debug-exit,iobase=0xf4,iosize=4 \
	-device pc-testdev </dev/null
qrc=$?
if [ "$qrc" = 43 ]; then t_pass qemu-style/bare-qemu-status; else t_fail qemu-style/bare-qemu-status "QEMU exited $qrc, want 43"; fi

shade_run --timeout 180 --mem 64M --module "$env" "$k"
expect_rc qemu-style/shade-status 43
expect_line qemu-style/all-passed '^\[vm0\] qemu-style: all passed$'
expect_line qemu-style/env '^\[vm0\] env: A=12 B=30$'
# The same result lines, in the same order, as on bare QEMU (except the
# checksum of the RAM size, which depends on --mem / -m).
tr -d '\r' <"$qout" | grep -E '^(PASS|FAIL|env:)' >"$T_TMP/q.lines"
sed -n 's/^\[vm0\] //p' "$RUN_OUT" | grep -E '^(PASS|FAIL|env:)' >"$T_TMP/s.lines"
if [ -s "$T_TMP/q.lines" ] && cmp -s "$T_TMP/q.lines" "$T_TMP/s.lines"; then
	t_pass qemu-style/same-results-as-qemu
else
	t_fail qemu-style/same-results-as-qemu "$(diff "$T_TMP/q.lines" "$T_TMP/s.lines" | head -n 8 | tr '\n' ' ')"
fi

# A guest that resets its machine (port 0xcf9) boots again from scratch;
# one that does so forever is stopped after 64 resets, Shade staying up.
printf 'A=1\nB=2\nSUM=3\nEXIT=0\nRESET=1\n' >"$env"
shade_run --timeout 300 --mem 64M --module "$env" "$k"
n=$(grep -a -c '^\[vm0\] qemu-style: start$' "$RUN_OUT")
if [ "$n" = 65 ]; then
	t_pass qemu-style/reset-boots-again
else
	t_fail qemu-style/reset-boots-again "the kernel started $n times, want 65 (1 + 64 resets)"
fi
expect_line qemu-style/reset-logged '^shade: vm0 reset by the guest \(reset control port 0xcf9 or 0x92\): restarting it$'
expect_line qemu-style/reset-loop-stopped '^shade: error: vm0 stopped: reset by the guest .* 65 times: giving up$'
expect_rc qemu-style/reset-loop-exit-status 245
t_done
