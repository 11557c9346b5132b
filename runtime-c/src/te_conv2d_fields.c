/*
 * te_conv2d_fields - te_conv2d's block path for targets without the ARM DSP extension
 * (Cortex-M3, Cortex-M0/M0+, RISC-V): several output channels per 32-bit multiply, so that the
 * work falls as the weight bit width k falls. Same integers as te_conv2d.c's definition:
 *
 *   acc[oh][ow][oc] = sum_{kh, kw, ci} s[oc][kh][kw][ci] * x[oh*SH + kh - PT][ow*SW + kw - PL][ci]
 *                   = 2 * sum q * x - n * sum x        (q = code >> (8 - k), te_internal.h)
 *
 * Fields. Each product q * x of a call is at most p_max = (2^k - 1) * x_max, with x_max =
 * 2^input_bits - 1 the largest code the input can hold (a fact of the compiled model, never read
 * from the data). A word W = q_0 + q_1 * 2^F + ... + q_{m-1} * 2^(F (m-1)) holds the codes of m
 * output channels for one window byte, and x * W = x q_0 + x q_1 * 2^F + ...: one multiply-add
 * (MLA on Armv7-M; MULS + ADDS on Armv6-M; MUL + ADD on RISC-V) does m MACs, each in its own
 * F-bit field of one uint32 accumulator. A field cannot carry into the next while it stays below
 * 2^F, i.e. for steps = (2^F - 1) / p_max window bytes; the top field has 32 - F (m - 1) >= F
 * bits. After at most that many bytes the fields are added to the channels' sums and cleared.
 * The field width is the narrowest of 8 (m = 4), 10 (m = 3) and 16 (m = 2) bits that allows at
 * least TE_FIELDS_MIN_STEPS bytes between two takes, so lower k packs more channels per multiply:
 *
 *   4-bit inputs: k = 1 F 8 (17 bytes between takes), k = 2 F 10 (22), k = 3 F 10 (9),
 *                 k = 4..8 F 16 (291 .. 17)
 *   8-bit inputs: k = 1 F 16 (257), k = 2 F 16 (85), ..., k = 6 F 16 (4), k = 7, 8 none
 *
 * The plan is a function of (k, input_bits) alone, so an inference's cost never depends on the
 * data. sum q * x and sum x are computed modulo 2^32 and combined by te_split_acc.
 *
 * Step 1, once per block of up to 4 words of channels: the block's words, in window order,
 *         in scratch: w[(kh * rk + t) * nw + g] for window row kh, row byte t < rk = KW * Cin.
 * Step 2, per output pixel: the clipped window rows are runs of the input read in place (HWC);
 *         one byte against the block's nw words per step.
 * Step 3: the block's outputs of the pixel (te_epi_*).
 */
#include "te_conv2d_ctx.h"

#if TE_CONV_FIELDS

/*
 * The cost model that picks the field width, in sixteenths of an instruction per MAC, from the
 * instruction counts of the loops below (docs/runtime-c.md has them per target):
 *   MAC loop: TE_FIELDS_BYTE16 per window byte (load, byte sum, loop step), shared by the nw
 *             words of a block, plus TE_FIELDS_WORD16 per word (its load and multiply-add),
 *             shared by the word's m channels: (BYTE16 + nw WORD16) / (nw m);
 *   takes:    TE_FIELDS_TAKE16 per field every `steps` bytes, and TE_FIELDS_CHUNK16 for leaving
 *             and re-entering the MAC loop around each take:
 *             TAKE16 / steps + CHUNK16 / (steps nw m);
 *   passes:   TE_FIELDS_PASS16 per pixel and pass over the pixels (the window set-up, the last
 *             take of every field, the epilogue), divided by the pixel's MACs;
 * against TE_FIELDS_BASE16 plus TE_FIELDS_BASE_PASS16 per pixel and pass of the block form
 * without fields on the target. A width is used only
 * where the model says it is cheaper; everything it reads is known when the model is compiled.
 */
