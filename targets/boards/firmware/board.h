/*
 * board.h - what main.c needs from a board: its console and its cycle counter. The values of one
 * board (register addresses, the UART divisor, the start-up register writes) are in
 * board_config.h, which `truncedge compile --board` writes from the board file
 * (targets/boards/NAME.json).
 */
#ifndef TE_BOARD_H
#define TE_BOARD_H

#include <stdint.h>

/* Applies the board file's "init" register writes (clocks, pins), then starts the console. */
void board_init(void);

/* One byte out on the console; blocks while the transmitter is full. */
void console_putc(char c);

/* One byte in from the console; blocks until one arrives. */
char console_getc(void);

/* The free-running cycle counter (DWT_CYCCNT on Cortex-M, mcycle on RISC-V). */
uint32_t board_cycles(void);

#endif /* TE_BOARD_H */
