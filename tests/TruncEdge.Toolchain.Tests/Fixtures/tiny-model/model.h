/*
 * model.h - a hand-made stand-in for an emitted model, used by TruncEdge.Toolchain.Tests to
 * exercise builds and runs on every target before the real emitter exists. Same API shape as
 * the emitter's model.h. Two ops:
 *   op 0: codes  y[i] = min(255, (x[i] * bits + 3) >> 2)               (12 bytes, in the arena)
 *   op 1: dense  out[o] = sum_i s(o, i) * y[i]                          (4 int32 outputs)
 * with s = 2 * (c8 >> (8 - bits)) - (2^bits - 1) from model_layer0_codes (TruncQuant levels).
 * Inputs starting with 0xFA 0xCE crash (__builtin_trap); inputs starting with 0x1D 0x1E hang;
 * inputs starting with 0x57 0xAC use 24 KB of stack (more than the QEMU targets reserve).
 */
#ifndef MODEL_H
#define MODEL_H

#include "truncedge.h"

#define MODEL_ARENA_SIZE 16
#define MODEL_INPUT_SIZE 12
#define MODEL_OUTPUT_SIZE 4
#define MODEL_LAYER_COUNT 1
#define MODEL_OP_COUNT 2

typedef struct model_context {
    uint8_t *arena;
    size_t arena_size;
    uint8_t layer_bits[MODEL_LAYER_COUNT];
    te_trace_fn trace;
    void *trace_user;
    uint32_t magic;
} model_context;

size_t model_arena_size(void);
te_status model_init(model_context *ctx, uint8_t *arena, size_t arena_size);
te_status model_set_weight_bits(model_context *ctx, uint32_t bits);
te_status model_set_trace(model_context *ctx, te_trace_fn fn, void *user);
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
