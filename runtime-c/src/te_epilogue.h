/*
 * te_epilogue.h - the requantization epilogue of Conv and Dense (private to the runtime): how a
 * call's table is evaluated (te_epi_mode, chosen once per call by te_epilogue_init in
 * te_epilogue.c), the per-channel constants, the per-output fast forms (assembly on Armv7-M),
 * and the dense row that te_dense and the pointwise conv share.
 */
#ifndef TE_EPILOGUE_H
#define TE_EPILOGUE_H

#include "te_internal.h"

/*
 * How the epilogue of one call is evaluated, chosen once per call by te_epilogue_init from the
 * whole table. All give exactly te_requantize's integers; with r * rmult = 0 without a residual
 * and base = bias + 2^(shift-1):
 *
 *   TE_EPI_HI       no pre-shifts and every shift >= 32: the common case of a product at its
 *                   natural scale, with no residual or one at a similar scale. Then the sum
 *                   a + b + base is the one int64 t = acc * mult + r * rmult + base
 *                   (|t| < 2^61 + 2^61 + 2^62 = 2^63), and since floor(t / 2^shift) =
 *                   floor(floor(t / 2^32) / 2^(shift-32)), only the high word of t is shifted:
 *                   a multiply-accumulate, a 32-bit shift, a 32-bit clamp.
 *                   Without a residual also smaller shifts (a large real factor: 1-bit weights),
 *                   scaled into that form (te_epi_choose): with J = 32 - min(shift) > 0, t is
 *                   replaced by t * 2^J = (acc * 2^(J-1)) * (2 * mult) + base * 2^J, exact in
 *                   int64 when |acc * 2^(J-1)| < 2^31 (|2 * mult| < 2^31 always) and
 *                   |base| * 2^J <= 2^62, and floor(t / 2^shift) = floor(t * 2^J / 2^(shift+J)).
 *                   J = 1 needs nothing of the kernel (the doubled multiplier); J >= 2 only
 *                   kernels that scale their weight levels by 2^(J-1) for free (depthwise:
 *                   te_epilogue.lsh), so that acc arrives already multiplied.
 *   TE_EPI_SHIFTED  residual_pre_shift 0, pre_shift + shift >= 32, and
 *                   (|bias| + 2^(shift-1) + r_max * |rmult|) * 2^pre_shift <= 2^62 (r_max: 255
 *                   for a Code residual, 2^31 for Int32): the residual block whose own product
 *                   was pre-shifted. As floor((floor(x / 2^p) + z) / 2^s) =
 *                   floor((x + z * 2^p) / 2^(p+s)) for integers x, z, the sum
 *                   t = acc * mult + (r * rmult + base) * 2^pre_shift (|t| < 2^61 + 2^62) is
 *                   shifted once, by pre_shift + shift, again through its high word.
 *   TE_EPI_NOPRE    no pre-shifts, some shift < 32 (Int32 outputs at a fine scale): the t of
 *                   TE_EPI_HI, one 64-bit shift, a 64-bit clamp.
 *   TE_EPI_GENERAL  anything else: the two floor shifts, the sum, the rounding shift, the clamp.
 */
