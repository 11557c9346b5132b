/*
 * te_internal.h - private helpers shared by the kernels of runtime-c/src (not part of the API).
 *
 * Everything here is static inline: the kernels stay one object file each and a firmware build
 * that links only some of them pays only for what it uses.
 *
 * The dot products use the split of docs/integer-semantics.md:
 *
 *   acc = sum_i s_i * x_i = 2 * sum_i q_i * x_i - n * sum_i x_i,
 *   q_i = code_i >> (8 - k),  s_i = 2 q_i - n,  n = 2^k - 1,
 *
 * where q and x are unsigned, so the inner loops multiply unsigned bytes and sum(x) over a window
 * is shared by every output channel that reads the window. The two halves are not bounded by the
 * compiler's proof (sum |s| * x_max < 2^31 bounds acc, not 2 * sum(q x), which can reach
 * 255 * 2^32), so they are computed modulo 2^32 in uint32_t, where wrap-around is defined.
 * Because the true acc lies in (-2^31, 2^31), its value modulo 2^32 determines it, and
 * te_acc_from_u32 recovers it exactly. Every kernel therefore gets the same integer as the
 * direct signed sum, whatever the order of the MACs.
 */
#ifndef TE_INTERNAL_H
#define TE_INTERNAL_H

#include <stdint.h>

#include "te_math.h"
#include "truncedge.h"

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
/* Only the DSP path copies words; GCC and Clang need no libc header for it (freestanding). */
#if defined(__GNUC__)
#define TE_MEMCPY __builtin_memcpy
#else
#include <string.h>
#define TE_MEMCPY memcpy
#endif
#endif

/* ---------------------------------------------------------------------------------------------
 * Test hook: which fast path ran. Compiled to nothing unless the test build defines
 * TE_TEST_PATH_COUNTERS (then the test program owns the counter array). Firmware never has it.
 * ------------------------------------------------------------------------------------------- */
typedef enum {
    TE_PATH_CONV_GENERIC = 0,     /* any groups, clipped window, runs of in.channels / groups */
    TE_PATH_CONV_ROWS = 1,        /* groups == 1: each window row is one contiguous run */
    TE_PATH_CONV_POINTWISE = 2,   /* 1x1, no padding, groups == 1: a dense layer per pixel */
    TE_PATH_CONV_DEPTHWISE = 3,   /* one input channel per group, any kernel, border pixels */
    TE_PATH_CONV_DEPTHWISE_3X3 = 4, /* depthwise 3x3 interior pixel, unrolled */
    TE_PATH_DOT_DSP = 5,          /* the ARM DSP (SMLAD) dot product ran */
    TE_PATH_COUNT = 6
} te_path;

#if defined(TE_TEST_PATH_COUNTERS)
extern uint32_t te_test_path_hits[TE_PATH_COUNT];
#define TE_PATH_HIT(path) (te_test_path_hits[(path)] += 1u)
#else
#define TE_PATH_HIT(path) ((void)0)
#endif

/* Limits of docs/integer-semantics.md that keep the epilogue's int64 expression in range. */
#define TE_MULTIPLIER_LIMIT ((int32_t)1 << 30) /* |multiplier| < 2^30 */
#define TE_BIAS_LIMIT ((int64_t)1 << 61)       /* |bias| <= 2^61 */
#define TE_SHIFT_MIN 1
#define TE_SHIFT_MAX 62
#define TE_PRE_SHIFT_MIN 0                     /* pre_shift, residual_pre_shift: 0..62 */
#define TE_PRE_SHIFT_MAX 62

/* ---------------------------------------------------------------------------------------------
 * Small integer helpers
 * ------------------------------------------------------------------------------------------- */

/* The int32 whose value modulo 2^32 is u (exact for every u; compiles to nothing). */
static inline int32_t te_acc_from_u32(uint32_t u)
{
    return u <= (uint32_t)INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1;
}

/* acc = 2 * dot - n * xsum, evaluated modulo 2^32 (see the top of this file). */
static inline int32_t te_split_acc(uint32_t dot, uint32_t xsum, uint32_t n)
{
    return te_acc_from_u32(2u * dot - n * xsum);
}

static inline int32_t te_min_i32(int32_t a, int32_t b)
{
    return a < b ? a : b;
}

static inline int32_t te_max_i32(int32_t a, int32_t b)
{
    return a > b ? a : b;
}

/*
 * Clips the window of output position o along one axis: taps [*t0, *t1) of the kernel fall
 * inside [0, in_size), and tap t reads input index *base + t. An empty range (*t0 == *t1) is a
 * window entirely in the padding.
 */
