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
