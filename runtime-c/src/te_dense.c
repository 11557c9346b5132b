/*
 * te_dense - fully connected layer over uint8 activation codes with TruncQuant weight codes.
 *
 * Shapes: x [in_features] codes (a tensor's elements in HWC order), codes [out_features][in_features],
 * y [out_features]; weight bit width k in 1..8, n = 2^k - 1:
 *
 *   s[o][i] = 2 * (codes[o][i] >> (8 - k)) - n
 *   acc[o]  = sum_{i < in_features} s[o][i] * x[i]
 *   y[o]    = te_requantize(acc, bias[o], multiplier[o], pre_shift[o], shift[o],
 *                           r[o], residual_multiplier[o], residual_pre_shift[o], lo, hi)
 *
 * Computed as acc = 2 * sum(q * x) - n * sum(x) with q = codes >> (8 - k): sum(x) once for all
 * outputs, two output rows per pass over x, modulo 2^32 (te_internal.h), same integers as the
 * direct sum. docs/integer-semantics.md is the contract.
 *
 * At most TE_DENSE_LANES_MAX inputs it is te_dense_lanes (te_dense_lanes.c: with ARM DSP the
 * lanes form), which the generated model calls directly for such layers (so that it links no
 * row form of more inputs).
 */
#include "te_epilogue.h"

te_status te_dense(int32_t in_features, int32_t out_features, const uint8_t *input,
                   const uint8_t *codes, uint32_t weight_bits, const te_requant *rq,
                   te_operand residual, te_elem output_kind, void *output)
{
    te_epilogue e;
    te_status status;
    if (in_features >= 1 && in_features <= TE_DENSE_LANES_MAX) {
        return te_dense_lanes(in_features, out_features, input, codes, weight_bits, rq, residual,
                              output_kind, output);
    }
    status = te_dense_begin(&e, in_features, out_features, input, codes, weight_bits, rq,
                            residual, output_kind, output);
    if (status != TE_OK) {
        return status;
    }

    /* Step 3: every output row, two at a time. */
    te_dense_row(input, in_features, codes, out_features, 8u - weight_bits,
                 (1u << weight_bits) - 1u, 0u, &e, 0);
    return TE_OK;
}
