#!/usr/bin/env bash
# linux-bad: Linux kernels and initrds Shade cannot load are refused at once
# with a clear "shade:" message naming the cause, reason=bad-guest and
# shade-run exit 244, and the guest never runs (a hang would be a timeout,
# 242). The kernel is Debian's cloud kernel from tools/prepare-linux (the
# one `make run-linux` boots), spoiled three ways:
#   - truncated: its first half (the setup header says more follows);
#   - old-protocol: boot protocol version patched to 2.09 (Shade needs 2.10+);
#   - initrd-too-big: the intact kernel in 56 MiB of guest RAM (it needs
#     about 54 MiB: init_size, 51.5 MiB, from 2 MiB) with an 8 MiB initrd,
#     which fits neither beside nor below it. (A small initrd keeps GRUB's
#     loading short: every MiB on the ISO costs Bochs about a second.)
# shellcheck source=tests/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

t_need_shade linux-bad/image || t_done

linux_dir=${SHADE_LINUX_DIR:-$REPO/build/linux}
if ! "$REPO/tools/prepare-linux" -q "$linux_dir" >"$T_TMP/prepare.log" 2>&1; then
	sed 's/^/    | /' "$T_TMP/prepare.log"
	t_fail linux-bad/prepare "tools/prepare-linux failed (it needs Debian's package mirror)"
	t_done
fi
vmlinuz=$linux_dir/vmlinuz
size=$(stat -c %s "$vmlinuz")

# The first half: the setup header is intact, the kernel body is cut.
truncated=$T_TMP/vmlinuz-truncated
head -c $((size / 2)) "$vmlinuz" >"$truncated"

# Protocol version (16-bit little-endian at 0x206) 2.09 instead of 2.15:
# before 2.10 there is no init_size or pref_address.
oldproto=$T_TMP/vmlinuz-2.09
cp "$vmlinuz" "$oldproto"
printf '\x09\x02' | dd of="$oldproto" bs=1 seek=$((0x206)) conv=notrunc status=none
version=$(od -A n -t x2 -j $((0x206)) -N 2 "$vmlinuz" | tr -d ' ')
t_check linux-bad/real-kernel-is-2.10+ test "$((16#$version))" -ge $((0x20a))

# 8 MiB of initrd, more than the kernel leaves free in 56 MiB.
bigrd=$T_TMP/initrd-8M
head -c $((8 << 20)) /dev/zero >"$bigrd"

check_bad() {	# name cause-ERE shade-run arguments...
	local name=linux-bad/$1 cause=$2
	shift 2
	shade_run --timeout 180 "$@"
	expect_rc "$name/exit-status" 244
	expect_line "$name/end-line" '^shade: end reason=bad-guest '
	expect_line_i "$name/cause" "^shade: .*($cause)"
	# The kernel never ran: not one line from the guest.
	expect_no_line "$name/guest-not-run" '^\[vm[0-9]+\]'
}

check_bad truncated 'truncat|too short|past the end|syssize' \
	--mem 256M --append console=ttyS0 "$truncated"
check_bad old-protocol 'protocol 2\.09|2\.09.*(older|unsupported|not supported)' \
	--mem 256M --append console=ttyS0 "$oldproto"
check_bad initrd-too-big 'initrd.*(does not fit|too (big|large))' \
	--mem 56M --initrd "$bigrd" --append console=ttyS0 "$vmlinuz"
t_done
