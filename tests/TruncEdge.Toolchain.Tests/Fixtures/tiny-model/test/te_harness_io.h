/*
 * te_harness_io.h - the little I/O the test harness needs, one implementation per platform:
 *
 *   te_harness_io_host.c      stdio and argv (the host build)
 *   te_harness_io_semihost.c  ARM/RISC-V semihosting under QEMU (SYS_OPEN, SYS_READ, SYS_WRITE,
 *                             SYS_CLOSE, SYS_WRITE0, SYS_GET_CMDLINE, SYS_EXIT_EXTENDED)
 *
 * Every call maps onto one semihosting operation, so an implementation is a page of code.
 * Files are binary; handles are small non-negative integers; failures return -1 (never abort).
 * The harness is test code, kept apart from the runtime a firmware team vendors.
 */
#ifndef TE_HARNESS_IO_H
#define TE_HARNESS_IO_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    TE_IO_READ = 0, /* binary read of an existing file (fopen "rb", semihosting mode 1) */
    TE_IO_WRITE = 1 /* binary write, created or truncated (fopen "wb", semihosting mode 5) */
} te_io_mode;

/*
 * Called first, with main's arguments (which a bare-metal start-up may pass as 0 and NULL).
 * Returns 0, or -1 when the platform cannot be used.
 */
int32_t te_io_init(int argc, char **argv);

/*
 * The harness's two paths: the input file and the output file. Host: argv[1] and argv[2].
 * Semihosting: SYS_GET_CMDLINE, split at spaces after the program name. The strings stay valid
 * until te_io_exit. Returns 0, or -1 when the command line does not hold exactly two paths.
 */
int32_t te_io_paths(const char **in_path, const char **out_path);

/* Opens path; returns a handle >= 0 or -1. */
int32_t te_io_open(const char *path, te_io_mode mode);

/* Reads up to n bytes; returns the number read (fewer only at the end of the file), -1 on error. */
int32_t te_io_read(int32_t fd, void *buf, uint32_t n);

/* Writes n bytes; returns 0 when all were written, -1 otherwise. */
int32_t te_io_write(int32_t fd, const void *buf, uint32_t n);

/* Closes a handle (flushing it); returns 0 or -1. */
int32_t te_io_close(int32_t fd);

/* Writes one line of text and a newline to the console (host: stderr). */
void te_io_print(const char *line);

/* Ends the program with status (host: exit; QEMU: SYS_EXIT_EXTENDED). Does not return. */
void te_io_exit(int32_t status);

#ifdef __cplusplus
}
#endif

#endif /* TE_HARNESS_IO_H */
