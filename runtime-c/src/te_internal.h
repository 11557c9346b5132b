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

#include <stddef.h>
#include <stdint.h>

#include "te_math.h"
#include "truncedge.h"

/*
 * The instruction-set extensions the kernels use, from the compiler's target macros. Built with
 * -DTE_PORTABLE the runtime uses none of them: every kernel takes its plain C forms, the forms
 * the optimised ones are tested against (for a target whose results look wrong, and for
 * compilers without GCC's inline assembly). The results are the same either way, only slower.
 */
#if !defined(TE_PORTABLE)
#if defined(__ARM_FEATURE_DSP)
#define TE_DSP 1 /* SMLAD, UXTB16, USADA8, SSUB16: Cortex-M4, M7, M33, M55 */
#endif
#if defined(__ARM_FEATURE_SAT)
#define TE_SAT 1 /* USAT: Armv7-M and later (Cortex-M3 too) */
#endif
#if defined(__ARM_ARCH_ISA_THUMB) && __ARM_ARCH_ISA_THUMB >= 2
#define TE_THUMB2 1 /* UMLAL, SMLAL, UBFX: Armv7-M and later */
#endif
#if defined(__ARM_ARCH_6M__) && defined(__GNUC__)
#define TE_THUMB1_ASM 1 /* Armv6-M: te_mla64 in Thumb-1 assembly */
#endif
#endif

#if defined(TE_DSP) || defined(TE_SAT)
#include <arm_acle.h> /* SMLAD, UXTB16, ... (DSP); USAT (Armv6 and Armv7-M, Cortex-M3 too) */
#endif
#if defined(TE_DSP)
/* Only the DSP path copies words; GCC and Clang need no libc header for it (freestanding). */
#if defined(__GNUC__)
#define TE_MEMCPY __builtin_memcpy
#else
#include <string.h>
#define TE_MEMCPY memcpy
#endif
#endif

/* A static helper better called than copied into its callers (code size, or a stack frame of
 * its own); "unused" so that a variant built without its caller stays warning-free. */
#if defined(__GNUC__)
#define TE_NOINLINE __attribute__((noinline, unused))
#else
#define TE_NOINLINE
#endif

/* Set-up that runs once per call in O(channels) (argument and table checks, table expansion): a
 * small share of a call's instructions and a large share of the runtime's code, so it is
 * compiled for size (GCC's "cold"). */
#if defined(__GNUC__)
#define TE_SETUP __attribute__((cold))
#else
#define TE_SETUP
#endif

/* GCC turns short zero-fill and copy loops into calls to memset/memcpy, whose set-up costs more
 * than the few words the kernels fill; functions that fill small buffers opt out. */
#if defined(__GNUC__) && !defined(__clang__)
#define TE_NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define TE_NO_LIBCALLS
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
    TE_PATH_CONV_BLOCK = 6,       /* groups == 1: weights expanded once, windows streamed */
    TE_PATH_CONV_BLOCK_BUFFER = 7, /* ... a border window copied to a zero-padded buffer */
    TE_PATH_EPI_HI = 8,           /* an epilogue of mode TE_EPI_HI ran */
    TE_PATH_EPI_GENERAL = 9,      /* an epilogue of mode TE_EPI_GENERAL ran */
    TE_PATH_EPI_NOPRE = 10,       /* an epilogue of mode TE_EPI_NOPRE ran */
    TE_PATH_EPI_SHIFTED = 11,     /* an epilogue of mode TE_EPI_SHIFTED ran */
    TE_PATH_CONV_DEPTHWISE_QUADS = 12, /* depthwise, four channels at a time (ARM DSP) */
    TE_PATH_CONV_BLOCK_PAIR = 13, /* block path, two pixels at a time (plain C) */
    TE_PATH_CONV_BLOCK_UMLAL = 14, /* block path, UMLAL channel pairs (Armv7-M without DSP) */
    TE_PATH_DENSE_DSP = 15,       /* te_dense with x split into lanes once (ARM DSP) */
    TE_PATH_CONV_BLOCK_PACKED = 16, /* block path, two channels per 16-bit lane (low bits, DSP) */
    TE_PATH_CONV_DEPTHWISE_PLANE = 17, /* depthwise 3x3 on a zero-padded copy of the plane */
    TE_PATH_CONV_FIELDS = 18,     /* block path, several channels per multiply (no DSP) */
    TE_PATH_EPI_HI_LEVELS = 19,   /* TE_EPI_HI with the levels scaled (te_epilogue.lsh > 0) */
    TE_PATH_DENSE_PACKED4 = 20,   /* te_dense_packed straight from 4-bit packed words */
    TE_PATH_COUNT = 21
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

#if defined(TE_DSP)
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