#if defined(TE_THUMB2)
#define TE_FIELDS_BYTE16 64u  /* Cortex-M3: LDRB, ADD, SUBS, BNE */
#define TE_FIELDS_WORD16 24u  /* half an LDRD, one MLA */
#define TE_FIELDS_TAKE16 64u  /* LDR, UBFX, ADD, STR */
#define TE_FIELDS_CHUNK16 320u
#define TE_FIELDS_BASE16 20u  /* the UMLAL block form: 5 instructions per 4 MACs */
#define TE_FIELDS_PASS16 4800u /* about 300 instructions */
#define TE_FIELDS_BASE_PASS16 1600u
#elif defined(__ARM_ARCH_6M__)
#define TE_FIELDS_BYTE16 80u  /* LDRB, ADDS, ADD, SUBS, BNE */
#define TE_FIELDS_WORD16 48u  /* LDR, MULS, ADD */
#define TE_FIELDS_TAKE16 160u /* Thumb-1 has no UBFX: shifts, and few registers */
#define TE_FIELDS_CHUNK16 640u
#define TE_FIELDS_BASE16 96u  /* the rows path (no block path on Armv6-M), about 6 per MAC */
#define TE_FIELDS_PASS16 6400u
#define TE_FIELDS_BASE_PASS16 1600u
#else
#define TE_FIELDS_BYTE16 64u  /* RISC-V: LBU, ADD, ADDI, BNE */
#define TE_FIELDS_WORD16 48u  /* LW, MUL, ADD */
#define TE_FIELDS_TAKE16 80u  /* LW, SRLI, ANDI, ADD, SW */
#define TE_FIELDS_CHUNK16 320u
#define TE_FIELDS_BASE16 44u  /* the plain block form, two pixels at a time */
#define TE_FIELDS_PASS16 4800u
#define TE_FIELDS_BASE_PASS16 1600u
#endif

/* Fewer window bytes than this between two takes, and a width is not used. */
#define TE_FIELDS_MIN_STEPS 8u

/* Words of channels per block for m channels per word (at most max_words fit the scratch). */
static int32_t fields_block_words(int32_t cout, int32_t m, int32_t max_words)
{
    const int32_t words = (cout + m - 1) / m;
    const int32_t per = te_min_i32(te_min_i32(max_words, TE_FIELDS_MAX_WORDS), words);
    const int32_t blocks = (words + per - 1) / per;
    return (words + blocks - 1) / blocks; /* equal blocks: 6 words are 3 + 3, not 4 + 2 */
}

int te_conv_fields_plan(uint32_t k, uint32_t x_max, int32_t cout, int64_t taps,
                        int32_t max_words, int32_t base_passes, te_fields *f)
{
    const uint32_t p_max = ((1u << k) - 1u) * x_max;
    const uint64_t macs = (uint64_t)taps * (uint64_t)cout; /* per pixel */
    uint64_t best = TE_FIELDS_BASE16 + (uint64_t)TE_FIELDS_BASE_PASS16 * (uint64_t)base_passes / macs;
    uint32_t i;
    int found = 0;
    for (i = 0; i < 2u && max_words >= 1; ++i) {
        const uint32_t w = i == 0u ? 8u : 16u; /* 10 bits (3 channels) measured slower than both */
        const uint32_t m = 32u / w;
        const uint32_t steps = p_max == 0u ? 65536u : ((1u << w) - 1u) / p_max;
        const uint32_t nw = (uint32_t)fields_block_words(cout, (int32_t)m, max_words);
        const int32_t passes = ((cout + (int32_t)m - 1) / (int32_t)m + (int32_t)nw - 1) / (int32_t)nw;
        uint64_t cost;
        if (steps < TE_FIELDS_MIN_STEPS) {
            continue; /* takes every few bytes: measured slower than the model says */
        }
        cost = (TE_FIELDS_BYTE16 + nw * TE_FIELDS_WORD16 + nw * m - 1u) / (nw * m) +
               (TE_FIELDS_TAKE16 + steps - 1u) / steps +
               (TE_FIELDS_CHUNK16 + steps * nw * m - 1u) / (steps * nw * m);
        cost += (uint64_t)TE_FIELDS_PASS16 * (uint64_t)passes / macs;
        if (cost < best) {
            best = cost;
            f->width = w;
            f->per_word = (int32_t)m;
            f->steps = (int32_t)(steps > 65536u ? 65536u : steps);
            f->block_words = (int32_t)nw;
            found = 1;
        }
    }
    return found;
}