typedef enum {
    TE_EPI_GENERAL = 0,
    TE_EPI_NOPRE = 1,
    TE_EPI_SHIFTED = 2,
    TE_EPI_HI = 3
} te_epi_mode;

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
    te_epi_mode mode;
    /*
     * 0..7 when TE_EPI_HI or TE_EPI_SHIFTED writes codes of b bits, [lo, hi] = [0, 2^b - 1],
     * and every channel's high-word shift is at least d = 8 - b; else -1. Then the high-word
     * shift is made d smaller and the clamp is a saturation to 0..255 followed by >> d:
     * with u = floor(t / 2^(s-d)), floor(u / 2^d) = floor(t / 2^s), and
     * clamp(u, 0, 255) >> d = clamp(floor(t / 2^s), 0, 2^b - 1) since 255 >> d = 2^b - 1 and
     * u > 255 means floor(u / 2^d) >= 2^b. One USAT and one shift instead of two compares.
     */
    int32_t sat_d;
    /* With sat_d >= 0: saturate to 4 bits (USAT #4, [lo, hi] = [0, 15], sat_d 0) instead of 8. */
    int32_t sat4;
    /* For TE_EPI_NOPRE and TE_EPI_GENERAL: some pre_shift is not 0, some residual_pre_shift is
     * not 0, every shift and pre-shift is below 32 (so 64-bit shifts take 32-bit steps). */
    uint8_t any_pre, any_rpre, small_shifts;
    /* TE_EPI_HI only: t is taken times 2^scale (0..31; te_epi_mode): the multiplier and base
     * doubled and 2^(scale-1) times, and, with lsh = scale - 1 > 0, every acc that reaches the
     * epilogue must already be acc * 2^lsh (the kernel scaled its weight levels; only kernels
     * that told te_epilogue_init they can, with lsh_max > 0, ever see lsh > 0). */
    uint8_t scale, lsh;
    uint32_t scale_mul; /* 2^scale */
    int32_t mult_mul;   /* 2 when scale > 0, else 1 */
} te_epilogue;

/*
 * The constants of one output channel, derived from the table (te_epi_prepare) once per channel
 * block or output, so that the per-output work is a multiply-accumulate and a shift:
 *   base  = bias[c] + 2^(shift[c] - 1)     (|bias| <= 2^61 and shift <= 62: fits int64),
 *           times 2^scale in TE_EPI_HI
 *   mult  = multiplier[c], doubled in TE_EPI_HI when scale > 0
 *   shift = shift[c] + scale - 32 (TE_EPI_HI), pre_shift[c] + shift[c] - 32 (TE_EPI_SHIFTED),
 *           else shift[c]; in the two high-word modes sat_d less when sat_d >= 0.
 */
typedef struct {
    int64_t base;
    int32_t mult;
    int32_t rmult; /* residual_multiplier[c], 0 without a residual */
    uint8_t shift;
    uint8_t pre;   /* pre_shift[c] */
    uint8_t rpre;  /* residual_pre_shift[c], 0 without a residual */
} te_epi_ch;

static inline void te_epi_prepare_in(const te_epilogue *e, int32_t c, te_epi_ch *ch, int uniform)
{
    /* scale is 0 (scale_mul and mult_mul 1) but in TE_EPI_HI; there
     * floor(t / 2^shift) = floor(t * 2^scale / 2^(shift + scale)), with t * 2^scale =
     * (acc * 2^lsh) * (mult_mul * mult) + bias * 2^scale + 2^(shift + scale - 1):
     * |2 * mult| < 2^31 and |base| * 2^scale <= 2^62 (te_epi_choose). The same instructions
     * at every scale: a layer costs the same whether its table needs it or not. */
    const uint32_t sh = (uint32_t)e->shift[c] + e->scale;
    const uint32_t pre = (uint32_t)e->pre_shift[c];
#if defined(__ARM_ARCH_6M__)
    /* Armv6-M has no 32 x 32 -> 64 multiply (the product would be a library call in every
     * channel's constants): a branch on scale > 0 where the constants are derived per output
     * (the rows path), else (uniform) a shift by scale (0..31) in 32-bit steps, the same
     * instructions at every scale (the branch cost the k whose tables are scaled 17
     * instructions a channel more, which showed on depthwise layers of few pixels) */
    ch->base = e->bias[c] + (int64_t)((uint64_t)1 << (e->shift[c] - 1));
    if (uniform) {
        const uint32_t lo = (uint32_t)(uint64_t)ch->base, hi = (uint32_t)((uint64_t)ch->base >> 32);
        const uint32_t s = e->scale;
        ch->base = (int64_t)(((uint64_t)((hi << s) | ((lo >> 1) >> (31u - s))) << 32) |
                             (lo << s)); /* GCC converts modulo 2^64; the value fits */
        ch->mult = e->multiplier[c] * e->mult_mul;
    } else {
        ch->mult = e->multiplier[c];
        if (e->scale > 0u) {
            ch->base = te_shl64(ch->base, e->scale);
            ch->mult *= 2;
        }
    }
#else
    (void)uniform;
    ch->base = te_mul64_u32(e->bias[c], e->scale_mul) + (int64_t)((uint64_t)1 << (sh - 1u));
    ch->mult = e->multiplier[c] * e->mult_mul;
#endif
    ch->pre = (uint8_t)pre;
    ch->shift = (uint8_t)(e->mode == TE_EPI_HI ? sh - 32u
                                               : (e->mode == TE_EPI_SHIFTED ? pre + sh - 32u : sh));
    if (e->sat_d >= 0) {
        ch->shift = (uint8_t)(ch->shift - (uint32_t)e->sat_d);
    }
    if (e->residual_multiplier != NULL) {
        ch->rmult = e->residual_multiplier[c];
        ch->rpre = (uint8_t)e->residual_pre_shift[c];
    } else {
        ch->rmult = 0;
        ch->rpre = 0;
    }
}

