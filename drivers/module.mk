HV_SRCS += drivers/uart.c drivers/power.c drivers/pic.c drivers/acpi.c drivers/acpi_s5.c drivers/tsc.c

UNIT_TESTS += test_acpi_s5
test_acpi_s5_DEPS := drivers/acpi_s5.c
