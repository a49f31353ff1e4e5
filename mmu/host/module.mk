HV_SRCS += mmu/host/frames.c mmu/host/hostpt.c
