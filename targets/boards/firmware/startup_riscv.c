/*
 * startup_riscv.c - entry of a TruncEdge firmware on a RISC-V board (machine mode): sets gp, sp
 * and mtvec, copies .data, zeroes .bss and calls main. A trap stops in te_trap, where a debugger
 * finds it.
 */
#include <stdint.h>

extern uint32_t __te_data_start[], __te_data_end[], __te_data_load[];
extern uint32_t __te_bss_start[], __te_bss_end[];

int main(void);
void te_start(void) __attribute__((noreturn, used));

__asm__(".section .te_vectors, \"ax\", @progbits\n"
        ".option push\n"
        ".option arch, +zicsr\n"
        ".globl te_reset\n"
        "te_reset:\n"
        ".option push\n"
        ".option norelax\n"
        "  la gp, __global_pointer$\n"
        ".option pop\n"
        "  la sp, __te_stack_top\n"
        "  la t0, te_trap\n"
        "  csrw mtvec, t0\n"
        "  call te_start\n"
        ".balign 4\n"
        "te_trap:\n"
        "  j te_trap\n"
        ".option pop\n"
        ".text\n");

void te_start(void)
{
    uint32_t *d, *s;
    for (d = __te_data_start, s = __te_data_load; d < __te_data_end;) {
        *d++ = *s++;
    }
    for (d = __te_bss_start; d < __te_bss_end;) {
        *d++ = 0u;
    }
    (void)main();
    for (;;) {
    }
}
