HV_SRCS += vmx/probe.c vmx/probe_decide.c vmx/caps.c vmx/vmcs.c vmx/entry.S vmx/dump.c vmx/exit.c \
	vmx/exit_cpuid.c vmx/exit_io.c vmx/exit_msr.c vmx/exit_cr.c vmx/exit_vmcall.c \
	vmx/exit_exception.c vmx/mmio.c vmx/mmio_fast.c vmx/guest_mem.c vmx/platform.c vmx/vm.c \
	vmx/vm_boot.c vmx/guest_check.c vmx/events.c vmx/fpu.c vmx/exit_xsetbv.c vmx/demo_blob.S

# The demo guest is embedded in the image.
$(BUILD)/hv/vmx/demo_blob.o: $(BUILD)/guest/demo.elf

UNIT_TESTS += test_guest_check
test_guest_check_DEPS := vmx/guest_check.c

UNIT_TESTS += test_vmx_probe
test_vmx_probe_DEPS := vmx/probe_decide.c
