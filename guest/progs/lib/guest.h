/* Everything a guest program includes. A program defines guest_main(),
 * whose return value becomes the exit status (guest_exit). */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "cpu.h"
#include "div64.h"
#include "exit.h"
#include "fault.h"
#include "hypercall.h"
#include "idt.h"
#include "irq.h"
#include "multiboot.h"
#include "printf.h"
#include "report.h"
#include "serial.h"
#include "string.h"
#include "user.h"

int guest_main(void);

#endif
