#!/usr/bin/env bash
# cpu-models: Bochs CPU models differ in their VMX capabilities (see
# shared/bochs-vmx-caps.txt): Core 2 Penryn has no EPT, no unrestricted
# guest, no VPID and no VM-entry load of EFER/PAT; later parts add them, and
# Ice Lake has another VMCS revision id. The demo guest and the exit-handler
# test program must run on each, as the stand-in for "real VT-x hardware".
# (exits.sh runs test-exits on Skylake and Penryn; demo.sh the demo on
# Skylake.)
source "$(dirname "$0")/../lib/common.sh"

models=(corei5_lynnfield_750 corei5_arrandale_m520 corei7_haswell_4770
	corei7_icelake_u)

t_need_shade cpu-models/image || t_done
exits=$REPO/build/guest/test-exits.elf
for m in "${models[@]}"; do
	shade_run --cpu "$m" --timeout 180
	expect_line "cpu-models/$m/demo" '^\[vm0\] .*Hello from the Shade demo guest'
	expect_rc "cpu-models/$m/demo-exit" 0
	if [ -f "$exits" ]; then
		shade_run --cpu "$m" --timeout 300 "$exits"
		expect_line "cpu-models/$m/test-exits-done" '^\[vm0\] DONE passed=[0-9]+ failed=0 '
		expect_rc "cpu-models/$m/test-exits" 0
	else
		t_fail "cpu-models/$m/test-exits" "no $exits (run make guests)"
	fi
done
t_done
