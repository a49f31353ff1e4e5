/* The host's 16550 UART: Shade's console. */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H
#include <stdint.h>
#include <stdbool.h>

void uart_init(uint16_t port, uint32_t baud);
void uart_putc(char c);
/* Non-blocking: returns -1 when no byte is waiting. */
int uart_getc(void);
/* Wait until the transmitter is empty (LSR.TEMT), so nothing is lost when
 * the machine is switched off right after. */
void uart_flush(void);
uint16_t uart_port(void);

#endif
