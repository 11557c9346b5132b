/*
 * te_epilogue - the requantization epilogue that te_conv2d's and te_dense's variants share: the
 * check of a call's table that chooses its mode (te_epilogue_init) and the general store loop
 * (te_epi_store_run). One copy in a firmware, whichever kernels it links; the per-output fast
 * forms (te_epi_hi, te_epi_hi4) stay inline in te_internal.h.
 */
#include "te_epilogue.h"

/*
 * out[index + i] for the count (>= 1) consecutive channels whose constants are ch[0..count-1],
 * from acc[0..count-1]: the epilogue of one pixel of a channel block. One loop per mode; the
 * commonest case (TE_EPI_HI, no residual, Code output) has its own.
 */
void te_epi_store_run(const te_epilogue *e, const te_epi_ch *ch, int32_t index, const int32_t *acc,
                      int32_t count)
{
    const uint8_t *rc = e->residual_code != NULL ? e->residual_code + index : NULL;
    const int32_t *ri = e->residual_int32 != NULL ? e->residual_int32 + index : NULL;
    uint8_t *oc = e->out_code != NULL ? e->out_code + index : NULL;
    int32_t *oi = e->out_int32 != NULL ? e->out_int32 + index : NULL;
    const int32_t lo = e->lo, hi = e->hi;
    int32_t i, v;
    switch (e->mode) {
    case TE_EPI_HI:
        TE_PATH_HIT(TE_PATH_EPI_HI);
        if (oc != NULL && rc == NULL && ri == NULL) {
            for (i = 0; i < count; ++i) {
                oc[i] = (uint8_t)te_epi_hi(e, te_mla64(ch[i].base, acc[i], ch[i].mult), ch[i].shift);
            }
            return;
        }
        for (i = 0; i < count; ++i) {
            const int64_t t = ch[i].base + te_epi_rprod(rc, ri, i, ch[i].rmult) +
                              (int64_t)acc[i] * ch[i].mult;
            v = te_epi_hi(e, t, ch[i].shift);
            if (oc != NULL) {
                oc[i] = (uint8_t)v;
            } else {
                oi[i] = v;
            }
        }
        return;
    case TE_EPI_SHIFTED:
        TE_PATH_HIT(TE_PATH_EPI_SHIFTED);
        for (i = 0; i < count; ++i) {
            const int64_t z = ch[i].base + te_epi_rprod(rc, ri, i, ch[i].rmult);
            const int64_t t = te_shl64(z, ch[i].pre) + (int64_t)acc[i] * ch[i].mult;
            v = te_epi_hi(e, t, ch[i].shift);
            if (oc != NULL) {
                oc[i] = (uint8_t)v;
            } else {
                oi[i] = v;
            }
        }
        return;
    case TE_EPI_NOPRE:
        TE_PATH_HIT(TE_PATH_EPI_NOPRE);
        for (i = 0; i < count; ++i) {
            const int64_t t = ch[i].base + te_epi_rprod(rc, ri, i, ch[i].rmult) +
                              (int64_t)acc[i] * ch[i].mult;
            v = te_clamp(e->small_shifts ? te_asr64_small(t, ch[i].shift) : te_asr64(t, ch[i].shift),
                         lo, hi);
            if (oc != NULL) {
                oc[i] = (uint8_t)v;
            } else {
                oi[i] = v;
            }
        }
        return;
    default:
        TE_PATH_HIT(TE_PATH_EPI_GENERAL);
        if (e->small_shifts) {
            /* shifts below 32, and only the pre-shifts that some channel has */
            const int any_pre = e->any_pre, any_rpre = e->any_rpre;
            for (i = 0; i < count; ++i) {
                int64_t a = (int64_t)acc[i] * ch[i].mult;
                int64_t b = te_epi_rprod(rc, ri, i, ch[i].rmult);
                if (any_pre) {
                    a = te_asr64_small(a, ch[i].pre);
                }
                if (any_rpre) {
                    b = te_asr64_small(b, ch[i].rpre);
                }
                v = te_clamp(te_asr64_small(a + b + ch[i].base, ch[i].shift), lo, hi);
                if (oc != NULL) {
                    oc[i] = (uint8_t)v;
                } else {
                    oi[i] = v;
                }
            }
            return;
        }
        for (i = 0; i < count; ++i) {
            const int64_t a = te_asr64((int64_t)acc[i] * ch[i].mult, ch[i].pre);
            const int64_t b = te_asr64(te_epi_rprod(rc, ri, i, ch[i].rmult), ch[i].rpre);
            v = te_clamp(te_asr64(a + b + ch[i].base, ch[i].shift), lo, hi);
            if (oc != NULL) {
                oc[i] = (uint8_t)v;
            } else {
                oi[i] = v;
            }
        }
        return;
    }
}

