# Legacy PC devices (issue 5): 8259A PIC pair, 8254 PIT, MC146818 RTC/CMOS,
# i8042 keyboard controller, port 0xCF9 reset control.
HV_SRCS += emul/dev/pic8259.c emul/dev/pit8254.c emul/dev/rtc_cmos.c \
	emul/dev/i8042.c emul/dev/resetctl.c

UNIT_TESTS += test_dev_pic test_dev_pit test_dev_rtc test_dev_i8042
test_dev_pic_DEPS := emul/dev/pic8259.c emul/dev/pit8254.c emul/dev/rtc_cmos.c emul/dev/i8042.c
test_dev_pit_DEPS := emul/dev/pit8254.c
test_dev_rtc_DEPS := emul/dev/rtc_cmos.c
test_dev_i8042_DEPS := emul/dev/i8042.c emul/dev/resetctl.c
