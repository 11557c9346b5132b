/*
 * console_cmsdk_uart.c - the console on an Arm CMSDK APB UART (the MPS2 boards, and QEMU's
 * models of them): polled. TE_CONSOLE_DIVISOR is BAUDDIV (at least 16).
 */
#include "board.h"
#include "board_config.h"

#define TE_UART(off) (*(volatile uint32_t *)(uintptr_t)(TE_CONSOLE_BASE + (off)))
#define TE_UART_DATA TE_UART(0x00u)
#define TE_UART_STATE TE_UART(0x04u)
#define TE_UART_CTRL TE_UART(0x08u)
#define TE_UART_BAUDDIV TE_UART(0x10u)

void console_init(void);

void console_init(void)
{
    TE_UART_BAUDDIV = TE_CONSOLE_DIVISOR;
    TE_UART_CTRL = 3u; /* TX and RX enable */
}

void console_putc(char c)
{
    while ((TE_UART_STATE & 1u) != 0u) { /* TX buffer full */
    }
    TE_UART_DATA = (uint8_t)c;
}

char console_getc(void)
{
    while ((TE_UART_STATE & 2u) == 0u) { /* RX buffer empty */
    }
    return (char)(TE_UART_DATA & 0xFFu);
}
