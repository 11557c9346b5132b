/*
 * model.h - a hand-written stand-in for an emitted model, used to test the harness before the
 * emitter exists and to show what generated code looks like (docs/runtime-c.md).
 *
 * fake_model: input 6x6x1 (8-bit codes) -> conv0 3x3/1 pad 1, 1 -> 4 channels, 4-bit codes
 *             -> pool0 max 2x2/2 -> fc0 36 -> 3, Int32 logits (pinned at 8 bits).
 */
#ifndef MODEL_H
#define MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "truncedge.h"

#define MODEL_ARENA_SIZE 196u  /* bytes; base aligned to TE_ARENA_ALIGNMENT */
#define MODEL_INPUT_SIZE 36u   /* bytes: H*W*C uint8 codes, HWC */
#define MODEL_OUTPUT_SIZE 3u   /* int32 outputs */
#define MODEL_LAYER_COUNT 2u
#define MODEL_OP_COUNT 3u

typedef struct model_context {
    uint8_t *arena;
    size_t arena_size;
    uint8_t layer_bits[MODEL_LAYER_COUNT];
    te_trace_fn trace;
    void *trace_user;
    uint32_t magic;
} model_context;

/* Bytes of arena model_invoke needs. */
size_t model_arena_size(void);

/* Sets up ctx over arena (aligned to TE_ARENA_ALIGNMENT, at least model_arena_size() bytes);
 * every layer starts at 8 bits, no trace. */
te_status model_init(model_context *ctx, uint8_t *arena, size_t arena_size);

/* Every layer that is not pinned runs at bits (1..8) from the next invoke on. */
te_status model_set_weight_bits(model_context *ctx, uint32_t bits);

/* One layer at bits; a pinned layer accepts only 8. */
te_status model_set_layer_bits(model_context *ctx, uint32_t layer, uint32_t bits);

/* fn (or NULL) is called after every op with its output tensor. */
te_status model_set_trace(model_context *ctx, te_trace_fn fn, void *user);

/* Runs the model on MODEL_INPUT_SIZE input bytes; writes MODEL_OUTPUT_SIZE int32 outputs. */
te_status model_invoke(model_context *ctx, const uint8_t *input, int32_t *output);

#ifdef TE_HARNESS
#define TE_MODEL_CONTEXT model_context
#define TE_MODEL_INIT model_init
#define TE_MODEL_ARENA_SIZE MODEL_ARENA_SIZE
#define TE_MODEL_SET_WEIGHT_BITS model_set_weight_bits
#define TE_MODEL_SET_TRACE model_set_trace
#define TE_MODEL_INVOKE model_invoke
#define TE_MODEL_INPUT_SIZE MODEL_INPUT_SIZE
#define TE_MODEL_OUTPUT_SIZE MODEL_OUTPUT_SIZE
#define TE_MODEL_OP_COUNT MODEL_OP_COUNT
#endif

#endif /* MODEL_H */