static inline void te_clip_window(int32_t o, int32_t stride, int32_t pad, int32_t kernel,
                                  int32_t in_size, int32_t *t0, int32_t *t1, int32_t *base)
{
    int32_t start = o * stride - pad;
    *t0 = start < 0 ? -start : 0;
    *t1 = te_min_i32(kernel, in_size - start);
    if (*t1 < *t0) {
        *t1 = *t0; /* a window entirely in the padding: no taps */
    }
    *base = start;
}

/* Output positions o in [*lo, *hi) whose whole window lies inside the input (no clipping). */
static inline void te_interior_range(int32_t out_size, int32_t stride, int32_t pad, int32_t kernel,
                                     int32_t in_size, int32_t *lo, int32_t *hi)
{
    /* o * stride - pad >= 0  and  o * stride - pad + kernel <= in_size */
    int64_t first = ((int64_t)pad + stride - 1) / stride;
    int64_t last_num = (int64_t)in_size - kernel + pad;
    int64_t end = last_num < 0 ? 0 : last_num / stride + 1;
    *lo = (int32_t)(first < out_size ? first : out_size);
    *hi = (int32_t)(end < *lo ? *lo : (end < out_size ? end : out_size));
}

/*
 * One axis of a window geometry the runtime accepts: kernel and stride >= 1, 0 <= pad < kernel,
 * and every window overlaps the input ((out - 1) * stride - pad < in), so each output reads at
 * least one real element and the padding after the input is below kernel too. Also keeps every
 * position o * stride - pad + tap inside int32.
 */
static inline int te_window_ok(int32_t in, int32_t out, int32_t kernel, int32_t stride, int32_t pad)
{
    return kernel >= 1 && stride >= 1 && pad >= 0 && pad < kernel &&
           (int64_t)(out - 1) * stride - pad < (int64_t)in &&
           (int64_t)(out - 1) * stride + kernel <= (int64_t)INT32_MAX &&
           (int64_t)in + kernel <= (int64_t)INT32_MAX;
}

#if defined(__ARM_FEATURE_DSP)
/* Unaligned 32-bit load (one LDR on Cortex-M4/M7/M33); byte order does not matter because both
 * operands of a dot product are loaded the same way. */
static inline uint32_t te_read_u32(const uint8_t *p)
{
    uint32_t v;
    TE_MEMCPY(&v, p, sizeof v);
    return v;
}

/* GCC 12's arm_acle.h has no __ror. */
static inline uint32_t te_ror8(uint32_t v)
{
    return (v >> 8) | (v << 24);
}
#endif

/* ---------------------------------------------------------------------------------------------
 * Byte sums and dot products (all modulo 2^32)
 * ------------------------------------------------------------------------------------------- */

/* sum_{i < len} x[i] */
static inline uint32_t te_sum_u8(const uint8_t *x, int32_t len)
{
    uint32_t sum = 0;
    int32_t i = 0;
#if defined(__ARM_FEATURE_DSP)
    for (; i + 4 <= len; i += 4) {
        sum = __usada8(te_read_u32(x + i), 0u, sum);
    }
#else
    for (; i + 4 <= len; i += 4) {
        sum += (uint32_t)x[i] + (uint32_t)x[i + 1] + (uint32_t)x[i + 2] + (uint32_t)x[i + 3];
    }
#endif
    for (; i < len; ++i) {
        sum += x[i];
    }
    return sum;
}

/* sum_{i < len} (codes[i] >> code_shift) * x[i]  (code_shift = 8 - k, 0..7) */
static inline uint32_t te_dot_u8(const uint8_t *x, const uint8_t *codes, int32_t len,
                                 uint32_t code_shift)
{
    uint32_t dot = 0;
    int32_t i = 0;
#if defined(__ARM_FEATURE_DSP)
    /* Four MACs per step: split bytes 0,2 and 1,3 into 16-bit lanes, two SMLADs. */
    const uint32_t lane_mask = (0xFFu >> code_shift) * 0x00010001u;
    int32_t acc = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t xw = te_read_u32(x + i);
        uint32_t cw = te_read_u32(codes + i);
        uint32_t x_even = __uxtb16(xw);
        uint32_t x_odd = __uxtb16(te_ror8(xw));
        uint32_t q_even = (cw >> code_shift) & lane_mask;
        uint32_t q_odd = (cw >> (code_shift + 8u)) & lane_mask;
        acc = __smlad((int32_t)x_even, (int32_t)q_even, acc);
        acc = __smlad((int32_t)x_odd, (int32_t)q_odd, acc);
    }
    if (len >= 4) {
        TE_PATH_HIT(TE_PATH_DOT_DSP);
    }
    dot = (uint32_t)acc; /* SMLAD wraps modulo 2^32 like the rest of the split */
