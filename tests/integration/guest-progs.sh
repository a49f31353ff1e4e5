#!/usr/bin/env bash
# guest-progs: every guest test program build/guest/test-*.elf that no other
# integration script names runs under Shade in Bochs, so a new program is
# tested as soon as it is built. Its "PASS x"/"FAIL x" lines become results
# guest-progs/PROG/x, and it must end with "DONE ... failed=0 skipped=0" and
# exit status 0. (Programs with their own script, e.g. test-exits in
# exits.sh, are left to it.) Programs listed in guest-progs.pending test
# what later issues bring: they run, but their results print as "PENDING"
# lines that count neither way.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/guest.sh"

t_need_shade guest-progs/image || t_done
here=$(cd "$(dirname "$0")" && pwd)
self=$(basename "$0")
pending_file=$here/guest-progs.pending
is_pending() {	# program -> prints the reason when it is listed
	[ -f "$pending_file" ] || return 1
	awk -v p="$1" '$1 == p { $1 = ""; sub(/^ +/, ""); print; found = 1 } END { exit !found }' \
		"$pending_file"
}

ran=0
for elf in "$GUEST_DIR"/test-*.elf; do
	[ -f "$elf" ] || continue
	p=$(basename "$elf" .elf)
	# Named by another script? Then that script owns it.
	if grep -l -w -F -- "$p" "$here"/*.sh | grep -v -q -F "/$self"; then
		continue
	fi
	ran=$((ran + 1))
	if why=$(is_pending "$p"); then
		shade_run --timeout 120 "$elf"
		sed -n -E "s/^\[vm0\] (PASS|FAIL) (.*)$/PENDING \1 guest-progs\/$p\/\2/p" "$RUN_OUT"
		npass=$(grep -c -E '^\[vm0\] PASS ' "$RUN_OUT")
		nfail=$(grep -c -E '^\[vm0\] FAIL ' "$RUN_OUT")
		if [ "$nfail" = 0 ] && [ "$RUN_RC" = 0 ] && grep -q -E '^\[vm0\] DONE .*failed=0' "$RUN_OUT"; then
			echo "PENDING guest-progs/$p: passes now ($npass checks): remove it from guest-progs.pending"
		else
			echo "PENDING guest-progs/$p: $npass checks passed, $nfail failed, shade-run exit $RUN_RC ($why)"
		fi
		continue
	fi
	shade_run --timeout 300 "$elf"
	expect_guest_results "guest-progs/$p"
	expect_rc "guest-progs/$p/exit-status" 0
done
# Nothing left to run is fine only if other scripts cover every program.
if [ "$ran" = 0 ]; then
	if ls "$GUEST_DIR"/test-*.elf >/dev/null 2>&1; then
		t_pass guest-progs/all-covered-elsewhere
	else
		t_fail guest-progs/built "no $GUEST_DIR/test-*.elf (run make guests)"
	fi
fi
t_done
