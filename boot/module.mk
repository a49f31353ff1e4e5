HV_SRCS += boot/entry.S boot/exc.S boot/cpu_tables.c boot/crash.c boot/kmain.c
