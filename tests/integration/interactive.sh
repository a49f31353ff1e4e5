#!/usr/bin/env bash
# interactive: tools/shade-run --interactive, driven through a pseudo-terminal
# as a user's terminal would be. A small Python driver runs shade-run with a
# pty as its stdin and stdout, waits for console text, types keys, and
# reports the exit status and the terminal's modes during and after the run.
# Checked: what is typed reaches the guest and its echo comes back on the
# terminal and in --serial-log; the exit status still comes from the end
# line; the terminal is raw (no echo, no line editing) during the session and
# exactly as before afterwards, also after Ctrl-] and after SIGTERM; Ctrl-]
# and SIGTERM stop the emulator. Stand-in kernels take Shade's place (as in
# shade-run-tool.sh) for Bochs and QEMU; then the real Shade forwards the
# typing to vm0.
source "$(dirname "$0")/../lib/common.sh"

k=$T_TMP/k
mkdir -p "$k"
export TMPDIR=$T_TMP/tmp	# shade-run's temporary directories go here
mkdir -p "$TMPDIR"

drive=$T_TMP/pty-drive.py
cat >"$drive" <<'PY'
"""pty-drive REPORT OUT ERR STEP... -- COMMAND...

Runs COMMAND with a new pty as stdin and stdout (stderr to ERR), in its own
session. Steps, in order: wait:REGEX (on the output so far, 60 s at most),
send:TEXT (Python string escapes), sleep:S, signal:NAME (to COMMAND). Then
waits up to 60 s for it to end. Writes the output to OUT and to REPORT:
rc=N (or rc=hung), raw=1|0 (no ECHO and no ICANON when the first wait was
met), restored=1|0 (the pty's modes at the end equal those at the start),
failed=STEP (a wait that was never met).
"""
import os, re, select, signal, subprocess, sys, termios, time

report, out_path, err_path = sys.argv[1:4]
rest = sys.argv[4:]
cut = rest.index("--")
steps, cmd = rest[:cut], rest[cut + 1:]

master, slave = os.openpty()
before = termios.tcgetattr(slave)
with open(err_path, "wb") as err:
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=err,
                            start_new_session=True)
buf = bytearray()

def pump(seconds):
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return
        r, _, _ = select.select([master], [], [], left)
        if not r:
            return
        try:
            data = os.read(master, 65536)
        except OSError:
            return
        if not data:
            return
        buf.extend(data)

lines = []
raw = None
for step in steps:
    kind, _, arg = step.partition(":")
    if kind == "wait":
        end = time.monotonic() + 60
        while not re.search(arg.encode(), buf) and time.monotonic() < end:
            pump(0.1)
            if proc.poll() is not None:
                pump(0.2)
                break
        if not re.search(arg.encode(), buf):
            lines.append("failed=" + step)
            break
        if raw is None:
            mode = termios.tcgetattr(slave)
            raw = not (mode[3] & (termios.ECHO | termios.ICANON))
    elif kind == "send":
        os.write(master, arg.encode().decode("unicode_escape").encode("latin-1"))
    elif kind == "sleep":
        pump(float(arg))
    elif kind == "signal":
        proc.send_signal(getattr(signal, arg))

end = time.monotonic() + 60
while proc.poll() is None and time.monotonic() < end:
    pump(0.2)
if proc.poll() is None:
    lines.append("rc=hung")
    proc.terminate()  # shade-run's clean-up stops its emulator
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
else:
    lines.append("rc=%d" % proc.returncode)
pump(0.3)
lines.append("raw=%d" % bool(raw))
lines.append("restored=%d" % (termios.tcgetattr(slave) == before))
with open(out_path, "wb") as f:
    f.write(buf.replace(b"\r", b""))
with open(report, "w") as f:
    f.write("\n".join(lines) + "\n")
PY

