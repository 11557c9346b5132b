/*
 * te_maxpool - max pooling of uint8 activation codes.
 *
 * Shapes: x [H][W][C], y [OH][OW][C]:
 *
 *   y[oh][ow][c] = max_{kh < KH, kw < KW} x[oh*SH + kh - PT][ow*SW + kw - PL][c]
 *                  (positions outside the input read as 0)
 *
 * Codes are never negative and every window overlaps the input, so the max over the clipped
 * window (starting from 0) equals the max with padding reads of 0, and ONNX's -infinity padding.
 * The output keeps the input's bits. docs/integer-semantics.md is the contract.
 */
#include "te_internal.h"

te_status te_maxpool(const te_pool_params *p, const uint8_t *input, uint8_t *output)
{
    int32_t oh, ow, c, kh, kw;

    /* Step 1: pointers and geometry. */
    if (p == NULL || input == NULL || output == NULL) {
        return TE_ERR_NULL_POINTER;
    }
    if (!te_dims_ok(&p->in) || !te_dims_ok(&p->out) || p->in.channels != p->out.channels ||
        !te_window_ok(p->in.height, p->out.height, p->kernel_h, p->stride_h, p->pad_top) ||
        !te_window_ok(p->in.width, p->out.width, p->kernel_w, p->stride_w, p->pad_left)) {
        return TE_ERR_BAD_PARAMS;
    }

    /* Step 2: per output pixel, the clipped window; channels innermost (contiguous in HWC). */
    for (oh = 0; oh < p->out.height; ++oh) {
        int32_t kh0, kh1, ih0;
        te_clip_window(oh, p->stride_h, p->pad_top, p->kernel_h, p->in.height, &kh0, &kh1, &ih0);
        for (ow = 0; ow < p->out.width; ++ow) {
            int32_t kw0, kw1, iw0;
            const int32_t channels = p->out.channels;
            uint8_t *y = output + (oh * p->out.width + ow) * channels;
            te_clip_window(ow, p->stride_w, p->pad_left, p->kernel_w, p->in.width, &kw0, &kw1, &iw0);

            for (c = 0; c < channels; ++c) {
                y[c] = 0;
            }
            for (kh = kh0; kh < kh1; ++kh) {
                for (kw = kw0; kw < kw1; ++kw) {
                    const uint8_t *x = input + ((ih0 + kh) * p->in.width + iw0 + kw) * channels;
                    for (c = 0; c < channels; ++c) {
                        y[c] = x[c] > y[c] ? x[c] : y[c];
                    }
                }
            }
        }
    }
    return TE_OK;
}
