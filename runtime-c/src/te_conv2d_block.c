/*
 * te_conv2d_block - groups == 1 in scratch the caller plans (the generated model passes a part
 * of its arena): the weight-stationary block form (weights expanded once per call, windows
 * streamed from the input, four channels per pass) and, on targets without DSP, the field form
 * of te_conv2d_fields.c where it is cheaper. Nothing here falls back to the rows form (but on
 * Armv6-M, which has no block form worth running), so a firmware that calls only
 * te_conv2d_block links neither te_conv2d_rows.c nor the depthwise and grouped variants.
 * The definition is at the top of te_conv2d.c.
 */
#include "te_conv2d_ctx.h"

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
#if defined(TE_DSP)
#define TE_BLOCK_DSP 1
#define TE_BLOCK_READS_GROUPS 1 /* reads whole groups of 4 input bytes */
#elif defined(TE_THUMB2)
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
    /* 32-bit: both are below 2^31 here (scratch bytes / 4), and Armv7-M has no 64-bit divide */
    per_block = (int32_t)((uint32_t)w_words / (uint32_t)quad_words);
    per_block = te_min_i32(per_block, 64);
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
int te_conv_block_stack(const te_conv_ctx *cx)
{
    uint32_t w[TE_CONV_BLOCK_SCRATCH_BYTES / 4];
    uint8_t xbuf[TE_CONV_BLOCK_SCRATCH_BYTES / 8]; /* a window: kernel_h * 4 * ceil(rk / 4) bytes
                                                     whenever a quad's weights fit w */
    return conv_block(cx, w, (int64_t)(sizeof w / sizeof w[0]), xbuf);
}
#endif /* TE_CONV_BLOCK_PATH */


int te_conv_in_scratch(const te_conv_ctx *cx, const te_scratch *scratch)
{
    uint8_t *base = (uint8_t *)scratch->data;
    const int64_t window = te_conv_window_bytes(cx->p);
    int done = 0;
#if TE_CONV_FIELDS
    done = te_conv_fields(cx, (uint32_t *)(void *)base, (int64_t)(scratch->bytes / 4u));
#endif
#if TE_CONV_BLOCK_CODE
    /* (not on Armv6-M: its plain block form measured slower than the rows path) */
    if (!done && (int64_t)scratch->bytes > window) {
        done = conv_block(cx, (uint32_t *)(void *)(base + window),
                          ((int64_t)scratch->bytes - window) / 4, base);
    }
#endif
    (void)base;
    (void)window;
    return done;
}

te_status te_conv2d_block(const te_conv_params *p, const uint8_t *input, const uint8_t *codes,
                          uint32_t weight_bits, const te_requant *rq, te_operand residual,
                          te_elem output_kind, void *output, const te_scratch *scratch)
{
    te_conv_ctx cx;
    te_status status;
    if (scratch == NULL) {
        return TE_ERR_NULL_POINTER;
    }
    status = te_conv_begin(&cx, TE_CONV_STANDARD, p, input, codes, weight_bits, rq, residual,
                           output_kind, output, scratch);
    if (status != TE_OK) {
        return status;
    }
    if (scratch->bytes < te_conv2d_min_scratch_bytes(p)) {
        return TE_ERR_BAD_PARAMS;
    }
    if (!te_conv_in_scratch(&cx, scratch)) {
#if TE_CONV_BLOCK_CODE
        return TE_ERR_BAD_PARAMS; /* not reached: the least scratch holds a block of one quad */
#else
        te_conv_fallback(&cx); /* Armv6-M: the rows form where the field form declines */
#endif
    }
    return TE_OK;
}
