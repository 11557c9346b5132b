/*
 * te_crt.c - see te_crt.h. Runs before .data and .bss exist: te_crt_start uses only locals
 * until both are set up.
 */
#include "te_crt.h"

#include "te_semihost.h"

#include <stddef.h>

#define TE_CRT_PAINT 0x5AA5C33Cu
#define TE_CRT_MAX_ARGS 8
#define TE_CRT_CMDLINE_BYTES 256

int main(int argc, char **argv);

static char te_crt_cmdline[TE_CRT_CMDLINE_BYTES];
static char *te_crt_argv[TE_CRT_MAX_ARGS + 1];

/* Splits the semihosting command line at spaces into argv; argv[0] is the program name. */
static int te_crt_args(void)
{
    int argc = 0;
    char *p = te_crt_cmdline;
    if (te_semihost_cmdline(te_crt_cmdline, (uint32_t)sizeof te_crt_cmdline) < 0) te_crt_cmdline[0] = '\0';
    while (*p != '\0' && argc < TE_CRT_MAX_ARGS) {
        while (*p == ' ') *p++ = '\0';
        if (*p == '\0') break;
        te_crt_argv[argc++] = p;
        while (*p != '\0' && *p != ' ') p++;
    }
    te_crt_argv[argc] = NULL;
    return argc;
}

void te_crt_start(void)
{
    uint32_t *src = __te_data_load;
    uint32_t *dst = __te_data_start;
    uint32_t *stack;
    uint32_t *paint_end;
    int status;

    while (dst < __te_data_end) *dst++ = *src++;
    for (dst = __te_bss_start; dst < __te_bss_end; dst++) *dst = 0;

    /* Paint the unused stack below this frame so te_crt_stack_used can find the high-water mark. */
    paint_end = (uint32_t *)__builtin_frame_address(0) - 64;
    for (stack = __te_stack_limit; stack < paint_end; stack++) *(volatile uint32_t *)stack = TE_CRT_PAINT;

    status = main(te_crt_args(), te_crt_argv);
    te_crt_exit(status);
}

void te_crt_exit(int32_t status)
{
    if (__te_stack_limit[0] != TE_CRT_PAINT) {
        te_semihost_print("te: guest crashed: stack overflow: the stack reached the end of its ");
        te_crt_print_u32(te_crt_stack_size());
        te_semihost_print(" bytes (memory.stack in target.json)\n");
        te_crt_fault_exit();
    }
    te_semihost_exit(status);
}

uint32_t te_crt_stack_size(void)
{
    return (uint32_t)((uintptr_t)__te_stack_top - (uintptr_t)__te_stack_limit);
}

uint32_t te_crt_stack_used(void)
{
    const volatile uint32_t *p = __te_stack_limit;
    while (p < __te_stack_top && *p == TE_CRT_PAINT) p++;
    return (uint32_t)((uintptr_t)__te_stack_top - (uintptr_t)p);
}

void te_crt_print_hex(const char *label, uint32_t value)
{
    static const char digits[] = "0123456789abcdef";
    char text[14];
    int i;
    text[0] = '=';
    text[1] = '0';
    text[2] = 'x';
    for (i = 0; i < 8; i++) text[3 + i] = digits[(value >> (28 - 4 * i)) & 0xFu];
    text[11] = ' ';
    text[12] = '\0';
    te_semihost_print(label);
    te_semihost_print(text);
}

void te_crt_print_u32(uint32_t value)
{
    char text[11];
    int i = 10;
    text[i] = '\0';
    do {
        text[--i] = (char)('0' + value % 10u);
        value /= 10u;
    } while (value != 0u);
    te_semihost_print(&text[i]);
}

void te_crt_fault_exit(void)
{
    te_semihost_exit(TE_CRT_FAULT_STATUS);
}
