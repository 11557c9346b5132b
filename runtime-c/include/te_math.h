/*
 * te_math.h - the integer helpers that define rounding, saturation and weight levels.
 * Mirrors TruncEdge.Compiler.Program.IntegerMath name for name (docs/integer-semantics.md).
 */
#ifndef TE_MATH_H
#define TE_MATH_H

#include <stdint.h>

/*
 * floor(v / 2^shift) without the implementation-defined right shift of negative numbers;
 * shift in 0..62 (0 returns v, negative v and INT64_MIN included).
 */
static inline int64_t te_floor_shift(int64_t v, int32_t shift)
{
    if (v >= 0) {
        return (int64_t)((uint64_t)v >> shift);
    }
    /* -v - 1 >= 0 for every negative v, INT64_MIN included. */
    return -(int64_t)((uint64_t)(-(v + 1)) >> shift) - 1;
}

/* v / 2^shift to nearest, ties toward +infinity; shift in 1..62. The rounding of the epilogues,
 * whose v approximates a real value (docs/integer-semantics.md, "The rounding rule"). */
static inline int64_t te_round_shift(int64_t v, int32_t shift)
{
    return te_floor_shift(v + ((int64_t)1 << (shift - 1)), shift);
}

/*
 * v / 2^shift to nearest, where v approximates a rational x * 2^shift from above by at most slack
 * (v - x * 2^shift in [0, slack]) and x is either a tie (an exact half) or at least slack + 1
 * units of 2^-shift above one (the compiler's choice of multiplier and shift makes it so:
 * AvgPool and Add of codes, docs/integer-semantics.md). A remainder of at most slack above the
 * half is then an exact half of x, which goes to the even neighbour (round half to even, as ONNX
 * QuantizeLinear rounds); anything else rounds to nearest. shift in 1..62, slack >= 0.
 */
static inline int64_t te_round_shift_even(int64_t v, int32_t shift, int64_t slack)
{
    const int64_t t = v + ((int64_t)1 << (shift - 1));
    const int64_t q = te_floor_shift(t, shift);
    const int64_t above_half = (int64_t)((uint64_t)t & (((uint64_t)1 << shift) - 1u)); /* t mod 2^shift */
    return q - (int64_t)(above_half <= slack && (q & 1) != 0);
}

/* Saturates v to [lo, hi]. */
static inline int32_t te_clamp(int64_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : (int32_t)v);
}

/* The k-bit code of a stored 8-bit code: its top k bits. */
static inline int32_t te_truncate_code(uint8_t code8, uint32_t k)
{
    return (int32_t)(code8 >> (8u - k));
}

/* The odd signed weight level s = 2q - (2^k - 1). */
static inline int32_t te_signed_level(uint8_t code8, uint32_t k)
{
    return 2 * te_truncate_code(code8, k) - (int32_t)((1u << k) - 1u);
}

/*
 * The Conv/Dense epilogue (IntegerMath.Requantize, docs/integer-semantics.md):
 *   a = floor_shift(acc * mult, pre_shift)            pre_shift in 0..62
 *   b = floor_shift(r * rmult, residual_pre_shift)    0 without a residual (r = rmult = 0)
 *   clamp(round_shift(a + b + bias, shift), lo, hi)   shift in 1..62
 * Each product keeps a full-precision multiplier at its own scale; the pre-shifts bring both to
 * 2^-shift. With |acc|, |r| <= 2^31, |mult|, |rmult| < 2^30 and |bias| <= 2^61, |a| and |b| stay
 * below 2^61 (a floor shift never grows a magnitude), so the sum and the rounding constant stay
 * inside int64.
 */
static inline int32_t te_requantize(int32_t acc, int64_t bias, int32_t mult, int32_t pre_shift,
                                    int32_t shift, int64_t r, int32_t rmult,
                                    int32_t residual_pre_shift, int32_t lo, int32_t hi)
{
    int64_t a = te_floor_shift((int64_t)acc * mult, pre_shift);
    int64_t b = te_floor_shift(r * rmult, residual_pre_shift);
    return te_clamp(te_round_shift(a + b + bias, shift), lo, hi);
}

/* A stored multiplier at one weight bit width (te_requant_stored): round_shift(m * factor, 30),
 * factor in 1..2^30, so |result| <= |m|. */
static inline int32_t te_scale_multiplier(int32_t m, int32_t factor)
{
    return (int32_t)te_round_shift((int64_t)m * factor, 30);
}

#endif /* TE_MATH_H */
