/*
 * api_smoke.c - exercises the generated API of one emitted model (TruncEdge.Emitter.Tests).
 *
 * Built with -DTE_MODEL_HEADER="<prefix>.h" -DTE_PREFIX=<prefix> -DTE_UPPER=<PREFIX>
 * -DTE_PINNED="{1,0,...}" (one entry per layer), and for a folder compiled with --deploy-bits
 * -DTE_DEPLOYED=<mask> (bit k - 1 per deployed k; default 0xFF, every k) and -DTE_HAS_MASK (the
 * header must then define <PREFIX>_DEPLOYED_BITS_MASK equal to it). Checks every status the API
 * promises, runs the model at every deployed weight bit width with a trace, and prints, per bit
 * width, every op's output tensor as "op N: <hex bytes>" and then the outputs as "bits K: v0 v1 ...".
 * Exit status 0 when every check held.
 */
#include <stdio.h>

#include TE_MODEL_HEADER

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN(name) CAT(TE_PREFIX, CAT(_, name))
#define UP(name) CAT(TE_UPPER, CAT(_, name))

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "api_smoke.c:%d: failed: %s\n", __LINE__, #cond); \
            return 1;                                                      \
        }                                                                  \
    } while (0)

typedef FN(context) context_t;

#ifndef TE_DEPLOYED
#define TE_DEPLOYED 0xFFu
#endif
#define DEPLOYED(k) (((uint32_t)(TE_DEPLOYED) >> ((k) - 1u)) & 1u)

/* One spare word so that a misaligned arena of full size fits. */
static uint64_t arena_words[(UP(ARENA_SIZE) + 7u) / 8u + 1u];
static const uint8_t pinned[UP(LAYER_COUNT)] = TE_PINNED;

typedef struct {
    uint32_t calls;
    uint32_t next_op;
    int in_order;
} trace_state;

static void on_trace(void *user, uint32_t op, const void *data, uint32_t bytes)
{
    trace_state *t = (trace_state *)user;
    const uint8_t *b = (const uint8_t *)data;
    uint32_t i;
    if (op != t->next_op || data == NULL || bytes == 0u) {
        t->in_order = 0;
        return;
    }
    t->next_op = op + 1u;
    t->calls += 1u;
    printf("op %u: ", (unsigned)op);
    for (i = 0u; i < bytes; ++i) {
        printf("%02x", (unsigned)b[i]);
    }
    printf("\n");
}

