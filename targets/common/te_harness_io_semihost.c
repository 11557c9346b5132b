/*
 * te_harness_io_semihost.c - te_harness_io.h (runtime-c/harness) over semihosting, for the QEMU
 * targets. Files are opened on the host, relative to QEMU's working directory; console lines go
 * to the semihosting console (QEMU's stderr); the exit status reaches QEMU's own through
 * SYS_EXIT_EXTENDED. Handles are the semihosting handles themselves.
 */
#include "te_harness_io.h"

#include "te_crt.h"
#include "te_semihost.h"

#include <stddef.h>

#define TE_IO_CMDLINE_BYTES 256

static int te_io_argc;
static char **te_io_argv;
static char te_io_cmdline[TE_IO_CMDLINE_BYTES];

int32_t te_io_init(int argc, char **argv)
{
    te_io_argc = argc;
    te_io_argv = argv;
    return 0;
}

/* Splits te_io_cmdline in place at spaces; returns the number of words (at most max). */
static int te_io_split(char **words, int max)
{
    int n = 0;
    char *p = te_io_cmdline;
    while (*p != '\0' && n < max) {
        while (*p == ' ') *p++ = '\0';
        if (*p == '\0') break;
        words[n++] = p;
        while (*p != '\0' && *p != ' ') p++;
    }
    return n;
}

int32_t te_io_paths(const char **in_path, const char **out_path)
{
    static char *words[4];
    if (te_io_argc == 3 && te_io_argv != NULL) {
        /* te_crt_start already split SYS_GET_CMDLINE into argv. */
        *in_path = te_io_argv[1];
        *out_path = te_io_argv[2];
        return 0;
    }
    /* A start-up that passes no arguments: ask the host directly. */
    if (te_semihost_cmdline(te_io_cmdline, (uint32_t)sizeof te_io_cmdline) < 0 || te_io_split(words, 4) != 3) {
        return -1;
    }
    *in_path = words[1];
    *out_path = words[2];
    return 0;
}

int32_t te_io_open(const char *path, te_io_mode mode)
{
    int32_t h = te_semihost_open(path, mode == TE_IO_WRITE ? TE_SH_MODE_WRITE_BINARY : TE_SH_MODE_READ_BINARY);
    return h < 0 ? -1 : h;
}

int32_t te_io_read(int32_t fd, void *buf, uint32_t n)
{
    if (fd < 0 || n > 0x7FFFFFFFu) return -1;
    return (int32_t)te_semihost_read(fd, buf, n);
}

int32_t te_io_write(int32_t fd, const void *buf, uint32_t n)
{
    if (fd < 0) return -1;
    if (n == 0u) return 0;
    return te_semihost_write(fd, buf, n) == 0 ? 0 : -1;
}

int32_t te_io_close(int32_t fd)
{
    if (fd < 0) return -1;
    return te_semihost_close(fd) == 0 ? 0 : -1;
}

void te_io_print(const char *line)
{
    te_semihost_print(line);
    te_semihost_print("\n");
}

void te_io_exit(int32_t status)
{
    te_crt_exit(status);
}
