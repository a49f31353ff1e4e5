# emul/: the x86 instruction emulator (decoder + executor), portable C.
EMUL_SRCS := emul/tables.c emul/decode.c emul/alu.c emul/mem.c emul/exec.c \
	emul/stack.c emul/strops.c emul/sse.c
HV_SRCS += $(EMUL_SRCS)

# Decoder: hand-written cases + length cross-check against Capstone 4.
UNIT_TESTS += test_emul_decode
test_emul_decode_DEPS := $(EMUL_SRCS)
test_emul_decode_LIBS := -lcapstone