/* dot[0 .. m) += the m fields of v; one loop per width so that the shifts are constants. */
static inline void take_fields(uint32_t v, const te_fields *f, uint32_t *dot)
{
    if (f->width == 8u) {
        dot[0] += v & 0xFFu;
        dot[1] += (v >> 8) & 0xFFu;
        dot[2] += (v >> 16) & 0xFFu;
        dot[3] += v >> 24;
    } else if (f->width == 10u) {
        dot[0] += v & 0x3FFu;
        dot[1] += (v >> 10) & 0x3FFu;
        dot[2] += v >> 20; /* the top field: 12 bits */
    } else {
        dot[0] += v & 0xFFFFu;
        dot[1] += v >> 16;
    }
}

/*
 * The MAC loop for one pixel and NW words: rows window rows of len bytes (x_stride apart in the
 * input, w_row words apart in the scratch), at most f->steps bytes between two takes. Returns
 * sum x over the window; dot[0 .. NW * m) receives sum q * x per channel. The accumulators are
 * scalars so that they stay in registers.
 */
#if defined(__GNUC__) && defined(TE_THUMB2)
/* Armv7-M, in assembly (GCC neither keeps the loads together nor the MLAs apart): c (>= 1) bytes
 * against NW words, LDRB, LDRD (two words each), NW MLA, the byte sum and the loop step. (LDM
 * would take one instruction less, but it needs named registers, which cost more in moves.) */
#define TE_FIELDS_ASM 1
#define TE_FIELDS_RUN1(C)                                                                          \
    do {                                                                                           \
        int32_t n_ = (C);                                                                          \
        uint32_t xv_, w0_;                                                                         \
        __asm__ volatile("1:\n\t"                                                                  \
                         "ldrb   %[xv], [%[xp]], #1\n\t"                                           \
                         "ldr    %[w0], [%[wp]], #4\n\t"                                           \
                         "mla    %[a0], %[xv], %[w0], %[a0]\n\t"                                   \
                         "add    %[xs], %[xs], %[xv]\n\t"                                          \
                         "subs   %[n], %[n], #1\n\t"                                               \
                         "bne    1b\n\t"                                                           \
                         : [a0] "+r"(a0),                                                          \
                           [xs] "+r"(xs), [xp] "+r"(xp), [wp] "+r"(wp), [n] "+r"(n_),              \
                           [xv] "=&r"(xv_), [w0] "=&r"(w0_)                                        \
                         :                                                                         \
                         : "cc", "memory");                                                        \
    } while (0)

#define TE_FIELDS_RUN2(C)                                                                          \
    do {                                                                                           \
        int32_t n_ = (C);                                                                          \
        uint32_t xv_, w0_, w1_;                                                                    \
        __asm__ volatile("1:\n\t"                                                                  \
                         "ldrb   %[xv], [%[xp]], #1\n\t"                                           \
                         "ldrd   %[w0], %[w1], [%[wp]], #8\n\t"                                       \
                         "mla    %[a0], %[xv], %[w0], %[a0]\n\t"                                   \
                         "mla    %[a1], %[xv], %[w1], %[a1]\n\t"                                   \
                         "add    %[xs], %[xs], %[xv]\n\t"                                          \
                         "subs   %[n], %[n], #1\n\t"                                               \
                         "bne    1b\n\t"                                                           \
                         : [a0] "+r"(a0), [a1] "+r"(a1),                                           \
                           [xs] "+r"(xs), [xp] "+r"(xp), [wp] "+r"(wp), [n] "+r"(n_),              \
                           [xv] "=&r"(xv_), [w0] "=&r"(w0_), [w1] "=&r"(w1_)                       \
                         :                                                                         \
                         : "cc", "memory");                                                        \
    } while (0)

