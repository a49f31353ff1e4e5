#!/usr/bin/env bash
# guest-progs: every guest test program build/guest/test-*.elf that no other
# integration script names runs under Shade in Bochs, so a new program is
# tested as soon as it is built. Its "PASS x"/"FAIL x" lines become results
# guest-progs/PROG/x, and it must end with "DONE ... failed=0 skipped=0" and
# exit status 0. (Programs with their own script, e.g. test-exits in
# exits.sh, are left to it.)
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/guest.sh"

t_need_shade guest-progs/image || t_done
here=$(cd "$(dirname "$0")" && pwd)
self=$(basename "$0")
ran=0
for elf in "$GUEST_DIR"/test-*.elf; do
	[ -f "$elf" ] || continue
	p=$(basename "$elf" .elf)
	# Named by another script? Then that script owns it.
	if grep -l -w -F -- "$p" "$here"/*.sh | grep -v -q -F "/$self"; then
		continue
	fi
	ran=$((ran + 1))
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
