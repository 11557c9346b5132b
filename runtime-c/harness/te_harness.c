/*
 * te_harness.c - runs an emitted model over a file of inputs at several weight bit widths and
 * writes the outputs (and, on request, every op's output tensor) to a file. The protocol, the
 * exit statuses and the generic TE_MODEL_* names are in docs/harness.md.
 *
 * Build: compile with -DTE_HARNESS and the model folder on the include path, link with the
 * model, the runtime kernels and one te_harness_io_*.c. No heap: the arena, one input and one
 * output are static buffers. Integers in the files are little-endian.
 */
#include <stddef.h>
#include <stdint.h>

/* The model header: TE_MODEL_HEADER (e.g. "net.h" for prefix net) when the build gives it. */
#ifdef TE_MODEL_HEADER
#include TE_MODEL_HEADER
#else
#include "model.h"
#endif
#include "te_harness_io.h"
#include "truncedge.h"

#if !defined(TE_MODEL_CONTEXT) || !defined(TE_MODEL_INIT) || !defined(TE_MODEL_ARENA_SIZE) ||  \
    !defined(TE_MODEL_SET_WEIGHT_BITS) || !defined(TE_MODEL_SET_TRACE) ||                       \
    !defined(TE_MODEL_INVOKE) || !defined(TE_MODEL_INPUT_SIZE) ||                               \
    !defined(TE_MODEL_OUTPUT_SIZE) || !defined(TE_MODEL_OP_COUNT)
#error "model.h must define the TE_MODEL_* names when TE_HARNESS is defined (docs/harness.md)"
#endif

#define TE_INPUT_MAGIC 0x31494554u  /* "TEI1" */
#define TE_OUTPUT_MAGIC 0x314f4554u /* "TEO1" */
#define TE_FLAG_TRACE 1u
#define TE_MAX_BITS 8u

/* Exit statuses (docs/harness.md). */
#define TE_EXIT_OK 0
#define TE_EXIT_BAD_INPUT 2 /* malformed input file or an I/O failure */
#define TE_EXIT_STATUS_BASE 10 /* + (-te_status) of the first failing call */

/* ---------------------------------------------------------------------------------------------
 * Static buffers. The arena is an array of uint64_t, so it is aligned to 8 bytes.
 * ------------------------------------------------------------------------------------------- */
typedef char te_arena_alignment_fits[(TE_ARENA_ALIGNMENT <= sizeof(uint64_t)) ? 1 : -1];

static uint64_t g_arena[((size_t)TE_MODEL_ARENA_SIZE + 7u) / 8u + 1u];
static uint8_t g_input[(size_t)TE_MODEL_INPUT_SIZE + 1u];
static int32_t g_output[(size_t)TE_MODEL_OUTPUT_SIZE + 1u];
static TE_MODEL_CONTEXT g_ctx;

/* ---------------------------------------------------------------------------------------------
 * Messages without stdio
 * ------------------------------------------------------------------------------------------- */

/* Appends text to line[*len] (bounded by cap - 1, always NUL-terminated). */
static void append(char *line, size_t cap, size_t *len, const char *text)
{
    while (*text != '\0' && *len + 1u < cap) {
        line[(*len)++] = *text++;
    }
    line[*len] = '\0';
}

static void append_u32(char *line, size_t cap, size_t *len, uint32_t v)
{
    char digits[11];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    while (n > 0u && *len + 1u < cap) {
        line[(*len)++] = digits[--n];
    }
    line[*len] = '\0';
}

/* Prints "harness: <what> <detail><number>" and exits with status. */
static void fail(int32_t status, const char *what, const char *detail, uint32_t number,
                 int has_number)
{
    char line[256];
    size_t len = 0;
    line[0] = '\0';
    append(line, sizeof line, &len, "harness: ");
    append(line, sizeof line, &len, what);
    if (detail != NULL) {
        append(line, sizeof line, &len, detail);
    }
    if (has_number) {
        append_u32(line, sizeof line, &len, number);
    }
    te_io_print(line);
    te_io_exit(status);
}

