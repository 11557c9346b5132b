/* model.c - the stand-in model described in model.h. */
#include "model.h"

#include "te_fixture.h"

#define MODEL_MAGIC 0x4D4F444Cu

/* 4 x 12 TruncQuant weight codes (8-bit), row-major [out][in]. */
static const uint8_t model_layer0_codes[48] = {
    0, 17, 34, 51, 68, 85, 102, 119, 136, 153, 170, 187,
    255, 240, 225, 210, 195, 180, 165, 150, 135, 120, 105, 90,
    128, 127, 129, 126, 130, 125, 131, 124, 132, 123, 133, 122,
    7, 250, 3, 201, 99, 45, 180, 66, 12, 240, 77, 160,
};

/* Uses 24 KB of stack: more than any QEMU target reserves (memory.stack), to test detection. */
static __attribute__((noinline)) uint32_t model_stack_hog(const uint8_t *input)
{
    volatile uint8_t big[24576];
    uint32_t i, sum = 0;
    for (i = 0; i < (uint32_t)sizeof big; i++) big[i] = input[i % MODEL_INPUT_SIZE];
    for (i = 0; i < (uint32_t)sizeof big; i += 64u) sum += big[i];
    return sum;
}

/* Loads a 32-bit word from an address that is not a multiple of 4: Armv7-M and later do it,
 * Armv6-M faults (the start-up makes an Armv7-M machine running Armv6-M code fault too). */
static __attribute__((noinline)) uint32_t model_misaligned_load(void)
{
    static uint32_t words[2] = {0x03020100u, 0x07060504u};
    volatile uintptr_t address = (uintptr_t)words + 1u; /* opaque: GCC must not split the load */
    return *(const volatile uint32_t *)address;
}

size_t model_arena_size(void) { return MODEL_ARENA_SIZE; }

te_status model_init(model_context *ctx, uint8_t *arena, size_t arena_size)
{
    if (ctx == NULL || arena == NULL) return TE_ERR_NULL_POINTER;
    if (arena_size < MODEL_ARENA_SIZE) return TE_ERR_ARENA_TOO_SMALL;
    if (((uintptr_t)arena % TE_ARENA_ALIGNMENT) != 0u) return TE_ERR_ARENA_ALIGNMENT;
    ctx->arena = arena;
    ctx->arena_size = arena_size;
    ctx->layer_bits[0] = 8u;
    ctx->trace = NULL;
    ctx->trace_user = NULL;
    ctx->magic = MODEL_MAGIC;
    return TE_OK;
}

te_status model_set_weight_bits(model_context *ctx, uint32_t bits)
{
    if (ctx == NULL) return TE_ERR_NULL_POINTER;
    if (ctx->magic != MODEL_MAGIC) return TE_ERR_NOT_INITIALISED;
    if (bits < 1u || bits > 8u) return TE_ERR_BAD_BITS;
    ctx->layer_bits[0] = (uint8_t)bits;
    return TE_OK;
}

te_status model_set_trace(model_context *ctx, te_trace_fn fn, void *user)
{
    if (ctx == NULL) return TE_ERR_NULL_POINTER;
    ctx->trace = fn;
    ctx->trace_user = user;
    return TE_OK;
}

te_status model_invoke(model_context *ctx, const uint8_t *input, int32_t *output)
{
    uint8_t *y;
    uint32_t bits;
    te_status st;
    if (ctx == NULL || input == NULL || output == NULL) return TE_ERR_NULL_POINTER;
    if (ctx->magic != MODEL_MAGIC) return TE_ERR_NOT_INITIALISED;
    if (input[0] == 0xFAu && input[1] == 0xCEu) __builtin_trap();
    if (input[0] == 0x1Du && input[1] == 0x1Eu) {
        volatile uint32_t spin = 0;
        for (;;) spin++;
    }
    if (input[0] == 0x57u && input[1] == 0xACu && model_stack_hog(input) == 0u) return TE_ERR_BAD_PARAMS;
    if (input[0] == 0xA1u && input[1] == 0x16u && model_misaligned_load() != 0x04030201u) return TE_ERR_BAD_PARAMS;
    y = ctx->arena;
    bits = ctx->layer_bits[0];

    /* op 0 */
    st = te_fixture_scale(MODEL_INPUT_SIZE, input, bits, y);
    if (st != TE_OK) return st;
    if (ctx->trace != NULL) ctx->trace(ctx->trace_user, 0u, y, MODEL_INPUT_SIZE);

    /* op 1 */
    st = te_fixture_dense(MODEL_INPUT_SIZE, MODEL_OUTPUT_SIZE, y, model_layer0_codes, bits, output);
    if (st != TE_OK) return st;
    if (ctx->trace != NULL) ctx->trace(ctx->trace_user, 1u, output, MODEL_OUTPUT_SIZE * 4u);
    return TE_OK;
}
