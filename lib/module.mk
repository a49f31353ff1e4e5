HV_SRCS += lib/string.c lib/print.c lib/log.c