#else
    for (; i + 4 <= len; i += 4) {
        dot += (uint32_t)(codes[i] >> code_shift) * x[i];
        dot += (uint32_t)(codes[i + 1] >> code_shift) * x[i + 1];
        dot += (uint32_t)(codes[i + 2] >> code_shift) * x[i + 2];
        dot += (uint32_t)(codes[i + 3] >> code_shift) * x[i + 3];
    }
#endif
    for (; i < len; ++i) {
        dot += (uint32_t)(codes[i] >> code_shift) * x[i];
    }
    return dot;
}

/* Two rows of codes against one x: *dot0 += x . q(codes0), *dot1 += x . q(codes1). */
static inline void te_dot2_u8(const uint8_t *x, const uint8_t *codes0, const uint8_t *codes1,
                              int32_t len, uint32_t code_shift, uint32_t *dot0, uint32_t *dot1)
{
    uint32_t d0 = *dot0;
    uint32_t d1 = *dot1;
    int32_t i = 0;
#if defined(__ARM_FEATURE_DSP)
    const uint32_t lane_mask = (0xFFu >> code_shift) * 0x00010001u;
    int32_t a0 = 0;
    int32_t a1 = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t xw = te_read_u32(x + i);
        uint32_t x_even = __uxtb16(xw);
        uint32_t x_odd = __uxtb16(te_ror8(xw));
        uint32_t c0 = te_read_u32(codes0 + i);
        uint32_t c1 = te_read_u32(codes1 + i);
        a0 = __smlad((int32_t)x_even, (int32_t)((c0 >> code_shift) & lane_mask), a0);
        a0 = __smlad((int32_t)x_odd, (int32_t)((c0 >> (code_shift + 8u)) & lane_mask), a0);
        a1 = __smlad((int32_t)x_even, (int32_t)((c1 >> code_shift) & lane_mask), a1);
        a1 = __smlad((int32_t)x_odd, (int32_t)((c1 >> (code_shift + 8u)) & lane_mask), a1);
    }
    if (len >= 4) {
        TE_PATH_HIT(TE_PATH_DOT_DSP);
    }
    d0 += (uint32_t)a0;
    d1 += (uint32_t)a1;
#else
    for (; i + 2 <= len; i += 2) {
        uint32_t x0 = x[i];
        uint32_t x1 = x[i + 1];
        d0 += (uint32_t)(codes0[i] >> code_shift) * x0 + (uint32_t)(codes0[i + 1] >> code_shift) * x1;
        d1 += (uint32_t)(codes1[i] >> code_shift) * x0 + (uint32_t)(codes1[i + 1] >> code_shift) * x1;
    }
#endif
    for (; i < len; ++i) {
        uint32_t xi = x[i];
        d0 += (uint32_t)(codes0[i] >> code_shift) * xi;
        d1 += (uint32_t)(codes1[i] >> code_shift) * xi;
    }
    *dot0 = d0;
    *dot1 = d1;
}

/* ---------------------------------------------------------------------------------------------
 * The Conv/Dense epilogue and its argument checks
 * ------------------------------------------------------------------------------------------- */

/* Everything the epilogue needs besides acc, gathered once per kernel call. */
typedef struct {
    const int64_t *bias;
    const int32_t *multiplier;
    const int8_t *pre_shift;
    const int8_t *shift;
    const int32_t *residual_multiplier; /* both NULL when there is no residual */
    const int8_t *residual_pre_shift;
    const uint8_t *residual_code;       /* at most one of the two residual pointers is set */
    const int32_t *residual_int32;
    int32_t lo, hi;
    uint8_t *out_code; /* exactly one of the two outputs is set */
    int32_t *out_int32;
} te_epilogue;

/*
 * out[index] = te_requantize(acc, ... channel c ...): two pre-shifted products, one int64 sum,
 * one round, one clamp. Without a residual r = rmult = residual_pre_shift = 0, so b = 0 exactly
 * as in the reference (IntegerMath.Requantize with residual 0).
 */
static inline void te_epilogue_store(const te_epilogue *e, int32_t index, int32_t c, int32_t acc)
{
    int64_t r = 0;
    int32_t rmult = 0;
    int32_t rpre = 0;
    int32_t v;
    if (e->residual_code != NULL) {
        r = e->residual_code[index];
        rmult = e->residual_multiplier[c];
        rpre = e->residual_pre_shift[c];
    } else if (e->residual_int32 != NULL) {
        r = e->residual_int32[index];
        rmult = e->residual_multiplier[c];
        rpre = e->residual_pre_shift[c];
    }
    v = te_requantize(acc, e->bias[c], e->multiplier[c], e->pre_shift[c], e->shift[c], r, rmult,
                      rpre, e->lo, e->hi);
    if (e->out_code != NULL) {
        e->out_code[index] = (uint8_t)v; /* lo >= 0 and hi <= 255 were checked */
    } else {
        e->out_int32[index] = v;
    }
}

