/*
 * model.c - the hand-written fake model (see model.h): what an emitted model looks like. Weights
 * and tables are const (flash); all mutable state is in the context and the arena.
 *
 * Arena plan (bytes): conv0 out [0, 144)  pool0 out [144, 180)  fc0 out [184, 196)
 */
#include "model.h"

#define MODEL_MAGIC 0x4D4F444Cu /* "MODL": set by model_init */

/* Layer 0, conv0 (switchable): 4 x 3x3x1 TruncQuant codes, [out][kh][kw][in]. */
static const uint8_t conv0_codes[36] = {
    165,  77, 202,  24,  37,  48, 187,  29, 109,
     19,  44, 222, 214,  35, 123,  46, 217,  30,
     63, 114,  31, 203,  25, 113,  23,  68, 148,
    214,  73,  60, 157,  92,  52,  96, 190,  49};

/* conv0 requantization per weight bit width k (index k - 1) and output channel
 * (docs/integer-semantics.md): out = clamp(round_shift(floor_shift(acc * multiplier, pre_shift)
 * + bias, shift), 0, 15). Each multiplier is at its own full-precision scale 2^-(pre_shift +
 * shift); the pre-shift brings the product to the channel's final scale 2^-shift (here the
 * smallest natural shift of the row). bias is the real offset in output units times 2^shift
 * (1.5, -0.75, 0, 3 codes at every k). */
static const int64_t conv0_bias[8][4] = {
    {51539607552, -25769803776, 0, 103079215104},
    {103079215104, -51539607552, 0, 206158430208},
    {412316860416, -206158430208, 0, 824633720832},
    {824633720832, -412316860416, 0, 1649267441664},
    {1649267441664, -824633720832, 0, 3298534883328},
    {3298534883328, -1649267441664, 0, 6597069766656},
    {6597069766656, -3298534883328, 0, 13194139533312},
    {13194139533312, -6597069766656, 0, 26388279066624}};
static const int32_t conv0_multiplier[8][4] = {
    {673720360, 943208504, 875836468, 673720360},  {898293814, 628805669, 583890979, 898293814},
    {769966126, 538976288, 1000955964, 769966126}, {718635051, 1006089071, 934225566, 718635051},
    {695453275, 973634585, 904089258, 695453275},  {684414334, 958180068, 889738634, 684414334},
    {679025245, 950635343, 882732818, 679025245},  {676362401, 946907361, 879271121, 676362401}};
static const int8_t conv0_pre_shift[8][4] = {
    {0, 1, 0, 1}, {1, 1, 0, 2}, {0, 0, 0, 1}, {0, 1, 0, 1},
    {0, 1, 0, 1}, {0, 1, 0, 1}, {0, 1, 0, 1}, {0, 1, 0, 1}};
static const int8_t conv0_shift[8][4] = {
    {35, 35, 35, 35}, {36, 36, 36, 36}, {38, 38, 38, 38}, {39, 39, 39, 39},
    {40, 40, 40, 40}, {41, 41, 41, 41}, {42, 42, 42, 42}, {43, 43, 43, 43}};

/* Layer 1, fc0 (pinned at 8 bits): 3 x 36 codes, [out][in], in = pool0's HWC order. */
static const uint8_t fc0_codes[108] = {
     32,  30, 105, 254, 218, 160, 238, 232, 185, 153, 127,  92,
    124,  41, 153, 253, 175, 229, 147,  37,  60, 214,  84, 175,
     77, 250, 215,  20,  39, 160, 174, 179, 254, 233,  35,  47,
    138, 242,  33,  31, 158, 228, 145, 197, 177,  11, 236, 181,
     86,  59, 252,  30, 111, 147,  66, 126, 203, 200, 254,  41,
     85, 229, 205, 142,  70, 220, 142, 212, 183, 194, 118,  77,
     42,  90,  77, 118, 119,   6, 248,  93, 134, 144,   2,  74,
    214, 189, 163,  64,  27, 233, 200, 203, 204, 201,  53, 246,
    205,  31,  97,  34, 106, 225,  83,  56, 174,  26,  52,   0};
static const int64_t fc0_bias[3] = {1677721600, -838860800, 0}; /* 100, -50, 0 acc units */
static const int32_t fc0_multiplier[3] = {16777216, 16777216, 16777216}; /* 2^24 / 2^30 = 1/64 */
static const int8_t fc0_pre_shift[3] = {0, 0, 0};
static const int8_t fc0_shift[3] = {30, 30, 30};

static const uint8_t layer_pinned[MODEL_LAYER_COUNT] = {0u, 1u};

size_t model_arena_size(void)
{
    return MODEL_ARENA_SIZE;
}

te_status model_init(model_context *ctx, uint8_t *arena, size_t arena_size)
{
    if (ctx == NULL || arena == NULL) {
        return TE_ERR_NULL_POINTER;
    }
    if (((uintptr_t)arena & (TE_ARENA_ALIGNMENT - 1u)) != 0u) {
        return TE_ERR_ARENA_ALIGNMENT;
    }
    if (arena_size < MODEL_ARENA_SIZE) {
        return TE_ERR_ARENA_TOO_SMALL;
    }
    ctx->arena = arena;
    ctx->arena_size = arena_size;
    ctx->layer_bits[0] = 8u;
    ctx->layer_bits[1] = 8u;
    ctx->trace = NULL;
    ctx->trace_user = NULL;
    ctx->magic = MODEL_MAGIC;
    return TE_OK;
}