#define TE_FIELDS_RUN3(C)                                                                          \
    do {                                                                                           \
        int32_t n_ = (C);                                                                          \
        uint32_t xv_, w0_, w1_, w2_;                                                               \
        __asm__ volatile("1:\n\t"                                                                  \
                         "ldrb   %[xv], [%[xp]], #1\n\t"                                           \
                         "ldrd   %[w0], %[w1], [%[wp]], #8\n\t"                                  \
                         "ldr    %[w2], [%[wp]], #4\n\t"                                \
                         "mla    %[a0], %[xv], %[w0], %[a0]\n\t"                                   \
                         "mla    %[a1], %[xv], %[w1], %[a1]\n\t"                                   \
                         "mla    %[a2], %[xv], %[w2], %[a2]\n\t"                                   \
                         "add    %[xs], %[xs], %[xv]\n\t"                                          \
                         "subs   %[n], %[n], #1\n\t"                                               \
                         "bne    1b\n\t"                                                           \
                         : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2),                            \
                           [xs] "+r"(xs), [xp] "+r"(xp), [wp] "+r"(wp), [n] "+r"(n_),              \
                           [xv] "=&r"(xv_), [w0] "=&r"(w0_), [w1] "=&r"(w1_), [w2] "=&r"(w2_)      \
                         :                                                                         \
                         : "cc", "memory");                                                        \
    } while (0)

#define TE_FIELDS_RUN4(C)                                                                          \
    do {                                                                                           \
        int32_t n_ = (C);                                                                          \
        uint32_t xv_, w0_, w1_, w2_, w3_;                                                          \
        __asm__ volatile("1:\n\t"                                                                  \
                         "ldrb   %[xv], [%[xp]], #1\n\t"                                           \
                         "ldrd   %[w0], %[w1], [%[wp]], #8\n\t"                                  \
                         "ldrd   %[w2], %[w3], [%[wp]], #8\n\t"                         \
                         "mla    %[a0], %[xv], %[w0], %[a0]\n\t"                                   \
                         "mla    %[a1], %[xv], %[w1], %[a1]\n\t"                                   \
                         "mla    %[a2], %[xv], %[w2], %[a2]\n\t"                                   \
                         "mla    %[a3], %[xv], %[w3], %[a3]\n\t"                                   \
                         "add    %[xs], %[xs], %[xv]\n\t"                                          \
                         "subs   %[n], %[n], #1\n\t"                                               \
                         "bne    1b\n\t"                                                           \
                         : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3),             \
                           [xs] "+r"(xs), [xp] "+r"(xp), [wp] "+r"(wp), [n] "+r"(n_),              \
                           [xv] "=&r"(xv_), [w0] "=&r"(w0_), [w1] "=&r"(w1_), [w2] "=&r"(w2_), [w3] "=&r"(w3_) \
                         :                                                                         \
                         : "cc", "memory");                                                        \
    } while (0)
#endif

#define TE_FIELDS_MAC_BODY(NW)                                                                    \
    do {                                                                                          \
        const uint32_t xv_ = *xp++;                                                               \
        xs += xv_;                                                                                \
        a0 += xv_ * wp[0];                                                                        \
        if ((NW) > 1) a1 += xv_ * wp[1];                                                          \
        if ((NW) > 2) a2 += xv_ * wp[2];                                                          \
        if ((NW) > 3) a3 += xv_ * wp[3];                                                          \
        wp += (NW);                                                                               \
    } while (0)

