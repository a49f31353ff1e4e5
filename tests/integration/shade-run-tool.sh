#!/usr/bin/env bash
# shade-run-tool: tools/shade-run itself, independent of the hypervisor. A
# stand-in Multiboot kernel takes Shade's place (--shade): one prints the
# Multiboot command line and module strings it was handed, others print a
# chosen "shade: end ..." line, triple-fault, or hang. This checks the GRUB
# and QEMU boot paths, the module lines shade-run writes, the exit-status
# mapping, timeouts, GRUB errors, usage errors, clean-up and parallel runs.
source "$(dirname "$0")/../lib/common.sh"

k=$T_TMP/k
mkdir -p "$k"
export TMPDIR=$T_TMP/tmp	# shade-run's temporary directories go here
mkdir -p "$TMPDIR"

build() {	# name mb_kernel-options...
	local name=$1; shift
	mb_kernel "$k/$name.elf" --uart-init --shutdown "$@" ||
		{ t_fail "shade-run-tool/build-$name" "mb_kernel failed"; t_done; }
}
build echo --echo-mbi --line 'shade: end reason=guest status=0'
# No exit port, no shutdown: only the timeout ends it.
mb_kernel "$k/hang.elf" --uart-init --line 'shade: hanging here' ||
	{ t_fail shade-run-tool/build-hang "mb_kernel failed"; t_done; }
build triple --line 'shade: about to triple-fault' --triple-fault
: >"$k/guest.bin"; printf 'initrd' >"$k/initrd.img"; printf 'mod' >"$k/mod.bin"

# --- module lines through GRUB (Bochs) and QEMU's loader -------------------
SHADE_ELF=$k/echo.elf
shade_run --timeout 120 --hv-args 'log=debug force-emulation=off' \
	--mem 16M --append 'root=/dev/sda quiet' --initrd "$k/initrd.img" \
	--module "$k/mod.bin hello world" --vm "$k/guest.bin mem=32M -- x=1" "$k/guest.bin"
expect_rc shade-run-tool/grub/exit-status 0
expect_line shade-run-tool/grub/cmdline '^cmdline: log=debug force-emulation=off$'
expect_line shade-run-tool/grub/kernel '^module: vm=0 role=kernel mem=16M -- root=/dev/sda quiet$'
expect_line shade-run-tool/grub/initrd '^module: vm=0 role=initrd$'
expect_line shade-run-tool/grub/module '^module: vm=0 role=module -- hello world$'
expect_line shade-run-tool/grub/vm1 '^module: vm=1 role=kernel mem=32M -- x=1$'

shade_run --emu qemu --timeout 60 --hv-args 'log=debug' --append 'a b' "$k/guest.bin"
expect_rc shade-run-tool/qemu-direct/exit-status 0
expect_line shade-run-tool/qemu-direct/cmdline '^cmdline: [^ ]*echo\.elf log=debug$'
expect_line shade-run-tool/qemu-direct/kernel '^module: [^ ]*/guest\.bin vm=0 role=kernel mem=64M -- a b$'

# Words GRUB's parser would otherwise eat ($, quotes, ;) reach the kernel.
# shellcheck disable=SC2016  # a literal $ is the point
shade_run --timeout 120 --append 'x=$HOME;y' "$k/guest.bin"
# shellcheck disable=SC2016
expect_line shade-run-tool/grub/quoting '^module: vm=0 role=kernel mem=64M -- x=\$HOME;y$'

# --- --input: COM1 over a local socket, typed after a console line -------
mb_kernel "$k/reader.elf" --uart-init --shutdown --read-input 6 \
	--line 'shade: end reason=guest status=0' ||
	{ t_fail shade-run-tool/build-reader "mb_kernel failed"; t_done; }
SHADE_ELF=$k/reader.elf
for emu in bochs qemu; do
	shade_run --emu "$emu" --timeout 120 --input 'ab\tc\nd' --input-after '^ready for input'
	expect_line "shade-run-tool/input/$emu" "^got: ab$(printf '\t')c\$"
	expect_rc "shade-run-tool/input/$emu/exit-status" 0
done

