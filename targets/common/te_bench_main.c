/*
 * te_bench_main.c - the bench image: the harness protocol of docs/harness.md (first sample only,
 * no traces) plus three marker functions that the instruction-count plugin (plugin/te_icount.c)
 * watches. For each requested weight bit width it runs the model twice:
 *
 *   te_bench_begin(); invoke without trace; te_bench_end();              -> instructions per inference
 *   te_bench_begin(); invoke, te_bench_op() after every op; te_bench_end(); -> instructions per op
 *
 * An empty te_bench_begin(); te_bench_end(); pair first measures the markers' own cost, which
 * the counter subtracts. The second run's per-op counts include the trace hook (a few
 * instructions per op); the first run's total is exactly what firmware without tracing executes. Outputs of the first run go to
 * the output file, so a bench run can be checked like any other. Finally it prints
 * "te-bench: stack N" (bytes of stack used, from the painted stack) on the semihosting console.
 *
 * Built with -DTE_BENCH_PATHS -DTE_TEST_PATH_COUNTERS (the bench-paths image), the kernels count
 * which of their paths ran (te_internal.h) and the traced run prints, before each bit width,
 * "te-paths: bits K" and after each op "te-paths: op I MASK", bit p of MASK set when path p ran
 * during op I. That image's counts are not reported: the counters cost instructions.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef TE_MODEL_HEADER
#include TE_MODEL_HEADER /* -DTE_MODEL_HEADER="PREFIX.h", set by GccBuilder */
#else
#include "model.h"
#endif
#include "te_crt.h"
#include "te_semihost.h"

#ifdef TE_BENCH_PATHS
#include "te_internal.h"

uint32_t te_test_path_hits[TE_PATH_COUNT];
typedef char te_bench_paths_fit_a_mask[TE_PATH_COUNT <= 32 ? 1 : -1];

/* The paths that ran since the last call, as a mask; clears the counters. */
static uint32_t te_bench_paths_take(void)
{
    uint32_t p, mask = 0u;
    for (p = 0; p < (uint32_t)TE_PATH_COUNT; p++) {
        if (te_test_path_hits[p] != 0u) mask |= 1u << p;
        te_test_path_hits[p] = 0u;
    }
    return mask;
}
#endif

#define TE_BENCH_IN_MAGIC 0x31494554u
#define TE_BENCH_OUT_MAGIC 0x314f4554u
#define TE_BENCH_ARENA_WORDS ((TE_MODEL_ARENA_SIZE) > 0 ? ((TE_MODEL_ARENA_SIZE) + 7u) / 8u : 1u)

/* noipa: never inlined, cloned or merged with each other, so each keeps its own address. */
__attribute__((noipa, used)) void te_bench_begin(void) { __asm__ volatile("/* te_bench_begin */" ::: "memory"); }
__attribute__((noipa, used)) void te_bench_end(void) { __asm__ volatile("/* te_bench_end */" ::: "memory"); }
__attribute__((noipa, used)) void te_bench_op(void) { __asm__ volatile("/* te_bench_op */" ::: "memory"); }

static uint64_t te_bench_arena[TE_BENCH_ARENA_WORDS];
static uint8_t te_bench_input[TE_MODEL_INPUT_SIZE];
static int32_t te_bench_output[TE_MODEL_OUTPUT_SIZE];

static void te_bench_trace(void *user, uint32_t op, const void *data, uint32_t bytes)
{
    (void)user;
    (void)op;
    (void)data;
    (void)bytes;
#ifdef TE_BENCH_PATHS
    te_semihost_print("te-paths: op ");
    te_crt_print_u32(op);
    te_semihost_print(" ");
    te_crt_print_u32(te_bench_paths_take());
    te_semihost_print("\n");
#endif
    te_bench_op();
}

static uint32_t te_bench_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static int te_bench_put_u32(int32_t handle, uint32_t v)
{
    uint8_t b[4];
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
    return te_semihost_write(handle, b, 4u) == 0 ? 0 : -1;
}

static int te_bench_fail(te_status st)
{
    te_semihost_print("te: model call failed in the bench image\n");
    return 10 + (int)(-st);
}

int main(int argc, char **argv)
{
    uint8_t header[24];
    uint32_t nbits, b, i;
    int32_t in, out;
    TE_MODEL_CONTEXT ctx;
    te_status st;

    if (argc < 3) {
        te_semihost_print("te: usage: bench IN OUT\n");
        return 2;
    }
    in = te_semihost_open(argv[1], TE_SH_MODE_READ_BINARY);
    if (in < 0 || te_semihost_read(in, header, sizeof header) != sizeof header ||
        te_bench_get_u32(header) != TE_BENCH_IN_MAGIC || te_bench_get_u32(header + 4) < 1u ||
        te_semihost_read(in, te_bench_input, sizeof te_bench_input) != sizeof te_bench_input) {
        te_semihost_print("te: cannot read the input file\n");
        return 2;
    }
    (void)te_semihost_close(in);
    nbits = te_bench_get_u32(header + 8);
    if (nbits < 1u || nbits > 8u) {
        te_semihost_print("te: bits_count outside 1..8\n");
        return 2;
    }
    out = te_semihost_open(argv[2], TE_SH_MODE_WRITE_BINARY);
    if (out < 0 || te_bench_put_u32(out, TE_BENCH_OUT_MAGIC) != 0 || te_bench_put_u32(out, 1u) != 0 ||
        te_bench_put_u32(out, nbits) != 0 || te_bench_put_u32(out, TE_MODEL_OP_COUNT) != 0 ||
        te_bench_put_u32(out, TE_MODEL_OUTPUT_SIZE) != 0) {
        te_semihost_print("te: cannot write the output file\n");
        return 2;
    }

    st = TE_MODEL_INIT(&ctx, (uint8_t *)te_bench_arena, sizeof te_bench_arena);
    if (st != TE_OK) return te_bench_fail(st);
    te_bench_begin(); /* calibration: the cost of the markers alone */
    te_bench_end();
    for (b = 0; b < nbits; b++) {
        st = TE_MODEL_SET_WEIGHT_BITS(&ctx, header[16 + b]);
        if (st != TE_OK) return te_bench_fail(st);

        st = TE_MODEL_SET_TRACE(&ctx, NULL, NULL);
        if (st != TE_OK) return te_bench_fail(st);
        te_bench_begin();
        st = TE_MODEL_INVOKE(&ctx, te_bench_input, te_bench_output);
        te_bench_end();
        if (st != TE_OK) return te_bench_fail(st);
        for (i = 0; i < TE_MODEL_OUTPUT_SIZE; i++) {
            if (te_bench_put_u32(out, (uint32_t)te_bench_output[i]) != 0) return 2;
        }

        st = TE_MODEL_SET_TRACE(&ctx, te_bench_trace, NULL);
        if (st != TE_OK) return te_bench_fail(st);
#ifdef TE_BENCH_PATHS
        te_semihost_print("te-paths: bits ");
        te_crt_print_u32(header[16 + b]);
        te_semihost_print("\n");
        (void)te_bench_paths_take();
#endif
        te_bench_begin();
        st = TE_MODEL_INVOKE(&ctx, te_bench_input, te_bench_output);
        te_bench_end();
        if (st != TE_OK) return te_bench_fail(st);
    }
    if (te_semihost_close(out) != 0) return 2;
    te_semihost_print("te-bench: stack ");
    te_crt_print_u32(te_crt_stack_used());
    te_semihost_print("\n");
    return 0;
}
