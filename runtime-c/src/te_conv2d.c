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
 * docs/integer-semantics.md is the contract. All paths below give the same integers; the first
 * that applies runs (docs/runtime-c.md has the table):
 *
 *   depthwise quads  cin_g == 1, one output channel per group, ARM DSP: four channels per input
 *                word, a zero-padded ring of input rows, 3x3 in assembly (its own section).
 *   depthwise        the channels the quads leave (and every depthwise conv without DSP): channel
 *                by channel, signed levels; 3x3 interior pixels unrolled.
 *   block            G == 1 whenever the expanded weights of 4 channels fit TE_CONV_BLOCK_SCRATCH_BYTES:
 *                weights expanded once per call on the stack, windows streamed from the input,
 *                four channels per pass (its own section; forms for DSP, UMLAL and plain C, and
 *                two channels per 16-bit lane at low bit widths).
 *   pointwise    1x1, no padding, G == 1, too large for the block path: a dense layer per pixel.
 *   rows         any other G == 1 conv too large for the block path: in HWC a clipped window row
 *                is one contiguous run of (kw1 - kw0) * Cin bytes in the input and the codes.
 *   generic      everything else (grouped convs): clipped window, one dot per tap.
 *
 * Every path clips the window once per output pixel instead of testing every tap: padding
 * reads 0 and contributes nothing.
 *
 * The paths over unsigned codes use acc = 2 * sum(q * x) - n * sum(x) (q = code >> (8 - k)), with
 * sum(x) over the window computed once per pixel, modulo 2^32 (see te_internal.h); the others use
 * the signed levels, whose partial sums the compiler's bound keeps inside int32 in any order.
 */
#include "te_conv2d_ctx.h"

/* The block path's scratch bytes: TE_CONV_BLOCK_SCRATCH_BYTES (te_conv2d_ctx.h). */

/* The block path on the stack (callers that pass no scratch) needs TE_CONV_SCRATCH_BYTES of it;
 * Armv6-M parts (Cortex-M0/M0+) often have 2 KB of stack in all, so there it is left out by
 * default (the rows path runs instead), and its plain block form is slower there than the rows
 * path anyway. */
#ifndef TE_CONV_BLOCK_PATH
#if defined(__ARM_ARCH_6M__)
#define TE_CONV_BLOCK_PATH 0
#else
#define TE_CONV_BLOCK_PATH 1
#endif
#endif
/* The block path's code: wherever it runs on the stack, and in the caller's scratch except on
 * Armv6-M. */
#if TE_CONV_BLOCK_PATH || !defined(__ARM_ARCH_6M__)
#define TE_CONV_BLOCK_CODE 1
#else
#define TE_CONV_BLOCK_CODE 0
#endif

/* ---------------------------------------------------------------------------------------------
 * Generic path: any groups; per pixel and group, sum(x) once, then one dot per tap per channel.
 * ------------------------------------------------------------------------------------------- */
TE_NOINLINE static void conv_generic(const te_conv_ctx *cx)
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

/* ---------------------------------------------------------------------------------------------
 * Depthwise path (cin_g == 1): channel by channel, with the signed levels s = 2q - n directly.
 * Nothing is shared between output channels, so the split would save nothing; the signed sum
 * stays in int32 because every partial sum is bounded by sum |s| * x_max < 2^31.
 * ------------------------------------------------------------------------------------------- */

/*
 * How far every depthwise path can scale its levels s by 2^L (te_epilogue.lsh: a small shift,
 * e.g. of 1-bit weights, then keeps the fast epilogue): the largest L >= 0 with
 * taps * n * x_max * 2^L < 2^31, which bounds every partial sum of s * 2^L * x, and
 * n * 2^L < 2^15, so that a scaled level still fits the 16-bit lanes of the DSP quads.
 * (a < 2^(31-L) is L <= 31 - bit_length(a).) Constant time: the same cost at every k.
 */
static int32_t depthwise_lsh_max(const te_conv_ctx *cx)
{
    const int64_t acc_max = (int64_t)cx->p->kernel_h * cx->p->kernel_w * cx->n * cx->x_max;
    int32_t l;
    if (acc_max >= ((int64_t)1 << 31)) {
        return 0;
    }
    l = te_min_i32(31 - te_bit_length((uint32_t)acc_max), 15 - te_bit_length(cx->n));
    return te_max_i32(l, 0);
}

/*
 * How far the groups == 1 paths can scale acc by 2^L (te_conv_ctx.lsh): the block and field
 * forms expand q * 2^L, so L must keep |acc| * 2^L < 2^31 (taps * Cin * n * x_max bounds |acc|),
 * a level (2q - n) 2^L inside a 16-bit lane (n * 2^L < 2^15), and q * 2^L inside a byte
 * (k + L <= 8: the DSP word expansion and the UMLAL lanes). The field and packed forms are then
 * planned as for weight bits k + L: at k = 1 with L = 1 the layer runs what k = 2 runs.
 */
static int32_t conv_lsh_max(const te_conv_ctx *cx)
{
    const int64_t acc_max = (int64_t)cx->p->kernel_h * cx->p->kernel_w * cx->p->in.channels *
                            cx->n * cx->x_max;
    int32_t l;
    if (acc_max >= ((int64_t)1 << 31)) {
        return 0;
    }
    l = te_min_i32(31 - te_bit_length((uint32_t)acc_max), 15 - te_bit_length(cx->n));
    l = te_min_i32(l, (int32_t)cx->code_shift);
    return te_max_i32(l, 0);
}

/* The factor 2^lsh of the levels that the epilogue expects (te_epilogue.lsh). */
static inline int32_t level_scale(const te_conv_ctx *cx)
{
    return (int32_t)1 << cx->e.lsh;
}

/* acc of one output pixel of one channel over its clipped window (any kernel, any border),
 * times level_scale. */
static int32_t depthwise_window(const te_conv_ctx *cx, const uint8_t *x_channel, const uint8_t *w,
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
    return acc * level_scale(cx); /* |acc| * 2^lsh < 2^31 (depthwise_lsh_max) */
}

/*
 * Depthwise 3x3, one output channel per input channel, channel by channel (the targets without
 * DSP, and the channels the DSP quads leave): the channel's plane is copied once, zero-padded,
 * into a stack buffer, so that every window is inside it (no clipping) and its nine taps are
 * three row pointers at offsets 0, 1, 2. Returns 0 when the padded plane does not fit.
 */
#if defined(__ARM_ARCH_6M__)
#define TE_DW_PLANE_BYTES 256 /* small stacks */
#else
#define TE_DW_PLANE_BYTES 1024
#endif

TE_NO_LIBCALLS static int conv_depthwise_plane(const te_conv_ctx *cx, int32_t c_start)
{
    const te_conv_params *p = cx->p;
    const int32_t cin = p->in.channels;
    /* padded plane: every input position a window reaches */
    const int64_t ph = (int64_t)(p->out.height - 1) * p->stride_h + 3;
    const int64_t pw = (int64_t)(p->out.width - 1) * p->stride_w + 3;
    const int hi1 = te_epi_hi4_ok(&cx->e);
    const int32_t n = (int32_t)cx->n;
    const int32_t scale = level_scale(cx);
    /* the clamp's constants in registers (the byte stores may alias cx->e) */
    uint8_t *const out = cx->e.out_code;
    const int32_t sat_d = cx->e.sat_d, sat4 = cx->e.sat4, lo = cx->e.lo, hi = cx->e.hi;
    uint8_t plane[TE_DW_PLANE_BYTES];
    int32_t oc;
    if (p->kernel_h != 3 || p->kernel_w != 3 || cx->cout_g != 1 || ph * pw > TE_DW_PLANE_BYTES) {
        return 0;
    }
    TE_PATH_HIT(TE_PATH_CONV_DEPTHWISE_PLANE);
    for (oc = c_start; oc < p->out.channels; ++oc) {
        /* the levels times 2^lsh (level_scale) */
        const uint8_t *w = cx->codes + oc * 9;
        const int32_t s0 = (2 * (int32_t)(w[0] >> cx->code_shift) - n) * scale;
        const int32_t s1 = (2 * (int32_t)(w[1] >> cx->code_shift) - n) * scale;
        const int32_t s2 = (2 * (int32_t)(w[2] >> cx->code_shift) - n) * scale;
        const int32_t s3 = (2 * (int32_t)(w[3] >> cx->code_shift) - n) * scale;
        const int32_t s4 = (2 * (int32_t)(w[4] >> cx->code_shift) - n) * scale;
        const int32_t s5 = (2 * (int32_t)(w[5] >> cx->code_shift) - n) * scale;
        const int32_t s6 = (2 * (int32_t)(w[6] >> cx->code_shift) - n) * scale;
        const int32_t s7 = (2 * (int32_t)(w[7] >> cx->code_shift) - n) * scale;
        const int32_t s8 = (2 * (int32_t)(w[8] >> cx->code_shift) - n) * scale;
        te_epi_ch ch;
        int32_t r, i, oh, ow;

        /* Step 1: the channel's padded plane and epilogue constants. */
        for (r = 0; r < (int32_t)ph; ++r) {
            const int32_t ih = r - p->pad_top;
            uint8_t *row = plane + r * pw;
            if (ih < 0 || ih >= p->in.height) {
                for (i = 0; i < (int32_t)pw; ++i) {
                    row[i] = 0;
                }
            } else {
                const uint8_t *x = cx->input + (ih * p->in.width) * cin + oc;
                for (i = 0; i < (int32_t)pw; ++i) {
                    const int32_t iw = i - p->pad_left;
                    row[i] = (iw >= 0 && iw < p->in.width) ? x[iw * cin] : 0;
                }
            }
        }
        te_epi_prepare(&cx->e, oc, &ch);

        /* Step 2: every pixel; nine taps at offsets 0, 1, 2 of three rows. */
        for (oh = 0; oh < p->out.height; ++oh) {
            const uint8_t *x0 = plane + oh * p->stride_h * pw;
            const uint8_t *x1 = x0 + pw, *x2 = x1 + pw;
            int32_t index = oh * p->out.width * p->out.channels + oc;
            for (ow = 0; ow < p->out.width; ++ow) {
                int32_t acc = s0 * x0[0] + s1 * x0[1] + s2 * x0[2];
                acc += s3 * x1[0] + s4 * x1[1] + s5 * x1[2];
                acc += s6 * x2[0] + s7 * x2[1] + s8 * x2[2];
                if (hi1) {
                    out[index] = (uint8_t)te_epi_hi_clamp(
                        te_asr32((int32_t)te_asr64(te_mla64(ch.base, acc, ch.mult), 32u), ch.shift),
                        sat_d, sat4, lo, hi);
                } else {
                    te_epi_store_run(&cx->e, &ch, index, &acc, 1);
                }
                x0 += p->stride_w;
                x1 += p->stride_w;
                x2 += p->stride_w;
                index += p->out.channels;
            }
        }
    }
    return 1;
}

