/*
 * te_crt.h - the architecture-independent half of the start-up code of TruncEdge's QEMU images:
 * prepares memory, hands main() the semihosting command line, reports faults and exits through
 * semihosting. The architecture halves (startup_cortex_m.c, startup_riscv32.c) call into it.
 */
#ifndef TE_CRT_H
#define TE_CRT_H

#include <stdint.h>

/* Status an image exits with after a HardFault or trap (docs/harness.md). */
#define TE_CRT_FAULT_STATUS 3

/* Symbols of te_firmware.ld. */
extern uint32_t __te_data_start[], __te_data_end[], __te_data_load[];
extern uint32_t __te_bss_start[], __te_bss_end[];
extern uint32_t __te_stack_limit[], __te_stack_top[];

/* Copies .data, zeroes .bss, paints the stack, calls main(argc, argv) and exits with its status. */
void te_crt_start(void) __attribute__((noreturn));

/* Ends the program with status, after checking the stack did not overflow (else status 3). */
void te_crt_exit(int32_t status) __attribute__((noreturn));

/* Prints "label=0x%08x " on the semihosting console. */
void te_crt_print_hex(const char *label, uint32_t value);

/* Prints a decimal number. */
void te_crt_print_u32(uint32_t value);

/* Ends the program with TE_CRT_FAULT_STATUS after the caller printed the fault state. */
void te_crt_fault_exit(void) __attribute__((noreturn));

/* Bytes of the stack region written so far (high-water mark of the painted stack). */
uint32_t te_crt_stack_used(void);

/* Bytes of the stack region. */
uint32_t te_crt_stack_size(void);

#endif /* TE_CRT_H */
