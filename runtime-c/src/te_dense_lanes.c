/*
 * te_dense_lanes - te_dense for at most TE_DENSE_LANES_MAX inputs. With ARM DSP, x is split once
 * into the 16-bit lanes of UXTB16 on the stack (x0, x2 | x1, x3 per four inputs), so that each
 * weight word costs one AND and two UXTB16 for four MACs. The AND keeps the top k bits of each
 * code in place, m = q * 2^(8-k) <= 255, so the lanes sum m * x = 2^(8-k) * sum(q * x) exactly
 * (below 2^31 for 33025 inputs), shifted back once per output. Without DSP it is te_dense's row
 * form. The definition is at the top of te_dense.c.
 */
#include "te_epilogue.h"

#if defined(TE_DSP)

/* dot[r] = sum_i m_r[i] * x[i] for rows r < nr (1 or 2) of codes, from the lanes xl. */
static inline void dense_dot_dsp(const uint32_t *xl, const uint8_t *c0, const uint8_t *c1,
                                 int32_t groups, uint32_t mask, int32_t *dot0, int32_t *dot1)
{
    int32_t a0 = 0, a1 = 0, g;
    for (g = 0; g < groups; ++g) {
        const int32_t xe = (int32_t)xl[2 * g], xo = (int32_t)xl[2 * g + 1];
        const uint32_t m0 = te_read_u32(c0 + 4 * g) & mask;
        const uint32_t m1 = te_read_u32(c1 + 4 * g) & mask;
        a0 = __smlad(xe, (int32_t)__uxtb16(m0), a0);
        a0 = __smlad(xo, (int32_t)te_uxtb16_ror8(m0), a0);
        a1 = __smlad(xe, (int32_t)__uxtb16(m1), a1);
        a1 = __smlad(xo, (int32_t)te_uxtb16_ror8(m1), a1);
    }
    *dot0 = a0;
    *dot1 = a1;
}

/* Every output row with the lanes of x (in_f <= TE_DENSE_LANES_MAX). */
static void dense_lanes(int32_t in_f, int32_t out_f, const uint8_t *x, const uint8_t *codes,
                        uint32_t code_shift, uint32_t n, const te_epilogue *e)
{
    uint32_t xl[2 * (TE_DENSE_LANES_MAX / 4)];
    const int32_t groups = in_f / 4, tail = in_f - 4 * groups;
    const uint32_t mask = (0xFFu << code_shift & 0xFFu) * 0x01010101u;
    const uint32_t xsum = te_sum_u8(x, in_f);
    int32_t g, o, i;
    for (g = 0; g < groups; ++g) {
        const uint32_t xw = te_read_u32(x + 4 * g);
        xl[2 * g] = __uxtb16(xw);
        xl[2 * g + 1] = te_uxtb16_ror8(xw);
    }
    for (o = 0; o < out_f; o += 2) {
        const int32_t nr = te_min_i32(2, out_f - o);
        const uint8_t *c0 = codes + (size_t)o * (size_t)in_f;
        const uint8_t *c1 = nr == 2 ? c0 + in_f : c0; /* one row: computed twice, used once */
        int32_t m[2], acc[2];
        uint32_t dot[2];
        te_epi_ch ch[2];
        dense_dot_dsp(xl, c0, c1, groups, mask, &m[0], &m[1]);
        for (i = 0; i < nr; ++i) {
            const uint8_t *c = i == 0 ? c0 : c1;
            int32_t t;
            dot[i] = (uint32_t)m[i] >> code_shift; /* m = 2^(8-k) * sum(q x), exactly */
            for (t = 4 * groups; t < 4 * groups + tail; ++t) {
                dot[i] += (uint32_t)(c[t] >> code_shift) * x[t];
            }
            acc[i] = te_split_acc(dot[i], xsum, n);
            te_epi_prepare(e, o + i, &ch[i]);
        }
        te_epi_store_run(e, ch, o, acc, nr);
    }
    TE_PATH_HIT(TE_PATH_DENSE_DSP);
}
#endif

/* te_dense's checks too: here, so that te_dense_lanes needs nothing of te_dense.c. Not TE_SETUP:
 * GCC takes a call to a cold function in the same file as a sign that the caller is cold too, and
 * compiled te_dense_lanes for size (FC 640 -> 128 on Cortex-M0+ 7.3 -> 10.3 instructions/MAC). */
te_status te_dense_begin(te_epilogue *e, int32_t in_features, int32_t out_features,
                                  const uint8_t *input, const uint8_t *codes, uint32_t weight_bits,
                                  const te_requant *rq, te_operand residual, te_elem output_kind,
                                  void *output)
{
    /* Step 1: pointers, bit width, sizes. */
    if (input == NULL || codes == NULL || output == NULL || te_requant_has_null(rq)) {
        return TE_ERR_NULL_POINTER;
    }
    if (weight_bits < 1u || weight_bits > 8u) {
        return TE_ERR_BAD_BITS;
    }
    if (in_features < 1 || out_features < 1 ||
        (int64_t)in_features * out_features > (int64_t)INT32_MAX) {
        return TE_ERR_BAD_PARAMS;
    }

    /* Step 2: the epilogue (table ranges, residual, output kind). */
    return te_epilogue_init(e, out_features, rq, residual, output_kind, output, 0);
}

te_status te_dense_lanes(int32_t in_features, int32_t out_features, const uint8_t *input,
                         const uint8_t *codes, uint32_t weight_bits, const te_requant *rq,
                         te_operand residual, te_elem output_kind, void *output)
{
    te_epilogue e;
    const te_status status = te_dense_begin(&e, in_features, out_features, input, codes,
                                            weight_bits, rq, residual, output_kind, output);
    if (status != TE_OK) {
        return status;
    }
    if (in_features > TE_DENSE_LANES_MAX) {
        return TE_ERR_BAD_PARAMS;
    }
#if defined(TE_DSP)
    dense_lanes(in_features, out_features, input, codes, 8u - weight_bits,
                (1u << weight_bits) - 1u, &e);
#else
    te_dense_row(input, in_features, codes, out_features, 8u - weight_bits,
                 (1u << weight_bits) - 1u, 0u, &e, 0);
#endif
    return TE_OK;
}