#if defined(TE_FIELDS_ASM)
#define TE_FIELDS_RUN(NW, C)                                                                      \
    do {                                                                                          \
        if ((C) > 0) {                                                                            \
            if ((NW) == 1) TE_FIELDS_RUN1(C);                                                     \
            if ((NW) == 2) TE_FIELDS_RUN2(C);                                                     \
            if ((NW) == 3) TE_FIELDS_RUN3(C);                                                     \
            if ((NW) == 4) TE_FIELDS_RUN4(C);                                                     \
        }                                                                                         \
    } while (0)
#else
#define TE_FIELDS_RUN(NW, C)                                                                      \
    do {                                                                                          \
        int32_t c_ = (C);                                                                         \
        for (; c_ > 0; --c_) {                                                                    \
            TE_FIELDS_MAC_BODY(NW);                                                               \
        }                                                                                         \
    } while (0)
#endif

#define TE_FIELDS_TAKE(NW)                                                                        \
    do {                                                                                          \
        take_fields(a0, f, dot);                                                                  \
        if ((NW) > 1) take_fields(a1, f, dot + f->per_word);                                      \
        if ((NW) > 2) take_fields(a2, f, dot + 2 * f->per_word);                                  \
        if ((NW) > 3) take_fields(a3, f, dot + 3 * f->per_word);                                  \
        a0 = a1 = a2 = a3 = 0u;                                                                   \
    } while (0)

#define TE_FIELDS_MAC(NAME, NW)                                                                   \
    TE_NOINLINE static uint32_t NAME(const uint8_t *x, int32_t x_stride, const uint32_t *w, int32_t w_row,    \
                         int32_t rows, int32_t len, const te_fields *f, uint32_t *dot)            \
    {                                                                                             \
        uint32_t a0 = 0u, a1 = 0u, a2 = 0u, a3 = 0u, xs = 0u;                                     \
        int32_t r, room = f->steps;                                                               \
        for (r = 0; r < rows; ++r) {                                                              \
            const uint8_t *xp = x + r * x_stride;                                                 \
            const uint32_t *wp = w + r * w_row;                                                   \
            int32_t left = len;                                                                   \
            while (left > 0) {                                                                    \
                int32_t c = left < room ? left : room;                                            \
                left -= c;                                                                        \
                room -= c;                                                                        \
                TE_FIELDS_RUN(NW, c);                                                             \
                if (room == 0) {                                                                  \
                    TE_FIELDS_TAKE(NW);                                                           \
                    room = f->steps;                                                              \
                }                                                                                 \
            }                                                                                     \
        }                                                                                         \
        TE_FIELDS_TAKE(NW);                                                                       \
        return xs;                                                                                \
    }

TE_FIELDS_MAC(fields_mac1, 1)
TE_FIELDS_MAC(fields_mac2, 2)
TE_FIELDS_MAC(fields_mac3, 3)
TE_FIELDS_MAC(fields_mac4, 4)

/*
 * Two pixels of the same output row at once where the registers allow it (RISC-V has 31, and
 * hosts are fine either way; Arm keeps one pixel): each weight word is loaded once for both, and
 * the loop's overhead is shared. x1 is the second pixel's window, the same rows x_stride apart.
 */
#if !defined(__arm__) && !defined(__thumb__)
#define TE_FIELDS_PAIRS 1
#define TE_FIELDS_MAC2_BODY(NW)                                                                   \
    do {                                                                                          \
        const uint32_t xa_ = *xp++, xb_ = *xq++;                                                  \
        uint32_t w_;                                                                              \
        xs += xa_;                                                                                \
        xt += xb_;                                                                                \
        w_ = wp[0], a0 += xa_ * w_, b0 += xb_ * w_;                                               \
        if ((NW) > 1) w_ = wp[1], a1 += xa_ * w_, b1 += xb_ * w_;                                 \
        if ((NW) > 2) w_ = wp[2], a2 += xa_ * w_, b2 += xb_ * w_;                                 \
        if ((NW) > 3) w_ = wp[3], a3 += xa_ * w_, b3 += xb_ * w_;                                 \
        wp += (NW);                                                                               \
    } while (0)

