# guest/: building VMs from what GRUB hands over (portable parsers and
# loaders, built into the hypervisor and into host unit tests).
# guest/progs/ (the guest programs) has its own module.mk.

HV_SRCS += guest/diag.c guest/optlex.c guest/hvopts.c guest/modopts.c guest/mbinfo.c guest/mbload.c guest/mbguest.c guest/bzimage.c guest/vmload.c

UNIT_TESTS += test_guest_diag test_opts_lex test_opts_hv test_opts_mod test_guest_mbinfo test_guest_mbload test_guest_mbguest test_guest_bzimage test_guest_vmload
test_guest_diag_DEPS := guest/diag.c
test_opts_lex_DEPS   := guest/optlex.c
test_opts_hv_DEPS    := guest/hvopts.c guest/optlex.c guest/diag.c
test_opts_mod_DEPS   := guest/modopts.c guest/optlex.c guest/diag.c
test_guest_mbinfo_DEPS := guest/mbinfo.c guest/diag.c
test_guest_mbload_DEPS := guest/mbload.c guest/diag.c
test_guest_mbguest_DEPS := guest/mbguest.c guest/mbinfo.c guest/diag.c
test_guest_bzimage_DEPS := guest/bzimage.c guest/diag.c
test_guest_vmload_DEPS := guest/vmload.c guest/modopts.c guest/optlex.c guest/mbload.c \
	guest/mbguest.c guest/mbinfo.c guest/bzimage.c guest/diag.c

# Compile the guest/ sources with the hypervisor's freestanding flags only
# (the full image needs boot/ and the rest of the tree).
GUEST_HV_OBJS := $(patsubst %.c,$(BUILD)/hv/%.o,$(filter guest/%.c,$(HV_SRCS)))
.PHONY: guest-hv-check
guest-hv-check: $(GUEST_HV_OBJS)

# libFuzzer over every guest/ parser and loader (tests/unit/test_guest_fuzz.c).
#   make fuzz-guest [FUZZ_SECONDS=30]   run it, keep the corpus in build/fuzz
#   make fuzz-guest-brief               20 s, prints PASS/FAIL fuzz-guest
# (Each run stays under the team's 60 s limit.)
GUEST_FUZZ_SRCS := guest/diag.c guest/optlex.c guest/hvopts.c guest/modopts.c \
	guest/mbinfo.c guest/mbload.c guest/mbguest.c guest/bzimage.c
GUEST_FUZZ_CORPUS := $(BUILD)/fuzz/guest-corpus
FUZZ_SECONDS ?= 30

$(BUILD)/fuzz/guest_fuzz: tests/unit/test_guest_fuzz.c $(GUEST_FUZZ_SRCS) $(wildcard guest/*.h tests/unit/guest_*.h)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -g -O1 -Wall -Wextra -Werror -I. -DSHADE_HOST \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ tests/unit/test_guest_fuzz.c $(GUEST_FUZZ_SRCS)

$(BUILD)/fuzz/guest_fuzz_seeds: tests/unit/test_guest_fuzz.c $(GUEST_FUZZ_SRCS) $(wildcard guest/*.h tests/unit/guest_*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -g -O1 -I. -DSHADE_HOST -DGUEST_FUZZ_SEEDS \
		-o $@ tests/unit/test_guest_fuzz.c $(GUEST_FUZZ_SRCS) -lcmocka

.PHONY: fuzz-guest fuzz-guest-brief
fuzz-guest: $(BUILD)/fuzz/guest_fuzz $(BUILD)/fuzz/guest_fuzz_seeds
	@mkdir -p $(GUEST_FUZZ_CORPUS)
	$(BUILD)/fuzz/guest_fuzz_seeds $(GUEST_FUZZ_CORPUS)
	timeout 90 $(BUILD)/fuzz/guest_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=16384 \
		-timeout=5 -rss_limit_mb=1024 -artifact_prefix=$(BUILD)/fuzz/guest- $(GUEST_FUZZ_CORPUS)

fuzz-guest-brief: $(BUILD)/fuzz/guest_fuzz $(BUILD)/fuzz/guest_fuzz_seeds
	@mkdir -p $(GUEST_FUZZ_CORPUS)
	@$(BUILD)/fuzz/guest_fuzz_seeds $(GUEST_FUZZ_CORPUS)
	@if timeout 60 $(BUILD)/fuzz/guest_fuzz -max_total_time=20 -max_len=16384 -timeout=5 \
		-rss_limit_mb=1024 -artifact_prefix=$(BUILD)/fuzz/guest- $(GUEST_FUZZ_CORPUS) \
		>$(BUILD)/fuzz/guest-brief.log 2>&1; \
	then echo "PASS fuzz-guest"; \
	else echo "FAIL fuzz-guest (see $(BUILD)/fuzz/guest-brief.log)"; tail -30 $(BUILD)/fuzz/guest-brief.log; exit 1; fi

# The test runner's brief fuzz pass and `make fuzz` include this fuzzer.
fuzz-brief: fuzz-guest-brief
fuzz: fuzz-guest
