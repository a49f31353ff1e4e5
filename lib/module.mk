HV_SRCS += lib/string.c