int main(void)
{
    context_t ctx;
    uint8_t *arena = (uint8_t *)arena_words;
    uint8_t input[UP(INPUT_SIZE)];
    int32_t out[UP(OUTPUT_SIZE)];
    int32_t again[UP(OUTPUT_SIZE)];
    trace_state trace = { 0u, 0u, 1 };
    uint32_t i, layer, bits, got, low = 0u, top = 0u, free_layer = UP(LAYER_COUNT);

    for (i = 0u; i < UP(INPUT_SIZE); ++i) {
        input[i] = (uint8_t)((i * 37u + 11u) & 0xffu);
    }

    /* The deployed set: its lowest and highest k, and a layer that is not pinned. */
    for (bits = 1u; bits <= 8u; ++bits) {
        if (DEPLOYED(bits) != 0u) {
            low = low == 0u ? bits : low;
            top = bits;
        }
    }
    CHECK(low != 0u);
    for (layer = 0u; layer < UP(LAYER_COUNT); ++layer) {
        if (pinned[layer] == 0u && free_layer == UP(LAYER_COUNT)) {
            free_layer = layer;
        }
    }
#ifdef TE_HAS_MASK
    CHECK((uint32_t)UP(DEPLOYED_BITS_MASK) == (uint32_t)(TE_DEPLOYED));
#endif

    /* Sizes. */
    CHECK(FN(arena_size)() == (size_t)UP(ARENA_SIZE));
    CHECK(UP(INPUT_SIZE) == UP(INPUT_HEIGHT) * UP(INPUT_WIDTH) * UP(INPUT_CHANNELS));
    CHECK(UP(OUTPUT_SIZE) == UP(OUTPUT_HEIGHT) * UP(OUTPUT_WIDTH) * UP(OUTPUT_CHANNELS));

    /* init: every failure is a status, and a failed init leaves the context unusable. */
    CHECK(FN(init)(NULL, arena, UP(ARENA_SIZE)) == TE_ERR_NULL_POINTER);
    CHECK(FN(init)(&ctx, NULL, UP(ARENA_SIZE)) == TE_ERR_NULL_POINTER);
    CHECK(FN(invoke)(&ctx, input, out) == TE_ERR_NOT_INITIALISED);
    CHECK(FN(init)(&ctx, arena, UP(ARENA_SIZE) - 1u) == TE_ERR_ARENA_TOO_SMALL);
    CHECK(FN(init)(&ctx, arena + 1, UP(ARENA_SIZE)) == TE_ERR_ARENA_ALIGNMENT);
    CHECK(FN(set_weight_bits)(&ctx, 4u) == TE_ERR_NOT_INITIALISED);
    CHECK(FN(init)(&ctx, arena, UP(ARENA_SIZE)) == TE_OK);

    /* Bit widths. */
    for (layer = 0u; layer < UP(LAYER_COUNT); ++layer) {
        CHECK(FN(get_layer_bits)(&ctx, layer, &got) == TE_OK && got == (pinned[layer] != 0u ? 8u : top));
    }
    CHECK(FN(get_layer_bits)(&ctx, UP(LAYER_COUNT), &got) == TE_ERR_BAD_LAYER);
    CHECK(FN(get_layer_bits)(&ctx, 0u, NULL) == TE_ERR_NULL_POINTER);
    CHECK(FN(set_weight_bits)(&ctx, 0u) == TE_ERR_BAD_BITS);
    CHECK(FN(set_weight_bits)(&ctx, 9u) == TE_ERR_BAD_BITS);
    CHECK(FN(set_layer_bits)(&ctx, UP(LAYER_COUNT), 8u) == TE_ERR_BAD_LAYER);
    CHECK(FN(set_layer_bits)(&ctx, 0u, 0u) == TE_ERR_BAD_BITS);
    for (layer = 0u; layer < UP(LAYER_COUNT); ++layer) {
        if (pinned[layer] != 0u) {
            /* a pinned layer runs at 8 whatever the deployed set */
            for (bits = 1u; bits < 8u; ++bits) {
                CHECK(FN(set_layer_bits)(&ctx, layer, bits) == TE_ERR_PINNED_LAYER);
            }
            CHECK(FN(set_layer_bits)(&ctx, layer, 8u) == TE_OK);
        } else {
            CHECK(FN(set_layer_bits)(&ctx, layer, low) == TE_OK);
            CHECK(FN(get_layer_bits)(&ctx, layer, &got) == TE_OK && got == low);
        }
    }
    CHECK(FN(set_weight_bits)(&ctx, top) == TE_OK);
    for (layer = 0u; layer < UP(LAYER_COUNT); ++layer) {
        CHECK(FN(get_layer_bits)(&ctx, layer, &got) == TE_OK && got == (pinned[layer] != 0u ? 8u : top));
    }

    /* A k within 1..8 that the build was not compiled for: refused, and nothing changes. */
    for (bits = 1u; bits <= 8u; ++bits) {
        if (DEPLOYED(bits) != 0u) {
            continue;
        }
        CHECK(FN(set_weight_bits)(&ctx, bits) == TE_ERR_BITS_NOT_DEPLOYED);
        for (layer = 0u; layer < UP(LAYER_COUNT); ++layer) {
            /* a pinned layer accepts exactly 8, deployed or not */
            CHECK(FN(set_layer_bits)(&ctx, layer, bits) ==
                  (pinned[layer] == 0u ? TE_ERR_BITS_NOT_DEPLOYED : bits == 8u ? TE_OK : TE_ERR_PINNED_LAYER));
            CHECK(FN(get_layer_bits)(&ctx, layer, &got) == TE_OK && got == (pinned[layer] != 0u ? 8u : top));
        }
    }

    /* invoke: pointers, then every bit width with a trace. */
    CHECK(FN(invoke)(NULL, input, out) == TE_ERR_NULL_POINTER);
    CHECK(FN(invoke)(&ctx, NULL, out) == TE_ERR_NULL_POINTER);
    CHECK(FN(invoke)(&ctx, input, NULL) == TE_ERR_NULL_POINTER);
    CHECK(FN(set_trace)(NULL, on_trace, &trace) == TE_ERR_NULL_POINTER);
    CHECK(FN(set_trace)(&ctx, on_trace, &trace) == TE_OK);
    for (bits = 1u; bits <= 8u; ++bits) {
        if (DEPLOYED(bits) == 0u) {
            continue;
        }
        CHECK(FN(set_weight_bits)(&ctx, bits) == TE_OK);
        trace.calls = 0u;
        trace.next_op = 0u;
        CHECK(FN(invoke)(&ctx, input, out) == TE_OK);
        CHECK(trace.calls == UP(OP_COUNT) && trace.in_order);
        printf("bits %u:", (unsigned)bits);
        for (i = 0u; i < UP(OUTPUT_SIZE); ++i) {
            printf(" %ld", (long)out[i]);
        }
        printf("\n");
    }

    /* Same input, same output; tracing off changes nothing. */
    CHECK(FN(set_trace)(&ctx, NULL, NULL) == TE_OK);
    trace.calls = 0u;
    CHECK(FN(invoke)(&ctx, input, again) == TE_OK);
    CHECK(trace.calls == 0u);
    for (i = 0u; i < UP(OUTPUT_SIZE); ++i) {
        CHECK(again[i] == out[i]);
    }

    /* A corrupted bit width is caught before it indexes a table. */
    for (bits = 1u; bits <= 8u; ++bits) {
        if (DEPLOYED(bits) == 0u && free_layer < UP(LAYER_COUNT)) {
            ctx.layer_bits[free_layer] = (uint8_t)bits;
            CHECK(FN(invoke)(&ctx, input, out) == TE_ERR_BITS_NOT_DEPLOYED);
            ctx.layer_bits[free_layer] = (uint8_t)top;
        }
    }
    ctx.layer_bits[0] = 0u;
    CHECK(FN(invoke)(&ctx, input, out) == TE_ERR_BAD_BITS);
    ctx.layer_bits[0] = 9u;
    CHECK(FN(invoke)(&ctx, input, out) == TE_ERR_BAD_BITS);
    return 0;
}