/* The constants of channel c (any kernel). */
static inline void te_epi_prepare(const te_epilogue *e, int32_t c, te_epi_ch *ch)
{
    te_epi_prepare_in(e, c, ch, 0);
}

/* The same, for kernels that derive them once per channel (the depthwise forms): on Armv6-M the
 * same instructions at every k. */
static inline void te_epi_prepare_channel(const te_epilogue *e, int32_t c, te_epi_ch *ch)
{
    te_epi_prepare_in(e, c, ch, 1);
}

/* r * rmult for element i of the residual (0 without one); each a 32 x 32 -> 64 multiply. */
static inline int64_t te_epi_rprod(const uint8_t *rc, const int32_t *ri, int32_t i, int32_t rmult)
{
    if (rc != NULL) {
        return (int64_t)(int32_t)rc[i] * rmult;
    }
    if (ri != NULL) {
        return (int64_t)ri[i] * rmult;
    }
    return 0;
}

/* The clamp of te_epi_hi with the epilogue's sat_d, sat4, lo and hi passed by value (loops that
 * store codes keep them in registers: a byte store may alias the epilogue). */
static inline int32_t te_epi_hi_clamp(int32_t v, int32_t sat_d, int32_t sat4, int32_t lo,
                                      int32_t hi)
{
    if (sat_d >= 0) {
        return (int32_t)((sat4 ? te_usat4(v) : te_usat8(v)) >> (uint32_t)sat_d);
    }
    return v < lo ? lo : (v > hi ? hi : v);
}

/* TE_EPI_HI and TE_EPI_SHIFTED: the high word of t, shifted and clamped in 32 bits. */
static inline int32_t te_epi_hi(const te_epilogue *e, int64_t t, uint32_t shift)
{
    const int32_t v = te_asr32((int32_t)te_asr64(t, 32u), shift);
    if (e->sat_d >= 0) {
        return (int32_t)((e->sat4 ? te_usat4(v) : te_usat8(v)) >> (uint32_t)e->sat_d);
    }
    return v < e->lo ? e->lo : (v > e->hi ? e->hi : v);
}

/* The same in the saturating form only (sat_d >= 0). */
static inline uint8_t te_epi_sat(const te_epilogue *e, int64_t t, uint32_t shift)
{
    const int32_t v = te_asr32((int32_t)te_asr64(t, 32u), shift);
    return (uint8_t)((e->sat4 ? te_usat4(v) : te_usat8(v)) >> (uint32_t)e->sat_d);
}

/*
 * out[index + i] for the count (>= 1) consecutive channels whose constants are ch[0..count-1],
 * from acc[0..count-1]: the epilogue of one pixel of a channel block. One loop per mode; the
 * commonest case (TE_EPI_HI, no residual, Code output) has its own.
 */
void te_epi_store_run(const te_epilogue *e, const te_epi_ch *ch, int32_t index, const int32_t *acc,
                      int32_t count);

/*
 * The epilogue of four consecutive channels of one pixel in the commonest case (TE_EPI_HI, no
 * residual, Code output: te_epi_hi4_ok), with the accumulators passed in registers.
 */
static inline int te_epi_hi4_ok(const te_epilogue *e)
{
    return e->mode == TE_EPI_HI && e->out_code != NULL && e->residual_code == NULL &&
           e->residual_int32 == NULL;
}

