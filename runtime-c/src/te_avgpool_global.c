/*
 * te_avgpool_global - the global average pool (GlobalAveragePool, or an AveragePool whose one
 * window is the whole input): te_avgpool's integers without its window geometry, so that a model
 * whose only pool is global (ResNet, DS-CNN, MobileNet) links a fraction of te_avgpool's code.
 *
 *   sum  = sum_{p < pixels} x[p][c]
 *   y[c] = clamp(round_shift_even(sum * multiplier, shift, sum), 0, out_max)
 *
 * x [pixels][C] (HWC, pixels = H * W), y [C]; multiplier and shift are the full window's entry
 * of te_avgpool's table. docs/integer-semantics.md is the contract.
 */
#include "te_internal.h"

te_status te_avgpool_global(int32_t pixels, int32_t channels, int32_t multiplier, int32_t shift,
                            int32_t out_max, const uint8_t *input, uint8_t *output)
{
    int32_t c, i;
    if (input == NULL || output == NULL) {
        return TE_ERR_NULL_POINTER;
    }
    if (pixels < 1 || channels < 1 || pixels > INT32_MAX / 255 || /* the sum fits int32 */
        (int64_t)pixels * channels > (int64_t)INT32_MAX || !te_shift_ok(shift) ||
        !te_multiplier_ok(multiplier) || out_max < 0 || out_max > 255) {
        return TE_ERR_BAD_PARAMS;
    }
    for (c = 0; c < channels; ++c) {
        int32_t sum = 0;
        for (i = 0; i < pixels; ++i) {
            sum += input[i * channels + c];
        }
        output[c] = (uint8_t)te_clamp(te_round_shift_even((int64_t)sum * multiplier, shift, sum), 0, out_max);
    }
    return TE_OK;
}
