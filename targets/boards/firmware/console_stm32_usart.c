/*
 * console_stm32_usart.c - the console on an STM32 USART or LPUART (L4, H7, G4, ... share this
 * register layout): 8N1, polled, no interrupts. TE_CONSOLE_DIVISOR is the BRR value.
 */
#include "board.h"
#include "board_config.h"

#define TE_USART(off) (*(volatile uint32_t *)(uintptr_t)(TE_CONSOLE_BASE + (off)))
#define TE_USART_CR1 TE_USART(0x00u)
#define TE_USART_BRR TE_USART(0x0Cu)
#define TE_USART_ISR TE_USART(0x1Cu)
#define TE_USART_RDR TE_USART(0x24u)
#define TE_USART_TDR TE_USART(0x28u)

void console_init(void);

void console_init(void)
{
    TE_USART_CR1 = 0u;
    TE_USART_BRR = TE_CONSOLE_DIVISOR;
    TE_USART_CR1 = (1u << 3) | (1u << 2) | 1u; /* TE, RE, UE */
}

void console_putc(char c)
{
    while ((TE_USART_ISR & (1u << 7)) == 0u) { /* TXE */
    }
    TE_USART_TDR = (uint8_t)c;
}

char console_getc(void)
{
    while ((TE_USART_ISR & (1u << 5)) == 0u) { /* RXNE */
        if ((TE_USART_ISR & (1u << 3)) != 0u) {
            *(volatile uint32_t *)(uintptr_t)(TE_CONSOLE_BASE + 0x20u) = 1u << 3; /* ICR.ORECF: clear an overrun */
        }
    }
    return (char)(TE_USART_RDR & 0xFFu);
}