/* __uxtb16(te_ror8(v)), bytes 1 and 3 as 16-bit lanes, in one instruction (GCC keeps the
 * rotate apart otherwise). */
static inline uint32_t te_uxtb16_ror8(uint32_t v)
{
#if defined(__GNUC__)
    uint32_t r;
    __asm__("uxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
#else
    return __uxtb16(te_ror8(v));
#endif
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
#if defined(TE_DSP)
    uint32_t zero = 0u;
#if defined(__GNUC__)
    __asm__("" : "+r"(zero)); /* keep 0 in a register (GCC re-creates the constant every step) */
#endif
    for (; i + 8 <= len; i += 8) {
        sum = __usada8(te_read_u32(x + i), zero, sum);
        sum = __usada8(te_read_u32(x + i + 4), zero, sum);
    }
    for (; i + 4 <= len; i += 4) {
        sum = __usada8(te_read_u32(x + i), zero, sum);
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
#if defined(TE_DSP)
    /* Four MACs per step: split bytes 0,2 and 1,3 into 16-bit lanes, two SMLADs. */
    const uint32_t lane_mask = (0xFFu >> code_shift) * 0x00010001u;
    int32_t acc = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t xw = te_read_u32(x + i);
        uint32_t cw = te_read_u32(codes + i);
        uint32_t x_even = __uxtb16(xw);
        uint32_t x_odd = te_uxtb16_ror8(xw);
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
#if defined(TE_DSP)
    const uint32_t lane_mask = (0xFFu >> code_shift) * 0x00010001u;
    int32_t a0 = 0;
    int32_t a1 = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t xw = te_read_u32(x + i);
        uint32_t x_even = __uxtb16(xw);
        uint32_t x_odd = te_uxtb16_ror8(xw);
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
 * 64-bit shifts and products, saturation, and the argument checks of the kernels (the epilogue
 * that uses them is in te_epilogue.h)
 * ------------------------------------------------------------------------------------------- */

/*
 * floor(v / 2^s): an arithmetic right shift. GCC and Clang document >> of a negative value as
 * arithmetic (sign-extending), so there it is one instruction; elsewhere the portable
 * te_floor_shift. s in 0..31 (te_asr32) or 0..62 (te_asr64).
 */
static inline int32_t te_asr32(int32_t v, uint32_t s)
{
#if defined(__GNUC__)
    return v >> s;
#else
    return (int32_t)te_floor_shift(v, (int32_t)s);
#endif
}

static inline int64_t te_asr64(int64_t v, uint32_t s)
{
#if defined(__GNUC__)
    return v >> s;
#else
    return te_floor_shift(v, (int32_t)s);
#endif
}

/* te_asr64 for s in 0..31 in 32-bit steps (the general one also handles s >= 32). */
static inline int64_t te_asr64_small(int64_t v, uint32_t s)
{
    const uint32_t lo = (uint32_t)(uint64_t)v;
    const int32_t hi = (int32_t)te_asr64(v, 32u);
    const uint32_t nlo = (lo >> s) | (((uint32_t)hi << 1) << (31u - s));
    return (int64_t)(((uint64_t)(uint32_t)te_asr32(hi, s) << 32) | nlo); /* modulo 2^64 (GCC) */
}

/* (int64_t)(v * 2^s) for a v and s whose product fits int64 (s in 0..62). */
static inline int64_t te_shl64(int64_t v, uint32_t s)
{
#if defined(__GNUC__)
    return (int64_t)((uint64_t)v << s); /* GCC converts modulo 2^64; the value fits */
#else
    return v * ((int64_t)1 << s);
#endif
}

/* v * m for a v and m whose product fits int64 (a 64 x 32 multiply: UMULL and MLA on Armv7-M). */
static inline int64_t te_mul64_u32(int64_t v, uint32_t m)
{
#if defined(__GNUC__)
    return (int64_t)((uint64_t)v * m); /* GCC converts modulo 2^64; the value fits */
#else
    return v * (int64_t)m;
#endif
}

/* acc + a * b with a 32 x 32 -> 64 multiply-accumulate (SMLAL where the ISA has it: GCC does not
 * always find it when a comes out of inline assembly). */
static inline int64_t te_mla64(int64_t acc, int32_t a, int32_t b)
{
#if defined(__GNUC__) && defined(TE_THUMB2)
    uint32_t lo = (uint32_t)(uint64_t)acc;
    uint32_t hi = (uint32_t)((uint64_t)acc >> 32);
    __asm__("smlal %0, %1, %2, %3" : "+r"(lo), "+r"(hi) : "r"(a), "r"(b));
    return (int64_t)(((uint64_t)hi << 32) | lo); /* GCC converts modulo 2^64 */
#elif defined(TE_THUMB1_ASM)
    /* Armv6-M has no long multiply, and libgcc's __aeabi_lmul (a call, about 45 instructions) has
     * a carry test that branches, so the count of an inference would depend on the data. With
     * 16-bit halves (al, bl unsigned, ah, bh signed, so that no partial product overflows):
     * a * b = ah bh 2^32 + (ah bl + al bh) 2^16 + al bl, added into acc with ADDS/ADCS.
     * 21 instructions, the same for every a and b. */
    uint32_t lo = (uint32_t)(uint64_t)acc;
    uint32_t hi = (uint32_t)((uint64_t)acc >> 32);
    uint32_t t1, t2, t3;
    __asm__(".syntax unified\n\t" /* GCC 12 writes Thumb-1 in the divided syntax */
            "uxth  %[t1], %[a]\n\t"
            "uxth  %[t2], %[b]\n\t"
            "movs  %[t3], %[t1]\n\t"
            "muls  %[t3], %[t2]\n\t"  /* al bl */
            "adds  %[lo], %[lo], %[t3]\n\t"
            "movs  %[t3], #0\n\t"
            "adcs  %[hi], %[t3]\n\t"
            "asrs  %[a], %[a], #16\n\t"
            "asrs  %[b], %[b], #16\n\t"
            "muls  %[t2], %[a]\n\t"   /* ah bl */
            "muls  %[t1], %[b]\n\t"   /* al bh */
            "muls  %[a], %[b]\n\t"    /* ah bh */
            "adds  %[hi], %[hi], %[a]\n\t"
            "lsls  %[t3], %[t2], #16\n\t"
            "asrs  %[t2], %[t2], #16\n\t"
            "adds  %[lo], %[lo], %[t3]\n\t"
            "adcs  %[hi], %[t2]\n\t"
            "lsls  %[t3], %[t1], #16\n\t"
            "asrs  %[t1], %[t1], #16\n\t"
            "adds  %[lo], %[lo], %[t3]\n\t"
            "adcs  %[hi], %[t1]\n\t"
            ".syntax divided"
            : [lo] "+l"(lo), [hi] "+l"(hi), [a] "+l"(a), [b] "+l"(b), [t1] "=&l"(t1),
              [t2] "=&l"(t2), [t3] "=&l"(t3)
            :
            : "cc");
    return (int64_t)(((uint64_t)hi << 32) | lo); /* GCC converts modulo 2^64 */
#else
    return acc + (int64_t)a * b;
#endif
}

/* v saturated to 0..255 (one USAT where the ISA has it). */
static inline uint32_t te_usat8(int32_t v)
{
#if defined(TE_SAT)
    return (uint32_t)__usat(v, 8);
#else
    return v < 0 ? 0u : (v > 255 ? 255u : (uint32_t)v);
#endif
}

/* v saturated to 0..15. */
static inline uint32_t te_usat4(int32_t v)
{
#if defined(TE_SAT)
    return (uint32_t)__usat(v, 4);
#else
    return v < 0 ? 0u : (v > 15 ? 15u : (uint32_t)v);
#endif
}

static inline int te_is_aligned4(const void *p)
{
    return ((uintptr_t)p & 3u) == 0u;
}

/* The number of bits of v: 0 for 0, else 1 + floor(log2(v)) (no CLZ on Armv6-M or rv32imac). */
static inline int32_t te_bit_length(uint32_t v)
{
    int32_t n = 0;
    if (v >= (uint32_t)1 << 16) {
        v >>= 16;
        n += 16;
    }
    if (v >= (uint32_t)1 << 8) {
        v >>= 8;
        n += 8;
    }
    if (v >= (uint32_t)1 << 4) {
        v >>= 4;
        n += 4;
    }
    if (v >= (uint32_t)1 << 2) {
        v >>= 2;
        n += 2;
    }
    if (v >= (uint32_t)1 << 1) {
        v >>= 1;
        n += 1;
    }
    return n + (int32_t)v;
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

/* The table of channels c0.. of rq: a group of a layer's output channels (te_unpack_*.c). */
static inline te_requant te_requant_from(const te_requant *rq, uint32_t c0)
{
    te_requant g = *rq;
    g.bias += c0;
    g.multiplier += c0;
    g.pre_shift += c0;
    g.shift += c0;
    if (g.residual_multiplier != NULL && g.residual_pre_shift != NULL) {
        g.residual_multiplier += c0;
        g.residual_pre_shift += c0;
    }
    return g;
}

/* A tensor of h * w * c elements whose element count fits int32 (all index arithmetic does). */
static inline int te_dims_ok(const te_dims *d)
{
    return d->height > 0 && d->width > 0 && d->channels > 0 &&
           (int64_t)d->height * d->width * d->channels <= (int64_t)INT32_MAX;
}

#endif /* TE_INTERNAL_H */