static void conv_depthwise(const te_conv_ctx *cx, int32_t c_start)
{
    const te_conv_params *p = cx->p;
    const int32_t cin = p->in.channels;
    const int32_t cout = p->out.channels;
    const int32_t taps = p->kernel_h * p->kernel_w;
    const int32_t row = p->in.width * cin; /* input row stride */
    const int32_t n = (int32_t)cx->n;
    const int is_3x3 = p->kernel_h == 3 && p->kernel_w == 3;
    const int hi1 = te_epi_hi4_ok(&cx->e); /* TE_EPI_HI, Code output, no residual */
    const int32_t scale = level_scale(cx);
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
    for (oc = c_start; oc < cout; ++oc) {
        te_epi_ch ch; /* the channel's epilogue constants, once */
        const uint8_t *x_channel = cx->input + oc / cx->cout_g; /* cin_g == 1: input channel g */
        const uint8_t *w = cx->codes + oc * taps;
        int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0, s8 = 0;

        /* Step 1: the nine levels of a 3x3 kernel and the epilogue constants, once per channel. */
        te_epi_prepare(&cx->e, oc, &ch);
        if (is_3x3) { /* times 2^lsh, as depthwise_window's acc */
            s0 = (2 * (int32_t)(w[0] >> cx->code_shift) - n) * scale;
            s1 = (2 * (int32_t)(w[1] >> cx->code_shift) - n) * scale;
            s2 = (2 * (int32_t)(w[2] >> cx->code_shift) - n) * scale;
            s3 = (2 * (int32_t)(w[3] >> cx->code_shift) - n) * scale;
            s4 = (2 * (int32_t)(w[4] >> cx->code_shift) - n) * scale;
            s5 = (2 * (int32_t)(w[5] >> cx->code_shift) - n) * scale;
            s6 = (2 * (int32_t)(w[6] >> cx->code_shift) - n) * scale;
            s7 = (2 * (int32_t)(w[7] >> cx->code_shift) - n) * scale;
            s8 = (2 * (int32_t)(w[8] >> cx->code_shift) - n) * scale;
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
                if (hi1) {
                    cx->e.out_code[index] = (uint8_t)te_epi_hi(&cx->e, te_mla64(ch.base, acc, ch.mult),
                                                               ch.shift);
                } else {
                    te_epi_store_run(&cx->e, &ch, index, &acc, 1);
                }
            }
        }
    }
}

#if TE_CONV_BLOCK_CODE
/* =============================================================================================
 * The block path (groups == 1): weights expanded once per call, windows streamed
 * ============================================================================================= */

/*
 * The weight-stationary path for groups == 1 (3x3, 1x1, strided, the 10x4 first layer of DS-CNN,
 * ...). Same integers as the definition at the top:
 *
 *   acc[oh][ow][oc] = sum_{kh, kw, ci} s[oc][kh][kw][ci] * x[oh*SH + kh - PT][ow*SW + kw - PL][ci]
 *
 * Step 1, once per block of output channels: the block's weights are expanded on the stack into
 *         their signed levels s = 2 * (code >> (8 - k)) - n as 16-bit lanes, in the order the MAC
 *         loop reads them. Each weight is expanded once per call, however many pixels use it.
 * Step 2, per output pixel: in HWC a window row is one contiguous run of kernel_w * Cin input
 *         bytes (its codes are contiguous too), so the MAC loop streams the input straight from
 *         the tensor, four bytes at a time, against four channels at once ("a quad").
 * Step 3: the epilogue of the quad's four outputs, with constants derived once per block.
 *
 * The levels are the real signed weights, so acc = sum s * x directly: no sum(x) term, and every
 * partial sum is bounded by the compiler's proof (sum |s| * x_max < 2^31) in any order (the
 * UMLAL and packed forms below use the unsigned codes and the split instead). Weight bytes past
 * a row's kernel_w * Cin (the row is padded to a multiple of 4) get level 0, so the input bytes
 * they meet add nothing.
 *
 * Window rows at the border: with Cin a multiple of 4 a clipped row is still whole groups of 4
 * (taps [kw0, kw1) are bytes [kw0 * Cin, kw1 * Cin)), read in place. Otherwise the pixel's window
 * is copied into a small zero-padded buffer first (the "buffered" window).
 *
 * Expanded layout of a quad (channels c0..c0+3, j = 0..3), window row kh, group g (row bytes
 * 4g..4g+3, i = 0..3), G groups per row, base (kh * G + g) * 8 words; three forms:
 *   ARM DSP (M4, M7, M33): word 2j = s_j[4g] | s_j[4g+2] << 16, word 2j+1 = s_j[4g+1] | s_j[4g+3] << 16
 *            (the lanes UXTB16 makes of an input word and of the word rotated by 8), so four
 *            input bytes against a channel are two SMLADs.
 *   UMLAL (Cortex-M3: 64-bit multiply-accumulate, no DSP): word 2i = q_0 | q_1 << 24,
 *            word 2i+1 = q_2 | q_3 << 24 with the unsigned codes q = code >> (8 - k) of byte
 *            4g+i: one UMLAL adds x * q_0 to bits 0..23 and x * q_1 to bits 24..63 of a 64-bit
 *            accumulator, two MACs per instruction. Each low lane stays below 2^24 for 256
 *            bytes (255 * 255 * 256 < 2^24) and is taken out every 256 bytes or window row;
 *            then acc = 2 * sum(q x) - n * sum(x), modulo 2^32 (te_internal.h).
 *   plain C (RISC-V, M0): int16 [4g + i][j] = s_j[4g + i], four channels' levels per input
 *            byte, and two pixels at a time where their windows lie inside the input.
 */

/* Words of the expanded weights per window group of 4 bytes and quad. */
#define TE_GROUP_WORDS 8

/* The form of the expanded weights (see the top). */
#if defined(__ARM_FEATURE_DSP)
#define TE_BLOCK_DSP 1
#define TE_BLOCK_READS_GROUPS 1 /* reads whole groups of 4 input bytes */
#elif defined(__ARM_ARCH_ISA_THUMB) && __ARM_ARCH_ISA_THUMB >= 2
#define TE_BLOCK_UMLAL 1
#else
#define TE_BLOCK_PLAIN 1
#endif
#ifndef TE_BLOCK_READS_GROUPS
#define TE_BLOCK_READS_GROUPS 0
#endif

/* ---------------------------------------------------------------------------------------------
 * The MAC loop: acc[j] = the window (rows window rows of len input bytes, x_stride apart; their
 * expanded weights w_stride words apart) . levels of channel j
 * ------------------------------------------------------------------------------------------- */
#if defined(TE_BLOCK_DSP) && defined(__GNUC__)
/*
 * One group against the quad, as GCC cannot be talked into it (it splits the 64-bit weight loads
 * and keeps the rotate apart from UXTB16): 1 LDR, 2 UXTB16, 4 LDRD, 8 SMLAD for 16 MACs.
 * Operands: x pointer (post-incremented by 4), w pointer (by 32), accumulators a0..a3.
 */
#define TE_MAC_QUAD_GROUP                                                                        \
    "ldr    %[xw], [%[xp]], #4\n\t"                                                               \
    "uxtb16 %[xe], %[xw]\n\t"                                                                    \
    "uxtb16 %[xw], %[xw], ror #8\n\t"                                                            \
    "ldrd   %[t0], %[t1], [%[wp], #8]\n\t"                                                       \
    "smlad  %[a1], %[xe], %[t0], %[a1]\n\t"                                                      \
    "smlad  %[a1], %[xw], %[t1], %[a1]\n\t"                                                      \
    "ldrd   %[t0], %[t1], [%[wp], #16]\n\t"                                                      \
    "smlad  %[a2], %[xe], %[t0], %[a2]\n\t"                                                      \
    "smlad  %[a2], %[xw], %[t1], %[a2]\n\t"                                                      \
    "ldrd   %[t0], %[t1], [%[wp], #24]\n\t"                                                      \
    "smlad  %[a3], %[xe], %[t0], %[a3]\n\t"                                                      \
    "smlad  %[a3], %[xw], %[t1], %[a3]\n\t"                                                      \
    "ldrd   %[t0], %[t1], [%[wp]], #32\n\t"                                                      \
    "smlad  %[a0], %[xe], %[t0], %[a0]\n\t"                                                      \
    "smlad  %[a0], %[xw], %[t1], %[a0]\n\t"

