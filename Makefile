# Shade — top-level build.
#
# Each folder contributes through its own `module.mk`:
#   HV_SRCS     += sources (.c/.S) linked into the hypervisor image
#   GUEST_PROGS += guest programs built into guest ISOs (see guest/module.mk)
#   UNIT_TESTS  += name            host unit test build/host/<name>, built from
#                                  tests/unit/<name>.c plus $(<name>_DEPS),
#                                  linked with cmocka and $(<name>_LIBS)
# The hypervisor is freestanding C; code in emul/, mmu/ and the guest/ parsers
# is plain C that also builds on the host (no inline asm, no VMX).

BUILD   ?= build
CC      ?= gcc
HOSTCC  ?= gcc
OBJCOPY ?= objcopy

WARN     := -Wall -Wextra -Werror
# Link-time optimisation: an exit's path crosses vmx/, mmu/ and emul/ (the
# #PF exit, the MMU's answer, the fast-move decoder), and inlining across
# them is worth a good part of an exit's cost (make bench).
# The #PF exit handler becomes one large function that way (the MMIO and
# page-table fast paths inlined into it); GCC's default limit on how large
# a function may grow by inlining would leave some of them out of line.
HV_CODEGEN := -O2 -flto=auto --param=large-function-insns=8000 -ffreestanding -fno-stack-protector \
	-fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only -mcmodel=kernel -m64
HV_CFLAGS := -std=gnu11 -g $(WARN) $(HV_CODEGEN) -fno-builtin-printf \
	-fno-asynchronous-unwind-tables -isystem lib/include -I. -DSHADE_HV
HV_ASFLAGS := -m64 -I. -DSHADE_HV -D__ASSEMBLY__
# Linked by the compiler driver (for LTO); no build-id note: the Multiboot
# header must stay within the image's first 8 KiB.
HV_LDFLAGS := $(HV_CODEGEN) -g $(WARN) -nostdlib -static -no-pie -Wl,--build-id=none \
	-Wl,-z,max-page-size=0x1000 -T linker.ld

HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -I. -DSHADE_HOST \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

.DEFAULT_GOAL := all

HV_SRCS     :=
GUEST_PROGS :=
UNIT_TESTS  :=

include $(sort $(wildcard */module.mk */*/module.mk */*/*/module.mk))

HV_OBJS := $(patsubst %,$(BUILD)/hv/%.o,$(basename $(HV_SRCS)))

.PHONY: all iso run test unit bench fuzz clean deps
all: $(BUILD)/shade.elf

# The image is linked as ELF64 and converted to ELF32: QEMU's -kernel only
# takes ELF32 Multiboot images, and GRUB is happy with either.
$(BUILD)/shade64.elf: $(HV_OBJS) linker.ld
	$(CC) $(HV_LDFLAGS) -o $@ $(HV_OBJS)

$(BUILD)/shade.elf: $(BUILD)/shade64.elf
	$(OBJCOPY) -O elf32-i386 --strip-debug $< $@
	@size=$$(stat -c %s $@); echo "  shade.elf: $$size bytes"

$(BUILD)/hv/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/hv/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(HV_ASFLAGS) -MMD -MP -c $< -o $@

# Host unit tests (cmocka), under ASan/UBSan.
UNIT_BINS := $(addprefix $(BUILD)/host/,$(UNIT_TESTS))
unit: $(UNIT_BINS)
define unit_rule
$(BUILD)/host/$(1): tests/unit/$(1).c $$($(1)_DEPS) $$(wildcard */*.h) $$(wildcard tests/unit/*.h)
	@mkdir -p $$(dir $$@)
	$$(HOSTCC) $$(HOST_CFLAGS) $$($(1)_CFLAGS) -o $$@ tests/unit/$(1).c $$($(1)_DEPS) -lcmocka $$($(1)_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

# Each user-facing target first installs what is missing (tools/install-deps
# is quick when everything is there), then builds: a fresh Debian machine
# needs nothing but `make run` or `make test`.
iso:
	tools/install-deps
	$(MAKE) all
	tools/shade-run --shade $(BUILD)/shade.elf --iso-only $(BUILD)/shade.iso

run:
	tools/install-deps
	$(MAKE) all
	tools/shade-run --shade $(BUILD)/shade.elf

test:
	tools/install-deps
	$(MAKE) all unit
	BUILD=$(BUILD) tests/run-tests

bench:
	tools/install-deps
	$(MAKE) all
	BUILD=$(BUILD) tests/run-bench
	BUILD=$(BUILD) tests/run-bench-linux
	@echo "-- host-side emulator speed (ns; the reference is Capstone's decode-only)"
	$(MAKE) --no-print-directory emul-bench

deps:
	tools/install-deps

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)

# Linux guest (issue 6): Debian's cloud kernel and a busybox initramfs,
# fetched from Debian's mirror and built by tools/prepare-linux into
# $(BUILD)/linux (cached; quick when done). run-linux boots them under Shade
# with the command line of tests/linux/cmdline plus shade.shell (/init then
# starts a shell instead of powering off). From a terminal it runs shade-run
# --interactive (Ctrl-] quits): what you type goes to the guest's COM1 and
# its shell; with stdin not a terminal the console is only shown.
.PHONY: linux run-linux
linux:
	tools/install-deps
	tools/prepare-linux $(BUILD)/linux

run-linux: linux
	$(MAKE) all
	tools/shade-run --shade $(BUILD)/shade.elf --timeout 86400 --mem 256M \
		$$(if [ -t 0 ]; then echo --interactive; fi) \
		--initrd $(BUILD)/linux/initrd.gz \
		--append "$$(sed 's/#.*//' tests/linux/cmdline | xargs) shade.shell" \
		$(BUILD)/linux/vmlinuz
