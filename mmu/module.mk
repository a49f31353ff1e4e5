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
