/*
 * board.c - the board file's start-up register writes and the cycle counter. The console driver
 * is one of console_*.c, chosen by the board file's "console.kind".
 */
#include "board.h"
#include "board_config.h"

typedef struct {
    uint32_t reg, mask, value;
} te_board_write;

#if TE_BOARD_INIT_COUNT > 0
static const te_board_write te_board_init_writes[TE_BOARD_INIT_COUNT] = { TE_BOARD_INIT_WRITES };
#endif

void console_init(void);

void board_init(void)
{
#if TE_BOARD_INIT_COUNT > 0
    uint32_t i;
    for (i = 0u; i < TE_BOARD_INIT_COUNT; ++i) {
        volatile uint32_t *r = (volatile uint32_t *)(uintptr_t)te_board_init_writes[i].reg;
        *r = (*r & ~te_board_init_writes[i].mask) | te_board_init_writes[i].value;
        (void)*r; /* read back: the clock enable has taken effect before the next write */
    }
#endif
#if defined(TE_BOARD_CYCLES_DWT)
    *(volatile uint32_t *)0xE000EDFCu |= 1u << 24; /* DEMCR.TRCENA */
    *(volatile uint32_t *)0xE0001004u = 0u;         /* DWT_CYCCNT */
    *(volatile uint32_t *)0xE0001000u |= 1u;        /* DWT_CTRL.CYCCNTENA */
#endif
    console_init();
}

uint32_t board_cycles(void)
{
#if defined(TE_BOARD_CYCLES_DWT)
    return *(volatile uint32_t *)0xE0001004u;
#elif defined(TE_BOARD_CYCLES_MCYCLE)
    uint32_t c;
    __asm__ volatile(".option push\n\t.option arch, +zicsr\n\tcsrr %0, mcycle\n\t.option pop" : "=r"(c));
    return c;
#else
    return 0u;
#endif
}
