#!/usr/bin/env bash
# demo: `shade-run` with no kernel boots Shade alone under Bochs; Shade runs
# its built-in demo guest, which greets on its COM1 and exits with status 0.
source "$(dirname "$0")/../lib/common.sh"

t_need_shade demo/image || t_done
shade_run --timeout 120
expect_line demo/greeting '^\[vm0\] .*Hello from the Shade demo guest'
expect_line demo/end-line '^shade: end reason=guest status=0$'
expect_rc demo/exit-status 0
t_done