#define TE_FIELDS_TAKE2(NW)                                                                       \
    do {                                                                                          \
        take_fields(a0, f, dot);                                                                  \
        take_fields(b0, f, dot2);                                                                 \
        if ((NW) > 1) take_fields(a1, f, dot + f->per_word), take_fields(b1, f, dot2 + f->per_word); \
        if ((NW) > 2)                                                                             \
            take_fields(a2, f, dot + 2 * f->per_word), take_fields(b2, f, dot2 + 2 * f->per_word); \
        if ((NW) > 3)                                                                             \
            take_fields(a3, f, dot + 3 * f->per_word), take_fields(b3, f, dot2 + 3 * f->per_word); \
        a0 = a1 = a2 = a3 = b0 = b1 = b2 = b3 = 0u;                                               \
    } while (0)

#define TE_FIELDS_MAC2(NAME, NW)                                                                  \
    TE_NOINLINE static void NAME(const uint8_t *x, const uint8_t *x1, int32_t x_stride,          \
                                 const uint32_t *w, int32_t w_row, int32_t rows, int32_t len,     \
                                 const te_fields *f, uint32_t *dot, uint32_t *dot2, uint32_t *sums) \
    {                                                                                             \
        uint32_t a0 = 0u, a1 = 0u, a2 = 0u, a3 = 0u, b0 = 0u, b1 = 0u, b2 = 0u, b3 = 0u;          \
        uint32_t xs = 0u, xt = 0u;                                                                \
        int32_t r, room = f->steps;                                                               \
        for (r = 0; r < rows; ++r) {                                                              \
            const uint8_t *xp = x + r * x_stride, *xq = x1 + r * x_stride;                        \
            const uint32_t *wp = w + r * w_row;                                                   \
            int32_t left = len;                                                                   \
            while (left > 0) {                                                                    \
                int32_t c = left < room ? left : room;                                            \
                left -= c;                                                                        \
                room -= c;                                                                        \
                for (; c > 0; --c) {                                                              \
                    TE_FIELDS_MAC2_BODY(NW);                                                      \
                }                                                                                 \
                if (room == 0) {                                                                  \
                    TE_FIELDS_TAKE2(NW);                                                          \
                    room = f->steps;                                                              \
                }                                                                                 \
            }                                                                                     \
        }                                                                                         \
        TE_FIELDS_TAKE2(NW);                                                                      \
        sums[0] = xs;                                                                             \
        sums[1] = xt;                                                                             \
    }

TE_FIELDS_MAC2(fields_mac1x2, 1)
TE_FIELDS_MAC2(fields_mac2x2, 2)
TE_FIELDS_MAC2(fields_mac3x2, 3)
TE_FIELDS_MAC2(fields_mac4x2, 4)
#endif