/* A model call returned status: exit 10 + (-status). */
static void check_call(te_status status, const char *call)
{
    if (status != TE_OK) {
        fail(TE_EXIT_STATUS_BASE - (int32_t)status, call, " failed with te_status -",
             (uint32_t)(-(int32_t)status), 1);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Buffered little-endian output (a semihosting call per record would be slow)
 * ------------------------------------------------------------------------------------------- */
typedef struct {
    int32_t fd;
    uint32_t used;
    int failed;
    uint32_t traced; /* ops traced during the current invoke */
    uint8_t buf[1024];
} te_writer;

static void writer_flush(te_writer *w)
{
    if (w->used > 0u && !w->failed && te_io_write(w->fd, w->buf, w->used) != 0) {
        w->failed = 1;
    }
    w->used = 0;
}

static void writer_bytes(te_writer *w, const uint8_t *data, uint32_t n)
{
    while (n > 0u) {
        uint32_t room = (uint32_t)sizeof w->buf - w->used;
        uint32_t take = n < room ? n : room;
        uint32_t i;
        for (i = 0; i < take; ++i) {
            w->buf[w->used + i] = data[i];
        }
        w->used += take;
        data += take;
        n -= take;
        if (w->used == (uint32_t)sizeof w->buf) {
            writer_flush(w);
        }
    }
}

static void writer_u32(te_writer *w, uint32_t v)
{
    uint8_t b[4];
    b[0] = (uint8_t)(v & 0xFFu);
    b[1] = (uint8_t)((v >> 8) & 0xFFu);
    b[2] = (uint8_t)((v >> 16) & 0xFFu);
    b[3] = (uint8_t)((v >> 24) & 0xFFu);
    writer_bytes(w, b, 4u);
}

static uint32_t read_u32(const uint8_t *b)
{
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

/* te_trace_fn: one block "u32 op, u32 bytes, data, zero padding to a multiple of 4". Tensor
 * data is written as it lies in memory: Int32 tensors are little-endian on every target we run
 * (checked in main). */
static void trace_op(void *user, uint32_t op, const void *data, uint32_t bytes)
{
    static const uint8_t zeros[3] = {0u, 0u, 0u};
    te_writer *w = (te_writer *)user;
    writer_u32(w, op);
    writer_u32(w, bytes);
    writer_bytes(w, (const uint8_t *)data, bytes);
    writer_bytes(w, zeros, (4u - (bytes & 3u)) & 3u);
    w->traced++;
}

/* Reads exactly n bytes or exits with TE_EXIT_BAD_INPUT. */
static void read_exact(int32_t fd, uint8_t *buf, uint32_t n, const char *what)
{
    int32_t got = te_io_read(fd, buf, n);
    if (got < 0 || (uint32_t)got != n) {
        fail(TE_EXIT_BAD_INPUT, "input file too short: ", what, 0u, 0);
    }
}

int main(int argc, char **argv)
{
    static te_writer out;
    const char *in_path = NULL;
    const char *out_path = NULL;
    uint8_t header[24];
    uint8_t bits[TE_MAX_BITS];
    uint32_t sample_count, bits_count, flags, s, b, i;
    int32_t in_fd;
    const uint32_t one = 1u;

    /* Step 1: platform, paths, a little-endian machine. */
    if (te_io_init(argc, argv) != 0 || te_io_paths(&in_path, &out_path) != 0) {
        fail(TE_EXIT_BAD_INPUT, "usage: harness IN OUT", NULL, 0u, 0);
    }
    if (*(const uint8_t *)&one != 1u) {
        fail(TE_EXIT_BAD_INPUT, "big-endian targets are not supported", NULL, 0u, 0);
    }

    /* Step 2: the input header (docs/harness.md). */
    in_fd = te_io_open(in_path, TE_IO_READ);
    if (in_fd < 0) {
        fail(TE_EXIT_BAD_INPUT, "cannot open input ", in_path, 0u, 0);
    }
    read_exact(in_fd, header, (uint32_t)sizeof header, "header");
    sample_count = read_u32(header + 4);
    bits_count = read_u32(header + 8);
    flags = read_u32(header + 12);
    if (read_u32(header) != TE_INPUT_MAGIC) {
        fail(TE_EXIT_BAD_INPUT, "input is not a TEI1 file", NULL, 0u, 0);
    }
    if (bits_count < 1u || bits_count > TE_MAX_BITS) {
        fail(TE_EXIT_BAD_INPUT, "bits_count must be 1..8, got ", NULL, bits_count, 1);
    }
    if ((flags & ~TE_FLAG_TRACE) != 0u) {
        fail(TE_EXIT_BAD_INPUT, "unknown flags ", NULL, flags, 1);
    }
    for (i = 0; i < TE_MAX_BITS; ++i) {
        bits[i] = header[16u + i];
        if (i >= bits_count && bits[i] != 0u) {
            fail(TE_EXIT_BAD_INPUT, "unused bit-width slots must be zero", NULL, 0u, 0);
        }
    }

    /* Step 3: the model. */
    check_call(TE_MODEL_INIT(&g_ctx, (uint8_t *)g_arena, (size_t)TE_MODEL_ARENA_SIZE),
               "init");
    if ((flags & TE_FLAG_TRACE) != 0u) {
        check_call(TE_MODEL_SET_TRACE(&g_ctx, trace_op, &out), "set_trace");
    }

    /* Step 4: the output header. */
    out.fd = te_io_open(out_path, TE_IO_WRITE);
    if (out.fd < 0) {
        fail(TE_EXIT_BAD_INPUT, "cannot create output ", out_path, 0u, 0);
    }
    writer_u32(&out, TE_OUTPUT_MAGIC);
    writer_u32(&out, sample_count);
    writer_u32(&out, bits_count);
    writer_u32(&out, (uint32_t)TE_MODEL_OP_COUNT);
    writer_u32(&out, (uint32_t)TE_MODEL_OUTPUT_SIZE);

    /* Step 5: every sample (outer) at every bit width (inner). */
    for (s = 0; s < sample_count; ++s) {
        read_exact(in_fd, g_input, (uint32_t)TE_MODEL_INPUT_SIZE, "samples");
        for (b = 0; b < bits_count; ++b) {
            check_call(TE_MODEL_SET_WEIGHT_BITS(&g_ctx, bits[b]), "set_weight_bits");
            out.traced = 0;
            check_call(TE_MODEL_INVOKE(&g_ctx, g_input, g_output), "invoke");
            if ((flags & TE_FLAG_TRACE) != 0u && out.traced != (uint32_t)TE_MODEL_OP_COUNT) {
                fail(TE_EXIT_BAD_INPUT, "model traced a different number of ops than op_count: ",
                     NULL, out.traced, 1);
            }
            for (i = 0; i < (uint32_t)TE_MODEL_OUTPUT_SIZE; ++i) {
                writer_u32(&out, (uint32_t)g_output[i]);
            }
        }
        if (out.failed) {
            break;
        }
    }

    /* Step 6: nothing may follow the samples; flush and close. */
    if (te_io_read(in_fd, g_input, 1u) != 0) {
        fail(TE_EXIT_BAD_INPUT, "input file longer than its header says", NULL, 0u, 0);
    }
    (void)te_io_close(in_fd);
    writer_flush(&out);
    if (out.failed || te_io_close(out.fd) != 0) {
        fail(TE_EXIT_BAD_INPUT, "cannot write output ", out_path, 0u, 0);
    }
    te_io_exit(TE_EXIT_OK);
    return TE_EXIT_OK;
}