static inline void te_epi_hi4(const te_epilogue *e, const te_epi_ch *ch, int32_t index,
                              int32_t a0, int32_t a1, int32_t a2, int32_t a3)
{
    uint8_t *out = e->out_code + index;
    const uint32_t d = (uint32_t)e->sat_d;
    TE_PATH_HIT(TE_PATH_EPI_HI);
    if (e->sat_d < 0) {
        /* a shift too small for the saturating form: clamp to [lo, hi] */
        out[0] = (uint8_t)te_epi_hi(e, te_mla64(ch[0].base, a0, ch[0].mult), ch[0].shift);
        out[1] = (uint8_t)te_epi_hi(e, te_mla64(ch[1].base, a1, ch[1].mult), ch[1].shift);
        out[2] = (uint8_t)te_epi_hi(e, te_mla64(ch[2].base, a2, ch[2].mult), ch[2].shift);
        out[3] = (uint8_t)te_epi_hi(e, te_mla64(ch[3].base, a3, ch[3].mult), ch[3].shift);
        return;
    }
#if defined(__GNUC__) && defined(TE_SAT) && defined(TE_THUMB2) && defined(__OPTIMIZE__)
    /* GCC runs out of registers here and spills; 8 instructions per output in assembly. The
     * offsets are those of te_epi_ch: base 0, mult 8, shift 16 (checked below). Unoptimized
     * builds (-O0, a firmware's Debug build) take the C form below, the same integers: there GCC
     * keeps every variable in memory and cannot give this asm its twelve registers. */
    {
        uint32_t lo, hi, m, sh;
#define TE_EPI_SAT_ASM(A, OFF, OUT, SAT)                                                         \
    "ldrd   %[lo], %[hi], [%[ch], #" OFF "]\n\t"                                                  \
    "ldr    %[m], [%[ch], #" OFF "+8]\n\t"                                                        \
    "ldrb   %[sh], [%[ch], #" OFF "+16]\n\t"                                                      \
    "smlal  %[lo], %[hi], %[" A "], %[m]\n\t"                                                     \
    "asr    %[hi], %[hi], %[sh]\n\t" SAT "strb   %[hi], [%[out], #" OUT "]\n\t"
#define TE_EPI_SAT8D "usat   %[hi], #8, %[hi]\n\tlsr    %[hi], %[hi], %[d]\n\t"
#define TE_EPI_SAT8 "usat   %[hi], #8, %[hi]\n\t"
#define TE_EPI_SAT4 "usat   %[hi], #4, %[hi]\n\t"
#define TE_EPI_SAT_ALL(SAT)                                                                      \
    TE_EPI_SAT_ASM("a0", "0", "0", SAT)                                                          \
    TE_EPI_SAT_ASM("a1", "24", "1", SAT)                                                         \
    TE_EPI_SAT_ASM("a2", "48", "2", SAT) TE_EPI_SAT_ASM("a3", "72", "3", SAT)
        /* the memory it reads (ch[0..3]) and writes (out[0..3]) as operands, so that GCC need
         * not reload everything after it */
        typedef struct {
            uint8_t b[4];
        } te_out4;
        typedef struct {
            te_epi_ch c[4];
        } te_ch4;
#define TE_EPI_SAT_OPERANDS                                                                      \
    : [lo] "=&r"(lo), [hi] "=&r"(hi), [m] "=&r"(m), [sh] "=&r"(sh), "=m"(*(te_out4 *)(void *)out) \
    : [a0] "r"(a0), [a1] "r"(a1), [a2] "r"(a2), [a3] "r"(a3), [ch] "r"(ch), [out] "r"(out),     \
      [d] "r"(d), "m"(*(const te_ch4 *)(const void *)ch)
        if (e->sat4) {
            __asm__(TE_EPI_SAT_ALL(TE_EPI_SAT4) TE_EPI_SAT_OPERANDS);
        } else if (d == 0u) {
            __asm__(TE_EPI_SAT_ALL(TE_EPI_SAT8) TE_EPI_SAT_OPERANDS);
        } else {
            __asm__(TE_EPI_SAT_ALL(TE_EPI_SAT8D) TE_EPI_SAT_OPERANDS);
        }
#undef TE_EPI_SAT_OPERANDS
#undef TE_EPI_SAT_ALL
#undef TE_EPI_SAT_ASM
    }
#else
    (void)d;
    out[0] = te_epi_sat(e, te_mla64(ch[0].base, a0, ch[0].mult), ch[0].shift);
    out[1] = te_epi_sat(e, te_mla64(ch[1].base, a1, ch[1].mult), ch[1].shift);
    out[2] = te_epi_sat(e, te_mla64(ch[2].base, a2, ch[2].mult), ch[2].shift);
    out[3] = te_epi_sat(e, te_mla64(ch[3].base, a3, ch[3].mult), ch[3].shift);
#endif
}

