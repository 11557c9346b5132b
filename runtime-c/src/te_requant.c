/*
 * te_requant_expand - one weight bit width's requantization table from the form the compiler
 * stores in flash (te_requant_stored in truncedge.h; docs/integer-semantics.md, "Stored tables").
 *
 * A layer whose epilogues at the different k differ by one real factor (a BatchNorm shared by
 * all k: only the weight scale E / (2^k - 1) changes) stores its per-channel constants once and
 * per k a factor and two shift additions; the generated model expands them into the arena before
 * each call of the layer, O(channels), so the kernels see an ordinary te_requant (which lives in
 * the work buffer too: the generated model keeps no table on its stack). Biases are stored as
 * int32 and widened here.
 */
#include "te_internal.h"

/* The te_requant at the start of the work buffer fits its header on every target. */
typedef char te_requant_header_check[sizeof(te_requant) <= TE_REQUANT_HEADER_BYTES ? 1 : -1];

uint32_t te_requant_work_bytes(int32_t channels)
{
    if (channels < 1 || channels > (INT32_MAX - 71) / 14) {
        return 0u;
    }
    return (TE_REQUANT_HEADER_BYTES + (uint32_t)channels * 14u + 7u) & ~7u;
}

TE_SETUP te_status te_requant_expand(const te_requant_stored *s, int32_t channels, void *work,
                            uint32_t work_bytes, const te_requant **out)
{
    te_requant *rq;
    int64_t *bias;
    int32_t *mult;
    int8_t *pre, *shift;
    uint32_t bias_lsh;
    int32_t c;
    if (s == NULL || out == NULL || work == NULL || s->bias == NULL || s->multiplier == NULL) {
        return TE_ERR_NULL_POINTER;
    }
    if (channels < 1 || ((uintptr_t)work & 7u) != 0u || work_bytes < te_requant_work_bytes(channels) ||
        s->factor < 1 || s->factor > ((int32_t)1 << 30) || s->bias_shift > 62u ||
        s->shift_add > 62u || s->pre_add > 62u) {
        return TE_ERR_BAD_PARAMS;
    }
    rq = (te_requant *)work;
    bias = (int64_t *)(void *)((uint8_t *)work + TE_REQUANT_HEADER_BYTES);
    mult = (int32_t *)(void *)(bias + channels);
    pre = (int8_t *)(void *)(mult + channels);
    shift = pre + channels;
    bias_lsh = s->bias_shift;
    for (c = 0; c < channels; ++c) {
        const int32_t b = s->bias[c];
        const uint64_t mag = b < 0 ? (uint64_t)(-(int64_t)b) : (uint64_t)b;
        const int32_t p = (s->pre_shift != NULL ? s->pre_shift[c] : 0) + (int32_t)s->pre_add;
        const int32_t sh = (s->shift != NULL ? s->shift[c] : 0) + (int32_t)s->shift_add;
        /* |b| * 2^lsh <= 2^61, tested without shifting b past 63 bits */
        if ((bias_lsh > 0u && mag > ((uint64_t)1 << 61) >> bias_lsh) || p < 0 || p > 62 ||
            sh < 1 || sh > 62) {
            return TE_ERR_BAD_PARAMS;
        }
        bias[c] = (int64_t)((uint64_t)(int64_t)b << bias_lsh);
        mult[c] = te_scale_multiplier(s->multiplier[c], s->factor);
        pre[c] = (int8_t)p;
        shift[c] = (int8_t)sh;
    }
    rq->bias = bias;
    rq->multiplier = mult;
    rq->pre_shift = pre;
    rq->shift = shift;
    rq->residual_multiplier = s->residual_multiplier;
    rq->residual_pre_shift = s->residual_pre_shift;
    rq->lo = s->lo;
    rq->hi = s->hi;
    *out = rq;
    return TE_OK;
}
