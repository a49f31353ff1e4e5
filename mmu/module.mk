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

# Instruction counts of mmu/ per operation (bench-paging's operations
# replayed on fake guest memory, tests/unit/test_mmu_cost.c): mmu/ and
# lib/string.c built with the hypervisor's code-generation flags, run under
# callgrind, counting only inside the mmu_* entry points; one line per
# phase: `make mmu-cost`.
MMU_COST_FLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin-printf \
	-fno-stack-protector -fno-pic -fno-pie -fno-asynchronous-unwind-tables \
	-mno-red-zone -mgeneral-regs-only -I. -DSHADE_HOST
$(BUILD)/cost/mmu_cost: tests/unit/test_mmu_cost.c $(MMU_SRCS) lib/string.c $(wildcard mmu/*.h tests/unit/mmu_*.h)
	@mkdir -p $(dir $@)
	for f in $(MMU_SRCS) lib/string.c; do \
		$(CC) $(MMU_COST_FLAGS) -isystem lib/include -c $$f -o $(dir $@)$$(basename $$f .c).o || exit 1; done
	$(CC) -std=gnu11 -O2 -g -I. -DSHADE_HOST -fno-pie -no-pie -o $@ tests/unit/test_mmu_cost.c \
		$(patsubst %.c,$(dir $@)%.o,$(notdir $(MMU_SRCS) lib/string.c)) -lcmocka

.PHONY: mmu-cost
mmu-cost: $(BUILD)/cost/mmu_cost
	@rm -f $(BUILD)/cost/callgrind.out.*
	cd $(BUILD)/cost && valgrind --tool=callgrind --toggle-collect='mmu_*' --callgrind-out-file=callgrind.out.%p ./mmu_cost >/dev/null 2>&1
	@for f in $$(ls -v $(BUILD)/cost/callgrind.out.*); do \
		awk '/^desc: Trigger/ {t=$$0; sub(/.*Client Request: /,"",t)} /^summary:/ {print t, $$2}' $$f; done | \
		awk 'NF==2 && $$1 !~ /^desc/ { n=$$1; sub(/.*-x/,"",n); printf "%-32s %10d instructions  %8.0f per op\n", $$1, $$2, $$2/n }'
