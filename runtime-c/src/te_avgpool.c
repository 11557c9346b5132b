/*
 * te_avgpool - average pooling of uint8 activation codes to codes (GlobalAveragePool included:
 * the window that covers the whole input).
 *
 * Shapes: x [H][W][C], y [OH][OW][C]; multiplier and shift have KH * KW entries, or one with
 * count_include_pad (the full window's: a global pool stores one, not H * W):
 *
 *   sum[oh][ow][c] = sum_{kh < KH, kw < KW} x[oh*SH + kh - PT][ow*SW + kw - PL][c]   (outside: 0)
 *   d              = the number of in-bounds positions
 *   y[oh][ow][c]   = clamp(round_shift(sum * multiplier[d-1], shift[d-1]), 0, out_max)
 *                    (count_include_pad: multiplier[0] and shift[0] for every window)
 *
 * docs/integer-semantics.md is the contract.
 */
#include "te_internal.h"

te_status te_avgpool(const te_pool_params *p, int32_t count_include_pad, const int32_t *multiplier,
                     const int8_t *shift, int32_t out_max, const uint8_t *input, uint8_t *output)
{
    int32_t oh, ow, c, kh, kw, i, taps;

    /* Step 1: pointers, geometry, table ranges (O(KH * KW), once per call). */
    if (p == NULL || multiplier == NULL || shift == NULL || input == NULL || output == NULL) {
        return TE_ERR_NULL_POINTER;
    }
    if (!te_dims_ok(&p->in) || !te_dims_ok(&p->out) || p->in.channels != p->out.channels ||
        !te_window_ok(p->in.height, p->out.height, p->kernel_h, p->stride_h, p->pad_top) ||
        !te_window_ok(p->in.width, p->out.width, p->kernel_w, p->stride_w, p->pad_left) ||
        (int64_t)p->kernel_h * p->kernel_w > (int64_t)INT32_MAX / 255 || /* sum fits int32 */
        out_max < 0 || out_max > 255) {
        return TE_ERR_BAD_PARAMS;
    }
    taps = p->kernel_h * p->kernel_w;
    for (i = 0; i < (count_include_pad ? 1 : taps); ++i) {
        if (!te_shift_ok(shift[i]) || !te_multiplier_ok(multiplier[i])) {
            return TE_ERR_BAD_PARAMS;
        }
    }

    /* Step 2: per output pixel, the clipped window and its divisor; per channel, the sum. */
    for (oh = 0; oh < p->out.height; ++oh) {
        int32_t kh0, kh1, ih0;
        te_clip_window(oh, p->stride_h, p->pad_top, p->kernel_h, p->in.height, &kh0, &kh1, &ih0);
        for (ow = 0; ow < p->out.width; ++ow) {
            int32_t kw0, kw1, iw0, d, mult, sh;
            const int32_t channels = p->out.channels;
            const int32_t row = p->in.width * channels;
            uint8_t *y = output + (oh * p->out.width + ow) * channels;
            const uint8_t *x0;
            te_clip_window(ow, p->stride_w, p->pad_left, p->kernel_w, p->in.width, &kw0, &kw1, &iw0);
            d = count_include_pad ? 1 : (kh1 - kh0) * (kw1 - kw0); /* >= 1: windows overlap */
            mult = multiplier[d - 1];
            sh = shift[d - 1];
            x0 = input + ((ih0 + kh0) * p->in.width + iw0 + kw0) * channels;

            for (c = 0; c < channels; ++c) {
                const uint8_t *x = x0 + c;
                int32_t sum = 0; /* at most KH * KW * 255 */
                for (kh = kh0; kh < kh1; ++kh) {
                    for (kw = 0; kw < kw1 - kw0; ++kw) {
                        sum += x[kw * channels];
                    }
                    x += row;
                }
                /* Step 3: one rounding, one clamp. */
                y[c] = (uint8_t)te_clamp(te_round_shift_even((int64_t)sum * mult, sh, sum), 0, out_max);
            }
        }
    }
    return TE_OK;
}
