#!/usr/bin/env bash
# vnc-ports: Bochs's display takes the first free port in 5900-5949 and dies
# at start-up when none is free (a busy machine). shade-run then starts it
# again a moment later instead of failing the run. Here every one of those
# ports is held for three seconds while shade-run starts the demo guest.
source "$(dirname "$0")/../lib/common.sh"

t_need_shade vnc-ports/image || t_done
held=$T_TMP/held
python3 - "$held" <<'PY' &
import socket, sys, time
socks = []
for port in range(5900, 5950):
    s = socket.socket()
    try:
        s.bind(("0.0.0.0", port))
        s.listen(1)
        socks.append(s)
    except OSError:
        s.close()
open(sys.argv[1], "w").write(str(len(socks)))
time.sleep(3)
PY
holder=$!
for _ in $(seq 50); do [ -s "$held" ] && break; sleep 0.1; done
shade_run --timeout 120
wait "$holder"
expect_err vnc-ports/retried 'every VNC port in 5900-5949 is taken; starting Bochs again'
expect_line vnc-ports/demo-ran '^\[vm0\] .*Hello from the Shade demo guest'
expect_rc vnc-ports/exit-status 0
t_done
