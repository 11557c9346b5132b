/*
 * startup_cortex_m.c - vector table, reset and fault handling for TruncEdge's Cortex-M QEMU
 * images (Armv6-M, Armv7-M, Armv8-M, Armv8.1-M). The reset handler enables the FPU when the
 * image is built for one, sets the Armv8-M stack limit, makes unaligned accesses trap in Armv6-M
 * images, then hands over to te_crt_start. Every fault and unexpected exception prints the
 * stacked registers and the fault status registers through semihosting and exits with status 3
 * instead of hanging.
 */
#include "te_crt.h"
#include "te_semihost.h"

#include <stdint.h>

#define TE_SCB_CCR (*(volatile uint32_t *)0xE000ED14u)
#define TE_SCB_CCR_UNALIGN_TRP (1u << 3)
#define TE_SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define TE_SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)
#define TE_SCB_HFSR (*(volatile uint32_t *)0xE000ED2Cu)
#define TE_SCB_MMFAR (*(volatile uint32_t *)0xE000ED34u)
#define TE_SCB_BFAR (*(volatile uint32_t *)0xE000ED38u)

#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
#define TE_HAS_MSPLIM 1
#endif

void te_reset(void) __attribute__((noreturn));
void te_fault_entry(void) __attribute__((naked));
void te_fault_report(const uint32_t *frame) __attribute__((noreturn, used));

/* 16 system exceptions; no interrupt is ever enabled, so no IRQ vectors are needed. */
__attribute__((section(".te_vectors"), used)) const uintptr_t te_vector_table[16] = {
    (uintptr_t)__te_stack_top,
    (uintptr_t)&te_reset,
    (uintptr_t)&te_fault_entry, /* NMI */
    (uintptr_t)&te_fault_entry, /* HardFault */
    (uintptr_t)&te_fault_entry, /* MemManage */
    (uintptr_t)&te_fault_entry, /* BusFault */
    (uintptr_t)&te_fault_entry, /* UsageFault */
    (uintptr_t)&te_fault_entry, /* SecureFault (Armv8-M) */
    0u, 0u, 0u,
    (uintptr_t)&te_fault_entry, /* SVCall */
    (uintptr_t)&te_fault_entry, /* DebugMonitor */
    0u,
    (uintptr_t)&te_fault_entry, /* PendSV */
    (uintptr_t)&te_fault_entry, /* SysTick */
};

void te_reset(void)
{
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
    /* Full access to CP10 and CP11 (FPU, and MVE on Armv8.1-M). */
    TE_SCB_CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
#ifdef TE_HAS_MSPLIM
    /* A stack overflow becomes a precise UsageFault (STKOF) instead of corrupting .bss. */
    __asm__ volatile("msr msplim, %0" : : "r"((uintptr_t)__te_stack_limit));
#endif
#if defined(__ARM_ARCH_6M__)
    /* An Armv6-M core (Cortex-M0, M0+) faults on every unaligned load or store: its
     * CCR.UNALIGN_TRP is fixed at one and this write is ignored. Armv6-M code may also run on an
     * Armv7-M machine (cortex-m0plus on QEMU's Cortex-M3 mps2-an385), which would do such an
     * access silently; setting the bit makes it fault there too, as on the real part. The isb
     * makes QEMU apply it to the code that follows. */
    TE_SCB_CCR |= TE_SCB_CCR_UNALIGN_TRP;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    te_crt_start();
}

/* Hands the stacked exception frame (r0-r3, r12, lr, pc, xpsr) to te_fault_report. */
void te_fault_entry(void)
{
    __asm__ volatile(
#ifdef TE_HAS_MSPLIM
        "movs r0, #0\n\t"
        "msr msplim, r0\n\t" /* the report needs stack even after a stack overflow */
#endif
        "mrs r0, msp\n\t"
        "ldr r1, =te_fault_report\n\t"
        "bx r1\n\t"
        ".ltorg\n\t");
}

static const char *te_exception_name(uint32_t number)
{
    switch (number) {
    case 2: return "NMI";
    case 3: return "HardFault";
    case 4: return "MemManage fault";
    case 5: return "BusFault";
    case 6: return "UsageFault";
    case 7: return "SecureFault";
    case 11: return "SVCall";
    case 12: return "DebugMonitor";
    case 14: return "PendSV";
    case 15: return "SysTick";
    default: return "unexpected exception";
    }
}

void te_fault_report(const uint32_t *frame)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    ipsr &= 0x1FFu;
    te_semihost_print("te: guest crashed: ");
    te_semihost_print(te_exception_name(ipsr));
    te_crt_print_hex(" exception", ipsr);
    te_crt_print_hex("pc", frame[6]);
    te_crt_print_hex("lr", frame[5]);
    te_crt_print_hex("xpsr", frame[7]);
#if !defined(__ARM_ARCH_6M__)
    te_crt_print_hex("cfsr", TE_SCB_CFSR);
    te_crt_print_hex("hfsr", TE_SCB_HFSR);
    te_crt_print_hex("mmfar", TE_SCB_MMFAR);
    te_crt_print_hex("bfar", TE_SCB_BFAR);
#endif
    te_semihost_print("\n");
    te_crt_fault_exit();
}
