/*
 * te_conv2d - 2-D convolution of uint8 activation codes with TruncQuant weight codes.
 *
 * Shapes (batch 1, HWC): x [H][W][Cin] codes, codes [Cout][KH][KW][Cin/G], y [OH][OW][Cout],
 * G groups, cin_g = Cin / G, cout_g = Cout / G, weight bit width k in 1..8, n = 2^k - 1:
 *
 *   s[oc][kh][kw][ci] = 2 * (codes[oc][kh][kw][ci] >> (8 - k)) - n
 *   acc[oh][ow][oc]   = sum_{kh < KH, kw < KW, ci < cin_g} s[oc][kh][kw][ci]
 *                         * x[oh*SH + kh - PT][ow*SW + kw - PL][(oc / cout_g) * cin_g + ci]
 *                       (positions outside the input read as 0)
 *   y[oh][ow][oc]     = te_requantize(acc, bias[oc], multiplier[oc], pre_shift[oc], shift[oc],
 *                                     r[oh][ow][oc], residual_multiplier[oc],
 *                                     residual_pre_shift[oc], lo, hi)
 *
 * docs/integer-semantics.md is the contract. All paths below give the same integers:
 *
 *   depthwise    cin_g == 1, G > 1: channel by channel, signed levels; 3x3 interior pixels
 *                unrolled with the nine levels held in registers.
 *   pointwise    1x1, no padding, G == 1: a dense layer per pixel (te_dense_row).
 *   rows         any other G == 1 conv: in HWC a clipped window row is one contiguous run of
 *                (kw1 - kw0) * Cin bytes in the input and in the codes, so each row is one dot.
 *   generic      everything else (grouped convs): clipped window, one dot per tap.
 *
 * Every path clips the window once per output pixel instead of testing every tap: padding
 * reads 0 and contributes nothing to either half of the split below.
 *
 * The non-depthwise paths use acc = 2 * sum(q * x) - n * sum(x) (q = code >> (8 - k)), with
 * sum(x) over the window computed once per pixel and group, modulo 2^32 (see te_internal.h).
 */
#include "te_internal.h"

/* What every path needs, derived once per call. */
typedef struct {
    const te_conv_params *p;
    const uint8_t *input;
    const uint8_t *codes;
    uint32_t code_shift; /* 8 - k */
    uint32_t n;          /* 2^k - 1 */
    int32_t cin_g;
    int32_t cout_g;
    te_epilogue e;
} conv_ctx;

/* ---------------------------------------------------------------------------------------------
 * Generic path: any groups; per pixel and group, sum(x) once, then one dot per tap per channel.
 * ------------------------------------------------------------------------------------------- */
