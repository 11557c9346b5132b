/*
 * startup_cortex_m.c - vector table and reset for a TruncEdge firmware on a Cortex-M board:
 * enables the FPU when built for one, copies .data, zeroes .bss and calls main. No semihosting:
 * this runs without a debugger. A fault stops in te_fault, where a debugger finds it.
 */
#include <stdint.h>

extern uint32_t __te_data_start[], __te_data_end[], __te_data_load[];
extern uint32_t __te_bss_start[], __te_bss_end[], __te_stack_top[];

int main(void);
void te_reset(void) __attribute__((noreturn));
void te_fault(void) __attribute__((noreturn));

/* 16 system exceptions; the firmware enables no interrupt. */
__attribute__((section(".te_vectors"), used)) const uintptr_t te_vector_table[16] = {
    (uintptr_t)__te_stack_top, (uintptr_t)&te_reset,
    (uintptr_t)&te_fault, (uintptr_t)&te_fault, (uintptr_t)&te_fault, (uintptr_t)&te_fault, (uintptr_t)&te_fault,
    0u, 0u, 0u, 0u,
    (uintptr_t)&te_fault, (uintptr_t)&te_fault, 0u, (uintptr_t)&te_fault, (uintptr_t)&te_fault,
};

void te_reset(void)
{
    uint32_t *d, *s;
#if defined(__ARM_FP)
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20; /* CPACR: CP10, CP11 full access */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
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

void te_fault(void)
{
    for (;;) {
    }
}