/*
 * Whether TE_EPI_HI (no pre-shift, no residual) may take t times 2^scale (see te_epi_mode):
 * scale - 1 <= lsh_max (the kernel scales its levels that far; scale 1 needs nothing of it),
 * base * 2^scale within 2^62 for every channel (|bias| <= bias_max and shift <= max_shift,
 * so |base| <= bias_max + 2^(max_shift-1)), and every high-word shift at most 31 (dd: the
 * saturating form's d, or 0).
 */
static inline int te_epi_scale_ok(int32_t scale, int32_t lsh_max, uint64_t bias_max,
                                  int32_t max_shift, int32_t dd)
{
    if (scale == 0) {
        return 1;
    }
    if (scale - 1 > lsh_max || scale > 31 || max_shift + scale - 32 - dd > 31 ||
        max_shift - 1 >= 62 - scale) {
        return 0;
    }
    /* (bias_max + 2^(max_shift-1)) * 2^scale <= 2^62 */
    return bias_max <= ((uint64_t)1 << (62 - scale)) - ((uint64_t)1 << (max_shift - 1));
}

/*
 * The fastest epilogue mode (see te_epi_mode) that the whole table of a call allows, its scale,
 * and sat_d; pre_or is the OR of every pre_shift and residual_pre_shift, min_shift and max_shift
 * the smallest and largest shift, bias_max the largest |bias| (all gathered by
 * te_epilogue_init's range checks), lsh_max how far the kernel can scale its accumulators. The
 * common case costs nothing per channel.
 */
