/*
 * te_semihost.h - the few semihosting calls TruncEdge's QEMU images use (Arm and RISC-V share
 * the numbering of the Arm semihosting specification). Not part of the vendored runtime: only
 * test and bench images link this.
 */
#ifndef TE_SEMIHOST_H
#define TE_SEMIHOST_H

#include <stdint.h>

#define TE_SH_SYS_OPEN 0x01
#define TE_SH_SYS_CLOSE 0x02
#define TE_SH_SYS_WRITE0 0x04
#define TE_SH_SYS_WRITE 0x05
#define TE_SH_SYS_READ 0x06
#define TE_SH_SYS_FLEN 0x0C
#define TE_SH_SYS_GET_CMDLINE 0x15
#define TE_SH_SYS_EXIT 0x18
#define TE_SH_SYS_EXIT_EXTENDED 0x20

/* SYS_OPEN modes (ISO C fopen modes by index). */
#define TE_SH_MODE_READ_BINARY 1
#define TE_SH_MODE_WRITE_BINARY 5

/* The raw call: operation number and pointer to its parameter block; returns r0 / a0. */
int32_t te_semihost_call(int32_t op, void *arg);

/* Opens a host file; returns a handle >= 0, or -1. */
int32_t te_semihost_open(const char *path, int32_t mode);

/* Closes a handle; returns 0 on success. */
int32_t te_semihost_close(int32_t handle);

/* Reads up to size bytes; returns the number of bytes read (short only at the end of the file). */
uint32_t te_semihost_read(int32_t handle, void *buffer, uint32_t size);

/* Writes size bytes; returns 0 when all were written. */
int32_t te_semihost_write(int32_t handle, const void *buffer, uint32_t size);

/* Writes a zero-terminated string to the debug console. */
void te_semihost_print(const char *text);

/* Copies the command line (zero-terminated) into buffer; returns its length, or -1. */
int32_t te_semihost_cmdline(char *buffer, uint32_t size);

/* Ends the program: QEMU exits with status & 0xff. */
void te_semihost_exit(int32_t status) __attribute__((noreturn));

#endif /* TE_SEMIHOST_H */
