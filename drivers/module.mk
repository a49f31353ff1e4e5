HV_SRCS += drivers/uart.c drivers/power.c drivers/pic.c
