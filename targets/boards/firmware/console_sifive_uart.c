/*
 * console_sifive_uart.c - the console on a SiFive UART (FE310: HiFive1; QEMU's sifive_e):
 * polled. TE_CONSOLE_DIVISOR is div: baud = clock / (div + 1).
 */
#include "board.h"
#include "board_config.h"

#define TE_UART(off) (*(volatile uint32_t *)(uintptr_t)(TE_CONSOLE_BASE + (off)))
#define TE_UART_TXDATA TE_UART(0x00u)
#define TE_UART_RXDATA TE_UART(0x04u)
#define TE_UART_TXCTRL TE_UART(0x08u)
#define TE_UART_RXCTRL TE_UART(0x0Cu)
#define TE_UART_DIV TE_UART(0x18u)

void console_init(void);

void console_init(void)
{
    TE_UART_DIV = TE_CONSOLE_DIVISOR;
    TE_UART_TXCTRL = 1u; /* txen, one stop bit */
    TE_UART_RXCTRL = 1u; /* rxen */
}

void console_putc(char c)
{
    while ((TE_UART_TXDATA & 0x80000000u) != 0u) { /* FIFO full */
    }
    TE_UART_TXDATA = (uint8_t)c;
}

char console_getc(void)
{
    for (;;) {
        const uint32_t r = TE_UART_RXDATA; /* one read: it pops the FIFO */
        if ((r & 0x80000000u) == 0u) {
            return (char)(r & 0xFFu);
        }
    }
}