# pty_run NAME STEP... -- shade-run options...: sets RUN_OUT, RUN_ERR,
# RUN_RC, RUN_SECS like shade_run, and REPORT (the driver's report file).
pty_run() {
	local name=$1 start; shift
	_t_runs=$((_t_runs + 1))
	RUN_OUT=$T_TMP/run$_t_runs.out
	RUN_ERR=$T_TMP/run$_t_runs.err
	REPORT=$T_TMP/run$_t_runs.report
	local -a steps=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do steps+=("$1"); shift; done
	shift
	start=$(date +%s)
	python3 "$drive" "$REPORT" "$RUN_OUT" "$RUN_ERR" "${steps[@]}" -- \
		"$SHADE_RUN" --shade "$SHADE_ELF" --interactive "$@"
	RUN_SECS=$(($(date +%s) - start))
	RUN_RC=$(sed -n 's/^rc=//p' "$REPORT")
	if grep -q '^failed=' "$REPORT"; then
		t_fail "$name/steps" "$(grep '^failed=' "$REPORT")"
	fi
}

expect_report() {	# name key value
	if grep -q -x -- "$2=$3" "$REPORT"; then
		t_pass "$1"
	else
		t_fail "$1" "driver report has no $2=$3: $(tr '\n' ' ' <"$REPORT")"
	fi
}

# No emulator left over from this script's runs (their files live under
# $TMPDIR, which is on their command lines).
expect_no_emulator() {	# name
	local left
	sleep 1
	left=$(pgrep -f -a -- "$TMPDIR/" | grep -E 'bochs|qemu' | head -n 2)
	if [ -z "$left" ]; then t_pass "$1"; else t_fail "$1" "still running: $left"; fi
}

# --- stand-in kernels: the echo, the exit status, the terminal -------------
mb_kernel "$k/reader.elf" --uart-init --shutdown --read-input 6 \
	--line 'shade: end reason=guest status=5' ||
	{ t_fail interactive/build-reader "mb_kernel failed"; t_done; }
mb_kernel "$k/waiter.elf" --uart-init --read-input 100 ||
	{ t_fail interactive/build-waiter "mb_kernel failed"; t_done; }

SHADE_ELF=$k/reader.elf
for emu in bochs qemu; do
	pty_run "interactive/$emu" 'wait:ready for input' 'send:ab\tc d' -- \
		--emu "$emu" --timeout 120 --serial-log "$T_TMP/$emu.log"
	expect_line "interactive/$emu/echo" "^got: ab$(printf '\t')c d\$"
	expect_rc "interactive/$emu/exit-status" 5
	expect_report "interactive/$emu/raw-during" raw 1
	expect_report "interactive/$emu/tty-restored" restored 1
	expect_err "interactive/$emu/hint" 'Ctrl-\] to quit'
	if grep -a -q "^got: ab$(printf '\t')c d" "$T_TMP/$emu.log"; then
		t_pass "interactive/$emu/serial-log"
	else
		t_fail "interactive/$emu/serial-log" "the echo is not in --serial-log"
	fi
done

# Ctrl-] ends the session: exit 130, the emulator stopped, the terminal back.
SHADE_ELF=$k/waiter.elf
for emu in bochs qemu; do
	pty_run "interactive/$emu/ctrl-]" 'wait:ready for input' 'send:xy' \
		'sleep:1' 'send:\x1d' -- --emu "$emu" --timeout 120
	expect_rc "interactive/$emu/ctrl-]/exit-status" 130
	expect_err "interactive/$emu/ctrl-]/diagnosis" 'session ended with Ctrl-\]'
	expect_report "interactive/$emu/ctrl-]/tty-restored" restored 1
	if [ "$RUN_SECS" -le 30 ]; then t_pass "interactive/$emu/ctrl-]/fast"
	else t_fail "interactive/$emu/ctrl-]/fast" "took ${RUN_SECS}s"; fi
	expect_no_emulator "interactive/$emu/ctrl-]/emulator-stopped"
