/*
 * TEST STUB for the missing runtime-c/harness/te_harness.c (TruncEdge.Emitter.Tests).
 * Uses only the generic TE_MODEL_* names of docs/harness.md, so linking it proves that the
 * generated header provides them and that they name working functions.
 */
#include TE_MODEL_HEADER
#include "te_harness_io.h"

static uint64_t arena_words[(TE_MODEL_ARENA_SIZE + 7u) / 8u];
static uint8_t input[TE_MODEL_INPUT_SIZE];
static int32_t output[TE_MODEL_OUTPUT_SIZE];

static void on_trace(void *user, uint32_t op, const void *data, uint32_t bytes)
{
    uint32_t *count = (uint32_t *)user;
    (void)op;
    (void)data;
    (void)bytes;
    *count += 1u;
}

int main(void)
{
    TE_MODEL_CONTEXT ctx;
    uint32_t traced = 0u;
    te_status st = TE_MODEL_INIT(&ctx, (uint8_t *)arena_words, sizeof arena_words);
    if (st == TE_OK) {
        st = TE_MODEL_SET_WEIGHT_BITS(&ctx, 4u);
    }
    if (st == TE_OK) {
        st = TE_MODEL_SET_TRACE(&ctx, on_trace, &traced);
    }
    if (st == TE_OK) {
        st = TE_MODEL_INVOKE(&ctx, input, output);
    }
    if (st != TE_OK) {
        return 10 - (int)st;
    }
    return (traced == TE_MODEL_OP_COUNT && te_harness_io_ok()) ? 0 : 1;
}