/* Whole groups: the bytes past len up to the group's end meet level 0 (they must be readable). */
static inline void mac_quad_rows(const uint8_t *x, int32_t x_stride, const uint32_t *w,
                                 int32_t w_stride, int32_t rows, int32_t len, int32_t *acc)
{
    const int32_t ng = (len + 3) >> 2;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    int32_t r;
    for (r = 0; r < rows; ++r) {
        const uint8_t *xp = x + r * x_stride;
        const uint32_t *wp = w + r * w_stride;
        int32_t pairs = ng >> 1;
        uint32_t xw, xe, t0, t1;
        if (ng & 1) {
            __asm__(TE_MAC_QUAD_GROUP
                    : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xp] "+r"(xp),
                      [wp] "+r"(wp), [xw] "=&r"(xw), [xe] "=&r"(xe), [t0] "=&r"(t0), [t1] "=&r"(t1)
                    :
                    : "memory");
        }
        if (pairs > 0) {
            __asm__("1:\n\t" TE_MAC_QUAD_GROUP TE_MAC_QUAD_GROUP
                    "subs   %[n], %[n], #1\n\t"
                    "bne    1b\n\t"
                    : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xp] "+r"(xp),
                      [wp] "+r"(wp), [n] "+r"(pairs), [xw] "=&r"(xw), [xe] "=&r"(xe),
                      [t0] "=&r"(t0), [t1] "=&r"(t1)
                    :
                    : "cc", "memory");
        }
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
    TE_PATH_HIT(TE_PATH_DOT_DSP);
}

/*
 * Low bit widths (ARM DSP, GCC): two output channels per 16-bit lane. When every product q * x is
 * small (q < 2^k, x <= x_max, the largest input code of this call), the lanes of the expanded
 * weights hold L = q_a + q_b * 2^s for a pair of channels (a, b), s = 15 - k, and one SMLAD adds
 * x0 * L0 + x2 * L2 = (x0 q_a[0] + x2 q_a[2]) + (x0 q_b[0] + x2 q_b[2]) * 2^s: four MACs, two for
 * each channel, in the fields [0, s) and [s, 32) of one accumulator. A field never carries into
 * the next as long as it stays below 2^s (resp. 2^(32-s)), i.e. for up to
 * cap = min(2^s - 1, 2^(32-s) - 1) / (2 * p_max) SMLADs (p_max = (2^k - 1) * x_max); the fields
 * are added to the channels' sums and cleared at least that often. q and x are unsigned: the
 * kernel uses acc = 2 * sum(q x) - n * sum(x) (te_internal.h). Lanes stay below 2^15 (signed
 * positive): q_b * 2^s + q_a <= (2^k - 1) * (2^(15-k) + 1) < 2^15 for k <= 7.
 * Same instructions per group as the quad kernel, eight channels instead of four.
 */
#define TE_PACKED 1
/* The fewest groups of four input bytes per window for which the packed form pays. */
#define TE_PACKED_MIN_GROUPS 12

/* groups (>= 1) groups of the quad kernel's assembly on accumulators a[0..3]. */
static inline void mac_groups(const uint8_t **xp_io, const uint32_t **wp_io, int32_t groups,
                              uint32_t *a)
{
    const uint8_t *xp = *xp_io;
    const uint32_t *wp = *wp_io;
    uint32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
    int32_t pairs = groups >> 1;
    uint32_t xw, xe, t0, t1;
    if (groups & 1) {
        __asm__(TE_MAC_QUAD_GROUP
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xp] "+r"(xp),
                  [wp] "+r"(wp), [xw] "=&r"(xw), [xe] "=&r"(xe), [t0] "=&r"(t0), [t1] "=&r"(t1)
                :
                : "memory");
    }
    if (pairs > 0) {
        __asm__("1:\n\t" TE_MAC_QUAD_GROUP TE_MAC_QUAD_GROUP
                "subs   %[n], %[n], #1\n\t"
                "bne    1b\n\t"
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xp] "+r"(xp),
                  [wp] "+r"(wp), [n] "+r"(pairs), [xw] "=&r"(xw), [xe] "=&r"(xe), [t0] "=&r"(t0),
                  [t1] "=&r"(t1)
                :
                : "cc", "memory");
    }
    a[0] = a0;
    a[1] = a1;
    a[2] = a2;
    a[3] = a3;
    *xp_io = xp;
    *wp_io = wp;
}

/* dot[2k], dot[2k+1] += the two fields of pair accumulator a[k]; a cleared. */
static inline void packed_fields(uint32_t *a, uint32_t s, uint32_t *dot)
{
    const uint32_t low = (1u << s) - 1u;
    int32_t k;
    for (k = 0; k < 4; ++k) {
        dot[2 * k] += a[k] & low;
        dot[2 * k + 1] += a[k] >> s;
        a[k] = 0;
    }
}

/* The eight sums of q x over the window (rows of len bytes, whole groups read), at most cap
 * groups between two takes of the fields. */
static inline void mac_octet_rows(const uint8_t *x, int32_t x_stride, const uint32_t *w,
                                  int32_t w_stride, int32_t rows, int32_t len, int32_t cap,
                                  uint32_t s, uint32_t *dot)
{
    uint32_t a[4] = {0, 0, 0, 0};
    int32_t r, since = 0, k;
    for (k = 0; k < 8; ++k) {
        dot[k] = 0;
    }
    for (r = 0; r < rows; ++r) {
        const uint8_t *xp = x + r * x_stride;
        const uint32_t *wp = w + r * w_stride;
        int32_t ng = (len + 3) >> 2;
        while (ng > 0) {
            int32_t c;
            if (since == cap) {
                packed_fields(a, s, dot);
                since = 0;
            }
            c = te_min_i32(ng, cap - since);
            mac_groups(&xp, &wp, c, a);
            since += c;
            ng -= c;
        }
    }
    packed_fields(a, s, dot);
    TE_PATH_HIT(TE_PATH_CONV_BLOCK_PACKED);
}

/* Groups per field take for weight bits k and inputs <= x_max (0: do not pack). */
static int32_t packed_cap(uint32_t k, uint32_t x_max)
{
    const uint32_t s = 15u - k;
    const uint32_t p_max = ((1u << k) - 1u) * x_max;
    uint32_t n;
    if (k > 7u) {
        return 0;
    }
    if (p_max == 0u) {
        return 1 << 20; /* every product is 0 */
    }
    n = ((1u << s) - 1u) / (2u * p_max); /* SMLADs before the low field could carry */
    if ((((uint32_t)1 << (32u - s)) - 1u) / (2u * p_max) < n) {
        n = (((uint32_t)1 << (32u - s)) - 1u) / (2u * p_max); /* ... or the high one */
    }
    /* two SMLADs per group; below 16 groups the field takes cost more than they save (measured
     * on MobileNet's and DS-CNN's pointwise layers: 9 groups at k = 3 was slower than k = 4) */
    return n / 2u >= 16u ? (int32_t)(n / 2u) : 0;
}