/* Step 1: the words of channels c0 .. c0 + nw * m - 1 (code 0 past the last channel). */
TE_NO_LIBCALLS static void expand_fields(const te_conv_ctx *cx, int32_t c0, int32_t nw,
                                         const te_fields *f, uint32_t *w)
{
    const te_conv_params *p = cx->p;
    const int32_t rk = p->kernel_w * p->in.channels;
    const int32_t taps = p->kernel_h * rk; /* one channel's codes */
    const uint32_t cs = cx->code_shift, lsh = cx->lsh;
    /* q of every field at once: the m codes of a word gathered as bytes at 0, F, 2F ..., shifted
     * right together and masked back to their fields (what crosses into the field below is
     * cleared), then scaled by 2^lsh (the plan leaves room for it in each field) */
    const uint32_t mask = (0xFFu >> cs) * (f->width == 8u ? 0x01010101u : 0x00010001u);
    int32_t g, j, t;
    for (g = 0; g < nw; ++g) {
        const int32_t first = c0 + g * f->per_word;
        const uint8_t *r0 = cx->codes + (int64_t)first * taps;
        uint32_t *o = w + g;
        if (first + f->per_word <= p->out.channels && f->width == 8u) {
            for (t = 0; t < taps; ++t, o += nw, ++r0) {
                const uint32_t v = (uint32_t)r0[0] | (uint32_t)r0[taps] << 8 |
                                   (uint32_t)r0[2 * taps] << 16 | (uint32_t)r0[3 * taps] << 24;
                *o = ((v >> cs) & mask) << lsh;
            }
        } else if (first + f->per_word <= p->out.channels && f->width == 16u) {
            for (t = 0; t < taps; ++t, o += nw, ++r0) {
                const uint32_t v = (uint32_t)r0[0] | (uint32_t)r0[taps] << 16;
                *o = ((v >> cs) & mask) << lsh;
            }
        } else {
            /* the last word of the layer, with fewer channels than fields */
            for (t = 0; t < taps; ++t, o += nw) {
                uint32_t v = 0u;
                for (j = 0; j < f->per_word && first + j < p->out.channels; ++j) {
                    v |= ((uint32_t)(r0[(int64_t)j * taps + t] >> cs) << lsh)
                         << (f->width * (uint32_t)j);
                }
                *o = v;
            }
        }
    }
}

/* Step 3 for one pixel: acc from the split, the epilogue four channels at a time where it can. */
static void store_pixel(const te_conv_ctx *cx, const te_epi_ch *ch, int32_t count, int hi4,
                        int32_t out_base, const uint32_t *dot, uint32_t xs)
{
    int32_t acc[TE_FIELDS_MAX_WORDS * 4];
    int32_t i;
    for (i = 0; i < count; ++i) {
        acc[i] = te_split_acc(dot[i], xs, cx->n_s);
    }
    for (i = 0; i < count; i += 4) {
        const int32_t run = te_min_i32(4, count - i);
        if (hi4 && run == 4) {
            te_epi_hi4(&cx->e, ch + i, out_base + i, acc[i], acc[i + 1], acc[i + 2], acc[i + 3]);
        } else {
            te_epi_store_run(&cx->e, ch + i, out_base + i, acc + i, run);
        }
    }
}

