/*
 * test_kernels.c - every kernel of runtime-c/src against a deliberately naive reference written
 * here: straight loops over the definitions of docs/integer-semantics.md, per-tap bounds checks,
 * an int64 accumulator, te_signed_level and te_requantize. Seeded random shapes, strides,
 * paddings, groups (depthwise, odd channel counts), residual kinds, output kinds, input bits and
 * weight bits 1..8; every fast path is counted (TE_TEST_PATH_COUNTERS) and must have run.
 *
 * Runs on the host (under ASan/UBSan) and, built with picolibc, under QEMU (Cortex-M4 with the
 * DSP path, Cortex-M3, RISC-V), where the exit status is the verdict.
 *
 * Usage: test_kernels [SEED]
 */
#include <stdlib.h>
#include <string.h>

#include "te_internal.h"
#include "te_test.h"
#include "truncedge.h"

#ifndef TE_TEST_CASES /* random cases per kernel; the QEMU builds use fewer */
#define TE_TEST_CASES 1500
#endif

uint32_t te_test_path_hits[TE_PATH_COUNT];

/* ---------------------------------------------------------------------------------------------
 * Buffers (static: the same program runs bare-metal without a heap)
 * ------------------------------------------------------------------------------------------- */
#define MAX_IN 72000
#define MAX_CODES 220000
#define MAX_OUT 16384
#define MAX_CH 1024
#define GUARD 16 /* elements past the output that must stay untouched */
#define GUARD_BYTE 0xA5u

static uint8_t g_input[MAX_IN];
static uint8_t g_codes[MAX_CODES];
static int32_t g_out[MAX_OUT + GUARD];
static int32_t g_ref[MAX_OUT + GUARD];
static int32_t g_res_i32[MAX_OUT];
static uint8_t g_res_u8[MAX_OUT];
static uint8_t g_in_b[MAX_OUT];
static int32_t g_in_b_i32[MAX_OUT];
static int64_t g_bias[MAX_CH];
static int32_t g_mult[MAX_CH];
static int8_t g_shift[MAX_CH];
static int8_t g_pre[MAX_CH];
static int32_t g_rmult[MAX_CH];
static int8_t g_rpre[MAX_CH];

static te_tally g_tally;

static const char *const path_names[TE_PATH_COUNT] = {
    "conv generic", "conv rows", "conv pointwise", "conv depthwise", "conv depthwise 3x3",
    "dot DSP", "conv block", "conv block buffered", "epilogue hi", "epilogue general",
    "epilogue nopre", "epilogue shifted", "conv depthwise quads", "conv block pairs",
    "conv block umlal", "dense DSP", "conv block packed", "conv depthwise plane", "conv fields",
    "epilogue hi levels", "dense packed4"};

/* ---------------------------------------------------------------------------------------------
 * Naive references
 * ------------------------------------------------------------------------------------------- */

static int64_t operand_value(te_operand t, int32_t i)
{
    if (t.kind == TE_ELEM_CODE) {
        return ((const uint8_t *)t.data)[i];
    }
    if (t.kind == TE_ELEM_INT32) {
        return ((const int32_t *)t.data)[i];
    }
    return 0;
}

static void store(te_elem kind, void *out, int32_t i, int32_t v)
{
    if (kind == TE_ELEM_CODE) {
        ((uint8_t *)out)[i] = (uint8_t)v;
    } else {
        ((int32_t *)out)[i] = v;
    }
}

static void ref_epilogue(const te_requant *rq, te_operand res, te_elem out_kind, void *out,
                         int32_t index, int32_t c, int64_t acc)
{
    int32_t rmult = res.kind == TE_ELEM_NONE ? 0 : rq->residual_multiplier[c];
    int32_t rpre = res.kind == TE_ELEM_NONE ? 0 : rq->residual_pre_shift[c];
    int32_t v;
    if (acc < INT32_MIN || acc > INT32_MAX) {
        TE_CHECK(&g_tally, 0, "test bug: acc %" PRId64 " outside int32 (the compiler's bound)", acc);
    }
    v = te_requantize((int32_t)acc, rq->bias[c], rq->multiplier[c], rq->pre_shift[c], rq->shift[c],
                      operand_value(res, index), rmult, rpre, rq->lo, rq->hi);
    store(out_kind, out, index, v);
}

static void ref_conv2d(const te_conv_params *p, const uint8_t *x, const uint8_t *codes, uint32_t k,
                       const te_requant *rq, te_operand res, te_elem out_kind, void *out)
{
    const int32_t cin_g = p->in.channels / p->groups;
    const int32_t cout_g = p->out.channels / p->groups;
    int32_t oh, ow, oc, kh, kw, ci;
    for (oh = 0; oh < p->out.height; ++oh) {
        for (ow = 0; ow < p->out.width; ++ow) {
            for (oc = 0; oc < p->out.channels; ++oc) {
                const int32_t g = oc / cout_g;
                int64_t acc = 0;
                for (kh = 0; kh < p->kernel_h; ++kh) {
                    for (kw = 0; kw < p->kernel_w; ++kw) {
                        for (ci = 0; ci < cin_g; ++ci) {
                            const int32_t ih = oh * p->stride_h + kh - p->pad_top;
                            const int32_t iw = ow * p->stride_w + kw - p->pad_left;
                            const uint8_t code =
                                codes[((oc * p->kernel_h + kh) * p->kernel_w + kw) * cin_g + ci];
                            int64_t xv = 0;
                            if (ih >= 0 && ih < p->in.height && iw >= 0 && iw < p->in.width) {
                                xv = x[(ih * p->in.width + iw) * p->in.channels + g * cin_g + ci];
                            }
                            acc += (int64_t)te_signed_level(code, k) * xv;
                        }
                    }
                }
                ref_epilogue(rq, res, out_kind, out, (oh * p->out.width + ow) * p->out.channels + oc,
                             oc, acc);
            }
        }
    }
}

static void ref_dense(int32_t in_f, int32_t out_f, const uint8_t *x, const uint8_t *codes,
                      uint32_t k, const te_requant *rq, te_operand res, te_elem out_kind, void *out)
{
    int32_t o, i;
    for (o = 0; o < out_f; ++o) {
        int64_t acc = 0;
        for (i = 0; i < in_f; ++i) {
            acc += (int64_t)te_signed_level(codes[o * in_f + i], k) * x[i];
        }
        ref_epilogue(rq, res, out_kind, out, o, o, acc);
    }
}

static void ref_pool(const te_pool_params *p, int is_max, int32_t count_include_pad,
                     const int32_t *mult, const int8_t *shift, int32_t out_max, const uint8_t *x,
                     uint8_t *out)
{
    int32_t oh, ow, c, kh, kw;
    for (oh = 0; oh < p->out.height; ++oh) {
        for (ow = 0; ow < p->out.width; ++ow) {
            for (c = 0; c < p->out.channels; ++c) {
                int32_t best = 0, sum = 0, inside = 0, d;
                for (kh = 0; kh < p->kernel_h; ++kh) {
                    for (kw = 0; kw < p->kernel_w; ++kw) {
                        const int32_t ih = oh * p->stride_h + kh - p->pad_top;
                        const int32_t iw = ow * p->stride_w + kw - p->pad_left;
                        int32_t v = 0;
                        if (ih >= 0 && ih < p->in.height && iw >= 0 && iw < p->in.width) {
                            v = x[(ih * p->in.width + iw) * p->in.channels + c];
                            inside++;
                        }
                        best = v > best ? v : best;
                        sum += v;
                    }
                }
                if (is_max) {
                    out[(oh * p->out.width + ow) * p->out.channels + c] = (uint8_t)best;
                } else {
                    d = count_include_pad ? p->kernel_h * p->kernel_w : inside;
                    out[(oh * p->out.width + ow) * p->out.channels + c] = (uint8_t)te_clamp(
                        te_round_shift_even((int64_t)sum * mult[d - 1], shift[d - 1], sum), 0, out_max);
                }
            }
        }
    }
}

