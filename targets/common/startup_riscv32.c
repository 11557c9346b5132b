/*
 * startup_riscv32.c - entry and trap handling for TruncEdge's RISC-V QEMU images (machine
 * mode, -bios none). _start sets gp, sp and mtvec, then hands over to te_crt_start. A trap
 * (illegal instruction, access fault, misaligned access, ...) prints mcause, mepc and mtval
 * through semihosting and exits with status 3 instead of hanging.
 */
#include "te_crt.h"
#include "te_semihost.h"

#include <stdint.h>

void te_trap_report(uint32_t mcause, uint32_t mepc, uint32_t mtval) __attribute__((noreturn, used));

__asm__(".section .te_vectors, \"ax\", @progbits\n"
        ".option push\n"
        ".option arch, +zicsr\n" /* CSR access; kept out of -march so the rv32imac multilib is used */
        ".globl te_reset\n"
        "te_reset:\n"
        ".option push\n"
        ".option norelax\n"
        "  la gp, __global_pointer$\n"
        ".option pop\n"
        "  la sp, __te_stack_top\n"
        "  la t0, te_trap_entry\n"
        "  csrw mtvec, t0\n"
        "  call te_crt_start\n"
        ".balign 4\n"
        "te_trap_entry:\n"
        "  la sp, __te_stack_top\n" /* the report needs a stack even after a stack overflow */
        "  csrr a0, mcause\n"
        "  csrr a1, mepc\n"
        "  csrr a2, mtval\n"
        "  call te_trap_report\n"
        ".option pop\n"
        ".text\n");

static const char *te_trap_name(uint32_t mcause)
{
    switch (mcause) {
    case 0: return "instruction address misaligned";
    case 1: return "instruction access fault";
    case 2: return "illegal instruction";
    case 3: return "breakpoint";
    case 4: return "load address misaligned";
    case 5: return "load access fault";
    case 6: return "store address misaligned";
    case 7: return "store access fault";
    case 11: return "environment call";
    default: return (mcause & 0x80000000u) != 0u ? "unexpected interrupt" : "unexpected trap";
    }
}

void te_trap_report(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    te_semihost_print("te: guest crashed: trap: ");
    te_semihost_print(te_trap_name(mcause));
    te_crt_print_hex(" mcause", mcause);
    te_crt_print_hex("mepc", mepc);
    te_crt_print_hex("mtval", mtval);
    te_semihost_print("\n");
    te_crt_fault_exit();
}
