/*
 * te_dense_packed (the te_unpack family: weights stored at S < 8 bits, truncedge compile
 * --store-bits) - te_dense chunk output features at a time: each group's codes (chunk rows of in_features, contiguous)
 * are unpacked into work and te_dense computes the group's outputs in place, with the table and
 * residual advanced to its first feature. The results are those of te_dense on the whole layer;
 * each call costs te_dense's once-per-call work on the input (its sum, and the DSP lane split)
 * again, which is why the compiler makes groups of at least 16 features.
 */
#include "te_epilogue.h"

#if defined(TE_DSP)
/* Inputs whose 16-bit lanes fit the stack buffer (2 KB), as in te_dense. */
#define TE_DENSE_PACKED4_X_MAX 1024

/*
 * S = 4 with ARM DSP, straight from the packed words (no unpacking): when every row starts on a
 * block (in_features a multiple of 32), word i of a row's block holds codes 8i..8i+3 in the low
 * nibbles of its bytes and 8i+4..8i+7 in the high ones (docs/emitted-c.md). One AND with the top
 * k bits of each nibble gives m = q * 2^(4-k) for four codes in place, UXTB16 splits them into
 * the lanes of x's UXTB16 split, and SMLAD adds 2^(4-k) * q * x exactly; the sum is shifted back
 * once per output. So a 4-bit layer costs what te_dense costs on bytes: one load per eight codes
 * instead of two. Returns 0 (doing nothing) when it does not apply.
 */
static int dense_packed4_dsp(int32_t in_f, int32_t out_f, const uint8_t *x, const uint32_t *packed,
                             uint32_t k, const te_epilogue *e)
{
    uint32_t xl[2 * (TE_DENSE_PACKED4_X_MAX / 4)];
    const int32_t groups = in_f / 4, words = in_f / 8;
    const uint32_t mask = ((0xFu << (4u - k)) & 0xFu) * 0x01010101u, n = (1u << k) - 1u;
    const uint32_t xsum = te_sum_u8(x, in_f);
    int32_t g, o;
    if (in_f > TE_DENSE_PACKED4_X_MAX || in_f % 32 != 0) {
        return 0;
    }
    for (g = 0; g < groups; ++g) {
        const uint32_t xw = te_read_u32(x + 4 * g);
        xl[2 * g] = __uxtb16(xw);
        xl[2 * g + 1] = te_uxtb16_ror8(xw);
    }
    for (o = 0; o < out_f; ++o) {
        const uint32_t *w = packed + (size_t)o * (size_t)words; /* the row's 4-bit part words */
        const uint32_t *xp = xl;
        int32_t a = 0, i;
        te_epi_ch ch;
        for (i = 0; i < words; ++i, xp += 4) {
            const uint32_t lo = w[i] & mask, hi = (w[i] >> 4) & mask;
            a = __smlad((int32_t)xp[0], (int32_t)__uxtb16(lo), a);
            a = __smlad((int32_t)xp[1], (int32_t)te_uxtb16_ror8(lo), a);
            a = __smlad((int32_t)xp[2], (int32_t)__uxtb16(hi), a);
            a = __smlad((int32_t)xp[3], (int32_t)te_uxtb16_ror8(hi), a);
        }
        te_epi_prepare(e, o, &ch);
        {
            const int32_t acc = te_split_acc((uint32_t)a >> (4u - k), xsum, n);
            te_epi_store_run(e, &ch, o, &acc, 1);
        }
    }
    TE_PATH_HIT(TE_PATH_DENSE_PACKED4);
    return 1;
}
#endif

/* The top k bits of the nibble at bit b of v (k a constant after inlining: one UBFX on Armv7-M).
 * Armv6-M has no UBFX: there the nibble is shifted to the top and back down by 32 - k, one
 * immediate shift and one register shift, the same instructions at every k (a loop per k with
 * masks cost more at k = 2 and 3 than at k = 4: each mask takes one of eight registers). */
#if defined(__ARM_ARCH_6M__)
#define TE_Q4(v, b, k) (((v) << (28u - (b))) >> (32u - (k)))
#define TE_Q4_ONE_LOOP 1 /* k a variable: one loop for every k */
#else
#define TE_Q4(v, b, k) (((v) >> ((b) + 4u - (k))) & ((1u << (k)) - 1u))
#endif

/* Two rows' sums of q * x over one word of each: codes 8i..8i+3 (low nibbles), 8i+4..8i+7. */
static inline void dot4_word(uint32_t v0, uint32_t v1, const uint8_t *xp, uint32_t k, uint32_t *d0,
                             uint32_t *d1)
{
    uint32_t l;
    for (l = 0; l < 4u; ++l) {
        const uint32_t xa = xp[l], xb = xp[4u + l];
        *d0 += TE_Q4(v0, 8u * l, k) * xa + TE_Q4(v0, 8u * l + 4u, k) * xb;
        *d1 += TE_Q4(v1, 8u * l, k) * xa + TE_Q4(v1, 8u * l + 4u, k) * xb;
    }
}

/* Two rows of words at weight bits k (a constant in each caller). */
static inline void dot4_rows(const uint32_t *w0, const uint32_t *w1, int32_t words,
                             const uint8_t *x, uint32_t k, uint32_t *d0, uint32_t *d1)
{
    int32_t i;
    for (i = 0; i < words; ++i) {
        dot4_word(w0[i], w1[i], x + 8 * i, k, d0, d1);
    }
}

/*
 * S = 4 without DSP (and with DSP beyond its 1024 inputs), straight from the packed words: two
 * rows at a time share each input byte, and each code is one bit-field extract and one
 * multiply-accumulate (k is a constant in each of the four loops), where te_dense on bytes
 * loads every code. Rows must start on blocks.
 */
