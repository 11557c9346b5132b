/*
 * te_conv2d_depthwise - convolution with one input channel per group (groups = Cin > 1; a depth
 * multiplier Cout / Cin >= 1), with the signed levels s = 2q - n directly:
 *
 *   depthwise quads  one output channel per group, ARM DSP: four channels per input word, a
 *                    zero-padded ring of input rows, 3x3 in assembly.
 *   depthwise plane  3x3, the channels the quads leave (all of them without DSP): each channel's
 *                    plane copied once, zero-padded, into a stack buffer.
 *   depthwise        anything else: channel by channel, 3x3 interior pixels unrolled.
 *
 * The definition is at the top of te_conv2d.c; docs/runtime-c.md lists the variants.
 */
#include "te_conv2d_ctx.h"

/* ---------------------------------------------------------------------------------------------
 * Depthwise path (cin_g == 1): channel by channel, with the signed levels s = 2q - n directly.
 * Nothing is shared between output channels, so the split would save nothing; the signed sum
 * stays in int32 because every partial sum is bounded by sum |s| * x_max < 2^31.
 * ------------------------------------------------------------------------------------------- */

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
        te_epi_prepare_channel(&cx->e, oc, &ch);

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
        te_epi_prepare_channel(&cx->e, oc, &ch);
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
#if defined(TE_DSP)

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
        te_epi_prepare_channel(&cx->e, c0 + j, &ch[j]);
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

te_status te_conv2d_depthwise(const te_conv_params *p, const uint8_t *input, const uint8_t *codes,
                              uint32_t weight_bits, const te_requant *rq, te_operand residual,
                              te_elem output_kind, void *output, const te_scratch *scratch)
{
    te_conv_ctx cx;
    int32_t done;
    const te_status status = te_conv_begin(&cx, TE_CONV_DEPTHWISE, p, input, codes, weight_bits,
                                           rq, residual, output_kind, output, scratch);
    if (status != TE_OK) {
        return status;
    }
    done = conv_dw_quads(&cx); /* quads first where the target has DSP */
    if (done < p->out.channels && !conv_depthwise_plane(&cx, done)) {
        conv_depthwise(&cx, done);
    }
    return TE_OK;
}