/*
 * te_epi_hi4 for count (>= 1) pixels: the accumulators of pixel i are acc[4i..4i+3], its four
 * outputs go to out + i * stride. 9 instructions per output and 3 per pixel in assembly.
 */
static inline void te_epi_hi4_run(const te_epilogue *e, const te_epi_ch *ch, uint8_t *out,
                                  int32_t stride, const int32_t *acc, int32_t count)
{
#if defined(__GNUC__) && defined(TE_SAT) && defined(TE_THUMB2)
    const uint32_t d = (uint32_t)e->sat_d;
    uint32_t a, lo, hi, m, sh;
    if (e->sat_d < 0) {
        int32_t i;
        const int32_t index = (int32_t)(out - e->out_code);
        for (i = 0; i < count; ++i) {
            te_epi_hi4(e, ch, index + i * stride, acc[4 * i], acc[4 * i + 1], acc[4 * i + 2],
                       acc[4 * i + 3]);
        }
        return;
    }
#define TE_EPI_RUN_ASM(OFF, OUT, SAT)                                                            \
    "ldr    %[a], [%[acc]], #4\n\t"                                                               \
    "ldrd   %[lo], %[hi], [%[ch], #" OFF "]\n\t"                                                  \
    "ldr    %[m], [%[ch], #" OFF "+8]\n\t"                                                        \
    "ldrb   %[sh], [%[ch], #" OFF "+16]\n\t"                                                      \
    "smlal  %[lo], %[hi], %[a], %[m]\n\t"                                                         \
    "asr    %[hi], %[hi], %[sh]\n\t" SAT "strb   %[hi], [%[out], #" OUT "]\n\t"
#define TE_EPI_RUN_LOOP(SAT)                                                                     \
    "1:\n\t" TE_EPI_RUN_ASM("0", "0", SAT) TE_EPI_RUN_ASM("24", "1", SAT)                        \
        TE_EPI_RUN_ASM("48", "2", SAT) TE_EPI_RUN_ASM("72", "3", SAT)                              \
    "add    %[out], %[out], %[stride]\n\t"                                                        \
    "subs   %[n], %[n], #1\n\t"                                                                   \
    "bne    1b\n\t"
#define TE_EPI_RUN_OPERANDS                                                                      \
    : [a] "=&r"(a), [lo] "=&r"(lo), [hi] "=&r"(hi), [m] "=&r"(m), [sh] "=&r"(sh),               \
      [acc] "+r"(acc), [out] "+r"(out), [n] "+r"(count)                                          \
    : [ch] "r"(ch), [d] "r"(d), [stride] "r"(stride)                                            \
    : "cc", "memory"
    TE_PATH_HIT(TE_PATH_EPI_HI);
    if (e->sat4) {
        __asm__ volatile(TE_EPI_RUN_LOOP("usat   %[hi], #4, %[hi]\n\t") TE_EPI_RUN_OPERANDS);
    } else if (d == 0u) {
        __asm__ volatile(TE_EPI_RUN_LOOP("usat   %[hi], #8, %[hi]\n\t") TE_EPI_RUN_OPERANDS);
    } else {
        __asm__ volatile(TE_EPI_RUN_LOOP("usat   %[hi], #8, %[hi]\n\tlsr    %[hi], %[hi], %[d]\n\t")
                             TE_EPI_RUN_OPERANDS);
    }
#undef TE_EPI_RUN_OPERANDS
#undef TE_EPI_RUN_LOOP
#undef TE_EPI_RUN_ASM
#else
    int32_t i;
    const int32_t index = (int32_t)(out - e->out_code);
    for (i = 0; i < count; ++i) {
        te_epi_hi4(e, ch, index + i * stride, acc[4 * i], acc[4 * i + 1], acc[4 * i + 2],
                   acc[4 * i + 3]);
    }
#endif
}

