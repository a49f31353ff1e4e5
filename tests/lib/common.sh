# shellcheck shell=bash
# common.sh — helpers for integration tests (tests/integration/*.sh).
#
# A test script sources this file, runs shade-run through `shade_run`, and
# checks what happened with the expect_* functions. Each check prints one
# line, "PASS name" or "FAIL name: why" (tests/run-tests counts them), and a
# failing check also prints the tail of the run's console and diagnosis
# (indented, so it is never mistaken for a result). The script ends with
# `t_done`, which exits non-zero when a check failed.
#
#   source "$(dirname "$0")/../lib/common.sh"
#   t_need_shade demo || exit 1          # FAIL and stop if build/shade.elf is missing
#   shade_run --timeout 120 [shade-run options...] [KERNEL]
#   expect_rc   demo/exit 0              # shade-run's exit status
#   expect_line demo/greeting '^\[vm0\] .*Hello'   # ERE on the console (stdout)
#   expect_err  demo/diag 'VT-x'         # ERE on shade-run's stderr
#   t_done
#
# After shade_run: RUN_RC (exit status), RUN_OUT (console file), RUN_ERR
# (stderr file), RUN_SECS (wall seconds). T_TMP is a scratch directory
# removed at exit. SHADE_RUN and REPO point into this checkout.

set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SHADE_RUN=$REPO/tools/shade-run
SHADE_ELF=${SHADE_ELF:-$REPO/build/shade.elf}
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/shade-test.XXXXXX")
T_FAILED=0
T_CHECKS=0
RUN_RC=
RUN_OUT=
RUN_ERR=
RUN_SECS=
_t_runs=0
trap 'rm -rf "$T_TMP"' EXIT

# shellcheck source=tests/lib/mbkernel.sh
source "$REPO/tests/lib/mbkernel.sh"

t_pass() {	# name
	T_CHECKS=$((T_CHECKS + 1))
	echo "PASS $1"
}

t_fail() {	# name [why]
	T_CHECKS=$((T_CHECKS + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "FAIL $1${2:+: $2}"
	t_show_run
}

# Show the end of the last run (console and diagnosis), indented.
t_show_run() {
	[ -n "$RUN_OUT" ] || return 0
	echo "    --- last shade-run: exit $RUN_RC after ${RUN_SECS}s; console tail:"
	tail -n 25 "$RUN_OUT" | sed 's/^/    | /'
	if [ -s "$RUN_ERR" ]; then
		echo "    --- stderr:"
		tail -n 10 "$RUN_ERR" | sed 's/^/    | /'
	fi
}

# PASS when the command succeeds.
t_check() {	# name command...
	local name=$1; shift
	if "$@"; then t_pass "$name"; else t_fail "$name" "'$*' failed"; fi
}

t_done() {
	[ "$T_CHECKS" -gt 0 ] || echo "FAIL $(basename "$0" .sh): made no check"
	[ "$T_FAILED" -eq 0 ] && [ "$T_CHECKS" -gt 0 ]
	exit $?
}

# Is there a hypervisor image to test? If not, one FAIL (never a skip).
t_need_shade() {	# name
	if [ ! -f "$SHADE_ELF" ]; then
		t_fail "$1" "no $SHADE_ELF (run make)"
		return 1
	fi
}

# Run shade-run with the given arguments, console and stderr to files.
shade_run() {
	_t_runs=$((_t_runs + 1))
	RUN_OUT=$T_TMP/run$_t_runs.out
	RUN_ERR=$T_TMP/run$_t_runs.err
	local start
	start=$(date +%s)
	"$SHADE_RUN" --shade "$SHADE_ELF" "$@" >"$RUN_OUT" 2>"$RUN_ERR" </dev/null
	RUN_RC=$?
	RUN_SECS=$(($(date +%s) - start))
	# Shade's console may end lines with CR LF.
	sed -i 's/\r$//' "$RUN_OUT"
	return 0
}

expect_rc() {	# name want
	if [ "$RUN_RC" = "$2" ]; then
		t_pass "$1"
	else
		t_fail "$1" "shade-run exited $RUN_RC, want $2"
	fi
}

expect_line() {	# name ERE — some console line matches
	if grep -a -q -E -- "$2" "$RUN_OUT"; then
		t_pass "$1"
	else
		t_fail "$1" "no console line matches /$2/"
	fi
}

expect_line_i() {	# name ERE — same, ignoring case
	if grep -a -q -i -E -- "$2" "$RUN_OUT"; then
		t_pass "$1"
	else
		t_fail "$1" "no console line matches /$2/ (any case)"
	fi
}

expect_no_line() {	# name ERE — no console line matches
	local hit
	if hit=$(grep -a -m1 -E -- "$2" "$RUN_OUT"); then
		t_fail "$1" "unexpected console line: $hit"
	else
		t_pass "$1"
	fi
}

expect_err() {	# name ERE — shade-run's stderr matches
	if grep -a -q -E -- "$2" "$RUN_ERR"; then
		t_pass "$1"
	else
		t_fail "$1" "stderr has no line matching /$2/"
	fi
}
