#!/usr/bin/env bash
# bad-module: a guest module Shade cannot load must give a clear "shade:"
# error that names the cause, reason=bad-guest and shade-run exit 244,
# quickly (a hang would be a timeout, 242).
source "$(dirname "$0")/../lib/common.sh"

t_need_shade bad-module/image || t_done

# Random bytes (fixed seed, so every run sees the same garbage).
garbage=$T_TMP/garbage.bin
RANDOM=4242
for ((i = 0; i < 4096; i++)); do
	printf -v octal '%03o' $((RANDOM % 256))
	printf '%b' "\\$octal"
done >"$garbage"

# A good kernel cut in half: the ELF header and program headers are intact,
# the loadable segment runs past the end of the file.
whole=$T_TMP/whole.elf
truncated=$T_TMP/truncated.elf
mb_kernel "$whole" --line "should not run" --pad 16384 || t_fail bad-module/build
head -c $(($(stat -c %s "$whole") / 2)) "$whole" >"$truncated"

# A well-formed kernel whose entry point lies outside everything it loads.
badentry=$T_TMP/bad-entry.elf
mb_kernel "$badentry" --line "should not run" --entry 0x900000 || t_fail bad-module/build

check_bad() {	# name file cause-ERE
	local name=bad-module/$1
	shade_run --timeout 120 "$2"
	expect_rc "$name/exit-status" 244
	expect_line "$name/end-line" '^shade: end reason=bad-guest '
	expect_line_i "$name/cause" "^shade: .*($3)"
	expect_no_line "$name/guest-not-run" 'should not run'
}

check_bad garbage "$garbage" 'multiboot|not an? (elf|kernel|executable)|unknown (image|format)|bad magic|no header'
check_bad truncated "$truncated" 'truncat|too short|beyond|past the end|outside the (file|image|module)|exceeds|short'
check_bad entry-outside "$badentry" 'entry'
t_done
