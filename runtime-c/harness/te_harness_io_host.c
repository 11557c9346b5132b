/*
 * te_harness_io_host.c - te_harness_io.h on a hosted C library: stdio files, argv, stderr.
 */
#include <stdio.h>
#include <stdlib.h>

#include "te_harness_io.h"

#define TE_IO_MAX_FILES 4

static int g_argc;
static char **g_argv;
static FILE *g_files[TE_IO_MAX_FILES];

int32_t te_io_init(int argc, char **argv)
{
    g_argc = argc;
    g_argv = argv;
    return 0;
}

int32_t te_io_paths(const char **in_path, const char **out_path)
{
    if (g_argc != 3 || g_argv == NULL) {
        return -1;
    }
    *in_path = g_argv[1];
    *out_path = g_argv[2];
    return 0;
}

int32_t te_io_open(const char *path, te_io_mode mode)
{
    int32_t fd;
    for (fd = 0; fd < TE_IO_MAX_FILES; ++fd) {
        if (g_files[fd] == NULL) {
            g_files[fd] = fopen(path, mode == TE_IO_WRITE ? "wb" : "rb");
            return g_files[fd] != NULL ? fd : -1;
        }
    }
    return -1;
}

static FILE *file_of(int32_t fd)
{
    return fd >= 0 && fd < TE_IO_MAX_FILES ? g_files[fd] : NULL;
}

int32_t te_io_read(int32_t fd, void *buf, uint32_t n)
{
    FILE *f = file_of(fd);
    size_t got;
    if (f == NULL) {
        return -1;
    }
    got = fread(buf, 1, n, f);
    if (got < n && ferror(f)) {
        return -1;
    }
    return (int32_t)got;
}

int32_t te_io_write(int32_t fd, const void *buf, uint32_t n)
{
    FILE *f = file_of(fd);
    if (f == NULL) {
        return -1;
    }
    return fwrite(buf, 1, n, f) == n ? 0 : -1;
}

int32_t te_io_close(int32_t fd)
{
    FILE *f = file_of(fd);
    int rc;
    if (f == NULL) {
        return -1;
    }
    g_files[fd] = NULL;
    rc = fclose(f);
    return rc == 0 ? 0 : -1;
}

void te_io_print(const char *line)
{
    fputs(line, stderr);
    fputc('\n', stderr);
}

void te_io_exit(int32_t status)
{
    exit((int)status);
}
