/*
 * te_conv2d_rows - the groups == 1 forms that need no scratch: window rows (in HWC a clipped
 * window row is one contiguous run of (kw1 - kw0) * Cin bytes in the input and the codes) and
 * pointwise (1x1, no padding: a dense layer per pixel). te_conv2d runs them when it has no
 * scratch for a block form, and te_conv2d_block on Armv6-M when the field form declines.
 */
#include "te_conv2d_ctx.h"

/* ---------------------------------------------------------------------------------------------
 * Rows path (G == 1): a clipped window row is one contiguous run in the input and the codes.
 * ------------------------------------------------------------------------------------------- */
TE_NOINLINE static void conv_rows(const te_conv_ctx *cx)
{
    const te_conv_params *p = cx->p;
    const int32_t in_w = p->in.width;
    const int32_t cin = p->in.channels;
    const int32_t cout = p->out.channels;
    const int32_t row_codes = p->kernel_w * cin;      /* codes per kernel row */
    const int32_t oc_codes = p->kernel_h * row_codes; /* codes per output channel */
    int32_t oh, ow, oc, kh;

    TE_PATH_HIT(TE_PATH_CONV_ROWS);
    for (oh = 0; oh < p->out.height; ++oh) {
        int32_t kh0, kh1, ih0;
        te_clip_window(oh, p->stride_h, p->pad_top, p->kernel_h, p->in.height, &kh0, &kh1, &ih0);
        for (ow = 0; ow < p->out.width; ++ow) {
            int32_t kw0, kw1, iw0;
            int32_t run, x_start, w_start;
            uint32_t xsum = 0;
            const int32_t out_base = (oh * p->out.width + ow) * cout;
            te_clip_window(ow, p->stride_w, p->pad_left, p->kernel_w, in_w, &kw0, &kw1, &iw0);
            run = (kw1 - kw0) * cin;
            x_start = (iw0 + kw0) * cin; /* offset of the run inside an input row */
            w_start = kw0 * cin;         /* offset of the run inside a kernel row */

            /* Step 1: sum(x) over the clipped window, one run per kernel row. */
            for (kh = kh0; kh < kh1; ++kh) {
                xsum += te_sum_u8(cx->input + (ih0 + kh) * in_w * cin + x_start, run);
            }

            /* Step 2: two output channels at a time share every x load. */
            for (oc = 0; oc + 2 <= cout; oc += 2) {
                const uint8_t *w0 = cx->codes + oc * oc_codes + w_start;
                uint32_t dot0 = 0;
                uint32_t dot1 = 0;
                for (kh = kh0; kh < kh1; ++kh) {
                    te_dot2_u8(cx->input + (ih0 + kh) * in_w * cin + x_start, w0 + kh * row_codes,
                               w0 + oc_codes + kh * row_codes, run, cx->code_shift, &dot0, &dot1);
                }
                te_epilogue_store(&cx->e, out_base + oc, oc,
                                  te_split_acc(dot0 << cx->lsh, xsum, cx->n_s));
                te_epilogue_store(&cx->e, out_base + oc + 1, oc + 1,
                                  te_split_acc(dot1 << cx->lsh, xsum, cx->n_s));
            }
            if (oc < cout) {
                const uint8_t *w = cx->codes + oc * oc_codes + w_start;
                uint32_t dot = 0;
                for (kh = kh0; kh < kh1; ++kh) {
                    dot += te_dot_u8(cx->input + (ih0 + kh) * in_w * cin + x_start,
                                     w + kh * row_codes, run, cx->code_shift);
                }
                te_epilogue_store(&cx->e, out_base + oc, oc,
                                  te_split_acc(dot << cx->lsh, xsum, cx->n_s));
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * Pointwise path (1x1, no padding, G == 1, every position inside): a dense layer per pixel.
 * ------------------------------------------------------------------------------------------- */
TE_NOINLINE static void conv_pointwise(const te_conv_ctx *cx)
{
    const te_conv_params *p = cx->p;
    const int32_t cin = p->in.channels;
    const int32_t cout = p->out.channels;
    int32_t oh, ow;

    TE_PATH_HIT(TE_PATH_CONV_POINTWISE);
    for (oh = 0; oh < p->out.height; ++oh) {
        const int32_t ih = oh * p->stride_h;
        for (ow = 0; ow < p->out.width; ++ow) {
            const uint8_t *x = cx->input + (ih * p->in.width + ow * p->stride_w) * cin;
            te_dense_row(x, cin, cx->codes, cout, cx->code_shift, cx->n, cx->lsh, &cx->e,
                         (oh * p->out.width + ow) * cout);
        }
    }
}

/* groups == 1 without scratch for the block forms: a dense row per pixel, or window rows. */
void te_conv_fallback(const te_conv_ctx *cx)
{
    const te_conv_params *p = cx->p;
    if (p->kernel_h == 1 && p->kernel_w == 1 && p->pad_top == 0 && p->pad_left == 0) {
        conv_pointwise(cx); /* te_window_ok: pad 0 and a 1x1 kernel keep every tap inside */
    } else {
        conv_rows(cx);
    }
}