# --- the emulator commands (--dry-run): KVM can't be run here ------------
SHADE_ELF=$k/echo.elf
shade_run --emu kvm --dry-run --hv-args log=debug "$k/guest.bin"
expect_rc shade-run-tool/kvm/dry-run 0
expect_line shade-run-tool/kvm/accel '^timeout .* qemu-system-x86_64 .*-enable-kvm -cpu host\\,\+vmx '
expect_line shade-run-tool/kvm/exit-device ' -device isa-debug-exit\\,iobase=0xf4\\,iosize=0x04 '
expect_line shade-run-tool/kvm/multiboot ' -kernel [^ ]*echo\.elf -append log=debug -initrd [^ ]*/guest\.bin\\ vm=0\\ role=kernel\\ mem=64M'
expect_line shade-run-tool/kvm/no-reboot ' -no-reboot .*-m 192 '
shade_run --dry-run --cpu core2_penryn_t9600 --mem 100M "$k/guest.bin"
expect_line shade-run-tool/bochsrc/cpu '^cpu: model=core2_penryn_t9600, count=1, ips=50000000, reset_on_triple_fault=0$'
expect_line shade-run-tool/bochsrc/clock '^clock: sync=none, time0=946684800$'
expect_line shade-run-tool/bochsrc/memory '^memory: guest=228, host=228$'
expect_line shade-run-tool/bochsrc/display '^display_library: rfb, options="timeout=0"$'
expect_line shade-run-tool/bochsrc/panic '^panic: action=fatal$'

# --- exit status from the end line ---------------------------------------
for case in guest:7:7 guest:0:0 guest:300:239 panic:1:240 entry-failure:1:241 \
	no-vtx:1:243 bad-guest:1:244 vm-fault:0:245; do
	IFS=: read -r reason status want <<<"$case"
	build "end-$reason-$status" --line "shade: error: stand-in says $reason" \
		--line "shade: end reason=$reason status=$status"
	SHADE_ELF=$k/end-$reason-$status.elf
	shade_run --emu qemu --timeout 60
	expect_rc "shade-run-tool/status/$reason-$status" "$want"
	if [ "$want" -ge 239 ]; then
		expect_err "shade-run-tool/status/$reason-$status/diagnosis" "\\(exit $want, "
	fi
done
expect_err shade-run-tool/status/diagnosis-names-error 'stand-in says vm-fault'

# --- runs that end without an end line -----------------------------------
SHADE_ELF=$k/triple.elf
shade_run --timeout 120
expect_rc shade-run-tool/bochs-triple-fault 240
expect_err shade-run-tool/bochs-triple-fault/diagnosis 'triple fault'
shade_run --emu qemu --timeout 60
expect_rc shade-run-tool/qemu-triple-fault 240

SHADE_ELF=$k/hang.elf
shade_run --timeout 25
expect_rc shade-run-tool/timeout 242
expect_err shade-run-tool/timeout/diagnosis 'timeout after 25s; last console line: shade: hanging here'

SHADE_ELF=$k/initrd.img	# not a Multiboot image: GRUB refuses it
shade_run --timeout 120
expect_rc shade-run-tool/grub-error 246
expect_err shade-run-tool/grub-error/diagnosis 'GRUB failed'
if [ "$RUN_SECS" -le 30 ]; then t_pass shade-run-tool/grub-error/fast
else t_fail shade-run-tool/grub-error/fast "took ${RUN_SECS}s"; fi

# --- usage errors ----------------------------------------------------------
SHADE_ELF=$k/echo.elf
for bad in "unknown-option|--bogus" "mem-without-suffix|--mem 12 $k/guest.bin" \
	"unknown-emu|--emu vmware" "missing-kernel-file|$k/missing.elf" \
	"append-without-kernel|--append x" "zero-timeout|--timeout 0" \
	"vm-without-value|--vm" "direct-boot-on-bochs|--boot direct"; do
	# shellcheck disable=SC2086  # split the option words on purpose
	shade_run ${bad#*|}
	expect_rc "shade-run-tool/usage/${bad%%|*}" 246
done

# --- two Bochs runs at once, output files, clean-up --------------------------
SHADE_ELF=$k/echo.elf
"$SHADE_RUN" --shade "$k/echo.elf" --quiet --serial-log "$T_TMP/p1.log" "$k/guest.bin" &
p1=$!
"$SHADE_RUN" --shade "$k/echo.elf" --quiet --serial-log "$T_TMP/p2.log" "$k/mod.bin" &
p2=$!
wait $p1; rc1=$?
wait $p2; rc2=$?
if [ $rc1 = 0 ] && [ $rc2 = 0 ] &&
   grep -q 'vm=0 role=kernel' "$T_TMP/p1.log" && grep -q 'vm=0 role=kernel' "$T_TMP/p2.log"; then
	t_pass shade-run-tool/parallel
else
	t_fail shade-run-tool/parallel "exit statuses $rc1 and $rc2"
fi
shade_run --iso-only "$T_TMP/out.iso" "$k/guest.bin"
expect_rc shade-run-tool/iso-only 0
t_check shade-run-tool/iso-only/file test -s "$T_TMP/out.iso"
leftover=$(find "$TMPDIR" -mindepth 1 -maxdepth 1 -name 'shade-run.*' | head -n 3)
if [ -z "$leftover" ]; then t_pass shade-run-tool/cleanup
else t_fail shade-run-tool/cleanup "left behind: $leftover"; fi
t_done
