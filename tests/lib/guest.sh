# shellcheck shell=bash
# guest.sh — checks for runs of Shade's guest test programs (guest/progs).
#
# A guest test program prints "PASS name" / "FAIL name" per check on its
# COM1 (so "[vmN] PASS name" on Shade's console) and ends with one line
# "DONE passed=N failed=M skipped=K". expect_guest_results turns each of the
# guest's checks into one result of this test, so a failing guest check is
# reported by name, and fails when the DONE line is missing (the guest died
# part-way) or reports failures or skips.

# Source after common.sh.
GUEST_DIR=$REPO/build/guest

# Is the guest program built? If not, one FAIL (never a skip).
t_need_guest() {	# name program
	if [ -f "$GUEST_DIR/$2.elf" ]; then
		return 0
	fi
	t_fail "$1" "$GUEST_DIR/$2.elf is missing: run make guests"
	return 1
}

# With a third argument "allow-skips", checks the guest skipped (because the
# CPU model lacks the feature, e.g. SMEP on Core 2) are allowed; they are
# never counted as passes, only named in the completed line.
expect_guest_results() {	# prefix [vm-number] [allow-skips]
	local prefix=$1 vm=${2:-0} skips_ok=${3:-} line name seen=0
	while IFS= read -r line; do
		case $line in
		"[vm$vm] PASS "*) name=${line#"[vm$vm] PASS "}; t_pass "$prefix/${name%% *}"; seen=$((seen + 1)) ;;
		"[vm$vm] FAIL "*) name=${line#"[vm$vm] FAIL "}; t_fail "$prefix/${name%% *}" "${name#* }"; seen=$((seen + 1)) ;;
		esac
	done < <(grep -a -E "^\[vm$vm\] (PASS|FAIL) " "$RUN_OUT")
	local done_line
	done_line=$(grep -a -E "^\[vm$vm\] DONE " "$RUN_OUT" | tail -n 1)
	if [ "$seen" -eq 0 ]; then
		t_fail "$prefix/ran" "the guest reported no checks"
	elif [ -z "$done_line" ]; then
		t_fail "$prefix/completed" "no DONE line: the guest stopped part-way"
	elif [[ $done_line =~ failed=0\ skipped=0 ]]; then
		t_pass "$prefix/completed"
	elif [ "$skips_ok" = allow-skips ] && [[ $done_line =~ failed=0\ skipped=([0-9]+) ]]; then
		t_pass "$prefix/completed (${BASH_REMATCH[1]} skipped by the CPU model, not counted)"
	else
		t_fail "$prefix/completed" "$done_line"
	fi
}
