# Legacy PC devices (issue 5): 8259A PIC pair, 8254 PIT, MC146818 RTC/CMOS,
# i8042 keyboard controller, port 0xCF9 reset control.
HV_SRCS += emul/dev/pic8259.c emul/dev/pit8254.c emul/dev/rtc_cmos.c \
	emul/dev/i8042.c emul/dev/resetctl.c

UNIT_TESTS += test_dev_pic test_dev_pit test_dev_rtc test_dev_i8042
test_dev_pic_DEPS := emul/dev/pic8259.c emul/dev/pit8254.c emul/dev/rtc_cmos.c emul/dev/i8042.c
test_dev_pit_DEPS := emul/dev/pit8254.c
test_dev_rtc_DEPS := emul/dev/rtc_cmos.c
test_dev_i8042_DEPS := emul/dev/i8042.c emul/dev/resetctl.c

# libFuzzer over the models wired together (tests/fuzz/fuzz_dev_legacy.c).
#   make fuzz-legacy [FUZZ_SECONDS=60]   corpus kept in build/fuzz/legacy-corpus
#   make fuzz-legacy-brief               ~10 s; last line PASS/FAIL legacy-fuzz
LEGACY_SRCS := emul/dev/pic8259.c emul/dev/pit8254.c emul/dev/rtc_cmos.c \
	emul/dev/i8042.c emul/dev/resetctl.c
LEGACY_FUZZ_CORPUS := $(BUILD)/fuzz/legacy-corpus
LEGACY_FUZZ_FLAGS := -max_len=3000 -timeout=5 -rss_limit_mb=1024 \
	-artifact_prefix=$(BUILD)/fuzz/legacy-

$(BUILD)/fuzz/fuzz_dev_legacy: tests/fuzz/fuzz_dev_legacy.c $(LEGACY_SRCS) $(wildcard emul/dev/*.h)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -g -O1 -Wall -Wextra -Werror -I. -DSHADE_HOST \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ tests/fuzz/fuzz_dev_legacy.c $(LEGACY_SRCS)

.PHONY: fuzz-legacy fuzz-legacy-brief
fuzz-legacy: $(BUILD)/fuzz/fuzz_dev_legacy
	@mkdir -p $(LEGACY_FUZZ_CORPUS)
	timeout $$(( $(FUZZ_SECONDS) + 30 )) $(BUILD)/fuzz/fuzz_dev_legacy \
		-max_total_time=$(FUZZ_SECONDS) $(LEGACY_FUZZ_FLAGS) $(LEGACY_FUZZ_CORPUS)

fuzz-legacy-brief: $(BUILD)/fuzz/fuzz_dev_legacy
	@mkdir -p $(LEGACY_FUZZ_CORPUS)
	@if timeout 40 $(BUILD)/fuzz/fuzz_dev_legacy -max_total_time=10 $(LEGACY_FUZZ_FLAGS) \
		$(LEGACY_FUZZ_CORPUS) >$(BUILD)/fuzz/legacy-brief.log 2>&1; \
	then tail -1 $(BUILD)/fuzz/legacy-brief.log; echo "PASS legacy-fuzz"; \
	else tail -30 $(BUILD)/fuzz/legacy-brief.log; echo "FAIL legacy-fuzz (see $(BUILD)/fuzz/legacy-brief.log)"; exit 1; fi

fuzz: fuzz-legacy
fuzz-brief: fuzz-legacy-brief