static void conv_generic(const conv_ctx *cx)
{
    const te_conv_params *p = cx->p;
    const int32_t in_w = p->in.width;
    const int32_t cin = p->in.channels;
    const int32_t cout = p->out.channels;
    const int32_t taps = p->kernel_h * p->kernel_w;
    int32_t oh, ow, g, oc, kh, kw;

    TE_PATH_HIT(TE_PATH_CONV_GENERIC);
    for (oh = 0; oh < p->out.height; ++oh) {
        int32_t kh0, kh1, ih0;
        te_clip_window(oh, p->stride_h, p->pad_top, p->kernel_h, p->in.height, &kh0, &kh1, &ih0);
        for (ow = 0; ow < p->out.width; ++ow) {
            int32_t kw0, kw1, iw0;
            const int32_t out_base = (oh * p->out.width + ow) * cout;
            te_clip_window(ow, p->stride_w, p->pad_left, p->kernel_w, in_w, &kw0, &kw1, &iw0);

            for (g = 0; g < p->groups; ++g) {
                const uint8_t *xg = cx->input + g * cx->cin_g;
                uint32_t xsum = 0;

                /* Step 1: sum(x) over the clipped window of this group's channels. */
                for (kh = kh0; kh < kh1; ++kh) {
                    for (kw = kw0; kw < kw1; ++kw) {
                        xsum += te_sum_u8(xg + ((ih0 + kh) * in_w + iw0 + kw) * cin, cx->cin_g);
                    }
                }

                /* Step 2: sum(q * x) per output channel of the group, then the epilogue. */
                for (oc = g * cx->cout_g; oc < (g + 1) * cx->cout_g; ++oc) {
                    const uint8_t *w = cx->codes + oc * taps * cx->cin_g;
                    uint32_t dot = 0;
                    for (kh = kh0; kh < kh1; ++kh) {
                        for (kw = kw0; kw < kw1; ++kw) {
                            dot += te_dot_u8(xg + ((ih0 + kh) * in_w + iw0 + kw) * cin,
                                             w + (kh * p->kernel_w + kw) * cx->cin_g, cx->cin_g,
                                             cx->code_shift);
                        }
                    }
                    te_epilogue_store(&cx->e, out_base + oc, oc, te_split_acc(dot, xsum, cx->n));
                }
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * Rows path (G == 1): a clipped window row is one contiguous run in the input and the codes.
 * ------------------------------------------------------------------------------------------- */
static void conv_rows(const conv_ctx *cx)
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
                te_epilogue_store(&cx->e, out_base + oc, oc, te_split_acc(dot0, xsum, cx->n));
                te_epilogue_store(&cx->e, out_base + oc + 1, oc + 1,
                                  te_split_acc(dot1, xsum, cx->n));
            }
            if (oc < cout) {
                const uint8_t *w = cx->codes + oc * oc_codes + w_start;
                uint32_t dot = 0;
                for (kh = kh0; kh < kh1; ++kh) {
                    dot += te_dot_u8(cx->input + (ih0 + kh) * in_w * cin + x_start,
                                     w + kh * row_codes, run, cx->code_shift);
                }
                te_epilogue_store(&cx->e, out_base + oc, oc, te_split_acc(dot, xsum, cx->n));
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * Pointwise path (1x1, no padding, G == 1, every position inside): a dense layer per pixel.
 * ------------------------------------------------------------------------------------------- */
static void conv_pointwise(const conv_ctx *cx)
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
            te_dense_row(x, cin, cx->codes, cout, cx->code_shift, cx->n, &cx->e,
                         (oh * p->out.width + ow) * cout);
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * Depthwise path (cin_g == 1): channel by channel, with the signed levels s = 2q - n directly.
 * Nothing is shared between output channels, so the split would save nothing; the signed sum
 * stays in int32 because every partial sum is bounded by sum |s| * x_max < 2^31.
 * ------------------------------------------------------------------------------------------- */

/* acc of one output pixel of one channel over its clipped window (any kernel, any border). */
static int32_t depthwise_window(const conv_ctx *cx, const uint8_t *x_channel, const uint8_t *w,
                                int32_t oh, int32_t ow)
{
    const te_conv_params *p = cx->p;
    const int32_t cin = p->in.channels;
    const int32_t n = (int32_t)cx->n;
    int32_t kh0, kh1, ih0, kw0, kw1, iw0, kh, kw;
    int32_t acc = 0;

    te_clip_window(oh, p->stride_h, p->pad_top, p->kernel_h, p->in.height, &kh0, &kh1, &ih0);
    te_clip_window(ow, p->stride_w, p->pad_left, p->kernel_w, p->in.width, &kw0, &kw1, &iw0);
    for (kh = kh0; kh < kh1; ++kh) {
        const uint8_t *x = x_channel + ((ih0 + kh) * p->in.width + iw0) * cin;
        const uint8_t *wr = w + kh * p->kernel_w;
        for (kw = kw0; kw < kw1; ++kw) {
            int32_t s = 2 * (int32_t)(wr[kw] >> cx->code_shift) - n;
            acc += s * (int32_t)x[kw * cin];
        }
    }
    return acc;
}

static void conv_depthwise(const conv_ctx *cx)
{
    const te_conv_params *p = cx->p;
    const int32_t cin = p->in.channels;
    const int32_t cout = p->out.channels;
    const int32_t taps = p->kernel_h * p->kernel_w;
    const int32_t row = p->in.width * cin; /* input row stride */
    const int32_t n = (int32_t)cx->n;
    const int is_3x3 = p->kernel_h == 3 && p->kernel_w == 3;
    int32_t oh_lo, oh_hi, ow_lo, ow_hi, oc, oh, ow;

    /* Output pixels whose window needs no clipping. */
    te_interior_range(p->out.height, p->stride_h, p->pad_top, p->kernel_h, p->in.height, &oh_lo,
                      &oh_hi);
    te_interior_range(p->out.width, p->stride_w, p->pad_left, p->kernel_w, p->in.width, &ow_lo,
                      &ow_hi);
    if (!is_3x3) {
        oh_lo = oh_hi = 0; /* no unrolled interior: every pixel takes the clipped loop */
    }

    TE_PATH_HIT(TE_PATH_CONV_DEPTHWISE);
    for (oc = 0; oc < cout; ++oc) {
        const uint8_t *x_channel = cx->input + oc / cx->cout_g; /* cin_g == 1: input channel g */
        const uint8_t *w = cx->codes + oc * taps;
        int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0, s8 = 0;

        /* Step 1: the nine levels of a 3x3 kernel, once per channel. */
        if (is_3x3) {
            s0 = 2 * (int32_t)(w[0] >> cx->code_shift) - n;
            s1 = 2 * (int32_t)(w[1] >> cx->code_shift) - n;
            s2 = 2 * (int32_t)(w[2] >> cx->code_shift) - n;
            s3 = 2 * (int32_t)(w[3] >> cx->code_shift) - n;
            s4 = 2 * (int32_t)(w[4] >> cx->code_shift) - n;
            s5 = 2 * (int32_t)(w[5] >> cx->code_shift) - n;
            s6 = 2 * (int32_t)(w[6] >> cx->code_shift) - n;
            s7 = 2 * (int32_t)(w[7] >> cx->code_shift) - n;
            s8 = 2 * (int32_t)(w[8] >> cx->code_shift) - n;
        }

        /* Step 2: every output pixel of the channel; unrolled where the window is inside. */
        for (oh = 0; oh < p->out.height; ++oh) {
            const int row_inside = oh >= oh_lo && oh < oh_hi;
            for (ow = 0; ow < p->out.width; ++ow) {
                const int32_t index = (oh * p->out.width + ow) * cout + oc;
                int32_t acc;
                if (row_inside && ow >= ow_lo && ow < ow_hi) {
                    const uint8_t *x = x_channel + (oh * p->stride_h - p->pad_top) * row +
                                       (ow * p->stride_w - p->pad_left) * cin;
                    acc = s0 * (int32_t)x[0] + s1 * (int32_t)x[cin] + s2 * (int32_t)x[2 * cin];
                    x += row;
                    acc += s3 * (int32_t)x[0] + s4 * (int32_t)x[cin] + s5 * (int32_t)x[2 * cin];
                    x += row;
                    acc += s6 * (int32_t)x[0] + s7 * (int32_t)x[cin] + s8 * (int32_t)x[2 * cin];
                    TE_PATH_HIT(TE_PATH_CONV_DEPTHWISE_3X3);
                } else {
                    acc = depthwise_window(cx, x_channel, w, oh, ow);
                }
                te_epilogue_store(&cx->e, index, oc, acc);
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * The kernel: check the arguments, pick a path.
 * ------------------------------------------------------------------------------------------- */
te_status te_conv2d(const te_conv_params *p, const uint8_t *input, const uint8_t *codes,
                    uint32_t weight_bits, const te_requant *rq, te_operand residual,
                    te_elem output_kind, void *output)
{
    conv_ctx cx;
    te_status status;

    /* Step 1: pointers, bit width, geometry. */
    if (p == NULL || input == NULL || codes == NULL || output == NULL || te_requant_has_null(rq)) {
        return TE_ERR_NULL_POINTER;
    }
    if (weight_bits < 1u || weight_bits > 8u) {
        return TE_ERR_BAD_BITS;
    }
    if (!te_dims_ok(&p->in) || !te_dims_ok(&p->out) || p->groups < 1 ||
        p->in.channels % p->groups != 0 || p->out.channels % p->groups != 0 ||
        !te_window_ok(p->in.height, p->out.height, p->kernel_h, p->stride_h, p->pad_top) ||
        !te_window_ok(p->in.width, p->out.width, p->kernel_w, p->stride_w, p->pad_left) ||
        (int64_t)p->out.channels * p->kernel_h * p->kernel_w * (p->in.channels / p->groups) >
            (int64_t)INT32_MAX) {
        return TE_ERR_BAD_PARAMS;
    }

    /* Step 2: the epilogue (table ranges, residual, output kind). */
    status = te_epilogue_init(&cx.e, p->out.channels, rq, residual, output_kind, output);
    if (status != TE_OK) {
        return status;
    }
    cx.p = p;
    cx.input = input;
    cx.codes = codes;
    cx.code_shift = 8u - weight_bits;
    cx.n = (1u << weight_bits) - 1u;
    cx.cin_g = p->in.channels / p->groups;
    cx.cout_g = p->out.channels / p->groups;

    /* Step 3: the path for this shape. */
    if (cx.cin_g == 1 && p->groups > 1) {
        conv_depthwise(&cx);
    } else if (p->groups == 1 && p->kernel_h == 1 && p->kernel_w == 1 && p->pad_top == 0 &&
               p->pad_left == 0) {
        conv_pointwise(&cx); /* te_window_ok: pad 0 and a 1x1 kernel keep every tap inside */
    } else if (p->groups == 1) {
        conv_rows(&cx);
    } else {
        conv_generic(&cx);
    }
    return TE_OK;
}
