/*
 * te_semihost.c - semihosting calls over the Arm "bkpt 0xab" trap (Cortex-M) or the RISC-V
 * "slli x0,x0,0x1f; ebreak; srai x0,x0,7" sequence. QEMU runs them when started with
 * -semihosting-config enable=on,target=native.
 */
#include "te_semihost.h"

#include <stddef.h>

#if defined(__arm__)
int32_t te_semihost_call(int32_t op, void *arg)
{
    register int32_t r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
#elif defined(__riscv)
/* The three instructions must be uncompressed and on one page, hence norvc and the alignment. */
__attribute__((noinline)) int32_t te_semihost_call(int32_t op, void *arg)
{
    register int32_t a0 __asm__("a0") = op;
    register void *a1 __asm__("a1") = arg;
    __asm__ volatile(".option push\n"
                     ".option norvc\n"
                     ".balign 16\n"
                     "slli x0, x0, 0x1f\n"
                     "ebreak\n"
                     "srai x0, x0, 7\n"
                     ".option pop\n"
                     : "+r"(a0)
                     : "r"(a1)
                     : "memory");
    return a0;
}
#else
#error "te_semihost.c supports Arm and RISC-V targets only"
#endif

static uint32_t te_strlen(const char *s)
{
    uint32_t n = 0;
    while (s[n] != '\0') n++;
    return n;
}

int32_t te_semihost_open(const char *path, int32_t mode)
{
    uintptr_t block[3];
    block[0] = (uintptr_t)path;
    block[1] = (uintptr_t)mode;
    block[2] = (uintptr_t)te_strlen(path);
    return te_semihost_call(TE_SH_SYS_OPEN, block);
}

int32_t te_semihost_close(int32_t handle)
{
    uintptr_t block[1];
    block[0] = (uintptr_t)handle;
    return te_semihost_call(TE_SH_SYS_CLOSE, block);
}

uint32_t te_semihost_read(int32_t handle, void *buffer, uint32_t size)
{
    uintptr_t block[3];
    int32_t left;
    block[0] = (uintptr_t)handle;
    block[1] = (uintptr_t)buffer;
    block[2] = (uintptr_t)size;
    left = te_semihost_call(TE_SH_SYS_READ, block);
    if (left < 0 || (uint32_t)left > size) return 0;
    return size - (uint32_t)left;
}

int32_t te_semihost_write(int32_t handle, const void *buffer, uint32_t size)
{
    uintptr_t block[3];
    block[0] = (uintptr_t)handle;
    block[1] = (uintptr_t)buffer;
    block[2] = (uintptr_t)size;
    return te_semihost_call(TE_SH_SYS_WRITE, block);
}

void te_semihost_print(const char *text)
{
    (void)te_semihost_call(TE_SH_SYS_WRITE0, (void *)(uintptr_t)text);
}

int32_t te_semihost_cmdline(char *buffer, uint32_t size)
{
    uintptr_t block[2];
    block[0] = (uintptr_t)buffer;
    block[1] = (uintptr_t)size;
    if (size == 0 || te_semihost_call(TE_SH_SYS_GET_CMDLINE, block) != 0) return -1;
    if (block[1] >= size) return -1;
    buffer[block[1]] = '\0';
    return (int32_t)block[1];
}

void te_semihost_exit(int32_t status)
{
    /* SYS_EXIT_EXTENDED carries any status; plain SYS_EXIT on 32-bit targets only 0 or 1. */
    uintptr_t block[2];
    block[0] = 0x20026u; /* ADP_Stopped_ApplicationExit */
    block[1] = (uintptr_t)(uint32_t)status;
    (void)te_semihost_call(TE_SH_SYS_EXIT_EXTENDED, block);
    for (;;) {
        /* Not reached: QEMU has exited. */
    }
}
