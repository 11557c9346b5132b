/*
 * te_footprint_main.c - the smallest program that runs the model: an arena, an input and an
 * output buffer, init, set the weight bits, invoke. No I/O. Its ELF is what TruncEdge measures
 * flash and RAM on (SizeReport): model code, runtime kernels, weights and tables, the arena,
 * the stack, plus the start-up code (vector table, .data/.bss set-up, fault report, semihosting
 * exit: about 1 KB) that any firmware has in some form.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef TE_MODEL_HEADER
#include TE_MODEL_HEADER /* -DTE_MODEL_HEADER="PREFIX.h", set by GccBuilder */
#else
#include "model.h"
#endif

#define TE_FOOTPRINT_ARENA_WORDS ((TE_MODEL_ARENA_SIZE) > 0 ? ((TE_MODEL_ARENA_SIZE) + 7u) / 8u : 1u)

static uint64_t te_footprint_arena[TE_FOOTPRINT_ARENA_WORDS];
static uint8_t te_footprint_input[TE_MODEL_INPUT_SIZE];
static int32_t te_footprint_output[TE_MODEL_OUTPUT_SIZE];

int main(int argc, char **argv)
{
    TE_MODEL_CONTEXT ctx;
    te_status st;
    (void)argc;
    (void)argv;
    st = TE_MODEL_INIT(&ctx, (uint8_t *)te_footprint_arena, sizeof te_footprint_arena);
    if (st == TE_OK) st = TE_MODEL_SET_WEIGHT_BITS(&ctx, 8u);
    if (st == TE_OK) st = TE_MODEL_INVOKE(&ctx, te_footprint_input, te_footprint_output);
    return st == TE_OK ? 0 : 10 + (int)(-st);
}