static void ref_add(int32_t count, te_operand a, int32_t ma, te_operand b, int32_t mb, int32_t sh,
                    int32_t lo, int32_t hi, uint8_t *out)
{
    int32_t i;
    for (i = 0; i < count; ++i) {
        int64_t v = operand_value(a, i) * ma + operand_value(b, i) * mb;
        out[i] = (uint8_t)te_clamp(te_round_shift(v, sh), lo, hi);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Random data
 * ------------------------------------------------------------------------------------------- */

/* Weight codes: uniform, around the sign boundary (s = +-1 at k = 8: stresses the modulo-2^32
 * split), or all at one extreme (largest |acc|). */
static void fill_codes(te_rng *r, uint8_t *codes, int32_t count)
{
    const int32_t mode = te_rng_range(r, 0, 5);
    int32_t i;
    for (i = 0; i < count; ++i) {
        switch (mode) {
        case 0: codes[i] = (uint8_t)te_rng_range(r, 127, 128); break;
        case 1: codes[i] = 255; break;
        case 2: codes[i] = 0; break;
        default: codes[i] = (uint8_t)te_rng_range(r, 0, 255); break;
        }
    }
}

static void fill_input(te_rng *r, uint8_t *x, int32_t count, int32_t bits)
{
    const int32_t max = (1 << bits) - 1;
    const int all_max = te_rng_chance(r, 1, 8);
    int32_t i;
    for (i = 0; i < count; ++i) {
        x[i] = (uint8_t)(all_max ? max : te_rng_range(r, 0, max));
    }
}

/* The output: kind, clamp range. */
static te_elem pick_output(te_rng *r, te_requant *rq)
{
    const int32_t mode = te_rng_range(r, 0, 3);
    if (mode == 0) {
        rq->lo = INT32_MIN;
        rq->hi = INT32_MAX;
        return TE_ELEM_INT32;
    }
    if (mode == 1) {
        rq->lo = 0;
        rq->hi = INT32_MAX;
        return TE_ELEM_INT32;
    }
    rq->lo = 0;
    rq->hi = (1 << te_rng_range(r, 1, 8)) - 1;
    return TE_ELEM_CODE;
}

/* A pre-shift as the compiler makes them: mostly 0, sometimes 1..40 (at most max). */
static int32_t pick_pre_shift(te_rng *r, int32_t max)
{
    const int32_t p = te_rng_chance(r, 1, 2) ? 0 : te_rng_range(r, 1, 40);
    return p < max ? p : max;
}

/*
 * m0 (>= 0) at p more bits of precision: m0 * 2^p plus random low bits, the way a multiplier
 * at its own finer scale looks; p shrinks until the result stays below 2^30. *p is updated.
 */
static int32_t finer_multiplier(te_rng *r, int64_t m0, int32_t *p)
{
    while (*p > 30 || (*p > 0 && ((m0 + 1) << *p) > ((int64_t)1 << 30))) {
        --*p;
    }
    if (*p == 0) {
        return (int32_t)m0;
    }
    return (int32_t)((m0 << *p) + (int64_t)(te_rng_next(r) & ((1ull << *p) - 1u)));
}

/*
 * A requantization table for channels outputs whose |acc| is at most acc_bound. Three kinds:
 * identity (out = acc exactly when the clamp allows: checks acc bit for bit, with the product
 * pre-shifted back exactly), realistic (acc scaled into the output range, outputs mostly
 * unclamped; the multipliers carry extra bits that the pre-shifts floor away) and extreme
 * (anything legal), besides the compiler's own forms (natural, residual block, and natural at
 * a large real factor: shifts below 32). Pre-shifts are mostly 0. |acc * mult| and |r * rmult| stay below 2^61 by
 * construction (|acc|, |r| <= 2^31, |mult| < 2^30) and a floor shift only shrinks them.
 */
static void fill_table(te_rng *r, te_requant *rq, int32_t channels, int64_t acc_bound,
                       int has_residual)
{
    const int32_t mode = te_rng_range(r, 0, 5);
    const int64_t span = rq->hi == INT32_MAX ? ((int64_t)1 << 20) : (int64_t)rq->hi;
    int32_t c;
    for (c = 0; c < channels; ++c) {
        if (mode == 0) {
            /* (acc * 2^(p+1)) >> p = 2 acc and (r * 2j * 2^q) >> q = 2 j r: exact */
            int32_t p = pick_pre_shift(r, 28);
            int32_t q = pick_pre_shift(r, 27);
            g_bias[c] = 0;
            g_pre[c] = (int8_t)p;
            g_mult[c] = (int32_t)1 << (p + 1);
            g_shift[c] = 1;
            g_rpre[c] = (int8_t)q;
            g_rmult[c] = 2 * te_rng_range(r, -3, 3) * ((int32_t)1 << q);
        } else if (mode == 1) {
            int32_t sh = te_rng_range(r, 16, 40);
            int32_t p = pick_pre_shift(r, 62 - sh);
            int32_t q = pick_pre_shift(r, 62 - sh);
            int64_t m = (span << sh) / (acc_bound / 2 + 1);
            if (m >= ((int64_t)1 << 30)) {
                m = ((int64_t)1 << 30) - 1;
            }
            g_shift[c] = (int8_t)sh;
            g_mult[c] = finer_multiplier(r, m, &p) * (te_rng_chance(r, 1, 6) ? -1 : 1);
            g_pre[c] = (int8_t)p;
            /* a real offset of up to a quarter of the accumulator range, times 2^shift */
            g_bias[c] = (int64_t)te_rng_range(r, -(int32_t)(acc_bound / 4),
                                              (int32_t)(acc_bound / 4)) * m;
            g_rmult[c] = finer_multiplier(r, m / te_rng_range(r, 1, 64), &q) *
                         (te_rng_chance(r, 1, 4) ? -1 : 1);
            g_rpre[c] = (int8_t)q;
        } else if (mode == 3) {
            /* natural: no pre-shifts and shifts >= 31 (the kernels' TE_EPI_HI epilogue) */
            int32_t sh = te_rng_range(r, 31, span > 255 ? 41 : 46); /* 31: TE_EPI_HI doubled */
            int64_t m = (span << sh) / (acc_bound / 2 + 1);
            if (m >= ((int64_t)1 << 30)) {
                m = ((int64_t)1 << 30) - 1;
            }
            g_shift[c] = (int8_t)sh;
            g_pre[c] = 0;
            g_mult[c] = (int32_t)m * (te_rng_chance(r, 1, 6) ? -1 : 1);
            g_bias[c] = (int64_t)te_rng_range(r, -(int32_t)(acc_bound / 4),
                                              (int32_t)(acc_bound / 4)) * m;
            g_rmult[c] = (int32_t)(m / te_rng_range(r, 1, 64)) * (te_rng_chance(r, 1, 4) ? -1 : 1);
            g_rpre[c] = 0;
        } else if (mode == 4) {
            /* a residual block's table: the residual at its natural scale (no residual
             * pre-shift), the product pre-shifted (the kernels' TE_EPI_SHIFTED epilogue) */
            int32_t sh = te_rng_range(r, 20, span > 255 ? 36 : 40);
            int32_t p = te_rng_range(r, 0, 14);
            int64_t m = (span << sh) / (acc_bound / 2 + 1);
            if (m >= ((int64_t)1 << 30)) {
                m = ((int64_t)1 << 30) - 1;
            }
            g_shift[c] = (int8_t)sh;
            g_mult[c] = finer_multiplier(r, m, &p) * (te_rng_chance(r, 1, 6) ? -1 : 1);
            g_pre[c] = (int8_t)p;
            g_bias[c] = (int64_t)te_rng_range(r, -(int32_t)(acc_bound / 4),
                                              (int32_t)(acc_bound / 4)) * m;
            g_rmult[c] = te_rng_range(r, -(1 << 29), 1 << 29);
            g_rpre[c] = 0;
        } else if (mode == 5) {
            /* natural at a large real factor, as 1-bit weights give: up to 8 times
             * span / (acc_bound / 2), the compiler's rule for the shift (the largest keeping
             * the multiplier below 2^30), no pre-shifts, an offset of up to span / 2. With a
             * small acc_bound the shifts fall below 32 (the kernels' TE_EPI_HI with a scale:
             * doubled multipliers, and the depthwise paths' scaled levels). */
            const int64_t num = span * te_rng_range(r, 1, 8), den = acc_bound / 2 + 1;
            int32_t sh = 1;
            int64_t m;
            while (sh < 38 && ((num << (sh + 1)) / den) < ((int64_t)1 << 30)) {
                ++sh;
            }
            m = (num << sh) / den;
            if (m >= ((int64_t)1 << 30)) {
                m = ((int64_t)1 << 30) - 1;
            }
            g_shift[c] = (int8_t)sh;
            g_pre[c] = 0;
            g_mult[c] = (int32_t)m * (te_rng_chance(r, 1, 6) ? -1 : 1);
            g_bias[c] = (int64_t)te_rng_range(r, -(int32_t)span, (int32_t)span) *
                            (((int64_t)1 << sh) / 2) +
                        (int64_t)(te_rng_next(r) % ((uint64_t)1 << (sh < 30 ? sh : 30)));
            g_rmult[c] = (int32_t)(m / te_rng_range(r, 1, 64)) * (te_rng_chance(r, 1, 4) ? -1 : 1);
            g_rpre[c] = 0;
        } else {
            g_shift[c] = (int8_t)te_rng_range(r, 1, 62);
            g_pre[c] = (int8_t)(te_rng_chance(r, 1, 8) ? te_rng_range(r, 41, 62)
                                                       : pick_pre_shift(r, 62));
            g_mult[c] = te_rng_range(r, -(1 << 30) + 1, (1 << 30) - 1);
            g_bias[c] = (int64_t)(te_rng_next(r) % ((1ull << 62) + 1u)) - ((int64_t)1 << 61);
            g_rpre[c] = (int8_t)(te_rng_chance(r, 1, 8) ? te_rng_range(r, 41, 62)
                                                        : pick_pre_shift(r, 62));
            g_rmult[c] = te_rng_range(r, -(1 << 30) + 1, (1 << 30) - 1);
        }
    }
    rq->bias = g_bias;
    rq->multiplier = g_mult;
    rq->pre_shift = g_pre;
    rq->shift = g_shift;
    rq->residual_multiplier = has_residual ? g_rmult : NULL;
    rq->residual_pre_shift = has_residual ? g_rpre : NULL;
}

static te_operand pick_residual(te_rng *r, int32_t count)
{
    te_operand res;
    const int32_t mode = te_rng_range(r, 0, 2);
    int32_t i;
    res.kind = TE_ELEM_NONE;
    res.data = NULL;
    if (mode == 1) {
        const int32_t max = (1 << te_rng_range(r, 1, 8)) - 1;
        for (i = 0; i < count; ++i) {
            g_res_u8[i] = (uint8_t)te_rng_range(r, 0, max);
        }
        res.kind = TE_ELEM_CODE;
        res.data = g_res_u8;
    } else if (mode == 2) {
        const int wide = te_rng_chance(r, 1, 3);
        for (i = 0; i < count; ++i) {
            g_res_i32[i] = wide ? (int32_t)te_rng_next(r) : te_rng_range(r, -100000, 100000);
        }
        res.kind = TE_ELEM_INT32;
        res.data = g_res_i32;
    }
    return res;
}

/* max over output channels of sum |s| * x_max: the compiler's bound, must stay below 2^31. */
static int64_t acc_bound(const uint8_t *codes, int32_t channels, int32_t per_channel, uint32_t k,
                         int32_t x_max)
{
    int64_t worst = 0;
    int32_t c, i;
    for (c = 0; c < channels; ++c) {
        int64_t sum = 0;
        for (i = 0; i < per_channel; ++i) {
            int32_t s = te_signed_level(codes[c * per_channel + i], k);
            sum += (s < 0 ? -s : s);
        }
        sum *= x_max;
        worst = sum > worst ? sum : worst;
    }
    return worst;
}

/* Fills the outputs with a pattern, guard elements included. */
static void poison_outputs(void)
{
    memset(g_out, GUARD_BYTE, sizeof g_out);
    memset(g_ref, GUARD_BYTE, sizeof g_ref);
}

/* Compares count elements of kind and checks the guard bytes after them. */
static int compare_outputs(te_elem kind, int32_t count, const char *what, int32_t case_id)
{
    const uint8_t *guard = (const uint8_t *)g_out + (kind == TE_ELEM_CODE ? 1 : 4) * count;
    int32_t i;
    for (i = 0; i < count; ++i) {
        int32_t got = kind == TE_ELEM_CODE ? ((const uint8_t *)g_out)[i] : g_out[i];
        int32_t exp = kind == TE_ELEM_CODE ? ((const uint8_t *)g_ref)[i] : g_ref[i];
        if (got != exp) {
            TE_CHECK(&g_tally, 0, "%s case %" PRId32 ": output[%" PRId32 "] = %" PRId32
                     ", expected %" PRId32, what, case_id, i, got, exp);
            return 0;
        }
    }
    for (i = 0; i < GUARD; ++i) {
        if (guard[i] != GUARD_BYTE) {
            TE_CHECK(&g_tally, 0, "%s case %" PRId32 ": wrote past the output", what, case_id);
            return 0;
        }
    }
    g_tally.passed++;
    return 1;
}

/* ---------------------------------------------------------------------------------------------
 * Conv2d
 * ------------------------------------------------------------------------------------------- */

/* One axis of a window: kernel, stride, pads, out size from in size (ONNX's floor formula). */
static int pick_axis(te_rng *r, int32_t in, int32_t kernel, int32_t max_stride, int32_t max_pad,
                     int32_t *stride, int32_t *pad_before, int32_t *out)
{
    int32_t pad_after, cap = kernel - 1 < max_pad ? kernel - 1 : max_pad;
    *stride = te_rng_range(r, 1, max_stride);
    *pad_before = te_rng_range(r, 0, cap);
    pad_after = te_rng_range(r, 0, cap);
    if (in + *pad_before + pad_after < kernel) {
        return 0;
    }
    *out = (in + *pad_before + pad_after - kernel) / *stride + 1;
    return 1;
}

typedef enum {
    SHAPE_RANDOM,
    SHAPE_POINTWISE,
    SHAPE_DEPTHWISE_3X3,
    SHAPE_DEPTHWISE_ANY,
    SHAPE_GROUPED,
    SHAPE_DENSE_KXK,
    SHAPE_FIRST_LAYER,
    SHAPE_WIDE,
    SHAPE_WIDE_POINTWISE,
    SHAPE_MODEL,
    SHAPE_COUNT
} shape_class;

static int pick_conv(te_rng *r, shape_class cls, te_conv_params *p)
{
    int32_t cin_g, cout_g, max_pad = 3;
    p->in.height = te_rng_range(r, 1, 11);
    p->in.width = te_rng_range(r, 1, 11);
    p->kernel_h = te_rng_range(r, 1, 5);
    p->kernel_w = te_rng_range(r, 1, 5);
    switch (cls) {
    case SHAPE_POINTWISE:
        p->kernel_h = p->kernel_w = 1;
        p->groups = 1;
        cin_g = te_rng_range(r, 1, 40);
        cout_g = te_rng_range(r, 1, 33);
        break;
    case SHAPE_DEPTHWISE_3X3:
        p->kernel_h = p->kernel_w = 3;
        p->in.height = te_rng_range(r, 2, 11);
        p->in.width = te_rng_range(r, 2, 11);
        if (te_rng_chance(r, 1, 6)) { /* planes too large for the zero-padded copy */
            p->in.height = te_rng_range(r, 30, 40);
            p->in.width = te_rng_range(r, 30, 40);
        }
        /* fall through */
    case SHAPE_DEPTHWISE_ANY:
        p->groups = te_rng_range(r, 2, 19);
        cin_g = 1;
        cout_g = te_rng_chance(r, 1, 4) ? te_rng_range(r, 2, 3) : 1;
        break;
    case SHAPE_GROUPED:
        p->groups = te_rng_range(r, 2, 5);
        cin_g = te_rng_range(r, 2, 7);
        cout_g = te_rng_range(r, 1, 5);
        break;
    case SHAPE_DENSE_KXK:
        p->kernel_h = p->kernel_w = te_rng_chance(r, 1, 2) ? 3 : te_rng_range(r, 1, 5);
        p->groups = 1;
        cin_g = te_rng_range(r, 1, 20);
        cout_g = te_rng_range(r, 1, 17);
        break;
    case SHAPE_FIRST_LAYER: /* DS-CNN-like: one channel, a tall kernel, stride 2 */
        p->in.height = te_rng_range(r, 10, 16);
        p->in.width = te_rng_range(r, 4, 10);
        p->kernel_h = te_rng_range(r, 3, 10);
        p->kernel_w = te_rng_range(r, 1, 4);
        p->groups = 1;
        cin_g = te_rng_range(r, 1, 3);
        cout_g = te_rng_range(r, 1, 16);
        max_pad = 5;
        break;
    case SHAPE_MODEL: /* ResNet- and MobileNet-like: enough MACs per pixel for the field form */
        p->in.height = te_rng_range(r, 3, 10);
        p->in.width = te_rng_range(r, 3, 10);
        p->kernel_h = p->kernel_w = te_rng_chance(r, 2, 3) ? 3 : 1;
        p->groups = 1;
        cin_g = te_rng_range(r, 8, 64);
        cout_g = te_rng_range(r, 8, 40);
        max_pad = 1;
        break;
    case SHAPE_WIDE: /* windows too large for the block path's scratch: the rows path */
        p->in.height = te_rng_range(r, 2, 6);
        p->in.width = te_rng_range(r, 2, 6);
        p->kernel_h = te_rng_range(r, 2, 3);
        p->kernel_w = 3;
        p->groups = 1;
        cin_g = te_rng_range(r, 120, 200);
        cout_g = te_rng_range(r, 1, 6);
        break;
    case SHAPE_WIDE_POINTWISE: /* likewise for 1x1: the pointwise path */
        p->in.height = te_rng_range(r, 1, 4);
        p->in.width = te_rng_range(r, 1, 4);
        p->kernel_h = p->kernel_w = 1;
        p->groups = 1;
        cin_g = te_rng_range(r, 600, 900);
        cout_g = te_rng_range(r, 1, 6);
        break;
    default:
        p->groups = te_rng_range(r, 1, 4);
        cin_g = te_rng_range(r, 1, 9);
        cout_g = te_rng_range(r, 1, 9);
        break;
    }
    p->in.channels = p->groups * cin_g;
    p->out.channels = p->groups * cout_g;
    if (!pick_axis(r, p->in.height, p->kernel_h, 3, max_pad, &p->stride_h, &p->pad_top,
                   &p->out.height) ||
        !pick_axis(r, p->in.width, p->kernel_w, 3, max_pad, &p->stride_w, &p->pad_left,
                   &p->out.width)) {
        return 0;
    }
    if (cls == SHAPE_POINTWISE || cls == SHAPE_WIDE_POINTWISE) {
        p->pad_top = p->pad_left = 0; /* kernel 1 => cap 0 already; keep it explicit */
    }
    return p->in.height * p->in.width * p->in.channels <= MAX_IN &&
           p->out.height * p->out.width * p->out.channels <= MAX_OUT &&
           p->out.channels <= MAX_CH;
}

/*
 * The scratch of a conv call: none (the kernel's stack buffers), exactly te_conv2d_scratch_bytes
 * (what the compiler plans), less (forms that fit, or none), or nothing at all (bytes 0). The
 * bytes after it are guard bytes that must stay untouched.
 */
#define SCRATCH_WORDS (160 * 1024 / 4)
#define SCRATCH_GUARD 16
static uint32_t g_scratch[SCRATCH_WORDS + SCRATCH_GUARD];
static uint32_t g_scratch_end; /* word index of the first guard word */

/* bytes of g_scratch, with the guard words after them armed. */
static const te_scratch *arm_scratch(te_scratch *s, uint32_t bytes)
{
    uint32_t i;
    g_scratch_end = bytes / 4u;
    for (i = g_scratch_end; i < g_scratch_end + SCRATCH_GUARD; ++i) {
        g_scratch[i] = 0xA5A5A5A5u;
    }
    s->data = g_scratch;
    s->bytes = bytes;
    return s;
}

static const te_scratch *pick_scratch(te_rng *r, const te_conv_params *p, te_scratch *s)
{
    const uint32_t need = te_conv2d_scratch_bytes(p);
    const int32_t mode = te_rng_range(r, 0, 5);
    uint32_t bytes;
    if (mode == 0 || need > SCRATCH_WORDS * 4u) {
        g_scratch_end = SCRATCH_WORDS;
        return NULL;
    }
    bytes = mode == 1 ? 0u : mode <= 3 ? need : (uint32_t)te_rng_range(r, 0, (int32_t)need) & ~3u;
    return arm_scratch(s, bytes);
}

/*
 * The kernel of a conv call and its scratch: te_conv2d (scratch as pick_scratch), the variant of
 * the shape's class (te_conv2d_block with scratch between te_conv2d_min_scratch_bytes and
 * te_conv2d_scratch_bytes), or te_conv2d_grouped, which takes every shape.
 */
static te_conv2d_fn pick_kernel(te_rng *r, const te_conv_params *p, te_scratch *s,
                                const te_scratch **scratch)
{
    const int32_t mode = te_rng_range(r, 0, 3);
    const uint32_t least = te_conv2d_min_scratch_bytes(p), need = te_conv2d_scratch_bytes(p);
    if (mode == 1 && p->groups == 1 && need <= SCRATCH_WORDS * 4u) {
        const uint32_t more = (uint32_t)te_rng_range(r, 0, (int32_t)((need - least) / 4u));
        *scratch = arm_scratch(s, te_rng_chance(r, 1, 2) ? need : least + 4u * more);
        return te_conv2d_block;
    }
    *scratch = pick_scratch(r, p, s);
    if (mode == 1 && p->groups > 1 && p->groups == p->in.channels) {
        return te_conv2d_depthwise;
    }
    return mode == 2 ? te_conv2d_grouped : te_conv2d;
}

static int scratch_guard_ok(void)
{
    uint32_t i;
    for (i = g_scratch_end; i < g_scratch_end + SCRATCH_GUARD; ++i) {
        if (i < SCRATCH_WORDS + SCRATCH_GUARD && g_scratch[i] != 0xA5A5A5A5u &&
            g_scratch_end != SCRATCH_WORDS) {
            return 0;
        }
    }
    return 1;
}

static void test_conv2d_random(te_rng *r)
{
    int32_t case_id = 0, done = 0;
    while (done < TE_TEST_CASES * (int32_t)SHAPE_COUNT) {
        te_conv_params p;
        te_scratch scratch;
        const shape_class cls = (shape_class)(case_id % (int32_t)SHAPE_COUNT);
        int32_t in_bits, in_count, out_count, per_channel;
        uint32_t k;
        case_id++;
        if (!pick_conv(r, cls, &p)) {
            continue;
        }
        done++;
        in_bits = te_rng_range(r, 1, 8);
        in_count = p.in.height * p.in.width * p.in.channels;
        out_count = p.out.height * p.out.width * p.out.channels;
        per_channel = p.kernel_h * p.kernel_w * (p.in.channels / p.groups);
        fill_input(r, g_input, in_count, in_bits);
        fill_codes(r, g_codes, p.out.channels * per_channel);
        /* the bound the kernels may rely on: the input's bits, or 0 (8) now and then */
        p.input_bits = te_rng_chance(r, 1, 8) ? 0 : in_bits;
        for (k = 1; k <= 8; ++k) {
            te_requant rq;
            te_operand res = pick_residual(r, out_count);
            te_elem out_kind = pick_output(r, &rq);
            int64_t bound = acc_bound(g_codes, p.out.channels, per_channel, k, (1 << in_bits) - 1);
            te_status st;
            fill_table(r, &rq, p.out.channels, bound, res.kind != TE_ELEM_NONE);
            poison_outputs();
            ref_conv2d(&p, g_input, g_codes, k, &rq, res, out_kind, g_ref);
            const te_scratch *sp;
            const te_conv2d_fn kernel = pick_kernel(r, &p, &scratch, &sp);
            st = kernel(&p, g_input, g_codes, k, &rq, res, out_kind, g_out, sp);
            TE_CHECK(&g_tally, st == TE_OK, "conv case %" PRId32 " returned %d", case_id, (int)st);
            TE_CHECK(&g_tally, scratch_guard_ok(), "conv case %" PRId32 " wrote past its scratch",
                     case_id);
            if (!compare_outputs(out_kind, out_count, "conv", case_id)) {
                printf("  in %" PRId32 "x%" PRId32 "x%" PRId32 " out %" PRId32 "x%" PRId32
                       "x%" PRId32 " kernel %" PRId32 "x%" PRId32 " stride %" PRId32 ",%" PRId32
                       " pad %" PRId32 ",%" PRId32 " groups %" PRId32 " k %u in_bits %" PRId32
                       " residual %d out %d\n",
                       p.in.height, p.in.width, p.in.channels, p.out.height, p.out.width,
                       p.out.channels, p.kernel_h, p.kernel_w, p.stride_h, p.stride_w, p.pad_top,
                       p.pad_left, p.groups, (unsigned)k, in_bits, (int)res.kind, (int)out_kind);
            }
        }
    }
}

/*
 * Depthwise convs with the tables 1- and 2-bit weights get: a large real factor, so shifts
 * below 32 with full-precision multipliers (2^29..2^30) and small offsets, no pre-shifts. The
 * kernels take TE_EPI_HI with a scale there, the levels scaled by 2^lsh (te_epi_choose);
 * checked against the reference, and that the scaled form ran.
 */
static void test_small_shifts(te_rng *r, int depthwise)
{
    /* the regular convs cycle through every other shape class (pointwise, KxK, wide, model...) */
    static const shape_class regular[] = {SHAPE_RANDOM, SHAPE_POINTWISE, SHAPE_DENSE_KXK,
                                          SHAPE_FIRST_LAYER, SHAPE_WIDE, SHAPE_WIDE_POINTWISE,
                                          SHAPE_MODEL};
    const uint32_t hits0 = te_test_path_hits[TE_PATH_EPI_HI_LEVELS];
    int32_t case_id = 0, done = 0;
    while (done < TE_TEST_CASES) {
        te_conv_params p;
        te_scratch scratch;
        te_requant rq;
        te_operand res;
        te_elem out_kind;
        int32_t in_bits, out_count, per_channel, c;
        uint32_t k;
        te_status st;
        case_id++;
        if (!pick_conv(r, depthwise ? (case_id % 2 ? SHAPE_DEPTHWISE_3X3 : SHAPE_DEPTHWISE_ANY)
                                    : regular[case_id % (int32_t)(sizeof regular / sizeof regular[0])],
                       &p) ||
            (!depthwise && p.groups != 1)) {
            continue;
        }
        done++;
        in_bits = te_rng_range(r, 1, 8);
        k = te_rng_chance(r, 3, 4) ? 1u : (uint32_t)te_rng_range(r, 2, 3);
        out_count = p.out.height * p.out.width * p.out.channels;
        per_channel = p.kernel_h * p.kernel_w * (p.in.channels / p.groups);
        fill_input(r, g_input, p.in.height * p.in.width * p.in.channels, in_bits);
        fill_codes(r, g_codes, p.out.channels * per_channel);
        p.input_bits = te_rng_chance(r, 1, 8) ? 0 : in_bits;
        res.kind = TE_ELEM_NONE;
        res.data = NULL;
        if (te_rng_chance(r, 1, 8)) {
            res = pick_residual(r, out_count);
        }
        out_kind = te_rng_chance(r, 1, 8) ? pick_output(r, &rq) : TE_ELEM_CODE;
        if (out_kind == TE_ELEM_CODE) {
            rq.lo = 0;
            rq.hi = (1 << te_rng_range(r, 1, 8)) - 1;
        }
        for (c = 0; c < p.out.channels; ++c) {
            /* regular convs scale q inside a byte (k + L <= 8): shifts down to 32 - 7 */
            const int32_t sh = te_rng_range(r, depthwise ? 20 : 26, 31);
            g_shift[c] = (int8_t)sh;
            g_pre[c] = 0;
            g_mult[c] = te_rng_range(r, 1 << 29, (1 << 30) - 1) * (te_rng_chance(r, 1, 6) ? -1 : 1);
            g_bias[c] = (int64_t)te_rng_range(r, -64, 64) * ((int64_t)1 << (sh - 1)) +
                        te_rng_range(r, 0, (1 << 20) - 1);
            g_rmult[c] = te_rng_range(r, -(1 << 20), 1 << 20);
            g_rpre[c] = 0;
        }
        rq.bias = g_bias;
        rq.multiplier = g_mult;
        rq.pre_shift = g_pre;
        rq.shift = g_shift;
        rq.residual_multiplier = res.kind != TE_ELEM_NONE ? g_rmult : NULL;
        rq.residual_pre_shift = res.kind != TE_ELEM_NONE ? g_rpre : NULL;
        poison_outputs();
        ref_conv2d(&p, g_input, g_codes, k, &rq, res, out_kind, g_ref);
        if (acc_bound(g_codes, p.out.channels, per_channel, k, (1 << in_bits) - 1) >=
            ((int64_t)1 << 31)) {
            continue; /* the compiler would refuse this layer at this k */
        }
        st = te_conv2d(&p, g_input, g_codes, k, &rq, res, out_kind, g_out,
                       depthwise ? NULL : pick_scratch(r, &p, &scratch));
        TE_CHECK(&g_tally, st == TE_OK, "small-shift case %" PRId32 " returned %d", case_id, (int)st);
        TE_CHECK(&g_tally, scratch_guard_ok(), "small-shift case %" PRId32 " wrote past its scratch",
                 case_id);
        if (!compare_outputs(out_kind, out_count, depthwise ? "depthwise small shifts" : "conv small shifts",
                             case_id)) {
            printf("  in %" PRId32 "x%" PRId32 "x%" PRId32 " kernel %" PRId32 "x%" PRId32
                   " groups %" PRId32 " k %u in_bits %" PRId32 " input_bits %" PRId32
                   " residual %d out %d [%" PRId32 ", %" PRId32 "]\n",
                   p.in.height, p.in.width, p.in.channels, p.kernel_h, p.kernel_w, p.groups,
                   (unsigned)k, in_bits, p.input_bits, (int)res.kind, (int)out_kind, rq.lo, rq.hi);
        }
    }
    TE_CHECK(&g_tally, te_test_path_hits[TE_PATH_EPI_HI_LEVELS] - hits0 > (uint32_t)TE_TEST_CASES / 4u,
             "the scaled levels ran in only %" PRIu32 " of %d %s cases",
             te_test_path_hits[TE_PATH_EPI_HI_LEVELS] - hits0, TE_TEST_CASES,
             depthwise ? "depthwise" : "regular conv");
}

/* Status codes: pointers, bits, inconsistent parameters. */
static void test_conv2d_errors(void)
{
    static const uint8_t x[16] = {0};
    static const uint8_t w[64] = {0};
    static int32_t out[16];
    int64_t bias[4] = {0, 0, 0, 0};
    int32_t mult[4] = {1, 1, 1, 1}, rm[4] = {1, 1, 1, 1};
    int8_t sh[4] = {1, 1, 1, 1};
    int8_t pre[4] = {0, 0, 0, 0}, rpre[4] = {0, 0, 0, 0};
    te_conv_params p;
    te_requant rq;
    te_operand none, res;
    te_conv_params q;
    memset(&p, 0, sizeof p);
    p.in.height = p.in.width = 2;
    p.in.channels = 2;
    p.out.height = p.out.width = 2;
    p.out.channels = 2;
    p.kernel_h = p.kernel_w = 1;
    p.stride_h = p.stride_w = 1;
    p.groups = 1;
    rq.bias = bias;
    rq.multiplier = mult;
    rq.pre_shift = pre;
    rq.shift = sh;
    rq.residual_multiplier = NULL;
    rq.residual_pre_shift = NULL;
    rq.lo = 0;
    rq.hi = 255;
    none.kind = TE_ELEM_NONE;
    none.data = NULL;
    res.kind = TE_ELEM_CODE;
    res.data = x;

#define EXPECT(call, status) TE_CHECK(&g_tally, (call) == (status), "%s != %s", #call, #status)
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_OK);
    EXPECT(te_conv2d(NULL, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_NULL_POINTER);
    EXPECT(te_conv2d(&p, NULL, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_NULL_POINTER);
    EXPECT(te_conv2d(&p, x, NULL, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_NULL_POINTER);
    EXPECT(te_conv2d(&p, x, w, 8, NULL, none, TE_ELEM_CODE, out, NULL), TE_ERR_NULL_POINTER);
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, NULL, NULL), TE_ERR_NULL_POINTER);
    EXPECT(te_conv2d(&p, x, w, 0, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_BITS);
    EXPECT(te_conv2d(&p, x, w, 9, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_BITS);
    {
        /* the variants: te_conv2d_block needs scratch of at least its least; each refuses the
         * shapes outside its class (p: 1x1, groups 1, 2 -> 2 channels) */
        static uint32_t block_words[64];
        const uint32_t least = te_conv2d_min_scratch_bytes(&p);
        te_scratch block;
        block.data = block_words;
        block.bytes = least;
        TE_CHECK(&g_tally, least > 4u && least <= sizeof block_words, "least scratch %u", (unsigned)least);
        EXPECT(te_conv2d_block(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, &block), TE_OK);
        EXPECT(te_conv2d_block(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_NULL_POINTER);
        block.bytes = least - 4u;
        EXPECT(te_conv2d_block(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, &block), TE_ERR_BAD_PARAMS);
        EXPECT(te_conv2d_block(&p, x, w, 9, &rq, none, TE_ELEM_CODE, out, &block), TE_ERR_BAD_BITS);
        EXPECT(te_conv2d_depthwise(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
        EXPECT(te_conv2d_grouped(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_OK);
        q = p;
        q.groups = 2; /* depthwise */
        block.bytes = least;
        EXPECT(te_conv2d_block(&q, x, w, 8, &rq, none, TE_ELEM_CODE, out, &block), TE_ERR_BAD_PARAMS);
        EXPECT(te_conv2d_depthwise(&q, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_OK);
        EXPECT(te_conv2d_grouped(&q, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_OK);
        EXPECT(te_conv2d_min_scratch_bytes(&q), 0u);
    }
    {
        te_scratch bad_scratch;
        bad_scratch.data = NULL; /* bytes without memory */
        bad_scratch.bytes = 16u;
        EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, &bad_scratch),
               TE_ERR_NULL_POINTER);
        bad_scratch.data = (uint8_t *)g_scratch + 2; /* not 4-byte aligned */
        EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, &bad_scratch),
               TE_ERR_BAD_PARAMS);
        bad_scratch.data = NULL; /* no memory at all: the forms without scratch */
        bad_scratch.bytes = 0u;
        EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, &bad_scratch), TE_OK);
    }
    p.input_bits = 9; /* the input's bits: 0 (= 8) or 1..8 */
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    p.input_bits = -1;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    p.input_bits = 8;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_OK);
    p.input_bits = 0;
    rq.pre_shift = NULL; /* pre_shift is required like shift */
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_NULL_POINTER);
    rq.pre_shift = pre;
    /* residual kind without data, or without multipliers or pre-shifts */
    EXPECT(te_conv2d(&p, x, w, 8, &rq, res, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    rq.residual_multiplier = rm;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, res, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    rq.residual_multiplier = NULL;
    rq.residual_pre_shift = rpre;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, res, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    rq.residual_multiplier = rm;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, res, TE_ELEM_CODE, out, NULL), TE_OK);
    /* residual pre-shifts 0..62 */
    rpre[1] = 62;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, res, TE_ELEM_CODE, out, NULL), TE_OK);
    rpre[1] = 63;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, res, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_OK); /* not read */
    rpre[1] = -1;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, res, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    rpre[1] = 0;
    rm[1] = -(1 << 30);
    EXPECT(te_conv2d(&p, x, w, 8, &rq, res, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    rm[1] = 1;
    res.data = NULL;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, res, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    res.data = x;
    res.kind = (te_elem)7;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, res, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    res.kind = TE_ELEM_INT32;
    res.data = x + 1; /* misaligned int32 */
    EXPECT(te_conv2d(&p, x, w, 8, &rq, res, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    /* output kind and clamp range */
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_NONE, out, NULL), TE_ERR_BAD_PARAMS);
    rq.hi = 256;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_INT32, out, NULL), TE_OK);
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_INT32, (uint8_t *)out + 2, NULL), TE_ERR_BAD_PARAMS);
    rq.lo = 300;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_INT32, out, NULL), TE_ERR_BAD_PARAMS);
    rq.lo = 0;
    rq.hi = 255;
    /* table ranges */
    sh[1] = 0;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    sh[1] = 63;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    sh[1] = 62;
    mult[1] = 1 << 30;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    mult[1] = 1;
    pre[1] = -1;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    pre[1] = 63;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    pre[1] = 62;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_OK);
    pre[1] = 0;
    bias[1] = -((int64_t)1 << 61);
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_OK);
    bias[1] = -((int64_t)1 << 61) - 1;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    bias[1] = ((int64_t)1 << 61) + 1;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    bias[1] = 0;
    EXPECT(te_conv2d(&p, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_OK);
    /* geometry */
    q = p; q.groups = 0;
    EXPECT(te_conv2d(&q, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    q = p; q.groups = 2; q.out.channels = 3;
    EXPECT(te_conv2d(&q, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    q = p; q.in.channels = 3; q.groups = 2;
    EXPECT(te_conv2d(&q, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    q = p; q.in.height = 0;
    EXPECT(te_conv2d(&q, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    q = p; q.out.width = -1;
    EXPECT(te_conv2d(&q, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    q = p; q.stride_h = 0;
    EXPECT(te_conv2d(&q, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    q = p; q.kernel_w = 0;
    EXPECT(te_conv2d(&q, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    q = p; q.pad_top = 1; /* pad must stay below the kernel */
    EXPECT(te_conv2d(&q, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    q = p; q.pad_left = -1;
    EXPECT(te_conv2d(&q, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    q = p; q.out.height = 3; /* the last window would start past the input */
    EXPECT(te_conv2d(&q, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);
    q = p; q.in.height = 65536; q.in.width = 65536; /* more elements than int32 indexes */
    EXPECT(te_conv2d(&q, x, w, 8, &rq, none, TE_ELEM_CODE, out, NULL), TE_ERR_BAD_PARAMS);

    /* dense */
    rq.residual_multiplier = NULL;
    EXPECT(te_dense(4, 2, x, w, 8, &rq, none, TE_ELEM_CODE, out), TE_OK);
    EXPECT(te_dense(4, 2, NULL, w, 8, &rq, none, TE_ELEM_CODE, out), TE_ERR_NULL_POINTER);
    EXPECT(te_dense(4, 2, x, NULL, 8, &rq, none, TE_ELEM_CODE, out), TE_ERR_NULL_POINTER);
    EXPECT(te_dense(4, 2, x, w, 8, NULL, none, TE_ELEM_CODE, out), TE_ERR_NULL_POINTER);
    EXPECT(te_dense(4, 2, x, w, 8, &rq, none, TE_ELEM_CODE, NULL), TE_ERR_NULL_POINTER);
    rq.shift = NULL;
    EXPECT(te_dense(4, 2, x, w, 8, &rq, none, TE_ELEM_CODE, out), TE_ERR_NULL_POINTER);
    rq.shift = sh;
    rq.pre_shift = NULL;
    EXPECT(te_dense(4, 2, x, w, 8, &rq, none, TE_ELEM_CODE, out), TE_ERR_NULL_POINTER);
    rq.pre_shift = pre;
    pre[0] = 63;
    EXPECT(te_dense(4, 2, x, w, 8, &rq, none, TE_ELEM_CODE, out), TE_ERR_BAD_PARAMS);
    pre[0] = 0;
    EXPECT(te_dense(4, 2, x, w, 0, &rq, none, TE_ELEM_CODE, out), TE_ERR_BAD_BITS);
    EXPECT(te_dense(4, 2, x, w, 9, &rq, none, TE_ELEM_CODE, out), TE_ERR_BAD_BITS);
    EXPECT(te_dense(0, 2, x, w, 8, &rq, none, TE_ELEM_CODE, out), TE_ERR_BAD_PARAMS);
    EXPECT(te_dense(4, -2, x, w, 8, &rq, none, TE_ELEM_CODE, out), TE_ERR_BAD_PARAMS);
    EXPECT(te_dense_lanes(4, 2, x, w, 8, &rq, none, TE_ELEM_CODE, out), TE_OK);
    EXPECT(te_dense_lanes(4, 2, NULL, w, 8, &rq, none, TE_ELEM_CODE, out), TE_ERR_NULL_POINTER);
    EXPECT(te_dense_lanes(4, 2, x, w, 9, &rq, none, TE_ELEM_CODE, out), TE_ERR_BAD_BITS);
    EXPECT(te_dense_lanes(1025, 2, x, w, 8, &rq, none, TE_ELEM_CODE, out), TE_ERR_BAD_PARAMS);
    res.kind = TE_ELEM_CODE;
    res.data = x;
    rq.residual_pre_shift = NULL;
    EXPECT(te_dense(4, 2, x, w, 8, &rq, res, TE_ELEM_CODE, out), TE_ERR_BAD_PARAMS);
    rq.residual_multiplier = rm;
    EXPECT(te_dense(4, 2, x, w, 8, &rq, res, TE_ELEM_CODE, out), TE_ERR_BAD_PARAMS);
    rq.residual_pre_shift = rpre;
    EXPECT(te_dense(4, 2, x, w, 8, &rq, res, TE_ELEM_CODE, out), TE_OK);
    rpre[1] = 63;
    EXPECT(te_dense(4, 2, x, w, 8, &rq, res, TE_ELEM_CODE, out), TE_ERR_BAD_PARAMS);
    rpre[1] = 0;
}

/* ---------------------------------------------------------------------------------------------
 * Dense
 * ------------------------------------------------------------------------------------------- */

static void run_dense_case(te_rng *r, int32_t in_f, int32_t out_f, int32_t in_bits, int32_t case_id)
{
    uint32_t k;
    for (k = 1; k <= 8; ++k) {
        te_requant rq;
        te_operand res = pick_residual(r, out_f);
        te_elem out_kind = pick_output(r, &rq);
        int64_t bound = acc_bound(g_codes, out_f, in_f, k, (1 << in_bits) - 1);
        te_status st;
        if (bound >= ((int64_t)1 << 31)) {
            continue; /* the compiler would refuse this layer at this k */
        }
        fill_table(r, &rq, out_f, bound, res.kind != TE_ELEM_NONE);
        poison_outputs();
        ref_dense(in_f, out_f, g_input, g_codes, k, &rq, res, out_kind, g_ref);
        /* te_dense, or its variant for at most 1024 inputs, which refuses more */
        if (in_f <= 1024 && te_rng_chance(r, 1, 2)) {
            st = te_dense_lanes(in_f, out_f, g_input, g_codes, k, &rq, res, out_kind, g_out);
        } else {
            st = te_dense(in_f, out_f, g_input, g_codes, k, &rq, res, out_kind, g_out);
        }
        TE_CHECK(&g_tally, st == TE_OK, "dense case %" PRId32 " returned %d", case_id, (int)st);
        if (!compare_outputs(out_kind, out_f, "dense", case_id)) {
            printf("  in %" PRId32 " out %" PRId32 " k %u in_bits %" PRId32 "\n", in_f, out_f,
                   (unsigned)k, in_bits);
        }
    }
}

static void test_dense_random(te_rng *r)
{
    int32_t case_id;
    for (case_id = 0; case_id < TE_TEST_CASES; ++case_id) {
        /* now and then next to te_dense_lanes' 1024 */
        const int32_t in_f = case_id % 7 == 3 ? te_rng_range(r, 1000, 1050)
                             : te_rng_range(r, 1, case_id % 5 == 0 ? 700 : 70);
        const int32_t out_f = te_rng_range(r, 1, 40);
        const int32_t in_bits = te_rng_range(r, 1, 8);
        fill_input(r, g_input, in_f, in_bits);
        fill_codes(r, g_codes, in_f * out_f);
        run_dense_case(r, in_f, out_f, in_bits, case_id);
    }
}

/*
 * The modulo-2^32 split at its limits. 70000 inputs of 255 against codes 127/128 (s = -1/+1 at
 * k = 8): |acc| <= 17.85 M, far inside the bound, while 2 * sum(q x) is about 4.6e9 > 2^32. And
 * 33000 inputs of 255 against codes 255 or 0: acc = +-2,145,825,000, just below +-2^31.
 */
static void test_dense_limits(te_rng *r)
{
    int32_t i;
    /* the split wraps */
    for (i = 0; i < 70000; ++i) {
        g_input[i] = 255;
    }
    for (i = 0; i < 3 * 70000; ++i) {
        g_codes[i] = (uint8_t)(i % 3 == 0 ? 127 : 128);
    }
    run_dense_case(r, 70000, 3, 8, -1);
    /* acc next to +-2^31 */
    for (i = 0; i < 2 * 33000; ++i) {
        g_codes[i] = (uint8_t)(i < 33000 ? 255 : 0);
    }
    run_dense_case(r, 33000, 2, 8, -2);
}

/* ---------------------------------------------------------------------------------------------
 * Pooling
 * ------------------------------------------------------------------------------------------- */

static int pick_pool(te_rng *r, te_pool_params *p)
{
    const int global = te_rng_chance(r, 1, 6);
    p->in.height = te_rng_range(r, 1, 12);
    p->in.width = te_rng_range(r, 1, 12);
    p->in.channels = te_rng_range(r, 1, 37);
    p->out.channels = p->in.channels;
    if (global) {
        p->kernel_h = p->in.height;
        p->kernel_w = p->in.width;
        p->stride_h = p->stride_w = 1;
        p->pad_top = p->pad_left = 0;
        p->out.height = p->out.width = 1;
        return 1;
    }
    p->kernel_h = te_rng_range(r, 1, 4);
    p->kernel_w = te_rng_range(r, 1, 4);
    return pick_axis(r, p->in.height, p->kernel_h, 3, 3, &p->stride_h, &p->pad_top,
                     &p->out.height) &&
           pick_axis(r, p->in.width, p->kernel_w, 3, 3, &p->stride_w, &p->pad_left,
                     &p->out.width) &&
           p->out.height * p->out.width * p->out.channels <= MAX_OUT;
}

static void test_pool_random(te_rng *r)
{
    static int32_t mult[256];
    static int8_t shift[256];
    int32_t case_id = 0, done = 0;
    while (done < TE_TEST_CASES) {
        te_pool_params p;
        int32_t in_bits, out_bits, taps, d, count_include_pad, out_count;
        te_status st;
        case_id++;
        if (!pick_pool(r, &p)) {
            continue;
        }
        done++;
        in_bits = te_rng_range(r, 1, 8);
        out_bits = te_rng_range(r, 1, 8);
        out_count = p.out.height * p.out.width * p.out.channels;
        fill_input(r, g_input, p.in.height * p.in.width * p.in.channels, in_bits);

        /* max */
        poison_outputs();
        ref_pool(&p, 1, 0, NULL, NULL, 0, g_input, (uint8_t *)g_ref);
        st = te_maxpool(&p, g_input, (uint8_t *)g_out);
        TE_CHECK(&g_tally, st == TE_OK, "maxpool case %" PRId32 " returned %d", case_id, (int)st);
        compare_outputs(TE_ELEM_CODE, out_count, "maxpool", case_id);

        /* average: realistic multipliers (out_max / (in_max * d) in fixed point) or extreme */
        taps = p.kernel_h * p.kernel_w;
        for (d = 1; d <= taps; ++d) {
            if (te_rng_chance(r, 3, 4)) {
                int32_t sh = te_rng_range(r, 16, 24);
                int64_t m;
                do { /* the compiler's rule: the largest shift keeping the multiplier < 2^30 */
                    m = (((int64_t)(1 << out_bits) - 1) << sh) / (((1 << in_bits) - 1) * d);
                } while (m >= ((int64_t)1 << 30) && --sh > 1);
                shift[d - 1] = (int8_t)sh;
                mult[d - 1] = (int32_t)m;
            } else {
                shift[d - 1] = (int8_t)te_rng_range(r, 1, 62);
                mult[d - 1] = te_rng_range(r, -(1 << 30) + 1, (1 << 30) - 1);
            }
        }
        count_include_pad = te_rng_range(r, 0, 1);
        poison_outputs();
        ref_pool(&p, 0, count_include_pad, mult, shift, (1 << out_bits) - 1, g_input,
                 (uint8_t *)g_ref);
        /* with count_include_pad the kernel reads one entry, the whole window's */
        st = te_avgpool(&p, count_include_pad, count_include_pad ? mult + taps - 1 : mult,
                        count_include_pad ? shift + taps - 1 : shift, (1 << out_bits) - 1, g_input,
                        (uint8_t *)g_out);
        TE_CHECK(&g_tally, st == TE_OK, "avgpool case %" PRId32 " returned %d", case_id, (int)st);
        compare_outputs(TE_ELEM_CODE, out_count, "avgpool", case_id);
    }
}

/* te_avgpool_global against the naive pool of one window over the whole input, and its errors. */
static void test_avgpool_global(te_rng *r)
{
    static int32_t mult[144]; /* ref_pool reads the whole window's entry, [H * W - 1] */
    static int8_t shift[144];
    int32_t case_id;
    for (case_id = 1; case_id <= TE_TEST_CASES; ++case_id) {
        te_pool_params p;
        const int32_t in_bits = te_rng_range(r, 1, 8), out_bits = te_rng_range(r, 1, 8);
        te_status st;
        p.in.height = te_rng_range(r, 1, 12);
        p.in.width = te_rng_range(r, 1, 12);
        p.in.channels = te_rng_range(r, 1, 40);
        p.out.height = p.out.width = 1;
        p.out.channels = p.in.channels;
        p.kernel_h = p.in.height;
        p.kernel_w = p.in.width;
        p.stride_h = p.stride_w = 1;
        p.pad_top = p.pad_left = 0;
        const int32_t w = p.in.height * p.in.width - 1;
        fill_input(r, g_input, p.in.height * p.in.width * p.in.channels, in_bits);
        if (te_rng_chance(r, 3, 4)) {
            int32_t sh = te_rng_range(r, 16, 24);
            int64_t m;
            do {
                m = (((int64_t)(1 << out_bits) - 1) << sh) /
                    (((1 << in_bits) - 1) * p.kernel_h * p.kernel_w);
            } while (m >= ((int64_t)1 << 30) && --sh > 1);
            shift[w] = (int8_t)sh;
            mult[w] = (int32_t)m;
        } else {
            shift[w] = (int8_t)te_rng_range(r, 1, 62);
            mult[w] = te_rng_range(r, -(1 << 30) + 1, (1 << 30) - 1);
        }
        poison_outputs();
        ref_pool(&p, 0, 1, mult, shift, (1 << out_bits) - 1, g_input, (uint8_t *)g_ref);
        st = te_avgpool_global(p.in.height * p.in.width, p.in.channels, mult[w], shift[w],
                               (1 << out_bits) - 1, g_input, (uint8_t *)g_out);
        TE_CHECK(&g_tally, st == TE_OK, "avgpool_global case %" PRId32 " returned %d", case_id, (int)st);
        compare_outputs(TE_ELEM_CODE, p.in.channels, "avgpool_global", case_id);
    }
    TE_CHECK(&g_tally, te_avgpool_global(4, 4, 1, 1, 255, NULL, g_input) == TE_ERR_NULL_POINTER,
             "avgpool_global: NULL input accepted");
    TE_CHECK(&g_tally, te_avgpool_global(0, 4, 1, 1, 255, g_input, g_input + 64) == TE_ERR_BAD_PARAMS,
             "avgpool_global: 0 pixels accepted");
    TE_CHECK(&g_tally, te_avgpool_global(4, 4, 1, 0, 255, g_input, g_input + 64) == TE_ERR_BAD_PARAMS,
             "avgpool_global: shift 0 accepted");
    TE_CHECK(&g_tally, te_avgpool_global(4, 4, 1, 1, 256, g_input, g_input + 64) == TE_ERR_BAD_PARAMS,
             "avgpool_global: out_max 256 accepted");
    TE_CHECK(&g_tally, te_avgpool_global(INT32_MAX / 255 + 1, 1, 1, 1, 255, g_input, g_input + 64) ==
                           TE_ERR_BAD_PARAMS,
             "avgpool_global: a sum that overflows int32 accepted");
}

static void test_pool_errors(void)
{
    static const uint8_t x[16] = {0};
    static uint8_t out[16];
    int32_t mult[4] = {1, 1, 1, 1};
    int8_t sh[4] = {1, 1, 1, 1};
    te_pool_params p, q;
    memset(&p, 0, sizeof p);
    p.in.height = p.in.width = 2;
    p.in.channels = p.out.channels = 2;
    p.out.height = p.out.width = 1;
    p.kernel_h = p.kernel_w = 2;
    p.stride_h = p.stride_w = 2;
    EXPECT(te_maxpool(&p, x, out), TE_OK);
    EXPECT(te_maxpool(NULL, x, out), TE_ERR_NULL_POINTER);
    EXPECT(te_maxpool(&p, NULL, out), TE_ERR_NULL_POINTER);
    EXPECT(te_maxpool(&p, x, NULL), TE_ERR_NULL_POINTER);
    q = p; q.out.channels = 3;
    EXPECT(te_maxpool(&q, x, out), TE_ERR_BAD_PARAMS);
    q = p; q.pad_top = 2;
    EXPECT(te_maxpool(&q, x, out), TE_ERR_BAD_PARAMS);
    q = p; q.out.width = 2; /* the second window would lie in the padding only */
    EXPECT(te_maxpool(&q, x, out), TE_ERR_BAD_PARAMS);
    EXPECT(te_avgpool(&p, 1, mult, sh, 255, x, out), TE_OK);
    EXPECT(te_avgpool(&p, 1, NULL, sh, 255, x, out), TE_ERR_NULL_POINTER);
    EXPECT(te_avgpool(&p, 1, mult, NULL, 255, x, out), TE_ERR_NULL_POINTER);
    EXPECT(te_avgpool(&p, 1, mult, sh, 256, x, out), TE_ERR_BAD_PARAMS);
    EXPECT(te_avgpool(&p, 1, mult, sh, -1, x, out), TE_ERR_BAD_PARAMS);
    sh[3] = 0;
    EXPECT(te_avgpool(&p, 0, mult, sh, 255, x, out), TE_ERR_BAD_PARAMS);
    EXPECT(te_avgpool(&p, 1, mult, sh, 255, x, out), TE_OK); /* one entry read */
    sh[3] = 1;
    sh[0] = 0;
    EXPECT(te_avgpool(&p, 1, mult, sh, 255, x, out), TE_ERR_BAD_PARAMS);
    sh[0] = 1;
    mult[3] = -(1 << 30);
    EXPECT(te_avgpool(&p, 0, mult, sh, 255, x, out), TE_ERR_BAD_PARAMS);
    mult[3] = 1;
    mult[0] = -(1 << 30);
    EXPECT(te_avgpool(&p, 1, mult, sh, 255, x, out), TE_ERR_BAD_PARAMS);
}

/* ---------------------------------------------------------------------------------------------
 * Add
 * ------------------------------------------------------------------------------------------- */

static te_operand pick_add_operand(te_rng *r, int32_t count, uint8_t *codes, int32_t *ints)
{
    te_operand t;
    int32_t i;
    if (te_rng_chance(r, 2, 3)) {
        fill_input(r, codes, count, te_rng_range(r, 1, 8));
        t.kind = TE_ELEM_CODE;
        t.data = codes;
    } else {
        const int wide = te_rng_chance(r, 1, 3);
        for (i = 0; i < count; ++i) {
            ints[i] = wide ? (int32_t)te_rng_next(r) : te_rng_range(r, -70000, 70000);
        }
        t.kind = TE_ELEM_INT32;
        t.data = ints;
    }
    return t;
}

static void test_add_random(te_rng *r)
{
    int32_t case_id;
    for (case_id = 0; case_id < TE_TEST_CASES; ++case_id) {
        const int32_t count = te_rng_range(r, 1, 500);
        te_operand a = pick_add_operand(r, count, g_input, g_res_i32);
        te_operand b = pick_add_operand(r, count, g_in_b, g_in_b_i32);
        const int realistic = te_rng_chance(r, 2, 3);
        const int32_t shift = realistic ? te_rng_range(r, 10, 30) : te_rng_range(r, 1, 62);
        const int32_t ma = realistic ? te_rng_range(r, 0, 1 << 20) :
                                       te_rng_range(r, -(1 << 30) + 1, (1 << 30) - 1);
        const int32_t mb = realistic ? te_rng_range(r, -(1 << 12), 1 << 20) :
                                       te_rng_range(r, -(1 << 30) + 1, (1 << 30) - 1);
        const int32_t hi = (1 << te_rng_range(r, 1, 8)) - 1;
        const int32_t lo = te_rng_chance(r, 1, 5) ? te_rng_range(r, 0, hi) : 0;
        te_status st;
        poison_outputs();
        ref_add(count, a, ma, b, mb, shift, lo, hi, (uint8_t *)g_ref);
        st = te_add(count, a, ma, b, mb, shift, lo, hi, (uint8_t *)g_out);
        TE_CHECK(&g_tally, st == TE_OK, "add case %" PRId32 " returned %d", case_id, (int)st);
        compare_outputs(TE_ELEM_CODE, count, "add", case_id);
        if (a.kind == TE_ELEM_CODE && case_id % 4 == 0) {
            /* in place: the output is operand a's buffer */
            st = te_add(count, a, ma, b, mb, shift, lo, hi, g_input);
            TE_CHECK(&g_tally, st == TE_OK && memcmp(g_input, g_ref, (size_t)count) == 0,
                     "in-place add case %" PRId32, case_id);
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * Round half to even: AvgPool and Add of codes against exact rationals
 * ------------------------------------------------------------------------------------------- */

/* num / den (num >= 0, den > 0) to nearest, ties to even: ONNX QuantizeLinear's rounding. */
static int32_t exact_round_half_even(int64_t num, int64_t den)
{
    const int64_t q = num / den, twice_rem = 2 * (num % den);
    return (int32_t)(twice_rem > den || (twice_rem == den && (q & 1) != 0) ? q + 1 : q);
}

/* The compiler's multiplier (FixedPoint.Choose, roundUp): the largest shift keeping every
 * ceil(num_i * 2^shift / den_i) below 2^30; computed exactly (num_i * 2^shift < 2^45 here). */
static int32_t compiler_shift(const int64_t *num, const int64_t *den, int32_t n)
{
    int32_t sh = 62, i;
    for (i = 0; i < n; ++i) {
        const int64_t room = (((int64_t)1 << 30) - 1) * den[i] / num[i]; /* 2^sh <= room */
        int32_t s = 0;
        while (s < 62 && ((int64_t)1 << (s + 1)) <= room) {
            s++;
        }
        sh = s < sh ? s : sh;
    }
    return sh;
}

static int32_t ceil_multiplier(int64_t num, int64_t den, int32_t sh)
{
    return (int32_t)(((num << sh) + den - 1) / den);
}

/*
 * With the compiler's multipliers (rounded up) and shifts, te_avgpool_global and te_add of two
 * code tensors give round_half_even(real value) on every sum: the rule of
 * docs/integer-semantics.md, checked against exact rationals rather than the kernels' formula.
 * Averages land on exact halves (ties, to even); sums of two codes never do (Qa Qb is odd), so
 * te_add rounds half up and must still agree.
 */
static void test_round_half_even(te_rng *r)
{
    static const int32_t windows[] = {1, 2, 3, 4, 5, 6, 8, 9, 12, 16, 25, 36, 49, 64};
    int32_t bi, bo, wi, i, ties = 0, checked = 0;
    for (bi = 1; bi <= 8; ++bi) {
        for (bo = 1; bo <= 8; ++bo) {
            const int64_t qi = (1 << bi) - 1, qo = (1 << bo) - 1;
            for (wi = 0; wi < (int32_t)(sizeof windows / sizeof windows[0]); ++wi) {
                const int32_t n = windows[wi];
                const int64_t den = qi * n;
                const int32_t sh = compiler_shift(&qo, &den, 1);
                const int32_t m = ceil_multiplier(qo, den, sh);
                const int32_t channels = 64;
                int32_t c, p;
                if (((int64_t)1 << sh) <= 2 * den * den) {
                    continue; /* the compiler refuses such a window (TE2064) */
                }
                /* channel c's sum: every value 0..qi*n for small windows, else random, half of
                 * them forced to a tie when one exists (2 qo sum + den = 0 mod 2 den) */
                for (c = 0; c < channels; ++c) {
                    int32_t sum = (int32_t)(den < channels ? c % (den + 1) : te_rng_range(r, 0, (int32_t)den));
                    if (c % 2 == 1) {
                        int32_t t;
                        for (t = 0; t <= (int32_t)den; ++t) {
                            if ((2 * qo * t + den) % (2 * den) == 0 && te_rng_chance(r, 1, 2)) {
                                sum = t;
                                break;
                            }
                        }
                    }
                    ties += (2 * qo * sum + den) % (2 * den) == 0;
                    for (p = 0; p < n; ++p) { /* spread sum over the n pixels, each <= qi */
                        const int32_t v = sum > qi ? (int32_t)qi : sum;
                        g_input[p * channels + c] = (uint8_t)v;
                        sum -= v;
                    }
                }
                TE_CHECK(&g_tally, te_avgpool_global(n, channels, m, sh, (int32_t)qo, g_input, g_in_b) == TE_OK,
                         "round half even: avgpool_global failed");
                for (c = 0; c < channels; ++c) {
                    int32_t sum = 0, want;
                    for (p = 0; p < n; ++p) {
                        sum += g_input[p * channels + c];
                    }
                    want = exact_round_half_even(qo * sum, den);
                    want = want > qo ? (int32_t)qo : want;
                    checked++;
                    TE_CHECK(&g_tally, g_in_b[c] == want,
                             "round half even: avgpool of %" PRId32 " codes (%" PRId32 " -> %" PRId32
                             " bits), sum %" PRId32 ": %d, want %" PRId32,
                             n, bi, bo, sum, (int)g_in_b[c], want);
                }
            }
            /* Add of a bi-bit and a bj-bit code tensor to bo bits: qo (a / qa + b / qb) */
            {
                const int64_t qa = qi, qb = (1 << te_rng_range(r, 1, 8)) - 1;
                const int64_t nums[2] = {qo, qo}, dens[2] = {qa, qb};
                const int32_t sh = compiler_shift(nums, dens, 2);
                const int32_t ma = ceil_multiplier(qo, qa, sh), mb = ceil_multiplier(qo, qb, sh);
                const int32_t count = 400;
                te_operand a, b;
                TE_CHECK(&g_tally, ((int64_t)1 << sh) > 2 * qa * qb * (qa + qb),
                         "round half even: add shift %" PRId32 " too small to round exactly", sh);
                for (i = 0; i < count; ++i) {
                    g_input[i] = (uint8_t)te_rng_range(r, 0, (int32_t)qa);
                    g_in_b[i] = (uint8_t)te_rng_range(r, 0, (int32_t)qb);
                }
                a.kind = b.kind = TE_ELEM_CODE;
                a.data = g_input;
                b.data = g_in_b;
                TE_CHECK(&g_tally, te_add(count, a, ma, b, mb, sh, 0, (int32_t)qo, (uint8_t *)g_out) == TE_OK,
                         "round half even: add failed");
                for (i = 0; i < count; ++i) {
                    const int64_t num = qo * (g_input[i] * qb + g_in_b[i] * qa), den = qa * qb;
                    int32_t want = exact_round_half_even(num, den);
                    want = want > qo ? (int32_t)qo : want;
                    checked++;
                    TE_CHECK(&g_tally, ((uint8_t *)g_out)[i] == want,
                             "round half even: add %d/%" PRId64 " + %d/%" PRId64 " to %" PRId32 " bits: %d, want %" PRId32,
                             (int)g_input[i], qa, (int)g_in_b[i], qb, bo, (int)((uint8_t *)g_out)[i], want);
                }
            }
        }
    }
    printf("round half even: %" PRId32 " ties among %" PRId32 " values\n", ties, checked);
    TE_CHECK(&g_tally, ties > 1000, "round half even: only %" PRId32 " ties among %" PRId32 " values", ties, checked);
}

static void test_add_errors(void)
{
    static const uint8_t x[16] = {0};
    static const int32_t xi[4] = {0};
    static uint8_t out[16];
    te_operand a, b, bad;
    a.kind = TE_ELEM_CODE;
    a.data = x;
    b.kind = TE_ELEM_INT32;
    b.data = xi;
    EXPECT(te_add(4, a, 1, b, 1, 1, 0, 255, out), TE_OK);
    EXPECT(te_add(4, a, 1, b, 1, 1, 0, 255, NULL), TE_ERR_NULL_POINTER);
    bad = a;
    bad.data = NULL;
    EXPECT(te_add(4, bad, 1, b, 1, 1, 0, 255, out), TE_ERR_NULL_POINTER);
    bad = a;
    bad.kind = TE_ELEM_NONE;
    EXPECT(te_add(4, bad, 1, b, 1, 1, 0, 255, out), TE_ERR_BAD_PARAMS);
    bad = b;
    bad.data = x + 1;
    EXPECT(te_add(4, a, 1, bad, 1, 1, 0, 255, out), TE_ERR_BAD_PARAMS);
    EXPECT(te_add(0, a, 1, b, 1, 1, 0, 255, out), TE_ERR_BAD_PARAMS);
    EXPECT(te_add(4, a, 1, b, 1, 0, 0, 255, out), TE_ERR_BAD_PARAMS);
    EXPECT(te_add(4, a, 1, b, 1, 63, 0, 255, out), TE_ERR_BAD_PARAMS);
    EXPECT(te_add(4, a, 1 << 30, b, 1, 1, 0, 255, out), TE_ERR_BAD_PARAMS);
    EXPECT(te_add(4, a, 1, b, 1, 1, 5, 4, out), TE_ERR_BAD_PARAMS);
    EXPECT(te_add(4, a, 1, b, 1, 1, 0, 256, out), TE_ERR_BAD_PARAMS);
    EXPECT(te_add(4, a, 1, b, 1, 1, -1, 255, out), TE_ERR_BAD_PARAMS);
}

/* ---------------------------------------------------------------------------------------------
 * Path coverage: every fast path must have run on these inputs
 * ------------------------------------------------------------------------------------------- */
static void check_paths(void)
{
    int32_t i;
    for (i = 0; i < (int32_t)TE_PATH_COUNT; ++i) {
#if !defined(TE_DSP)
        if (i == (int32_t)TE_PATH_DOT_DSP || i == (int32_t)TE_PATH_CONV_DEPTHWISE_QUADS ||
            i == (int32_t)TE_PATH_DENSE_DSP || i == (int32_t)TE_PATH_CONV_BLOCK_PACKED) {
            TE_CHECK(&g_tally, te_test_path_hits[i] == 0u, "DSP path ran without DSP");
            continue;
        }
#endif
#if defined(__ARM_ARCH_6M__) && !(defined(TE_CONV_BLOCK_PATH) && TE_CONV_BLOCK_PATH)
        /* Armv6-M leaves the block path out by default (te_conv2d.c: slower than rows there) */
        if (i == (int32_t)TE_PATH_CONV_BLOCK || i == (int32_t)TE_PATH_CONV_BLOCK_BUFFER ||
            i == (int32_t)TE_PATH_CONV_BLOCK_PAIR) {
            TE_CHECK(&g_tally, te_test_path_hits[i] == 0u, "block path ran on Armv6-M");
            continue;
        }
#endif
#if defined(TE_DSP)
        if (i == (int32_t)TE_PATH_CONV_FIELDS) {
            TE_CHECK(&g_tally, te_test_path_hits[i] == 0u, "field path ran with DSP");
            continue;
        }
#endif
        /* each target has one kind of block kernel: plain C (host, RISC-V, Cortex-M0), UMLAL
         * (Armv7-M without DSP: Cortex-M3) or DSP (the dot DSP path) */
#if defined(TE_THUMB2)
        if (i == (int32_t)TE_PATH_CONV_BLOCK_PAIR) {
            continue;
        }
#endif
#if !(defined(TE_THUMB2)) || defined(TE_DSP)
        if (i == (int32_t)TE_PATH_CONV_BLOCK_UMLAL) {
            TE_CHECK(&g_tally, te_test_path_hits[i] == 0u, "UMLAL path ran on another target");
            continue;
        }
#endif
        printf("  path %-20s %10" PRIu32 "\n", path_names[i], te_test_path_hits[i]);
        TE_CHECK(&g_tally, te_test_path_hits[i] > 0u, "path '%s' never ran", path_names[i]);
    }
}

/* ---------------------------------------------------------------------------------------------
 * te_unpack_codes against a packer written here from the layout's definition (docs/emitted-c.md,
 * "Packed weight storage"): random codes, every store_bits S and every weight_bits k <= S
 * ------------------------------------------------------------------------------------------- */
#define MAX_PACK_CODES 4096
static uint32_t g_packed[MAX_PACK_CODES / 32 * 8];
static uint32_t g_unpacked_words[(MAX_PACK_CODES + GUARD) / 4]; /* 4-byte aligned bytes */
static uint8_t g_pack_codes[MAX_PACK_CODES];

/* Part p of width w covers code bits [8 - o - w, 8 - o); code n of block b sits in word
 * n / 4 / (8 / w) of the block's part, byte lane n % 4, field (n / 4) % (8 / w). */
static void ref_pack(const uint8_t *codes, uint32_t count, uint32_t s, uint32_t *packed)
{
    const uint32_t blocks = (count + 31u) / 32u;
    uint32_t o = 0u, i;
    memset(packed, 0, (size_t)blocks * s * 4u);
    while (o < s) {
        const uint32_t left = s - o;
        const uint32_t w = left >= 8u ? 8u : left >= 4u ? 4u : left >= 2u ? 2u : 1u;
        for (i = 0; i < blocks * 32u; ++i) {
            const uint32_t c = i < count ? codes[i] : 0u;
            const uint32_t n = i % 32u, field = n / 4u;
            const uint32_t word = field / (8u / w), j = field % (8u / w);
            const uint32_t v = (c >> (8u - o - w)) & ((1u << w) - 1u);
            packed[blocks * o + (i / 32u) * w + word] |= v << (8u * (n % 4u) + w * j);
        }
        o += w;
    }
}

static void test_unpack_random(te_rng *r)
{
    uint8_t *out = (uint8_t *)(void *)g_unpacked_words;
    int32_t t;
    for (t = 0; t < TE_TEST_CASES; ++t) {
        const uint32_t count = (uint32_t)(te_rng_chance(r, 1u, 4u) ? te_rng_range(r, 1, 70)
                                                                   : te_rng_range(r, 1, MAX_PACK_CODES));
        const uint32_t s = (uint32_t)te_rng_range(r, 1, 8);
        const uint32_t k = (uint32_t)te_rng_range(r, 1, (int32_t)s);
        const uint32_t padded = (count + 31u) / 32u * 32u;
        const uint32_t keep = 0xFFu << (8u - k) & 0xFFu, stored = 0xFFu << (8u - s) & 0xFFu;
        uint32_t i, bad = 0u, extra = 0u, low = 0u;
        te_status st;
        for (i = 0; i < count; ++i) {
            g_pack_codes[i] = (uint8_t)te_rng_next(r);
        }
        ref_pack(g_pack_codes, count, s, g_packed);
        memset(out, GUARD_BYTE, sizeof g_unpacked_words);
        st = te_unpack_codes(g_packed, s, k, count, 0u, count, out);
        TE_CHECK(&g_tally, st == TE_OK, "unpack S=%u k=%u count=%u: status %d", (unsigned)s,
                 (unsigned)k, (unsigned)count, (int)st);
        for (i = 0; i < count; ++i) {
            bad += ((uint32_t)out[i] & keep) != ((uint32_t)g_pack_codes[i] & keep);
            /* at k = S every bit is determined: the stored bits, zeros below */
            low += k == s && (uint32_t)out[i] != ((uint32_t)g_pack_codes[i] & stored);
        }
        for (i = count; i < padded; ++i) {
            bad += ((uint32_t)out[i] & keep) != 0u; /* the padding codes are 0 */
        }
        for (i = padded; i < sizeof g_unpacked_words && i < padded + GUARD; ++i) {
            extra += out[i] != GUARD_BYTE;
        }
        TE_CHECK(&g_tally, bad == 0u && low == 0u && extra == 0u,
                 "unpack S=%u k=%u count=%u: %u codes differ in their top k bits, %u at k = S, "
                 "%u bytes written past the padded count",
                 (unsigned)s, (unsigned)k, (unsigned)count, (unsigned)bad, (unsigned)low,
                 (unsigned)extra);
    }
}

static void test_unpack_errors(void)
{
    uint8_t *out = (uint8_t *)(void *)g_unpacked_words;
    memset(g_packed, 0, sizeof g_packed);
    TE_CHECK(&g_tally, te_unpack_codes(NULL, 4u, 4u, 32u, 0u, 32u, out) == TE_ERR_NULL_POINTER, "NULL packed");
    TE_CHECK(&g_tally, te_unpack_codes(g_packed, 4u, 4u, 32u, 0u, 32u, NULL) == TE_ERR_NULL_POINTER, "NULL codes");
    TE_CHECK(&g_tally, te_unpack_codes(g_packed, 0u, 1u, 32u, 0u, 32u, out) == TE_ERR_BAD_BITS, "S = 0");
    TE_CHECK(&g_tally, te_unpack_codes(g_packed, 9u, 8u, 32u, 0u, 32u, out) == TE_ERR_BAD_BITS, "S = 9");
    TE_CHECK(&g_tally, te_unpack_codes(g_packed, 4u, 0u, 32u, 0u, 32u, out) == TE_ERR_BAD_BITS, "k = 0");
    TE_CHECK(&g_tally, te_unpack_codes(g_packed, 4u, 5u, 32u, 0u, 32u, out) == TE_ERR_BAD_BITS, "k > S");
    TE_CHECK(&g_tally, te_unpack_codes(g_packed, 4u, 4u, 0u, 0u, 1u, out) == TE_ERR_BAD_PARAMS, "count 0");
    TE_CHECK(&g_tally, te_unpack_codes(g_packed, 4u, 4u, 64u, 0u, 0u, out) == TE_ERR_BAD_PARAMS, "n 0");
    TE_CHECK(&g_tally, te_unpack_codes(g_packed, 4u, 4u, 64u, 16u, 32u, out) == TE_ERR_BAD_PARAMS,
             "first not a multiple of 32");
    TE_CHECK(&g_tally, te_unpack_codes(g_packed, 4u, 4u, 64u, 32u, 33u, out) == TE_ERR_BAD_PARAMS,
             "range past the layer");
    TE_CHECK(&g_tally, te_unpack_codes(g_packed, 4u, 4u, 32u, 0u, 32u, out + 1) == TE_ERR_BAD_PARAMS,
             "unaligned codes");
}

/* ---------------------------------------------------------------------------------------------
 * te_conv2d_packed and te_dense_packed against the naive references on the 8-bit codes, at a
 * random S and k <= S, with random group sizes (some >= the channel count: the layer at once)
 * ------------------------------------------------------------------------------------------- */
#define MAX_PACKED_LAYER 16384
#define MAX_PACKED_OUT 4096
#define WORK_WORDS ((MAX_PACKED_LAYER + 32 + 2 * 4 * MAX_PACKED_OUT) / 4)
static uint32_t g_layer_packed[MAX_PACKED_LAYER / 32 * 8 + 8];
static uint32_t g_work[WORK_WORDS + SCRATCH_GUARD];

/* A group size whose codes start every group on a block of 32 codes, or one >= channels. */
static uint32_t pick_chunk(te_rng *r, int32_t channels, int32_t per_channel)
{
    uint32_t align = 32u;
    while (align > 1u && ((uint32_t)per_channel * (align / 2u)) % 32u == 0u) {
        align /= 2u;
    }
    return align * (uint32_t)te_rng_range(r, 1, (channels + (int32_t)align - 1) / (int32_t)align + 1);
}

static void arm_work(uint32_t bytes)
{
    uint32_t i;
    for (i = bytes / 4u; i < bytes / 4u + SCRATCH_GUARD; ++i) {
        g_work[i] = 0xA5A5A5A5u;
    }
}

static int work_guard_ok(uint32_t bytes)
{
    uint32_t i;
    for (i = bytes / 4u; i < bytes / 4u + SCRATCH_GUARD; ++i) {
        if (g_work[i] != 0xA5A5A5A5u) {
            return 0;
        }
    }
    return 1;
}

static void test_packed_random(te_rng *r)
{
    int32_t case_id = 0, done = 0;
    while (done < TE_TEST_CASES) {
        te_conv_params p;
        te_scratch scratch;
        te_requant rq;
        te_operand res;
        te_elem out_kind;
        int32_t in_bits, out_count, per_channel, count;
        uint32_t s, k, chunk, work;
        te_status st;
        const int dense = te_rng_chance(r, 1u, 3u);
        case_id++;
        if (dense) {
            p.in.height = p.in.width = p.out.height = p.out.width = 1;
            /* rows on whole blocks half the time: the DSP's in-place 4-bit path */
            p.in.channels = te_rng_chance(r, 1, 2) ? 32 * te_rng_range(r, 1, 9) : te_rng_range(r, 1, 300);
            p.out.channels = te_rng_range(r, 1, 60);
            p.kernel_h = p.kernel_w = p.stride_h = p.stride_w = p.groups = 1;
            p.pad_top = p.pad_left = 0;
        } else if (!pick_conv(r, (shape_class)(case_id % (int32_t)SHAPE_COUNT), &p)) {
            continue;
        }
        per_channel = p.kernel_h * p.kernel_w * (p.in.channels / p.groups);
        count = p.out.channels * per_channel;
        out_count = p.out.height * p.out.width * p.out.channels;
        if (count > MAX_PACKED_LAYER || out_count > MAX_PACKED_OUT) {
            continue;
        }
        done++;
        in_bits = te_rng_range(r, 1, 8);
        p.input_bits = in_bits;
        fill_input(r, g_input, p.in.height * p.in.width * p.in.channels, in_bits);
        fill_codes(r, g_codes, count);
        s = dense && te_rng_chance(r, 1, 2) ? 4u : (uint32_t)te_rng_range(r, 1, 7);
        k = (uint32_t)te_rng_range(r, 1, (int32_t)s);
        ref_pack(g_codes, (uint32_t)count, s, g_layer_packed);
        res = pick_residual(r, out_count);
        out_kind = pick_output(r, &rq);
        if (acc_bound(g_codes, p.out.channels, per_channel, k, (1 << in_bits) - 1) >= ((int64_t)1 << 31)) {
            continue;
        }
        fill_table(r, &rq, p.out.channels,
                   acc_bound(g_codes, p.out.channels, per_channel, k, (1 << in_bits) - 1),
                   res.kind != TE_ELEM_NONE);
        chunk = pick_chunk(r, p.out.channels, per_channel);
        poison_outputs();
        if (dense) {
            ref_dense(p.in.channels, p.out.channels, g_input, g_codes, k, &rq, res, out_kind, g_ref);
            work = te_dense_packed_work_bytes(p.in.channels, p.out.channels, s, chunk);
            arm_work(work);
            /* an in-place layer needs no work: give it none half the time */
            st = te_dense_packed(p.in.channels, p.out.channels, g_input, g_layer_packed, s, k, &rq, res,
                                 out_kind, g_out, chunk,
                                 work == 0u && te_rng_chance(r, 1, 2) ? NULL : g_work, work);
        } else {
            ref_conv2d(&p, g_input, g_codes, k, &rq, res, out_kind, g_ref);
            work = te_conv2d_packed_work_bytes(&p, chunk, res.kind, out_kind);
            arm_work(work);
            const te_scratch *sp;
            const te_conv2d_fn kernel = pick_kernel(r, &p, &scratch, &sp);
            st = te_conv2d_packed(kernel, &p, g_input, g_layer_packed, s, k, &rq, res, out_kind, g_out,
                                  chunk, g_work, work, sp);
        }
        TE_CHECK(&g_tally, work <= WORK_WORDS * 4u, "test bug: work of %u bytes", (unsigned)work);
        TE_CHECK(&g_tally, st == TE_OK, "packed case %" PRId32 " returned %d", case_id, (int)st);
        TE_CHECK(&g_tally, work_guard_ok(work), "packed case %" PRId32 " wrote past its work", case_id);
        if (!compare_outputs(out_kind, out_count, dense ? "dense packed" : "conv packed", case_id)) {
            printf("  in %" PRId32 "x%" PRId32 "x%" PRId32 " out %" PRId32 "x%" PRId32 "x%" PRId32
                   " kernel %" PRId32 "x%" PRId32 " groups %" PRId32 " S %u k %u chunk %u residual %d\n",
                   p.in.height, p.in.width, p.in.channels, p.out.height, p.out.width, p.out.channels,
                   p.kernel_h, p.kernel_w, p.groups, (unsigned)s, (unsigned)k, (unsigned)chunk,
                   (int)res.kind);
        }
    }
}

/* A group size whose codes do not start on a block, a short work buffer: refused, nothing written. */
static void test_packed_errors(te_rng *r)
{
    te_conv_params p = {{4, 4, 3}, {4, 4, 8}, 3, 3, 1, 1, 1, 1, 1, 8};
    te_requant rq;
    const te_operand none = {TE_ELEM_NONE, NULL};
    te_elem out_kind = pick_output(r, &rq);
    uint32_t work;
    fill_codes(r, g_codes, 8 * 27);
    fill_table(r, &rq, 8, 255 * 27 * 255, 0);
    ref_pack(g_codes, 8u * 27u, 4u, g_layer_packed);
    poison_outputs();
    /* 27 codes a channel: groups of 32 channels start on blocks, groups of 2 do not */
    TE_CHECK(&g_tally, te_conv2d_packed(te_conv2d, &p, g_input, g_layer_packed, 4u, 4u, &rq, none, out_kind, g_out,
                                        2u, g_work, sizeof g_work, NULL) == TE_ERR_BAD_PARAMS,
             "group off a block");
    work = te_conv2d_packed_work_bytes(&p, 8u, TE_ELEM_NONE, out_kind);
    TE_CHECK(&g_tally, te_conv2d_packed(te_conv2d, &p, g_input, g_layer_packed, 4u, 4u, &rq, none, out_kind, g_out,
                                        8u, g_work, work - 4u, NULL) == TE_ERR_BAD_PARAMS, "short work");
    TE_CHECK(&g_tally, te_conv2d_packed(te_conv2d, &p, g_input, g_layer_packed, 4u, 5u, &rq, none, out_kind, g_out,
                                        8u, g_work, work, NULL) == TE_ERR_BAD_BITS, "k > S");
    TE_CHECK(&g_tally, te_dense_packed(27, 8, g_input, g_layer_packed, 4u, 4u, &rq, none, out_kind, g_out,
                                       3u, g_work, sizeof g_work) == TE_ERR_BAD_PARAMS, "dense group off a block");
    TE_CHECK(&g_tally, ((const uint8_t *)g_out)[0] == GUARD_BYTE, "a refused call wrote its output");
}

/* ---------------------------------------------------------------------------------------------
 * te_requant_expand: stored tables (one row shared by every k) against the formula of
 * truncedge.h, computed here in int64 without te_math.h's helpers.
 * ------------------------------------------------------------------------------------------- */
#define RQ_MAX_CH 70
static int32_t g_rq_bias[RQ_MAX_CH], g_rq_mult[RQ_MAX_CH], g_rq_rmult[RQ_MAX_CH];
static int8_t g_rq_pre[RQ_MAX_CH], g_rq_shift[RQ_MAX_CH], g_rq_rpre[RQ_MAX_CH];
static uint64_t g_rq_work[(64 + RQ_MAX_CH * 14 + 7) / 8 + 2];

static void test_requant_expand_random(te_rng *r)
{
    int32_t t;
    for (t = 0; t < TE_TEST_CASES; ++t) {
        const int32_t channels = te_rng_range(r, 1, RQ_MAX_CH);
        const int one_shift = te_rng_chance(r, 1u, 4u);
        te_requant_stored s;
        const te_requant *out = NULL;
        te_status st;
        int32_t c, bad = 0;
        s.bias_shift = (uint8_t)te_rng_range(r, 0, 40);
        s.shift_add = (uint8_t)te_rng_range(r, 0, 8);
        s.pre_add = (uint8_t)te_rng_range(r, 0, 8);
        s.factor = te_rng_chance(r, 1u, 8u) ? (int32_t)1 << 30 : te_rng_range(r, 1, (int32_t)1 << 30);
        if (one_shift) { /* one shift for the layer, in shift_add */
            s.shift_add = (uint8_t)te_rng_range(r, 1, 62);
        }
        for (c = 0; c < channels; ++c) {
            /* biases that stay within 2^61 once shifted */
            const int32_t bits = 61 - (int32_t)s.bias_shift; /* |b| <= 2^bits */
            const int32_t lim = bits >= 31 ? INT32_MAX : ((int32_t)1 << bits);
            g_rq_bias[c] = te_rng_range(r, -lim, lim);
            g_rq_mult[c] = te_rng_range(r, -((int32_t)1 << 30) + 1, ((int32_t)1 << 30) - 1);
            g_rq_pre[c] = (int8_t)te_rng_range(r, 0, 40);
            g_rq_shift[c] = (int8_t)te_rng_range(r, 1, 54);
            g_rq_rmult[c] = te_rng_range(r, -1000, 1000);
            g_rq_rpre[c] = (int8_t)te_rng_range(r, 0, 62);
        }
        s.bias = g_rq_bias;
        s.multiplier = g_rq_mult;
        s.pre_shift = te_rng_chance(r, 1u, 4u) ? NULL : g_rq_pre;
        s.shift = one_shift ? NULL : g_rq_shift;
        s.residual_multiplier = te_rng_chance(r, 1u, 2u) ? g_rq_rmult : NULL;
        s.residual_pre_shift = s.residual_multiplier != NULL ? g_rq_rpre : NULL;
        s.lo = te_rng_range(r, -100, 0);
        s.hi = te_rng_range(r, 0, 255);
        st = te_requant_expand(&s, channels, g_rq_work, (uint32_t)sizeof g_rq_work, &out);
        TE_CHECK(&g_tally, st == TE_OK, "requant_expand channels=%d: status %d", (int)channels, (int)st);
        if (st != TE_OK) {
            continue;
        }
        for (c = 0; c < channels; ++c) {
            const int64_t prod = (int64_t)g_rq_mult[c] * s.factor + ((int64_t)1 << 29);
            /* floor division by 2^30 of a possibly negative product */
            const int64_t m = prod >= 0 ? prod / ((int64_t)1 << 30)
                                        : -((-prod + ((int64_t)1 << 30) - 1) / ((int64_t)1 << 30));
            const int64_t b = (int64_t)g_rq_bias[c] * ((int64_t)1 << s.bias_shift);
            const int32_t p = (s.pre_shift != NULL ? g_rq_pre[c] : 0) + (int32_t)s.pre_add;
            bad += out->multiplier[c] != m || out->bias[c] != b || out->pre_shift[c] != p ||
                   out->shift[c] != (s.shift != NULL ? g_rq_shift[c] : 0) + (int32_t)s.shift_add;
        }
        TE_CHECK(&g_tally, bad == 0 && out == (const te_requant *)(void *)g_rq_work &&
                               out->residual_multiplier == s.residual_multiplier &&
                               out->residual_pre_shift == s.residual_pre_shift &&
                               out->lo == s.lo && out->hi == s.hi,
                 "requant_expand channels=%d factor=%d: %d channels differ", (int)channels,
                 (int)s.factor, (int)bad);
    }
}

/* te_mla64 (SMLAL on Armv7-M, four MULS on Armv6-M, a C multiply elsewhere) against the compiler's
 * own 64-bit multiply, at the edges and on random operands. */
static void test_mla64(te_rng *r)
{
    static const int32_t edge[] = {0, 1, -1, 2, -2, 0xFFFF, 0x10000, -0x10000, 0x7FFF, -0x8000,
                                   0x12345678, -0x12345678, INT32_MAX, INT32_MIN, INT32_MIN + 1};
    const int32_t ne = (int32_t)(sizeof edge / sizeof edge[0]);
    int32_t i, j, bad = 0;
    for (i = 0; i < ne * ne + 4000; ++i) {
        const int32_t a = i < ne * ne ? edge[i / ne] : (int32_t)(uint32_t)te_rng_next(r);
        const int32_t b = i < ne * ne ? edge[i % ne] : (int32_t)(uint32_t)te_rng_next(r);
        const int64_t acc = te_rng_chance(r, 1, 2) ? 0 : (int64_t)(te_rng_next(r) >> 2) - ((int64_t)1 << 61);
        const int64_t want = (int64_t)((uint64_t)acc + (uint64_t)((int64_t)a * (int64_t)b));
        j = te_mla64(acc, a, b) == want;
        if (!j && bad++ == 0) {
            TE_CHECK(&g_tally, 0, "te_mla64(%" PRId64 ", %" PRId32 ", %" PRId32 ")", acc, a, b);
        }
    }
    TE_CHECK(&g_tally, bad == 0, "te_mla64: %d of %d wrong", (int)bad, (int)(ne * ne + 4000));
}

static void test_requant_expand_errors(void)
{
    te_requant_stored s;
    const te_requant *out = NULL;
    int32_t c;
    for (c = 0; c < 4; ++c) {
        g_rq_bias[c] = 1;
        g_rq_mult[c] = 1 << 29;
        g_rq_shift[c] = 40;
    }
    memset(&s, 0, sizeof s);
    s.bias = g_rq_bias;
    s.multiplier = g_rq_mult;
    s.shift = g_rq_shift;
    s.factor = 1 << 30;
    TE_CHECK(&g_tally, te_requant_expand(&s, 4, g_rq_work, 120u, &out) == TE_OK, "valid stored table");
    TE_CHECK(&g_tally, te_requant_expand(NULL, 4, g_rq_work, 120u, &out) == TE_ERR_NULL_POINTER, "NULL table");
    TE_CHECK(&g_tally, te_requant_expand(&s, 4, NULL, 120u, &out) == TE_ERR_NULL_POINTER, "NULL work");
    TE_CHECK(&g_tally, te_requant_expand(&s, 4, g_rq_work, 112u, &out) == TE_ERR_BAD_PARAMS, "work too small");
    TE_CHECK(&g_tally, te_requant_expand(&s, 4, (uint8_t *)(void *)g_rq_work + 4, 120u, &out) == TE_ERR_BAD_PARAMS,
             "misaligned work");
    TE_CHECK(&g_tally, te_requant_expand(&s, 0, g_rq_work, 120u, &out) == TE_ERR_BAD_PARAMS, "no channels");
    s.factor = 0;
    TE_CHECK(&g_tally, te_requant_expand(&s, 4, g_rq_work, 120u, &out) == TE_ERR_BAD_PARAMS, "factor 0");
    s.factor = (1 << 30) + 1;
    TE_CHECK(&g_tally, te_requant_expand(&s, 4, g_rq_work, 120u, &out) == TE_ERR_BAD_PARAMS, "factor above 2^30");
    s.factor = 1 << 30;
    s.shift_add = 23u; /* 40 + 23 > 62 */
    TE_CHECK(&g_tally, te_requant_expand(&s, 4, g_rq_work, 120u, &out) == TE_ERR_BAD_PARAMS, "shift past 62");
    s.shift_add = 0u;
    s.bias_shift = 61u;
    g_rq_bias[3] = 2; /* 2 * 2^61 */
    TE_CHECK(&g_tally, te_requant_expand(&s, 4, g_rq_work, 120u, &out) == TE_ERR_BAD_PARAMS, "bias past 2^61");
    g_rq_bias[3] = -1;
    TE_CHECK(&g_tally, te_requant_expand(&s, 4, g_rq_work, 120u, &out) == TE_OK && out->bias[3] == -((int64_t)1 << 61),
             "bias of -2^61");
    s.bias_shift = 0u;
    s.pre_add = 63u;
    TE_CHECK(&g_tally, te_requant_expand(&s, 4, g_rq_work, 120u, &out) == TE_ERR_BAD_PARAMS, "pre-shift past 62");
    TE_CHECK(&g_tally, te_requant_work_bytes(4) == 120u && te_requant_work_bytes(5) == 136u &&
                           te_requant_work_bytes(0) == 0u, "work bytes");
}

int main(int argc, char **argv)
{
    te_rng rng;
    rng.state = 0x7E57u; /* bare-metal start-ups may pass no arguments, or odd ones */
    if (argc > 1 && argv[1] != NULL && argv[1][0] >= '0' && argv[1][0] <= '9') {
        rng.state = (uint64_t)strtoull(argv[1], NULL, 10);
    }
    printf("test_kernels: seed %" PRIu64 ", %d cases per kernel%s\n", rng.state, TE_TEST_CASES,
#if defined(TE_DSP)
           ", ARM DSP path"
#elif defined(TE_PORTABLE)
           ", plain C path (TE_PORTABLE)"
#else
           ", plain C path"
#endif
    );
    test_conv2d_errors();
    test_pool_errors();
    test_add_errors();
    test_conv2d_random(&rng);
    test_small_shifts(&rng, 1);
    test_small_shifts(&rng, 0);
    test_dense_random(&rng);
    test_dense_limits(&rng);
    test_pool_random(&rng);
    test_avgpool_global(&rng);
    test_add_random(&rng);
    test_round_half_even(&rng);
    test_unpack_errors();
    test_unpack_random(&rng);
    test_packed_errors(&rng);
    test_packed_random(&rng);
    test_requant_expand_errors();
    test_requant_expand_random(&rng);
    test_mla64(&rng);
    check_paths();
    return te_tally_report("kernels", &g_tally);
}