static int dense_packed4_plain(int32_t in_f, int32_t out_f, const uint8_t *x, const uint32_t *packed,
                               uint32_t k, const te_epilogue *e)
{
    const int32_t words = in_f / 8;
    const uint32_t n = (1u << k) - 1u;
    uint32_t xsum;
    int32_t o;
    if (in_f % 32 != 0) {
        return 0;
    }
    xsum = te_sum_u8(x, in_f);
    for (o = 0; o < out_f; o += 2) {
        const int32_t nr = te_min_i32(2, out_f - o);
        const uint32_t *w0 = packed + (size_t)o * (size_t)words;
        const uint32_t *w1 = nr == 2 ? w0 + words : w0; /* one row: computed twice, used once */
        uint32_t d0 = 0u, d1 = 0u;
        int32_t acc[2];
        te_epi_ch ch[2];
#if defined(TE_Q4_ONE_LOOP)
        dot4_rows(w0, w1, words, x, k, &d0, &d1);
#else
        switch (k) {
        case 1u: dot4_rows(w0, w1, words, x, 1u, &d0, &d1); break;
        case 2u: dot4_rows(w0, w1, words, x, 2u, &d0, &d1); break;
        case 3u: dot4_rows(w0, w1, words, x, 3u, &d0, &d1); break;
        default: dot4_rows(w0, w1, words, x, 4u, &d0, &d1); break;
        }
#endif
        acc[0] = te_split_acc(d0, xsum, n);
        acc[1] = te_split_acc(d1, xsum, n);
        te_epi_prepare(e, o, &ch[0]);
        if (nr == 2) {
            te_epi_prepare(e, o + 1, &ch[1]);
        }
        te_epi_store_run(e, ch, o, acc, nr);
    }
    TE_PATH_HIT(TE_PATH_DENSE_PACKED4);
    return 1;
}

/* Whether a layer reads its packed words in place: 4 bits, rows on whole blocks of 32 codes. */
static int in_place(int32_t in_features, uint32_t store_bits)
{
    return store_bits == 4u && in_features % 32 == 0;
}

uint32_t te_dense_packed_work_bytes(int32_t in_features, int32_t out_features, uint32_t store_bits,
                                    uint32_t chunk)
{
    uint64_t rows;
    if (in_features < 1 || out_features < 1 || chunk < 1u || in_place(in_features, store_bits)) {
        return 0u;
    }
    rows = chunk < (uint32_t)out_features ? chunk : (uint32_t)out_features;
    rows = (rows * (uint64_t)in_features + 31u) / 32u * 32u;
    return rows > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)rows;
}

te_status te_dense_packed(int32_t in_features, int32_t out_features, const uint8_t *input,
                          const uint32_t *packed, uint32_t store_bits, uint32_t weight_bits,
                          const te_requant *rq, te_operand residual, te_elem output_kind,
                          void *output, uint32_t chunk, void *work, uint32_t work_bytes)
{
    te_epilogue check;
    te_status status;
    uint32_t o0, count;
    const uint32_t oelem = output_kind == TE_ELEM_INT32 ? 4u : 1u;
    const uint32_t relem = residual.kind == TE_ELEM_INT32 ? 4u : 1u;

    if (input == NULL || packed == NULL || output == NULL || te_requant_has_null(rq) ||
        (work == NULL && !in_place(in_features, store_bits))) {
        return TE_ERR_NULL_POINTER;
    }
    if (store_bits < 1u || store_bits > 8u || weight_bits < 1u || weight_bits > store_bits) {
        return TE_ERR_BAD_BITS;
    }
    if (in_features < 1 || out_features < 1 ||
        (int64_t)in_features * out_features > (int64_t)INT32_MAX || chunk < 1u ||
        (work != NULL && !te_is_aligned4(work)) ||
        work_bytes < te_dense_packed_work_bytes(in_features, out_features, store_bits, chunk) ||
        (chunk < (uint32_t)out_features && (chunk * (uint64_t)in_features) % 32u != 0u)) {
        return TE_ERR_BAD_PARAMS;
    }
    /* The whole table, residual and output, before a group is written. */
    status = te_epilogue_init(&check, out_features, rq, residual, output_kind, output, 0);
    if (status != TE_OK) {
        return status;
    }
    /* a layer at 4 bits whose rows start on blocks of 32 codes reads the packed words in place
     * (it needs no work buffer) */
    if (in_place(in_features, store_bits)) {
#if defined(TE_DSP)
        if (dense_packed4_dsp(in_features, out_features, input, packed, weight_bits, &check)) {
            return TE_OK;
        }
#endif
        (void)dense_packed4_plain(in_features, out_features, input, packed, weight_bits, &check);
        return TE_OK;
    }

    count = (uint32_t)in_features * (uint32_t)out_features;
    for (o0 = 0u; o0 < (uint32_t)out_features; o0 += chunk) {
        const uint32_t n = chunk < (uint32_t)out_features - o0 ? chunk : (uint32_t)out_features - o0;
        const te_requant gr = te_requant_from(rq, o0);
        te_operand gres = residual;
        if (residual.kind != TE_ELEM_NONE) {
            gres.data = (const uint8_t *)residual.data + (size_t)o0 * relem;
        }
        status = te_unpack_codes(packed, store_bits, weight_bits, count, o0 * (uint32_t)in_features,
                                 n * (uint32_t)in_features, (uint8_t *)work);
        if (status == TE_OK) {
            status = te_dense(in_features, (int32_t)n, input, (const uint8_t *)work, weight_bits, &gr,
                              gres, output_kind, (uint8_t *)output + (size_t)o0 * oelem);
        }
        if (status != TE_OK) {
            return status; /* only the first group can fail: the rest differ in table rows only */
        }
    }
    return TE_OK;
}