/* Step 1 for the packed form: pairs (c0 + 2k, c0 + 2k + 1), k < 4. */
TE_NO_LIBCALLS static void expand_octet(const te_conv_ctx *cx, int32_t c0, int32_t g_row,
                                        uint32_t s, uint32_t *w)
{
    const te_conv_params *p = cx->p;
    const int32_t rk = p->kernel_w * p->in.channels;
    const uint32_t mask = (0xFFu >> cx->code_shift) * 0x01010101u;
    int32_t k, kh, t;
    for (k = 0; k < 4; ++k) {
        const int32_t ca = c0 + 2 * k, cb = ca + 1;
        for (kh = 0; kh < p->kernel_h; ++kh) {
            const uint8_t *ra = cx->codes + ((int64_t)ca * p->kernel_h + kh) * rk;
            const uint8_t *rb = cx->codes + ((int64_t)cb * p->kernel_h + kh) * rk;
            uint32_t *wr = w + kh * g_row * TE_GROUP_WORDS + 2 * k;
            t = 0;
            if (cb < p->out.channels) {
                /* four codes of each channel per step: q per byte, lanes q_a + q_b * 2^s */
                for (; t + 4 <= rk; t += 4, wr += TE_GROUP_WORDS) {
                    const uint32_t qa = ((te_read_u32(ra + t) >> cx->code_shift) & mask) << cx->lsh;
                    const uint32_t qb = ((te_read_u32(rb + t) >> cx->code_shift) & mask) << cx->lsh;
                    wr[0] = __uxtb16(qa) + (__uxtb16(qb) << s);
                    wr[1] = te_uxtb16_ror8(qa) + (te_uxtb16_ror8(qb) << s);
                }
            }
            for (; t < 4 * g_row; ++t) { /* byte by byte; 0 past the row and the channels */
                const uint32_t qa = (ca < p->out.channels && t < rk)
                                        ? (uint32_t)(ra[t] >> cx->code_shift) << cx->lsh : 0u;
                const uint32_t qb = (cb < p->out.channels && t < rk)
                                        ? (uint32_t)(rb[t] >> cx->code_shift) << cx->lsh : 0u;
                const uint32_t lane = (qa + (qb << s)) << ((t & 2) ? 16 : 0);
                uint32_t *word = w + kh * g_row * TE_GROUP_WORDS + (t >> 2) * TE_GROUP_WORDS +
                                 2 * k + (t & 1);
                *word = (t & 2) ? (*word | lane) : lane;
            }
        }
    }
}
#elif defined(TE_BLOCK_DSP)
/* The same with intrinsics (compilers without GCC's inline assembly). */
static inline void mac_quad_rows(const uint8_t *x, int32_t x_stride, const uint32_t *w,
                                 int32_t w_stride, int32_t rows, int32_t len, int32_t *acc)
{
    const int32_t ng = (len + 3) >> 2;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    int32_t r, g;
    for (r = 0; r < rows; ++r) {
        const uint8_t *xp = x + r * x_stride;
        const uint32_t *wp = w + r * w_stride;
        for (g = 0; g < ng; ++g) {
            const uint32_t xw = te_read_u32(xp);
            const int32_t xe = (int32_t)__uxtb16(xw);       /* x0, x2 */
            const int32_t xo = (int32_t)te_uxtb16_ror8(xw); /* x1, x3 */
            a0 = __smlad(xo, (int32_t)wp[1], __smlad(xe, (int32_t)wp[0], a0));
            a1 = __smlad(xo, (int32_t)wp[3], __smlad(xe, (int32_t)wp[2], a1));
            a2 = __smlad(xo, (int32_t)wp[5], __smlad(xe, (int32_t)wp[4], a2));
            a3 = __smlad(xo, (int32_t)wp[7], __smlad(xe, (int32_t)wp[6], a3));
            xp += 4;
            wp += TE_GROUP_WORDS;
        }
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
    TE_PATH_HIT(TE_PATH_DOT_DSP);
}
#elif defined(TE_BLOCK_UMLAL)
#if defined(__GNUC__)
/* One input byte against the quad: 1 LDRB, 1 LDRD, 1 ADD (sum(x)), 2 UMLAL for 4 MACs. */
#define TE_MAC_UMLAL_BYTE                                                                        \
    "ldrb   %[x], [%[xp]], #1\n\t"                                                                \
    "ldrd   %[w0], %[w1], [%[wp]], #8\n\t"                                                        \
    "add    %[xs], %[xs], %[x]\n\t"                                                              \
    "umlal  %[l01], %[h01], %[w0], %[x]\n\t"                                                     \
    "umlal  %[l23], %[h23], %[w1], %[x]\n\t"
#endif

/* Exactly len bytes per row (the split needs sum(x) of the real window only). */
static inline void mac_quad_rows(const uint8_t *x, int32_t x_stride, const uint32_t *w,
                                 int32_t w_stride, int32_t rows, int32_t len, uint32_t n,
                                 int32_t *acc)
{
    uint32_t d0 = 0, d1 = 0, d2 = 0, d3 = 0, xsum = 0;
    int32_t r, i, chunk;
    for (r = 0; r < rows; ++r) {
        const uint8_t *xp = x + r * x_stride;
        const uint32_t *wp = w + r * w_stride;
        for (i = 0; i < len; i += chunk) {
            /* at most 256 bytes per chunk: each low lane stays below 2^24 */
            uint32_t l01 = 0, h01 = 0, l23 = 0, h23 = 0;
            int32_t k;
            chunk = te_min_i32(len - i, 256);
            k = chunk;
#if defined(__GNUC__)
            if (k >= 4) {
                int32_t quads = k >> 2;
                uint32_t xv, w0, w1;
                __asm__("1:\n\t" TE_MAC_UMLAL_BYTE TE_MAC_UMLAL_BYTE TE_MAC_UMLAL_BYTE
                            TE_MAC_UMLAL_BYTE
                        "subs   %[n], %[n], #1\n\t"
                        "bne    1b\n\t"
                        : [l01] "+r"(l01), [h01] "+r"(h01), [l23] "+r"(l23), [h23] "+r"(h23),
                          [xs] "+r"(xsum), [xp] "+r"(xp), [wp] "+r"(wp), [n] "+r"(quads),
                          [x] "=&r"(xv), [w0] "=&r"(w0), [w1] "=&r"(w1)
                        :
                        : "cc", "memory");
                k &= 3;
            }
#endif
            for (; k > 0; --k) {
                const uint64_t xv = *xp++;
                const uint64_t s01 = (((uint64_t)h01 << 32) | l01) + xv * wp[0];
                const uint64_t s23 = (((uint64_t)h23 << 32) | l23) + xv * wp[1];
                xsum += (uint32_t)xv;
                l01 = (uint32_t)s01;
                h01 = (uint32_t)(s01 >> 32);
                l23 = (uint32_t)s23;
                h23 = (uint32_t)(s23 >> 32);
                wp += 2;
            }
            d0 += l01 & 0xFFFFFFu; /* bits 0..23: sum x * q_0 */
            d1 += (l01 >> 24) | (h01 << 8); /* bits 24..55: sum x * q_1 */
            d2 += l23 & 0xFFFFFFu;
            d3 += (l23 >> 24) | (h23 << 8);
        }
    }
    acc[0] = te_split_acc(d0, xsum, n);
    acc[1] = te_split_acc(d1, xsum, n);
    acc[2] = te_split_acc(d2, xsum, n);
    acc[3] = te_split_acc(d3, xsum, n);
    TE_PATH_HIT(TE_PATH_CONV_BLOCK_UMLAL);
}
#else
/*
 * Exactly len bytes per row, for one pixel or two whose windows start at x[0], x[1] (same rows,
 * x_stride apart): acc[4p + j] for pixel p and channel j. Per input byte and pixel one load, per
 * byte four 16-bit levels, one multiply and one add per MAC (RISC-V has no multiply-accumulate);
 * the accumulators are scalars so that they stay in registers, and a loop body of four bytes lets
 * the loads use immediate offsets.
 */
#define TE_PLAIN_MAC4(A, XV, S, U)                                                               \
    do {                                                                                         \
        const int32_t xv_ = (XV);                                                                \
        A##0 += (S)[4 * (U) + 0] * xv_;                                                          \
        A##1 += (S)[4 * (U) + 1] * xv_;                                                          \
        A##2 += (S)[4 * (U) + 2] * xv_;                                                          \
        A##3 += (S)[4 * (U) + 3] * xv_;                                                          \
    } while (0)

static void mac_quad_rows2(const uint8_t *const *x, int32_t x_stride, const uint32_t *w,
                           int32_t w_stride, int32_t rows, int32_t len, int32_t *acc)
{
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
    int32_t r;
    for (r = 0; r < rows; ++r) {
        const int16_t *s = (const int16_t *)(const void *)(w + r * w_stride);
        const uint8_t *x0 = x[0] + r * x_stride, *x1 = x[1] + r * x_stride;
        const uint8_t *end = x0 + len;
        for (; x0 + 2 <= end; x0 += 2, x1 += 2, s += 8) { /* two bytes per step */
            TE_PLAIN_MAC4(a, x0[0], s, 0);
            TE_PLAIN_MAC4(b, x1[0], s, 0);
            TE_PLAIN_MAC4(a, x0[1], s, 1);
            TE_PLAIN_MAC4(b, x1[1], s, 1);
        }
        if (x0 < end) {
            TE_PLAIN_MAC4(a, *x0, s, 0);
            TE_PLAIN_MAC4(b, *x1, s, 0);
        }
    }
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
    acc[4] = b0, acc[5] = b1, acc[6] = b2, acc[7] = b3;
}

static inline void mac_quad_rows(const uint8_t *x, int32_t x_stride, const uint32_t *w,
                                 int32_t w_stride, int32_t rows, int32_t len, int32_t *acc)
{
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    int32_t r, i;
    for (r = 0; r < rows; ++r) {
        const int16_t *s = (const int16_t *)(const void *)(w + r * w_stride);
        const uint8_t *x0 = x + r * x_stride;
        for (i = 0; i + 4 <= len; i += 4, s += 16) {
            TE_PLAIN_MAC4(a, x0[i], s, 0);
            TE_PLAIN_MAC4(a, x0[i + 1], s, 1);
            TE_PLAIN_MAC4(a, x0[i + 2], s, 2);
            TE_PLAIN_MAC4(a, x0[i + 3], s, 3);
        }
        for (; i < len; ++i, s += 4) {
            TE_PLAIN_MAC4(a, x0[i], s, 0);
        }
    }
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
}
#endif

/* ---------------------------------------------------------------------------------------------
 * Step 1: the levels of channels c0..c0+3 (level 0 past the last channel and past each row)
 * ------------------------------------------------------------------------------------------- */
TE_NO_LIBCALLS static void expand_quad(const te_conv_ctx *cx, int32_t c0, int32_t g_row,
                                       uint32_t *w)
{
    const te_conv_params *p = cx->p;
    const int32_t rk = p->kernel_w * p->in.channels;
#if !defined(TE_BLOCK_UMLAL)
    const int32_t n = (int32_t)cx->n_s; /* levels 2 q 2^lsh - n 2^lsh = (2q - n) 2^lsh */
#endif
    int32_t j, kh, g, i;
#if defined(TE_BLOCK_DSP)
    /* Four codes per step: q = (word >> (8 - k)) & mask per byte, lanes 2q - n with SSUB16. */
    const uint32_t mask = (0xFFu >> cx->code_shift) * 0x01010101u;
    const int32_t nn = (int32_t)(cx->n_s * 0x00010001u);
#endif
#if !defined(TE_BLOCK_DSP)
    /* A whole quad, byte by byte across the four channels (the usual case). */
    if (c0 + 4 <= p->out.channels) {
        const uint32_t sh = cx->code_shift, lsh = cx->lsh;
        for (kh = 0; kh < p->kernel_h; ++kh) {
            const int64_t step = (int64_t)p->kernel_h * rk; /* one channel's codes */
            const uint8_t *r0 = cx->codes + ((int64_t)c0 * p->kernel_h + kh) * rk;
            const uint8_t *r1 = r0 + step, *r2 = r1 + step, *r3 = r2 + step;
            uint32_t *wr = w + kh * g_row * TE_GROUP_WORDS;
            int32_t t;
            for (t = 0; t < g_row * 4; ++t) {
                const int live = t < rk;
                const uint32_t q0 = live ? (uint32_t)(r0[t] >> sh) << lsh : 0u;
                const uint32_t q1 = live ? (uint32_t)(r1[t] >> sh) << lsh : 0u;
                const uint32_t q2 = live ? (uint32_t)(r2[t] >> sh) << lsh : 0u;
                const uint32_t q3 = live ? (uint32_t)(r3[t] >> sh) << lsh : 0u;
#if defined(TE_BLOCK_UMLAL)
                wr[2 * t] = q0 | q1 << 24;
                wr[2 * t + 1] = q2 | q3 << 24;
#else
                int16_t *st = (int16_t *)(void *)wr + 4 * t;
                st[0] = (int16_t)(live ? 2 * (int32_t)q0 - n : 0);
                st[1] = (int16_t)(live ? 2 * (int32_t)q1 - n : 0);
                st[2] = (int16_t)(live ? 2 * (int32_t)q2 - n : 0);
                st[3] = (int16_t)(live ? 2 * (int32_t)q3 - n : 0);
#endif
            }
        }
        return;
    }
#endif
    for (j = 0; j < 4; ++j) {
        const int32_t c = c0 + j;
        for (kh = 0; kh < p->kernel_h; ++kh) {
            const uint8_t *row =
                cx->codes + ((int64_t)te_min_i32(c, p->out.channels - 1) * p->kernel_h + kh) * rk;
            uint32_t *wr = w + kh * g_row * TE_GROUP_WORDS;
            g = 0;
#if defined(TE_BLOCK_DSP)
            for (; c < p->out.channels && 4 * g + 4 <= rk; ++g) {
                const uint32_t q = ((te_read_u32(row + 4 * g) >> cx->code_shift) & mask) << cx->lsh;
                wr[g * TE_GROUP_WORDS + 2 * j] = (uint32_t)__ssub16((int32_t)(__uxtb16(q) << 1), nn);
                wr[g * TE_GROUP_WORDS + 2 * j + 1] =
                    (uint32_t)__ssub16((int32_t)(te_uxtb16_ror8(q) << 1), nn);
            }
#endif
            for (; g < g_row; ++g) { /* byte by byte; 0 past the row and the channels */
                uint32_t *wg = wr + g * TE_GROUP_WORDS;
                for (i = 0; i < 4; ++i) {
                    const int32_t t = 4 * g + i;
                    const int live = c < p->out.channels && t < rk;
#if defined(TE_BLOCK_DSP)
                    const int32_t s =
                        live ? 2 * (int32_t)((uint32_t)(row[t] >> cx->code_shift) << cx->lsh) - n : 0;
                    const uint32_t lane = (uint32_t)(uint16_t)(int16_t)s << ((i & 2) ? 16 : 0);
                    uint32_t *word = wg + 2 * j + (i & 1);
                    *word = (i & 2) ? (*word | lane) : lane;
#elif defined(TE_BLOCK_UMLAL)
                    const uint32_t q = live ? (uint32_t)(row[t] >> cx->code_shift) << cx->lsh : 0u;
                    uint32_t *word = wg + 2 * i + (j >> 1);
                    *word = (j & 1) ? (*word | q << 24) : q;
#else
                    const int32_t s =
                        live ? 2 * (int32_t)((uint32_t)(row[t] >> cx->code_shift) << cx->lsh) - n : 0;
                    ((int16_t *)(void *)wg)[4 * i + j] = (int16_t)s;
#endif
                }
            }
        }
    }
}

/* Step 3: the outputs of count (1..4) channels of one pixel. */
static inline void block_store(const te_epilogue *e, const te_epi_ch *ch, int32_t index,
                               const int32_t *acc, int32_t count, int hi4)
{
    if (hi4 && count == 4) {
        te_epi_hi4(e, ch, index, acc[0], acc[1], acc[2], acc[3]);
    } else {
        te_epi_store_run(e, ch, index, acc, count);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Steps 2 and 3 for every output pixel
 * ------------------------------------------------------------------------------------------- */
TE_NO_LIBCALLS static int conv_block(const te_conv_ctx *cx, uint32_t *w, int64_t w_words,
                                     uint8_t *xbuf)
{
    const te_conv_params *p = cx->p;
    const int32_t cin = p->in.channels;
    const int32_t cout = p->out.channels;
    const int32_t in_row = p->in.width * cin;            /* input row stride */
    const int32_t rk = p->kernel_w * cin;                /* bytes of a window row */
    const int32_t g_row = (rk + 3) / 4;                  /* groups of 4 per window row */
    const int32_t x_row = g_row * 4;                     /* window row in the buffer */
    const int64_t quad_words = (int64_t)p->kernel_h * g_row * TE_GROUP_WORDS;
    const int hi4 = te_epi_hi4_ok(&cx->e);
    const int64_t in_size = (int64_t)p->in.height * in_row;
    te_epi_ch ch[TE_BLOCK_MAX_QUADS * 4];
    int32_t per_block, qb, units, unit = 4; /* channels per unit: a quad, or 8 when packed */
#if defined(TE_PACKED)
    int32_t cap = 0;
    uint32_t s_pack = 0;
#endif

    if (quad_words > w_words) {
        return 0;
    }
#if defined(TE_PACKED)
    /* low bit widths: two channels per lane when the products of this call are small enough
     * and the window has enough groups to pay for taking the fields apart once per window
     * (about 50 instructions per eight channels on Cortex-M4: the 1x1 convs of 16 and 32 input
     * channels in ResNet-8 and MobileNet measured 4-12 % slower packed, the 3x3 ones 20 %
     * faster) */
    if (cx->code_shift >= 1u && (int64_t)p->kernel_h * g_row >= TE_PACKED_MIN_GROUPS) {
        /* x_max is the model's bound on the input codes, not a scan of them: the path is fixed
         * at compile time by (k, input_bits) */
        cap = packed_cap(8u - cx->code_shift + cx->lsh, cx->x_max); /* q 2^lsh < 2^(k + lsh) */
        if (cap > 0) {
            unit = 8;
            s_pack = 15u - (8u - cx->code_shift + cx->lsh);
        }
    }
#endif
    units = (cout + unit - 1) / unit;
    per_block = (int32_t)(w_words / quad_words < 64 ? w_words / quad_words : 64);
    per_block = te_min_i32(te_min_i32(per_block, TE_BLOCK_MAX_QUADS * 4 / unit), units);
    TE_PATH_HIT(TE_PATH_CONV_BLOCK);

    for (qb = 0; qb < units; qb += per_block) {
        const int32_t nq = te_min_i32(per_block, units - qb);
        const int32_t c_first = qb * unit;
        const int32_t c_count = te_min_i32(nq * unit, cout - c_first);
        int32_t q, c, oh, ow;

        /* Step 1: levels and epilogue constants of this block. */
        for (q = 0; q < nq; ++q) {
#if defined(TE_PACKED)
            if (unit == 8) {
                expand_octet(cx, c_first + 8 * q, g_row, s_pack, w + q * quad_words);
                continue;
            }
#endif
            expand_quad(cx, c_first + 4 * q, g_row, w + q * quad_words);
        }
        for (c = 0; c < c_count; ++c) {
            te_epi_prepare(&cx->e, c_first + c, &ch[c]);
        }

        for (oh = 0; oh < p->out.height; ++oh) {
            int32_t kh0, kh1, ih0;
            te_clip_window(oh, p->stride_h, p->pad_top, p->kernel_h, p->in.height, &kh0, &kh1,
                           &ih0);
            for (ow = 0; ow < p->out.width; ++ow) {
                int32_t kw0, kw1, iw0, g0, len, x_stride;
                const uint8_t *x;
                const int32_t out_base = (oh * p->out.width + ow) * cout + c_first;
                te_clip_window(ow, p->stride_w, p->pad_left, p->kernel_w, p->in.width, &kw0, &kw1,
                               &iw0);

                /* Step 2a: where the window rows kh0..kh1 come from. */
                x = cx->input + (ih0 + kh0) * in_row + (iw0 + kw0) * cin;
                x_stride = in_row;
                if ((cin & 3) == 0) {
                    g0 = kw0 * cin / 4; /* a clipped row is whole groups */
                    len = (kw1 - kw0) * cin;
                } else if (kw0 == 0 && kw1 == p->kernel_w &&
                           (!TE_BLOCK_READS_GROUPS ||
                            (int64_t)(ih0 + kh1 - 1) * in_row + (int64_t)iw0 * cin + x_row <=
                                in_size)) {
                    g0 = 0; /* whole rows; DSP reads up to 3 bytes past a row, which meet level 0 */
                    len = rk;
                } else {
                    /* the buffered window: rows kh0..kh1, taps outside the input read 0 */
                    int32_t kh, i;
                    const int32_t lead = kw0 * cin, run = (kw1 - kw0) * cin;
                    for (kh = kh0; kh < kh1; ++kh) {
                        uint8_t *row = xbuf + kh * x_row;
                        const uint8_t *src = x + (kh - kh0) * in_row;
                        for (i = 0; i < x_row; ++i) {
                            row[i] = 0;
                        }
                        for (i = 0; i < run; ++i) {
                            row[lead + i] = src[i];
                        }
                    }
                    x = xbuf + kh0 * x_row;
                    x_stride = x_row;
                    g0 = 0;
                    len = x_row;
                    TE_PATH_HIT(TE_PATH_CONV_BLOCK_BUFFER);
                }

                /* Step 2b and 3: each quad of the block, then its four outputs. */
#if defined(TE_BLOCK_PLAIN)
                /* two pixels at once where their windows are whole rows read in place */
                if (x_stride == in_row && kw0 == 0 && kw1 == p->kernel_w) {
                    const int32_t np = 2;
                    int32_t i;
                    const uint8_t *xs[2];
                    if (ow + 1 < p->out.width && iw0 + p->stride_w + p->kernel_w <= p->in.width) {
                        for (i = 0; i < np; ++i) {
                            xs[i] = x + i * p->stride_w * cin;
                        }
                        for (q = 0; q < nq; ++q) {
                            const uint32_t *wq = w + q * quad_words + kh0 * g_row * TE_GROUP_WORDS;
                            const int32_t cq = te_min_i32(4, c_count - 4 * q);
                            int32_t acc[8];
                            mac_quad_rows2(xs, x_stride, wq, g_row * TE_GROUP_WORDS, kh1 - kh0,
                                           len, acc);
                            for (i = 0; i < np; ++i) {
                                block_store(&cx->e, ch + 4 * q, out_base + i * cout + 4 * q,
                                            acc + 4 * i, cq, hi4);
                            }
                        }
                        TE_PATH_HIT(TE_PATH_CONV_BLOCK_PAIR);
                        ow += np - 1;
                        continue;
                    }
                }
#endif
#if defined(TE_PACKED)
                if (unit == 8) {
                    uint32_t xsum = 0;
                    int32_t r;
                    for (r = 0; r < kh1 - kh0; ++r) {
                        xsum += te_sum_u8(x + r * x_stride, len);
                    }
                    for (q = 0; q < nq; ++q) {
                        const uint32_t *wq =
                            w + q * quad_words + (kh0 * g_row + g0) * TE_GROUP_WORDS;
                        const int32_t cq = c_count - 8 * q;
                        uint32_t dot[8];
                        int32_t acc[8], i;
                        mac_octet_rows(x, x_stride, wq, g_row * TE_GROUP_WORDS, kh1 - kh0, len,
                                       cap, s_pack, dot);
                        for (i = 0; i < 8; ++i) {
                            acc[i] = te_split_acc(dot[i], xsum, cx->n_s);
                        }
                        block_store(&cx->e, ch + 8 * q, out_base + 8 * q, acc,
                                    te_min_i32(4, cq), hi4);
                        if (cq > 4) {
                            block_store(&cx->e, ch + 8 * q + 4, out_base + 8 * q + 4, acc + 4,
                                        te_min_i32(4, cq - 4), hi4);
                        }
                    }
                    continue;
                }
#endif
                for (q = 0; q < nq; ++q) {
                    const uint32_t *wq = w + q * quad_words + (kh0 * g_row + g0) * TE_GROUP_WORDS;
                    int32_t acc[4];
#if defined(TE_BLOCK_UMLAL)
                    mac_quad_rows(x, x_stride, wq, g_row * TE_GROUP_WORDS, kh1 - kh0, len, cx->n_s,
                                  acc);
#else
                    mac_quad_rows(x, x_stride, wq, g_row * TE_GROUP_WORDS, kh1 - kh0, len, acc);
#endif
                    block_store(&cx->e, ch + 4 * q, out_base + 4 * q, acc,
                                te_min_i32(4, c_count - 4 * q), hi4);
                }
            }
        }
    }
    return 1;
}

#endif /* TE_CONV_BLOCK_CODE */

#if TE_CONV_BLOCK_PATH
/* The block path with its scratch on the stack (its own frame), for callers that pass none. */
TE_NOINLINE static int conv_block_stack(const te_conv_ctx *cx)
{
    uint32_t w[TE_CONV_BLOCK_SCRATCH_BYTES / 4];
    uint8_t xbuf[TE_CONV_BLOCK_SCRATCH_BYTES / 8]; /* a window: kernel_h * 4 * ceil(rk / 4) bytes
                                                     whenever a quad's weights fit w */
    return conv_block(cx, w, (int64_t)(sizeof w / sizeof w[0]), xbuf);
}
#endif /* TE_CONV_BLOCK_PATH */

/* =============================================================================================
 * The depthwise path for four channels at a time (ARM DSP)
 * ============================================================================================= */

/*
 * Depthwise for four channels at a time (ARM DSP), depth multiplier 1 (one output channel per
 * input channel, groups = Cin = Cout):
 *
 *   acc[oh][ow][c] = sum_{kh, kw} s[c][kh][kw] * x[oh*SH + kh - PT][ow*SW + kw - PL][c]
 *
 * In HWC the four channels c0..c0+3 of one input position are one 32-bit word; UXTB16 splits it
 * into the 16-bit lanes (x_c0, x_c2) and (x_c1, x_c3), and SMLABB / SMLATT multiply each lane by
 * the level of its own channel, held in the matching lane of a weight word:
 *
 *   per quad and tap t:  w[2t] = s_c0[t] | s_c2[t] << 16,  w[2t+1] = s_c1[t] | s_c3[t] << 16
 *
 * Step 1, per quad: the levels as above, and the quad's epilogue constants.
 * Step 2, per output row: the kernel_h input rows it reads, as words of the quad's four channels,
 *         zero-padded to cover every window of the row (taps outside the input read 0 there),
 *         so that no window needs clipping. The rows live in a ring of kernel_h rows on the
 *         stack; each input row is copied once per quad.
 * Step 3, per output pixel: the taps (3x3 unrolled), then the four outputs.
 *
 * The signed levels are used directly, so every partial sum is bounded by the compiler's proof
 * in any order. Channels past the last whole quad are left to the per-channel paths above, and so
 * is a layer whose padded rows do not fit the buffer.
 */
#if defined(__ARM_FEATURE_DSP)

/* Taps of one quad's expanded weights (2 words each) and words of the row buffer, on the stack. */
#define TE_DW_MAX_TAPS 64
#define TE_DW_ROW_WORDS 512

/* One tap: the input word at xp against weight words w[0], w[1] (C for any kernel). */
#define TE_DW_TAP(xp, w)                                                                         \
    do {                                                                                         \
        const uint32_t xw_ = *(xp);                                                              \
        const int32_t xe_ = (int32_t)__uxtb16(xw_);                                              \
        const int32_t xo_ = (int32_t)te_uxtb16_ror8(xw_);                                        \
        a0 = __smlabb(xe_, (int32_t)(w)[0], a0);                                                 \
        a2 = __smlatt(xe_, (int32_t)(w)[0], a2);                                                 \
        a1 = __smlabb(xo_, (int32_t)(w)[1], a1);                                                 \
        a3 = __smlatt(xo_, (int32_t)(w)[1], a3);                                                 \
    } while (0)


/* Expands the levels of channels c0..c0+3 as lanes (see the top) and their epilogue constants. */
static void dw_expand(const te_conv_ctx *cx, int32_t c0, uint32_t *w, te_epi_ch *ch)
{
    const int32_t taps = cx->p->kernel_h * cx->p->kernel_w;
    const int32_t n = (int32_t)cx->n;
    const int32_t scale = level_scale(cx);
    int32_t t, j;
    for (t = 0; t < taps; ++t) {
        int32_t s[4];
        for (j = 0; j < 4; ++j) { /* times 2^lsh: still inside a 16-bit lane */
            s[j] = (2 * (int32_t)(cx->codes[(c0 + j) * taps + t] >> cx->code_shift) - n) * scale;
        }
        w[2 * t] = (uint32_t)(uint16_t)s[0] | (uint32_t)(uint16_t)s[2] << 16;
        w[2 * t + 1] = (uint32_t)(uint16_t)s[1] | (uint32_t)(uint16_t)s[3] << 16;
    }
    for (j = 0; j < 4; ++j) {
        te_epi_prepare(&cx->e, c0 + j, &ch[j]);
    }
}

/* Input row ih (outside the input: zeros) as words of channels c0..c0+3, padded: word i is
 * input column i - pad_left; written to r[0..pw) and, if r2 is not NULL, to r2[0..pw). */
TE_NO_LIBCALLS static void dw_row(const te_conv_ctx *cx, int32_t c0, int32_t ih, int32_t pw,
                                  uint32_t *r, uint32_t *r2)
{
    const te_conv_params *p = cx->p;
    const int32_t cin = p->in.channels;
    /* words [i0, i1) come from the input, the others are padding */
    int32_t i0 = te_min_i32(p->pad_left, pw);
    int32_t i1 = te_max_i32(i0, te_min_i32(pw, p->in.width + p->pad_left));
    int32_t i;
    if (ih < 0 || ih >= p->in.height) {
        i0 = i1 = pw;
    }
    if (r2 == NULL) {
        r2 = r; /* the second copy writes the same words again */
    }
    for (i = 0; i < i0; ++i) {
        r[i] = r2[i] = 0u;
    }
    if (i1 > i0) {
        const uint8_t *x = cx->input + ((int64_t)ih * p->in.width + (i0 - p->pad_left)) * cin + c0;
        for (; i < i1; ++i) {
            r[i] = r2[i] = te_read_u32(x);
            x += cin;
        }
    }
    for (; i < pw; ++i) {
        r[i] = r2[i] = 0u;
    }
}

/* The four outputs of a pixel. */
static inline void dw_store(const te_epilogue *e, const te_epi_ch *ch, int32_t index, int hi4,
                            int32_t a0, int32_t a1, int32_t a2, int32_t a3)
{
    if (hi4) {
        te_epi_hi4(e, ch, index, a0, a1, a2, a3);
    } else {
        int32_t acc[4];
        acc[0] = a0;
        acc[1] = a1;
        acc[2] = a2;
        acc[3] = a3;
        te_epi_store_run(e, ch, index, acc, 4);
    }
}

#if defined(__GNUC__)
/*
 * The 3x3 fast path: stride_w 1 or 2 and padded rows of at most TE_DW_PITCH words. The ring
 * holds every input row twice, in slots s and s + 3 (s = (ih + pad_top) mod 3), so that the
 * three rows of any output row are always slots s, s + 1, s + 2: one pointer and immediate
 * offsets (TE_DW_PITCH words apart) reach all nine taps, and a whole run of pixels is one
 * assembly loop that leaves four accumulators per pixel in acc[] (STM), the epilogue running
 * after it. 8 instructions per tap (LDR, LDRD, 2 UXTB16, 4 SMLAxy), 6 per pixel besides.
 */
#define TE_DW_PITCH 64   /* words per ring row: 256 bytes */
#define TE_DW_RUN 16     /* pixels per assembly run (acc[] on the stack) */
#define TE_DW_STR(x) #x
#define TE_DW_XSTR(x) TE_DW_STR(x)

/* Tap at word offset XOFF*4 bytes of the window, weight words at WOFF bytes; OP0/OP1 "smul" for
 * the first tap (no accumulate), "smla" otherwise. */
#define TE_DW_RUN_TAP(XOFF, WOFF, MUL, ACC)                                                      \
    "ldr    %[xe], [%[x], #" XOFF "]\n\t"                                                         \
    "ldrd   %[t0], %[t1], [%[w], #" WOFF "]\n\t"                                                  \
    "uxtb16 %[xo], %[xe], ror #8\n\t"                                                             \
    "uxtb16 %[xe], %[xe]\n\t" MUL "bb %[a0], %[xe], %[t0]" ACC("a0") "\n\t" MUL                 \
    "tt %[a2], %[xe], %[t0]" ACC("a2") "\n\t" MUL "bb %[a1], %[xo], %[t1]" ACC("a1") "\n\t" MUL \
    "tt %[a3], %[xo], %[t1]" ACC("a3") "\n\t"
#define TE_DW_NOACC(r) ""
#define TE_DW_ACC(r) ", %[" r "]"
#define TE_DW_P1 TE_DW_XSTR(TE_DW_PITCH * 4)
#define TE_DW_P2 TE_DW_XSTR(TE_DW_PITCH * 8)
#define TE_DW_RUN_BODY(STEP)                                                                     \
    "1:\n\t"                                                                                     \
    TE_DW_RUN_TAP("0", "0", "smul", TE_DW_NOACC)                                                 \
    TE_DW_RUN_TAP("4", "8", "smla", TE_DW_ACC)                                                   \
    TE_DW_RUN_TAP("8", "16", "smla", TE_DW_ACC)                                                  \
    TE_DW_RUN_TAP(TE_DW_P1, "24", "smla", TE_DW_ACC)                                             \
    TE_DW_RUN_TAP(TE_DW_P1 "+4", "32", "smla", TE_DW_ACC)                                        \
    TE_DW_RUN_TAP(TE_DW_P1 "+8", "40", "smla", TE_DW_ACC)                                        \
    TE_DW_RUN_TAP(TE_DW_P2, "48", "smla", TE_DW_ACC)                                             \
    TE_DW_RUN_TAP(TE_DW_P2 "+4", "56", "smla", TE_DW_ACC)                                        \
    TE_DW_RUN_TAP(TE_DW_P2 "+8", "64", "smla", TE_DW_ACC)                                        \
    "stmia  %[acc]!, {%[a0], %[a1], %[a2], %[a3]}\n\t"                                           \
    "add    %[x], %[x], #" STEP "\n\t"                                                           \
    "subs   %[n], %[n], #1\n\t"                                                                  \
    "bne    1b\n\t"

/* acc[4i + j] for pixels i < count (>= 1) of a run starting at window x (stride_w 1 or 2). */
static void dw_run_3x3(const uint32_t *x, const uint32_t *w, int32_t count, int32_t stride_w,
                       int32_t *acc)
{
    /* bound to ascending registers for the STM */
    register int32_t a0 __asm__("r0");
    register int32_t a1 __asm__("r1");
    register int32_t a2 __asm__("r2");
    register int32_t a3 __asm__("r3");
    uint32_t xe, xo, t0, t1;
    if (stride_w == 1) {
        __asm__ volatile(TE_DW_RUN_BODY("4")
                         : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3),
                           [xe] "=&r"(xe), [xo] "=&r"(xo), [t0] "=&r"(t0), [t1] "=&r"(t1),
                           [x] "+r"(x), [acc] "+r"(acc), [n] "+r"(count)
                         : [w] "r"(w)
                         : "cc", "memory");
    } else {
        __asm__ volatile(TE_DW_RUN_BODY("8")
                         : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3),
                           [xe] "=&r"(xe), [xo] "=&r"(xo), [t0] "=&r"(t0), [t1] "=&r"(t1),
                           [x] "+r"(x), [acc] "+r"(acc), [n] "+r"(count)
                         : [w] "r"(w)
                         : "cc", "memory");
    }
}

static void dw_quads_3x3(const te_conv_ctx *cx, int32_t pw)
{
    const te_conv_params *p = cx->p;
    const int32_t cin = p->in.channels;
    const int hi4 = te_epi_hi4_ok(&cx->e);
    uint32_t w[18];
    uint32_t ring[6 * TE_DW_PITCH];
    int32_t acc[4 * TE_DW_RUN];
    te_epi_ch ch[4];
    int32_t q;

    for (q = 0; q < cin / 4; ++q) {
        const int32_t c0 = 4 * q;
        int32_t next = -p->pad_top; /* the next input row to copy into the ring */
        int32_t oh;
        dw_expand(cx, c0, w, ch);
        for (oh = 0; oh < p->out.height; ++oh) {
            const int32_t ih0 = oh * p->stride_h - p->pad_top;
            const uint32_t *x;
            int32_t ow, i;
            /* Step 2: rows ih0..ih0+2 into the ring (each row copied once, into two slots). */
            for (next = next > ih0 ? next : ih0; next <= ih0 + 2; ++next) {
                uint32_t *r = ring + ((next + p->pad_top) % 3) * TE_DW_PITCH;
                dw_row(cx, c0, next, pw, r, r + 3 * TE_DW_PITCH);
            }
            x = ring + ((ih0 + p->pad_top) % 3) * TE_DW_PITCH;

            /* Step 3: runs of pixels, then their outputs. */
            for (ow = 0; ow < p->out.width; ow += TE_DW_RUN) {
                const int32_t count = te_min_i32(TE_DW_RUN, p->out.width - ow);
                int32_t index = (oh * p->out.width + ow) * cin + c0;
                dw_run_3x3(x + ow * p->stride_w, w, count, p->stride_w, acc);
                TE_PATH_HIT(TE_PATH_CONV_DEPTHWISE_3X3);
                if (hi4) {
                    te_epi_hi4_run(&cx->e, ch, cx->e.out_code + index, cin, acc, count);
                } else {
                    for (i = 0; i < count; ++i) {
                        te_epi_store_run(&cx->e, ch, index, acc + 4 * i, 4);
                        index += cin;
                    }
                }
            }
        }
    }
}
#endif

static int32_t conv_dw_quads(const te_conv_ctx *cx)
{
    const te_conv_params *p = cx->p;
    const int32_t cin = p->in.channels;
    const int32_t taps = p->kernel_h * p->kernel_w;
    const int32_t quads = cin / 4;
    /* padded row: every input column a window of the output row touches, in words */
    const int64_t pw = (int64_t)(p->out.width - 1) * p->stride_w + p->kernel_w;
    const int hi4 = te_epi_hi4_ok(&cx->e);
    uint32_t w[2 * TE_DW_MAX_TAPS];
    uint32_t rows[TE_DW_ROW_WORDS];
    int32_t slot_row[TE_DW_MAX_TAPS]; /* the input row each ring slot holds */
    te_epi_ch ch[4];
    int32_t q;

    if (cx->cout_g != 1 || taps > TE_DW_MAX_TAPS || quads == 0 ||
        pw * p->kernel_h > TE_DW_ROW_WORDS) {
        return 0;
    }
    TE_PATH_HIT(TE_PATH_CONV_DEPTHWISE_QUADS);
#if defined(__GNUC__)
    if (p->kernel_h == 3 && p->kernel_w == 3 && (p->stride_w == 1 || p->stride_w == 2) &&
        pw <= TE_DW_PITCH) {
        dw_quads_3x3(cx, (int32_t)pw);
        return 4 * quads;
    }
#endif

    /* Any other kernel: a ring of kernel_h rows, slot (ih + pad_top) mod kernel_h. */
    for (q = 0; q < quads; ++q) {
        const int32_t c0 = 4 * q;
        int32_t oh, ow, kh, kw;
        dw_expand(cx, c0, w, ch);
        for (kh = 0; kh < p->kernel_h; ++kh) {
            slot_row[kh] = INT32_MIN; /* nothing in the ring yet */
        }
        for (oh = 0; oh < p->out.height; ++oh) {
            const uint32_t *xr[TE_DW_MAX_TAPS];
            /* Step 2: the output row's input rows, each copied once per quad. */
            for (kh = 0; kh < p->kernel_h; ++kh) {
                const int32_t ih = oh * p->stride_h - p->pad_top + kh;
                const int32_t slot = (ih + p->pad_top) % p->kernel_h;
                xr[kh] = rows + slot * pw;
                if (slot_row[slot] != ih) {
                    slot_row[slot] = ih;
                    dw_row(cx, c0, ih, (int32_t)pw, rows + slot * pw, NULL);
                }
            }
            /* Step 3: every pixel of the row, then its four outputs. */
            for (ow = 0; ow < p->out.width; ++ow) {
                const int32_t ox = ow * p->stride_w;
                int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
                for (kh = 0; kh < p->kernel_h; ++kh) {
                    for (kw = 0; kw < p->kernel_w; ++kw) {
                        TE_DW_TAP(xr[kh] + ox + kw, w + 2 * (kh * p->kernel_w + kw));
                    }
                }
                dw_store(&cx->e, ch, (oh * p->out.width + ow) * cin + c0, hi4, a0, a1, a2, a3);
            }
        }
    }
    return 4 * quads;
}

#else

static int32_t conv_dw_quads(const te_conv_ctx *cx)
{
    (void)cx;
    return 0; /* without DSP every channel takes te_conv2d.c's per-channel loop */
}

#endif

#if TE_CONV_FIELDS && TE_CONV_FIELDS_SCRATCH_BYTES >= 64
/* The field form with its scratch on the stack (its own frame: not added to the block path's). */
TE_NOINLINE static int conv_fields_stack(const te_conv_ctx *cx)
{
    uint32_t w[TE_CONV_FIELDS_SCRATCH_BYTES / 4];
    return te_conv_fields(cx, w, (int64_t)(sizeof w / sizeof w[0]));
}
#endif

/* groups == 1 without scratch for the block forms: a dense row per pixel, or window rows. */
static void conv_fallback(const te_conv_ctx *cx)
{
    const te_conv_params *p = cx->p;
    if (p->kernel_h == 1 && p->kernel_w == 1 && p->pad_top == 0 && p->pad_left == 0) {
        conv_pointwise(cx); /* te_window_ok: pad 0 and a 1x1 kernel keep every tap inside */
    } else {
        conv_rows(cx);
    }
}

/* The window buffer of the block path at the start of a caller's scratch, the weights after. */
static int64_t scratch_window_bytes(const te_conv_params *p)
{
    return ((int64_t)p->kernel_h * 4 * ((p->kernel_w * p->in.channels + 3) / 4) + 3) / 4 * 4;
}

uint32_t te_conv2d_scratch_bytes(const te_conv_params *p)
{
    int64_t rk, quads, block, fields, need;
    if (p == NULL || p->groups != 1 || p->kernel_h < 1 || p->kernel_w < 1 ||
        p->in.channels < 1 || p->out.channels < 1) {
        return 0u; /* only groups == 1 convolutions use scratch */
    }
    rk = (int64_t)p->kernel_w * p->in.channels;
    quads = (p->out.channels + 3) / 4;
    /* the block path: a window and up to TE_BLOCK_SCRATCH_QUADS quads of expanded weights */
    block = scratch_window_bytes(p) + (int64_t)32 * p->kernel_h * ((rk + 3) / 4) *
                                          (quads < TE_BLOCK_SCRATCH_QUADS ? quads
                                                                          : TE_BLOCK_SCRATCH_QUADS);
    /* the field form: up to TE_FIELDS_MAX_WORDS words of channels per window byte */
    fields = (int64_t)4 * p->kernel_h * rk *
             (quads < TE_FIELDS_MAX_WORDS ? quads : TE_FIELDS_MAX_WORDS);
    need = block > fields ? block : fields;
    return need > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)need;
}

