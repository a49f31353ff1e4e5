# Interrupt controllers and firmware interfaces (issue 5): local APIC,
# IOAPIC, ACPI tables and PM registers, QEMU fw_cfg and pc-testdev ports.
HV_SRCS += emul/dev/pctestdev.c

UNIT_TESTS += test_dev_pctestdev
test_dev_pctestdev_DEPS := emul/dev/pctestdev.c emul/dev/iobus.c
HV_SRCS += emul/dev/fw_cfg.c

UNIT_TESTS += test_dev_fwcfg
test_dev_fwcfg_DEPS := emul/dev/fw_cfg.c emul/dev/iobus.c
HV_SRCS += emul/dev/lapic.c

UNIT_TESTS += test_dev_lapic
test_dev_lapic_DEPS := emul/dev/lapic.c
HV_SRCS += emul/dev/ioapic.c

UNIT_TESTS += test_dev_ioapic
test_dev_ioapic_DEPS := emul/dev/ioapic.c emul/dev/lapic.c
HV_SRCS += emul/dev/acpi_tables.c emul/dev/acpi_pm.c

UNIT_TESTS += test_dev_acpi
test_dev_acpi_DEPS := emul/dev/acpi_tables.c emul/dev/acpi_pm.c drivers/acpi_s5.c
