/*
 * te_dense_packed (the te_unpack family: weights stored at S < 8 bits, truncedge compile
 * --store-bits) - te_dense chunk output features at a time: each group's codes (chunk rows of in_features, contiguous)
 * are unpacked into work and te_dense computes the group's outputs in place, with the table and
 * residual advanced to its first feature. The results are those of te_dense on the whole layer;
 * each call costs te_dense's once-per-call work on the input (its sum, and the DSP lane split)
 * again, which is why the compiler makes groups of at least 16 features.
 */
#include "te_internal.h"

uint32_t te_dense_packed_work_bytes(int32_t in_features, int32_t out_features, uint32_t chunk)
{
    uint64_t rows;
    if (in_features < 1 || out_features < 1 || chunk < 1u) {
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

    if (input == NULL || packed == NULL || output == NULL || work == NULL || te_requant_has_null(rq)) {
        return TE_ERR_NULL_POINTER;
    }
    if (store_bits < 1u || store_bits > 8u || weight_bits < 1u || weight_bits > store_bits) {
        return TE_ERR_BAD_BITS;
    }
    if (in_features < 1 || out_features < 1 ||
        (int64_t)in_features * out_features > (int64_t)INT32_MAX || chunk < 1u ||
        !te_is_aligned4(work) || work_bytes < te_dense_packed_work_bytes(in_features, out_features, chunk) ||
        (chunk < (uint32_t)out_features && (chunk * (uint64_t)in_features) % 32u != 0u)) {
        return TE_ERR_BAD_PARAMS;
    }
    /* The whole table, residual and output, before a group is written. */
    status = te_epilogue_init(&check, out_features, rq, residual, output_kind, output, 0);
    if (status != TE_OK) {
        return status;
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