/* ---------------------------------------------------------------------------------------------
 * The kernel: check the arguments, pick a path.
 * ------------------------------------------------------------------------------------------- */
te_status te_conv2d(const te_conv_params *p, const uint8_t *input, const uint8_t *codes,
                    uint32_t weight_bits, const te_requant *rq, te_operand residual,
                    te_elem output_kind, void *output, const te_scratch *scratch)
{
    te_conv_ctx cx;
    te_status status;

    /* Step 1: pointers, bit width, geometry. */
    if (p == NULL || input == NULL || codes == NULL || output == NULL || te_requant_has_null(rq) ||
        (scratch != NULL && scratch->bytes > 0u && scratch->data == NULL)) {
        return TE_ERR_NULL_POINTER;
    }
    if (scratch != NULL && !te_is_aligned4(scratch->data)) {
        return TE_ERR_BAD_PARAMS;
    }
    if (weight_bits < 1u || weight_bits > 8u) {
        return TE_ERR_BAD_BITS;
    }
    if (!te_dims_ok(&p->in) || !te_dims_ok(&p->out) || p->groups < 1 ||
        p->in.channels % p->groups != 0 || p->out.channels % p->groups != 0 ||
        !te_window_ok(p->in.height, p->out.height, p->kernel_h, p->stride_h, p->pad_top) ||
        !te_window_ok(p->in.width, p->out.width, p->kernel_w, p->stride_w, p->pad_left) ||
        (int64_t)p->out.channels * p->kernel_h * p->kernel_w * (p->in.channels / p->groups) >
            (int64_t)INT32_MAX ||
        p->input_bits < 0 || p->input_bits > 8) {
        return TE_ERR_BAD_PARAMS;
    }

    cx.p = p;
    cx.input = input;
    cx.codes = codes;
    cx.code_shift = 8u - weight_bits;
    cx.n = (1u << weight_bits) - 1u;
    cx.x_max = p->input_bits == 0 ? 255u : (1u << p->input_bits) - 1u;
    cx.cin_g = p->in.channels / p->groups;
    cx.cout_g = p->out.channels / p->groups;

    /* Step 2: the epilogue (table ranges, residual, output kind); the depthwise paths scale
     * their levels for it (depthwise_lsh_max), the groups == 1 paths q (conv_lsh_max). */
    status = te_epilogue_init(&cx.e, p->out.channels, rq, residual, output_kind, output,
                              cx.cin_g == 1 && p->groups > 1 ? depthwise_lsh_max(&cx)
                              : p->groups == 1              ? conv_lsh_max(&cx)
                                                            : 0);
    if (status != TE_OK) {
        return status;
    }
    cx.lsh = cx.e.lsh;
    cx.n_s = cx.n << cx.lsh;

    /* Step 3: the path for this shape. */
    if (cx.cin_g == 1 && p->groups > 1) {
        const int32_t done = conv_dw_quads(&cx); /* quads first where the target has DSP */
        if (done < p->out.channels && !conv_depthwise_plane(&cx, done)) {
            conv_depthwise(&cx, done);
        }
    } else if (p->groups == 1 && scratch != NULL) {
        /* the caller's scratch (the model's arena): the same forms, no stack */
        uint8_t *base = (uint8_t *)scratch->data;
        const int64_t window = scratch_window_bytes(p);
        int done = 0;
#if TE_CONV_FIELDS
        done = te_conv_fields(&cx, (uint32_t *)(void *)base, (int64_t)(scratch->bytes / 4u));
#endif
#if TE_CONV_BLOCK_CODE
        /* (not on Armv6-M: its plain block form measured slower than the rows path) */
        if (!done && (int64_t)scratch->bytes > window) {
            done = conv_block(&cx, (uint32_t *)(void *)(base + window),
                              ((int64_t)scratch->bytes - window) / 4, base);
        }
#endif
        if (!done) {
            conv_fallback(&cx);
        }
        (void)window;
#if TE_CONV_FIELDS && TE_CONV_FIELDS_SCRATCH_BYTES >= 64
    } else if (p->groups == 1 && conv_fields_stack(&cx)) {
        /* done: several channels per multiply (targets without DSP) */
#endif
#if TE_CONV_BLOCK_PATH
    } else if (p->groups == 1 && conv_block_stack(&cx)) {
        /* done: the weight-stationary block path */
#endif
    } else if (p->groups == 1) {
        conv_fallback(&cx);
    } else {
        conv_generic(&cx);
    }
    return TE_OK;
}
