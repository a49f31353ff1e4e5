HV_SRCS += emul/dev/iobus.c emul/dev/uart16550.c emul/dev/iomem.c
UNIT_TESTS += test_dev_iobus
test_dev_iobus_DEPS := emul/dev/iobus.c emul/dev/uart16550.c emul/dev/iomem.c