done

# SIGTERM to shade-run: exit 143, terminal restored, emulator stopped.
pty_run interactive/sigterm 'wait:ready for input' 'signal:SIGTERM' -- --timeout 120
expect_rc interactive/sigterm/exit-status 143
expect_report interactive/sigterm/tty-restored restored 1
expect_no_emulator interactive/sigterm/emulator-stopped

# SIGINT (a Ctrl-C from outside the raw terminal): exit 130, the same.
pty_run interactive/sigint 'wait:ready for input' 'signal:SIGINT' -- --emu qemu --timeout 60
expect_rc interactive/sigint/exit-status 130
expect_report interactive/sigint/tty-restored restored 1
expect_no_emulator interactive/sigint/emulator-stopped

# Ctrl-C is a key like any other: it goes to the guest.
SHADE_ELF=$k/reader.elf
pty_run interactive/ctrl-c 'wait:ready for input' 'send:a\x03bcde' -- --emu qemu --timeout 60
expect_line interactive/ctrl-c/reaches-guest '^got: a.bcde$'
expect_rc interactive/ctrl-c/exit-status 5

# Without a terminal (stdin a pipe): no raw mode, and the end of the input
# doesn't end the session (it runs on until the guest ends). The text goes
# in once the guest is ready: a UART drops what arrives before it is set up.
: >"$T_TMP/pipe.out"
# shellcheck disable=SC2094  # the feeder only reads what shade-run writes
{
	for ((i = 0; i < 600; i++)); do
		! grep -q 'ready for input' "$T_TMP/pipe.out" || break
		sleep 0.1
	done
	printf 'pipe!!'
} | "$SHADE_RUN" --shade "$k/reader.elf" --emu qemu --timeout 60 --interactive \
	>"$T_TMP/pipe.out" 2>"$T_TMP/pipe.err"
pipe_rc=$?
if [ "$pipe_rc" = 5 ] && grep -a -q '^got: pipe!!' "$T_TMP/pipe.out"; then
	t_pass interactive/stdin-pipe
else
	t_fail interactive/stdin-pipe "exit $pipe_rc; $(tail -n 3 "$T_TMP/pipe.out" "$T_TMP/pipe.err" | tr '\n' ' ')"
fi

# COM1 is a TCP server on the loopback interface.
shade_run --interactive --dry-run "$k/reader.elf"
expect_line interactive/dry-run/bochs '^com1: enabled=1, mode=socket-server, dev=127\.0\.0\.1:[0-9]+$'
shade_run --interactive --dry-run --emu qemu "$k/reader.elf"
expect_line interactive/dry-run/qemu ' -serial tcp:127\.0\.0\.1:[0-9]+\\,server=on\\,wait=on '

# Usage: --interactive is its own input.
shade_run --interactive --input x
expect_rc interactive/usage/with-input 246
shade_run --interactive --quiet
expect_rc interactive/usage/with-quiet 246
if "$SHADE_RUN" --help | grep -q -- '--interactive'; then t_pass interactive/help
else t_fail interactive/help "--help doesn't mention --interactive"; fi

# --- the real Shade: typing reaches vm0 through Shade's own COM1 ---------
SHADE_ELF=$REPO/build/shade.elf
t_need_shade interactive/shade/image || t_done
mb_kernel "$k/vm0.elf" --read-input 8 --line "reader done" --exit 0x07 ||
	{ t_fail interactive/build-vm0 "mb_kernel failed"; t_done; }
pty_run interactive/shade 'wait:\[vm0\] ready for input' 'send:typed 42' -- --timeout 180 "$k/vm0.elf"
expect_line interactive/shade/echo '^\[vm0\] got: typed 42$'
expect_line interactive/shade/guest-continued '^\[vm0\] reader done$'
expect_rc interactive/shade/exit-status 15
expect_report interactive/shade/tty-restored restored 1
t_done
