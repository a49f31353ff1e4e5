#!/usr/bin/env bash
# guest-progs: every guest test program build/guest/test-*.elf runs under
# Shade in Bochs. Its own "PASS x"/"FAIL x" console lines become results
# "PASS guest-progs/PROG/x"; then its outcome is checked: by default a
# "DONE ..." summary line and exit status 0; programs that are meant to be
# stopped by Shade are listed in `expected` with their shade-run status.
source "$(dirname "$0")/../lib/common.sh"

declare -A expected=(
	[test-triple]=245	# triple fault: the VM is stopped (vm-fault)
	[test-hltcli]=245	# CLI; HLT: the VM can never wake (vm-fault)
)

t_need_shade guest-progs/image || t_done
progs=("$REPO"/build/guest/test-*.elf)
if [ ! -f "${progs[0]}" ]; then
	t_fail guest-progs/built "no build/guest/test-*.elf (run make guests)"
	t_done
fi

for elf in "${progs[@]}"; do
	p=$(basename "$elf" .elf)
	shade_run --timeout 300 "$elf"
	# Relay the program's own checks.
	sed -n -E "s/^\[vm0\] (PASS|FAIL) (.*)$/\1 guest-progs\/$p\/\2/p" "$RUN_OUT"
	nfail=$(grep -c -E '^\[vm0\] FAIL ' "$RUN_OUT")
	[ "$nfail" = 0 ] || T_FAILED=$((T_FAILED + nfail))
	want=${expected[$p]:-0}
	if [ "$want" = 0 ]; then
		expect_line "guest-progs/$p/done" '^\[vm0\] DONE '
	else
		expect_line "guest-progs/$p/end-line" '^shade: end reason=vm-fault '
	fi
	expect_rc "guest-progs/$p/exit-status" "$want"
done
t_done