TE_NO_LIBCALLS int te_conv_fields(const te_conv_ctx *cx, uint32_t *scratch,
                                  int64_t scratch_words)
{
#if defined(TE_FIELDS_PAIRS)
    const int32_t pairs = 2; /* dot holds two pixels' sums */
#else
    const int32_t pairs = 1;
#endif
    const te_conv_params *p = cx->p;
    const int32_t cin = p->in.channels;
    const int32_t cout = p->out.channels;
    const int32_t in_row = p->in.width * cin;
    const int32_t rk = p->kernel_w * cin;
    const int64_t taps = (int64_t)p->kernel_h * rk;
    const int hi4 = te_epi_hi4_ok(&cx->e);
    te_epi_ch ch[TE_FIELDS_MAX_WORDS * 4];
    te_fields f;
    int64_t max_words;
    int32_t per_block, c_first;

    max_words = scratch_words / taps;
    if (!te_conv_fields_plan(8u - cx->code_shift + cx->lsh, cx->x_max, cout, taps,
                             (int32_t)(max_words < TE_FIELDS_MAX_WORDS ? max_words
                                                                       : TE_FIELDS_MAX_WORDS),
                             te_conv_block_passes(p, scratch_words * 4), &f)) {
        return 0;
    }
    per_block = f.block_words;
    TE_PATH_HIT(TE_PATH_CONV_FIELDS);

    for (c_first = 0; c_first < cout; c_first += per_block * f.per_word) {
        const int32_t nw = te_min_i32(per_block, (cout - c_first + f.per_word - 1) / f.per_word);
        const int32_t count = te_min_i32(nw * f.per_word, cout - c_first);
        int32_t c, oh, ow;

        /* Step 1: the block's words and epilogue constants. */
        expand_fields(cx, c_first, nw, &f, scratch);
        for (c = 0; c < count; ++c) {
            te_epi_prepare(&cx->e, c_first + c, &ch[c]);
        }

        for (oh = 0; oh < p->out.height; ++oh) {
            int32_t kh0, kh1, ih0;
            te_clip_window(oh, p->stride_h, p->pad_top, p->kernel_h, p->in.height, &kh0, &kh1,
                           &ih0);
            for (ow = 0; ow < p->out.width; ++ow) {
                int32_t kw0, kw1, iw0, i;
                const int32_t out_base = (oh * p->out.width + ow) * cout + c_first;
                uint32_t dot[2 * TE_FIELDS_MAX_WORDS * 4];
                uint32_t sums[2];
                const uint8_t *x;
                const uint32_t *wq;
                int32_t pixels = 1;
                te_clip_window(ow, p->stride_w, p->pad_left, p->kernel_w, p->in.width, &kw0, &kw1,
                               &iw0);

                /* Step 2: the clipped window rows, in place (two pixels where their windows
                 * clip alike). */
                x = cx->input + (ih0 + kh0) * in_row + (iw0 + kw0) * cin;
                wq = scratch + ((int64_t)kh0 * rk + kw0 * cin) * nw;
                for (i = 0; i < pairs * nw * f.per_word; ++i) {
                    dot[i] = 0u;
                }
#if defined(TE_FIELDS_PAIRS)
                if (ow + 1 < p->out.width) {
                    int32_t kw0b, kw1b, iw0b;
                    te_clip_window(ow + 1, p->stride_w, p->pad_left, p->kernel_w, p->in.width,
                                   &kw0b, &kw1b, &iw0b);
                    if (kw0b == kw0 && kw1b == kw1) {
                        const uint8_t *x1 = x + p->stride_w * cin;
                        uint32_t *dot2 = dot + nw * f.per_word;
                        const int32_t rows = kh1 - kh0, len = (kw1 - kw0) * cin;
                        switch (nw) {
                        case 1: fields_mac1x2(x, x1, in_row, wq, rk, rows, len, &f, dot, dot2, sums); break;
                        case 2: fields_mac2x2(x, x1, in_row, wq, rk * 2, rows, len, &f, dot, dot2, sums); break;
                        case 3: fields_mac3x2(x, x1, in_row, wq, rk * 3, rows, len, &f, dot, dot2, sums); break;
                        default: fields_mac4x2(x, x1, in_row, wq, rk * 4, rows, len, &f, dot, dot2, sums); break;
                        }
                        pixels = 2;
                    }
                }
                if (pixels == 1)
#endif
                {
                    const int32_t rows = kh1 - kh0, len = (kw1 - kw0) * cin;
                    switch (nw) {
                    case 1: sums[0] = fields_mac1(x, in_row, wq, rk, rows, len, &f, dot); break;
                    case 2: sums[0] = fields_mac2(x, in_row, wq, rk * 2, rows, len, &f, dot); break;
                    case 3: sums[0] = fields_mac3(x, in_row, wq, rk * 3, rows, len, &f, dot); break;
                    default: sums[0] = fields_mac4(x, in_row, wq, rk * 4, rows, len, &f, dot); break;
                    }
                }

                /* Step 3: the outputs of each pixel. */
                for (i = 0; i < pixels; ++i) {
                    store_pixel(cx, ch, count, hi4, out_base + i * cout, dot + i * nw * f.per_word,
                                sums[i]);
                }
                ow += pixels - 1;
            }
        }
    }
    return 1;
}

#endif /* TE_CONV_FIELDS */

#if TE_CONV_FIELDS && TE_CONV_FIELDS_SCRATCH_BYTES >= 64
/* The field form with its scratch on the stack (its own frame: not added to the block path's). */
int te_conv_fields_stack(const te_conv_ctx *cx)
{
    uint32_t w[TE_CONV_FIELDS_SCRATCH_BYTES / 4];
    return te_conv_fields(cx, w, (int64_t)(sizeof w / sizeof w[0]));
}
#endif