static inline void te_epi_choose(te_epilogue *e, int32_t channels, int32_t pre_or,
                                 int32_t min_shift, int32_t max_shift, uint64_t bias_max,
                                 int32_t lsh_max)
{
    int32_t d = -1, c, min_hi = min_shift - 32; /* the smallest high-word shift */
    e->scale = 0;
    e->lsh = 0;
    e->scale_mul = 1u;
    e->mult_mul = 1;
    e->sat4 = 0;
    /* d: a Code output [0, 2^b - 1] in the saturating form (see sat_d): USAT #8 for b = 8,
     * USAT #4 for b = 4 (d 0), otherwise USAT #8 and >> (8 - b) (d = 8 - b); else -1 */
#if defined(TE_SAT)
    if (e->out_code != NULL && e->lo == 0) {
#else
    /* no USAT: the saturation would be the same two compares as the [lo, hi] clamp, and a shift
     * more; and with one clamp for every k, no k runs a differently laid-out loop than k + 1 */
    if (0) {
#endif
        for (d = 0; d < 8 && (255 >> d) != e->hi; ++d) {
        }
        if (d == 4) {
            d = 0;
            e->sat4 = 1;
        } else if (d == 8) {
            d = -1;
        }
    }
    if (pre_or == 0) {
        e->mode = min_shift >= 32 ? TE_EPI_HI : TE_EPI_NOPRE;
        if (e->residual_multiplier == NULL) {
            /* the smallest scale giving every channel a high-word shift of at least d (the
             * saturating form), else of at least 0 */
            int32_t dd = d > 0 ? d : 0;
            int32_t scale = te_max_i32(0, 32 + dd - min_shift);
            if (dd > 0 && !te_epi_scale_ok(scale, lsh_max, bias_max, max_shift, dd)) {
                d = -1;
                dd = 0;
                scale = te_max_i32(0, 32 - min_shift);
            }
            if (te_epi_scale_ok(scale, lsh_max, bias_max, max_shift, dd)) {
                e->mode = TE_EPI_HI;
                e->scale = (uint8_t)scale;
                e->lsh = (uint8_t)(scale > 0 ? scale - 1 : 0);
                e->scale_mul = (uint32_t)1 << scale;
                e->mult_mul = scale > 0 ? 2 : 1;
                if (e->lsh > 0u) {
                    TE_PATH_HIT(TE_PATH_EPI_HI_LEVELS);
                }
                min_hi = min_shift + scale - 32;
            }
        }
    } else {
        /* r_max * |rmult| bounds |r * rmult|: r is a code (<= 255) or an int32 */
        const uint64_t r_max = e->residual_code != NULL ? 255u
                               : (e->residual_int32 != NULL ? ((uint64_t)1 << 31) : 0u);
        e->mode = TE_EPI_SHIFTED;
        min_hi = 62;
        for (c = 0; c < channels && e->mode == TE_EPI_SHIFTED; ++c) {
            const uint32_t sh = (uint32_t)e->shift[c];
            const uint32_t pre = (uint32_t)e->pre_shift[c];
            const int32_t rm = e->residual_multiplier != NULL ? e->residual_multiplier[c] : 0;
            const int64_t b = e->bias[c];
            const uint64_t z_max = (uint64_t)(b < 0 ? -b : b) + ((uint64_t)1 << (sh - 1u)) +
                                   r_max * (uint64_t)(rm < 0 ? -(int64_t)rm : rm);
            if ((e->residual_pre_shift != NULL && e->residual_pre_shift[c] != 0) ||
                pre + sh < 32u || z_max > ((uint64_t)1 << 62) >> pre) {
                e->mode = TE_EPI_GENERAL;
            }
            min_hi = te_min_i32(min_hi, (int32_t)(pre + sh) - 32);
        }
    }
    /* sat_d: d when every high-word shift is at least d */
    e->sat_d = -1;
    if ((e->mode == TE_EPI_HI || e->mode == TE_EPI_SHIFTED) && d >= 0 && min_hi >= d) {
        e->sat_d = d;
    } else {
        e->sat4 = 0;
    }
}

/*
 * Checks the requantization table, residual and output of a Conv or Dense with channels
 * output channels and fills *e. Pointers first (TE_ERR_NULL_POINTER), then consistency
 * (TE_ERR_BAD_PARAMS): a residual kind without data, residual_multiplier or residual_pre_shift,
 * an unknown kind, lo > hi, a Code output whose [lo, hi] leaves 0..255, a misaligned int32
 * tensor, and any per-channel shift (1..62), pre-shift (0..62), multiplier or bias outside the
 * ranges of docs/integer-semantics.md (the ranges that keep the epilogue free of overflow).
 * lsh_max: how far the calling kernel can scale every accumulator it hands the epilogue
 * (te_epilogue.lsh; |acc| * 2^lsh_max < 2^31 for every acc of the call), 0 if it cannot.
 * Costs O(channels), once per call.
 */
TE_SETUP te_status te_epilogue_init(te_epilogue *e, int32_t channels, const te_requant *rq,
                           te_operand residual, te_elem output_kind, void *output, int32_t lsh_max)
{
    int32_t c, pre_or = 0, rpre_or = 0, min_shift = TE_SHIFT_MAX, max_shift = TE_SHIFT_MIN;
    uint32_t h_or = 0;
    const int64_t *bias;
    const int32_t *multiplier;
    const int8_t *pre_shift, *shift;
    if (output == NULL || te_requant_has_null(rq)) {
        return TE_ERR_NULL_POINTER;
    }
    bias = rq->bias;
    multiplier = rq->multiplier;
    pre_shift = rq->pre_shift;
    shift = rq->shift;
    e->bias = rq->bias;
    e->multiplier = rq->multiplier;
    e->pre_shift = rq->pre_shift;
    e->shift = rq->shift;
    e->residual_multiplier = NULL;
    e->residual_pre_shift = NULL;
    e->residual_code = NULL;
    e->residual_int32 = NULL;
    e->lo = rq->lo;
    e->hi = rq->hi;
    e->out_code = NULL;
    e->out_int32 = NULL;

    /* Residual operand. */
    if (residual.kind != TE_ELEM_NONE) {
        if (residual.data == NULL || rq->residual_multiplier == NULL ||
            rq->residual_pre_shift == NULL) {
            return TE_ERR_BAD_PARAMS;
        }
        e->residual_multiplier = rq->residual_multiplier;
        e->residual_pre_shift = rq->residual_pre_shift;
        if (residual.kind == TE_ELEM_CODE) {
            e->residual_code = (const uint8_t *)residual.data;
        } else if (residual.kind == TE_ELEM_INT32 && te_is_aligned4(residual.data)) {
            e->residual_int32 = (const int32_t *)residual.data;
        } else {
            return TE_ERR_BAD_PARAMS;
        }
    }

    /* Output. */
    if (rq->lo > rq->hi) {
        return TE_ERR_BAD_PARAMS;
    }
    if (output_kind == TE_ELEM_CODE && rq->lo >= 0 && rq->hi <= 255) {
        e->out_code = (uint8_t *)output;
    } else if (output_kind == TE_ELEM_INT32 && te_is_aligned4(output)) {
        e->out_int32 = (int32_t *)output;
    } else {
        return TE_ERR_BAD_PARAMS;
    }

    /* Per-channel table ranges, gathering what te_epi_choose needs as it goes: the range of
     * the shifts (checked after the loop), the OR of the pre-shifts, and h_or, the OR of
     * h = hi ^ (hi >> 31) over the high words hi of the biases, so that
     * |bias| <= (h_or + 1) * 2^32 for every channel (hi >= 0: |bias| < (hi + 1) * 2^32;
     * hi < 0: |bias| <= -hi * 2^32 = (h + 1) * 2^32). |bias| <= 2^61 is h < 2^29 or
     * bias = 2^61. Few live values: the loop stays in registers on Armv7-M. */
    for (c = 0; c < channels; ++c) {
        const int32_t sh = shift[c], pre = pre_shift[c];
        const int64_t b = bias[c];
        const int32_t hi = (int32_t)te_asr64(b, 32u);
        const uint32_t h = (uint32_t)(hi ^ te_asr32(hi, 31u));
        if (!te_pre_shift_ok(pre) || !te_multiplier_ok(multiplier[c]) ||
            (h >= ((uint32_t)1 << 29) && b != TE_BIAS_LIMIT)) {
            return TE_ERR_BAD_PARAMS;
        }
        pre_or |= pre;
        min_shift = te_min_i32(min_shift, sh);
        max_shift = te_max_i32(max_shift, sh);
        h_or |= h;
    }
    if (min_shift < TE_SHIFT_MIN || max_shift > TE_SHIFT_MAX) {
        return TE_ERR_BAD_PARAMS;
    }
    if (e->residual_multiplier != NULL) {
        for (c = 0; c < channels; ++c) {
            if (!te_multiplier_ok(e->residual_multiplier[c]) ||
                !te_pre_shift_ok(e->residual_pre_shift[c])) {
                return TE_ERR_BAD_PARAMS;
            }
            rpre_or |= e->residual_pre_shift[c];
        }
    }
    e->any_pre = (uint8_t)(pre_or != 0);
    e->any_rpre = (uint8_t)(rpre_or != 0);
    e->small_shifts = (uint8_t)(((max_shift | pre_or | rpre_or) & ~31) == 0);
    te_epi_choose(e, channels, pre_or | rpre_or, min_shift, max_shift,
                  ((uint64_t)h_or + 1u) << 32, lsh_max);
    return TE_OK;
}
