HV_SRCS += vmx/probe.c