static inline int te_is_aligned4(const void *p)
{
    return ((uintptr_t)p & 3u) == 0u;
}

/* A multiplier, shift or pre-shift that keeps the epilogue's int64 expression in range. */
static inline int te_multiplier_ok(int32_t m)
{
    return m > -TE_MULTIPLIER_LIMIT && m < TE_MULTIPLIER_LIMIT;
}

static inline int te_shift_ok(int32_t s)
{
    return s >= TE_SHIFT_MIN && s <= TE_SHIFT_MAX;
}

static inline int te_pre_shift_ok(int32_t s)
{
    return s >= TE_PRE_SHIFT_MIN && s <= TE_PRE_SHIFT_MAX;
}

/* Whether any pointer of a requantization table that every call needs is NULL. */
static inline int te_requant_has_null(const te_requant *rq)
{
    return rq == NULL || rq->bias == NULL || rq->multiplier == NULL || rq->pre_shift == NULL ||
           rq->shift == NULL;
}

/*
 * Checks the requantization table, residual and output of a Conv or Dense with channels
 * output channels and fills *e. Pointers first (TE_ERR_NULL_POINTER), then consistency
 * (TE_ERR_BAD_PARAMS): a residual kind without data, residual_multiplier or residual_pre_shift,
 * an unknown kind, lo > hi, a Code output whose [lo, hi] leaves 0..255, a misaligned int32
 * tensor, and any per-channel shift (1..62), pre-shift (0..62), multiplier or bias outside the
 * ranges of docs/integer-semantics.md (the ranges that keep the epilogue free of overflow).
 * Costs O(channels), once per call.
 */
static inline te_status te_epilogue_init(te_epilogue *e, int32_t channels, const te_requant *rq,
                                         te_operand residual, te_elem output_kind, void *output)
{
    int32_t c;
    if (output == NULL || te_requant_has_null(rq)) {
        return TE_ERR_NULL_POINTER;
    }
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

    /* Per-channel table ranges. */
    for (c = 0; c < channels; ++c) {
        if (!te_shift_ok(rq->shift[c]) || !te_pre_shift_ok(rq->pre_shift[c]) ||
            !te_multiplier_ok(rq->multiplier[c]) ||
            rq->bias[c] < -TE_BIAS_LIMIT || rq->bias[c] > TE_BIAS_LIMIT ||
            (e->residual_multiplier != NULL &&
             (!te_multiplier_ok(e->residual_multiplier[c]) ||
              !te_pre_shift_ok(e->residual_pre_shift[c])))) {
            return TE_ERR_BAD_PARAMS;
        }
    }
    return TE_OK;
}

/* A tensor of h * w * c elements whose element count fits int32 (all index arithmetic does). */
static inline int te_dims_ok(const te_dims *d)
{
    return d->height > 0 && d->width > 0 && d->channels > 0 &&
           (int64_t)d->height * d->width * d->channels <= (int64_t)INT32_MAX;
}

/* ---------------------------------------------------------------------------------------------
 * One dense row: used by te_dense and by te_conv2d's pointwise path (one call per pixel)
 * ------------------------------------------------------------------------------------------- */

/*
 * out[out_base + o] for o < out_features, with acc_o = sum_i s[o][i] * x[i] over in_features,
 * codes [out_features][in_features]. sum(x) is computed once and shared by every output; the
 * outputs go in pairs so each x byte is loaded once per two rows.
 */
static inline void te_dense_row(const uint8_t *x, int32_t in_features, const uint8_t *codes,
                                int32_t out_features, uint32_t code_shift, uint32_t n,
                                const te_epilogue *e, int32_t out_base)
{
    const uint32_t xsum = te_sum_u8(x, in_features);
    int32_t o = 0;
    for (; o + 2 <= out_features; o += 2) {
        const uint8_t *row0 = codes + (size_t)o * (size_t)in_features;
        uint32_t dot0 = 0;
        uint32_t dot1 = 0;
        te_dot2_u8(x, row0, row0 + in_features, in_features, code_shift, &dot0, &dot1);
        te_epilogue_store(e, out_base + o, o, te_split_acc(dot0, xsum, n));
        te_epilogue_store(e, out_base + o + 1, o + 1, te_split_acc(dot1, xsum, n));
    }
    if (o < out_features) {
        const uint8_t *row = codes + (size_t)o * (size_t)in_features;
        uint32_t dot = te_dot_u8(x, row, in_features, code_shift);
        te_epilogue_store(e, out_base + o, o, te_split_acc(dot, xsum, n));
    }
}

#endif /* TE_INTERNAL_H */
