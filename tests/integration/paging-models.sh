#!/usr/bin/env bash
# paging-models: the shadow MMU's guest tests on a CPU with EPT (Skylake)
# and one without EPT or unrestricted guest (Core 2 Penryn): Shade must not
# need EPT. Then the same tests with the smallest shadow pool
# (shadow-pages=16), so shadow pages are reclaimed and rebuilt all the time.
# Checks a CPU model lacks (SMEP, SMAP, NX on Penryn) are skipped by the
# guest and not counted.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/guest.sh"

t_need_shade paging-models/image || t_done
for p in test-paging-32 test-paging-pae test-paging-4level test-paging-switch; do
	t_need_guest "paging-models/$p" "$p" || continue
	for cpu in corei7_skylake_x core2_penryn_t9600; do
		shade_run --timeout 300 --cpu "$cpu" "$GUEST_DIR/$p.elf"
		expect_guest_results "paging-models/$cpu/$p" 0 allow-skips
		expect_rc "paging-models/$cpu/$p/exit-status" 0
	done
done
for p in test-paging-pae test-paging-4level; do
	shade_run --timeout 300 --hv-args "shadow-pages=16" "$GUEST_DIR/$p.elf"
	expect_guest_results "paging-models/tiny-pool/$p"
	expect_line "paging-models/tiny-pool/$p/reclaimed" '^shade: vm0: mmu: .* sp-reclaimed=[1-9][0-9]*'
	expect_rc "paging-models/tiny-pool/$p/exit-status" 0
done
t_done