/* The assembly above reads te_epi_ch at fixed offsets. */
typedef char te_epi_ch_layout_check[(sizeof(te_epi_ch) == 24 && offsetof(te_epi_ch, mult) == 8 &&
                                     offsetof(te_epi_ch, shift) == 16)
                                        ? 1
                                        : -1];

/*
 * out[index] = te_requantize(acc, ... channel c ...) for paths that visit outputs one by one:
 * derives the channel's constants on the spot.
 */
static inline void te_epilogue_store(const te_epilogue *e, int32_t index, int32_t c, int32_t acc)
{
    te_epi_ch ch;
    te_epi_prepare(e, c, &ch);
    te_epi_store_run(e, &ch, index, &acc, 1);
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
te_status te_epilogue_init(te_epilogue *e, int32_t channels, const te_requant *rq,
                           te_operand residual, te_elem output_kind, void *output, int32_t lsh_max);

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
                                uint32_t lsh, const te_epilogue *e, int32_t out_base)
{
    /* acc * 2^lsh (te_epilogue.lsh) through the split: 2 (dot 2^lsh) - (n 2^lsh) sum(x), mod 2^32 */
    const uint32_t n_s = n << lsh;
    const uint32_t xsum = te_sum_u8(x, in_features);
    const int hi_code = e->mode == TE_EPI_HI && e->out_code != NULL && e->residual_code == NULL &&
                        e->residual_int32 == NULL;
    int32_t o = 0;
    for (; o + 2 <= out_features; o += 2) {
        const uint8_t *row0 = codes + (size_t)o * (size_t)in_features;
        uint32_t dot0 = 0;
        uint32_t dot1 = 0;
        te_epi_ch ch[2];
        int32_t acc[2];
        te_dot2_u8(x, row0, row0 + in_features, in_features, code_shift, &dot0, &dot1);
        acc[0] = te_split_acc(dot0 << lsh, xsum, n_s);
        acc[1] = te_split_acc(dot1 << lsh, xsum, n_s);
        te_epi_prepare(e, o, &ch[0]);
        te_epi_prepare(e, o + 1, &ch[1]);
        if (hi_code) { /* the common case in place; the others in te_epi_store_run */
            e->out_code[out_base + o] =
                (uint8_t)te_epi_hi(e, te_mla64(ch[0].base, acc[0], ch[0].mult), ch[0].shift);
            e->out_code[out_base + o + 1] =
                (uint8_t)te_epi_hi(e, te_mla64(ch[1].base, acc[1], ch[1].mult), ch[1].shift);
        } else {
            te_epi_store_run(e, ch, out_base + o, acc, 2);
        }
    }
    if (o < out_features) {
        const uint8_t *row = codes + (size_t)o * (size_t)in_features;
        uint32_t dot = te_dot_u8(x, row, in_features, code_shift);
        te_epilogue_store(e, out_base + o, o, te_split_acc(dot << lsh, xsum, n_s));
    }
}

/* te_dense's checks in the order of truncedge.h and its epilogue (te_dense_lanes.c), shared with
 * te_dense_lanes. */
te_status te_dense_begin(te_epilogue *e, int32_t in_features, int32_t out_features,
                         const uint8_t *input, const uint8_t *codes, uint32_t weight_bits,
                         const te_requant *rq, te_operand residual, te_elem output_kind,
                         void *output);

/* The inputs te_dense_lanes takes (whose 16-bit lanes fit its 2 KB stack buffer with DSP). */
#define TE_DENSE_LANES_MAX 1024

#endif /* TE_EPILOGUE_H */
