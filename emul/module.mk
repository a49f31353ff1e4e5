# emul/: the x86 instruction emulator (decoder + executor), portable C.
EMUL_SRCS := emul/tables.c emul/decode.c emul/alu.c emul/mem.c emul/exec.c \
	emul/stack.c emul/strops.c emul/sse.c
HV_SRCS += $(EMUL_SRCS)

# Decoder: hand-written cases + length cross-check against Capstone 4.
UNIT_TESTS += test_emul_decode
test_emul_decode_DEPS := $(EMUL_SRCS)
test_emul_decode_LIBS := -lcapstone

# Differential tests against the host CPU (x86-64 hosts only).
UNIT_TESTS += test_emul_exec
test_emul_exec_DEPS := $(EMUL_SRCS)
test_emul_exec_CFLAGS := -D_GNU_SOURCE

# The larger differential sweep (not part of `make unit`'s run).
.PHONY: emul-sweep
emul-sweep: $(BUILD)/host/test_emul_exec
	EMUL_DIFF_CASES=$${EMUL_DIFF_CASES:-8000} $(BUILD)/host/test_emul_exec
