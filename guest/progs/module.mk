# Guest programs: bare-metal Multiboot v1 test kernels that run as Shade's
# guests (and on bare QEMU/Bochs). Each program <name> is built from
# guest/progs/<name>.c (plus $(GP_<name>_SRCS) if set) and the small runtime in
# guest/progs/lib/, linked at 0x200000 with guest/progs/link32.ld, to
# build/guest/<name>.elf (ELF32). `make guests` builds them all.
#
# These never go into HV_SRCS: the lead embeds build/guest/demo.elf with
# .incbin, everything else is handed to Shade as a GRUB module.

# Keep whatever default goal the top-level Makefile would pick (our rules are
# included before its `all:` target).
GP_SAVED_GOAL := $(.DEFAULT_GOAL)

GP_DIR   := guest/progs
GP_OUT   := $(BUILD)/guest
GP_OBJ   := $(BUILD)/guest/obj

GP_PAGING := test-paging-32 test-paging-pae test-paging-4level test-paging-switch
GP_NAMES := demo test-exits test-triple test-hltcli bench-exits bench-paging \
	$(GP_PAGING) test-paging-mmio test-paging-memory test-emul-mmio \
	test-pic-pit test-lapic test-rtc test-fwcfg test-ioapic test-acpi
GUEST_PROGS += $(GP_NAMES)

# Extra sources per program (beside guest/progs/<name>.c).
GP_test-exits_SRCS := $(GP_DIR)/test-exits-insns.S
GP_test-emul-mmio_SRCS := $(GP_DIR)/emul-cases.S $(GP_DIR)/emul-cases64.S
$(foreach p,$(GP_PAGING),$(eval GP_$(p)_SRCS := $(GP_DIR)/paging-suite.c $(GP_DIR)/paging-insns.S))

GP_CFLAGS := -m32 -std=gnu11 -ffreestanding -fno-pic -fno-pie -nostdlib -static \
	-O2 -Wall -Wextra -Werror -fno-stack-protector -fno-asynchronous-unwind-tables \
	-mno-sse -mno-mmx -mno-80387 -mgeneral-regs-only \
	-I$(GP_DIR)/lib
GP_ASFLAGS := -m32 -Wa,--noexecstack -I$(GP_DIR)/lib -D__ASSEMBLY__
GP_LDFLAGS := -m32 -nostdlib -static -no-pie -Wl,--build-id=none \
	-Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
	-Wl,-z,max-page-size=0x1000 -Wl,-T,$(GP_DIR)/link32.ld

# The runtime is an archive, so a program only links the parts it uses
# (the paging pool alone is 2 MiB of BSS); entry.o always goes in.
GP_LIB_SRCS := $(wildcard $(GP_DIR)/lib/*.c $(GP_DIR)/lib/*.S)
GP_LIB_OBJS := $(patsubst $(GP_DIR)/%,$(GP_OBJ)/%.o,$(basename $(GP_LIB_SRCS)))
GP_ENTRY_OBJ := $(GP_OBJ)/lib/entry.o
GP_LIB_A := $(GP_OBJ)/libguest.a

$(GP_LIB_A): $(filter-out $(GP_ENTRY_OBJ),$(GP_LIB_OBJS))
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(GP_OBJ)/%.o: $(GP_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GP_CFLAGS) -MMD -MP -c $< -o $@

$(GP_OBJ)/%.o: $(GP_DIR)/%.S
	@mkdir -p $(dir $@)
	$(CC) $(GP_ASFLAGS) -MMD -MP -c $< -o $@

# One link rule per program: its main source, its extra sources, the runtime.
define gp_prog_rule
GP_$(1)_OBJS := $$(patsubst $$(GP_DIR)/%,$$(GP_OBJ)/%.o,$$(basename $$(GP_DIR)/$(1).c $$(GP_$(1)_SRCS)))
$$(GP_OUT)/$(1).elf: $$(GP_$(1)_OBJS) $$(GP_ENTRY_OBJ) $$(GP_LIB_A) $$(GP_DIR)/link32.ld
	@mkdir -p $$(dir $$@)
	$$(CC) $$(GP_LDFLAGS) -o $$@ $$(GP_ENTRY_OBJ) $$(GP_$(1)_OBJS) $$(GP_LIB_A)
endef
$(foreach p,$(GP_NAMES),$(eval $(call gp_prog_rule,$(p))))

.PHONY: guests
guests: $(addprefix $(GP_OUT)/,$(addsuffix .elf,$(GP_NAMES)))

.DEFAULT_GOAL := $(GP_SAVED_GOAL)
