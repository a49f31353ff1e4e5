# mmu/: memslots, the guest page-table walker, the shadow MMU (issue 4).
# mmu/host/ (the host frame allocator and host page tables) has its own
# module.mk.
MMU_SRCS := mmu/memslot.c mmu/paging.c mmu/walk.c mmu/pool.c mmu/shadow.c \
	mmu/fill.c mmu/mmu.c mmu/guestmem.c mmu/counters.c
HV_SRCS += $(MMU_SRCS)

UNIT_TESTS += test_mmu_nonpaging
test_mmu_nonpaging_DEPS := $(MMU_SRCS)

UNIT_TESTS += test_mmu_walk
test_mmu_walk_DEPS := mmu/memslot.c mmu/paging.c mmu/walk.c

UNIT_TESTS += test_mmu_shadow
test_mmu_shadow_DEPS := $(MMU_SRCS)

UNIT_TESTS += test_mmu_random
test_mmu_random_DEPS := $(MMU_SRCS)

# Compile mmu/ with the hypervisor's freestanding flags only (the full image
# needs the rest of the tree): `make mmu-hv-check`.
MMU_HV_OBJS := $(patsubst %.c,$(BUILD)/hv/%.o,$(MMU_SRCS))
.PHONY: mmu-hv-check
mmu-hv-check: $(MMU_HV_OBJS)

# libFuzzer over the walker and the shadow MMU with hostile guest tables
# (tests/unit/test_mmu_fuzz.c): `make fuzz-mmu [MMU_FUZZ_SECONDS=30]`
# (at most 60 s, the team's limit); the corpus stays in build/fuzz.
MMU_FUZZ_SECONDS ?= 30
$(BUILD)/fuzz/mmu_fuzz: tests/unit/test_mmu_fuzz.c $(MMU_SRCS) $(wildcard mmu/*.h)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -g -O1 -Wall -Wextra -Werror -I. -DSHADE_HOST \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ tests/unit/test_mmu_fuzz.c $(MMU_SRCS)

.PHONY: fuzz-mmu
fuzz-mmu: $(BUILD)/fuzz/mmu_fuzz
	@mkdir -p $(BUILD)/fuzz/mmu-corpus
	$(BUILD)/fuzz/mmu_fuzz -max_total_time=$(MMU_FUZZ_SECONDS) -max_len=4096 \
		$(BUILD)/fuzz/mmu-corpus
