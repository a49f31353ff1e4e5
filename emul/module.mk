# emul/: the x86 instruction emulator (decoder + executor), portable C.
EMUL_SRCS := emul/tables.c emul/decode.c emul/alu.c emul/mem.c emul/exec.c \
	emul/stack.c emul/far.c emul/strops.c emul/sse.c emul/icache.c emul/fastmov.c
HV_SRCS += $(EMUL_SRCS)

# Decoder: hand-written cases + length cross-check against Capstone 4.
UNIT_TESTS += test_emul_decode
test_emul_decode_DEPS := $(EMUL_SRCS)
test_emul_decode_LIBS := -lcapstone

# Semantics the differential test can't reach (modes, segments, MMIO splits,
# REP chunking, port I/O, SMSW/LMSW, SSE exceptions, fetch limits).
UNIT_TESTS += test_emul_sem
test_emul_sem_DEPS := $(EMUL_SRCS)

# The MMIO fast path's digested moves replay exactly what emul_step does.
UNIT_TESTS += test_emul_fastmov
test_emul_fastmov_DEPS := $(EMUL_SRCS)

# Differential tests against the host CPU (x86-64 hosts only).
UNIT_TESTS += test_emul_exec
test_emul_exec_DEPS := $(EMUL_SRCS)
test_emul_exec_CFLAGS := -D_GNU_SOURCE

# The larger differential sweep (not part of `make unit`'s run).
.PHONY: emul-sweep
emul-sweep: $(BUILD)/host/test_emul_exec
	EMUL_DIFF_CASES=$${EMUL_DIFF_CASES:-8000} $(BUILD)/host/test_emul_exec

# libFuzzer over decode + execute (tests/fuzz/fuzz_emul.c).
#   make fuzz-emul [FUZZ_SECONDS=60]   run it, corpus kept in build/fuzz/emul-corpus
#   make fuzz-emul-brief               ~20 s; last line PASS emul-fuzz / FAIL emul-fuzz
# `fuzz` and `fuzz-brief` depend on these (other folders may add theirs).
FUZZ_SECONDS ?= 60
EMUL_FUZZ_CORPUS := $(BUILD)/fuzz/emul-corpus
EMUL_FUZZ_FLAGS := -max_len=4200 -timeout=5 -rss_limit_mb=1024 \
	-artifact_prefix=$(BUILD)/fuzz/emul-

$(BUILD)/fuzz/fuzz_emul: tests/fuzz/fuzz_emul.c $(EMUL_SRCS) $(wildcard emul/*.h)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -g -O1 -Wall -Wextra -Werror -I. -DSHADE_HOST \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ tests/fuzz/fuzz_emul.c $(EMUL_SRCS)

.PHONY: fuzz-emul fuzz-emul-brief fuzz-brief
fuzz-emul: $(BUILD)/fuzz/fuzz_emul
	@mkdir -p $(EMUL_FUZZ_CORPUS)
	timeout $$(( $(FUZZ_SECONDS) + 30 )) $(BUILD)/fuzz/fuzz_emul \
		-max_total_time=$(FUZZ_SECONDS) $(EMUL_FUZZ_FLAGS) $(EMUL_FUZZ_CORPUS)

fuzz-emul-brief: $(BUILD)/fuzz/fuzz_emul
	@mkdir -p $(EMUL_FUZZ_CORPUS)
	@if timeout 60 $(BUILD)/fuzz/fuzz_emul -max_total_time=20 $(EMUL_FUZZ_FLAGS) \
		$(EMUL_FUZZ_CORPUS) >$(BUILD)/fuzz/emul-brief.log 2>&1; \
	then tail -1 $(BUILD)/fuzz/emul-brief.log; echo "PASS emul-fuzz"; \
	else tail -30 $(BUILD)/fuzz/emul-brief.log; echo "FAIL emul-fuzz (see $(BUILD)/fuzz/emul-brief.log)"; exit 1; fi

fuzz: fuzz-emul
fuzz-brief: fuzz-emul-brief

# Host benchmark: ns per decode / decode+execute vs Capstone's decode-only.
.PHONY: emul-bench
$(BUILD)/host/emul_bench: tests/unit/emul_bench.c $(EMUL_SRCS) $(wildcard emul/*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 -g $(WARN) -I. -DSHADE_HOST -o $@ tests/unit/emul_bench.c $(EMUL_SRCS) -lcapstone
emul-bench: $(BUILD)/host/emul_bench
	$(BUILD)/host/emul_bench