te_status model_set_weight_bits(model_context *ctx, uint32_t bits)
{
    uint32_t layer;
    if (ctx == NULL) {
        return TE_ERR_NULL_POINTER;
    }
    if (ctx->magic != MODEL_MAGIC) {
        return TE_ERR_NOT_INITIALISED;
    }
    if (bits < 1u || bits > 8u) {
        return TE_ERR_BAD_BITS;
    }
    for (layer = 0; layer < MODEL_LAYER_COUNT; ++layer) {
        if (!layer_pinned[layer]) {
            ctx->layer_bits[layer] = (uint8_t)bits;
        }
    }
    return TE_OK;
}

te_status model_set_layer_bits(model_context *ctx, uint32_t layer, uint32_t bits)
{
    if (ctx == NULL) {
        return TE_ERR_NULL_POINTER;
    }
    if (ctx->magic != MODEL_MAGIC) {
        return TE_ERR_NOT_INITIALISED;
    }
    if (layer >= MODEL_LAYER_COUNT) {
        return TE_ERR_BAD_LAYER;
    }
    if (bits < 1u || bits > 8u) {
        return TE_ERR_BAD_BITS;
    }
    if (layer_pinned[layer] && bits != 8u) {
        return TE_ERR_PINNED_LAYER;
    }
    ctx->layer_bits[layer] = (uint8_t)bits;
    return TE_OK;
}

te_status model_set_trace(model_context *ctx, te_trace_fn fn, void *user)
{
    if (ctx == NULL) {
        return TE_ERR_NULL_POINTER;
    }
    if (ctx->magic != MODEL_MAGIC) {
        return TE_ERR_NOT_INITIALISED;
    }
    ctx->trace = fn;
    ctx->trace_user = user;
    return TE_OK;
}

te_status model_invoke(model_context *ctx, const uint8_t *input, int32_t *output)
{
    te_status st;
    te_operand none;
    uint8_t *conv0_out;
    uint8_t *pool0_out;
    int32_t *fc0_out;
    uint32_t i;

    if (ctx == NULL || input == NULL || output == NULL) {
        return TE_ERR_NULL_POINTER;
    }
    if (ctx->magic != MODEL_MAGIC) {
        return TE_ERR_NOT_INITIALISED;
    }
    none.kind = TE_ELEM_NONE;
    none.data = NULL;
    conv0_out = ctx->arena + 0;
    pool0_out = ctx->arena + 144;
    fc0_out = (int32_t *)(void *)(ctx->arena + 184);

    /* op 0, conv0: 6x6x1 -> 6x6x4, 3x3 stride 1 pad 1, 1296 MACs, 36 weight bytes; 4-bit codes */
    {
        static const te_conv_params p = {{6, 6, 1}, {6, 6, 4}, 3, 3, 1, 1, 1, 1, 1, 8};
        const uint32_t k = ctx->layer_bits[0];
        te_requant rq;
        rq.bias = conv0_bias[k - 1u];
        rq.multiplier = conv0_multiplier[k - 1u];
        rq.pre_shift = conv0_pre_shift[k - 1u];
        rq.shift = conv0_shift[k - 1u];
        rq.residual_multiplier = NULL;
        rq.residual_pre_shift = NULL;
        rq.lo = 0;
        rq.hi = 15;
        st = te_conv2d(&p, input, conv0_codes, k, &rq, none, TE_ELEM_CODE, conv0_out, NULL);
        if (st != TE_OK) {
            return st;
        }
        if (ctx->trace != NULL) {
            ctx->trace(ctx->trace_user, 0u, conv0_out, 144u);
        }
    }

    /* op 1, pool0: max 2x2 stride 2, 6x6x4 -> 3x3x4 */
    {
        static const te_pool_params p = {{6, 6, 4}, {3, 3, 4}, 2, 2, 2, 2, 0, 0};
        st = te_maxpool(&p, conv0_out, pool0_out);
        if (st != TE_OK) {
            return st;
        }
        if (ctx->trace != NULL) {
            ctx->trace(ctx->trace_user, 1u, pool0_out, 36u);
        }
    }

    /* op 2, fc0: 36 -> 3, 108 MACs, pinned at 8 bits; Int32 logits */
    {
        te_requant rq;
        rq.bias = fc0_bias;
        rq.multiplier = fc0_multiplier;
        rq.pre_shift = fc0_pre_shift;
        rq.shift = fc0_shift;
        rq.residual_multiplier = NULL;
        rq.residual_pre_shift = NULL;
        rq.lo = INT32_MIN;
        rq.hi = INT32_MAX;
        st = te_dense(36, 3, pool0_out, fc0_codes, ctx->layer_bits[1], &rq, none, TE_ELEM_INT32,
                      fc0_out);
        if (st != TE_OK) {
            return st;
        }
        if (ctx->trace != NULL) {
            ctx->trace(ctx->trace_user, 2u, fc0_out, 12u);
        }
    }

    /* The model output: fc0's Int32 tensor. */
    for (i = 0; i < MODEL_OUTPUT_SIZE; ++i) {
        output[i] = fc0_out[i];
    }
    return TE_OK;
}
