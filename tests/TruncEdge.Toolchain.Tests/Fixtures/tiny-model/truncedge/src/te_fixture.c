/* te_fixture.c - the two kernels of the stand-in model (see model.h). */
#include "te_fixture.h"

te_status te_fixture_scale(int32_t count, const uint8_t *x, uint32_t bits, uint8_t *y)
{
    int32_t i;
    for (i = 0; i < count; i++) {
        uint32_t v = ((uint32_t)x[i] * bits + 3u) >> 2;
        y[i] = (uint8_t)(v > 255u ? 255u : v);
    }
    return TE_OK;
}

te_status te_fixture_dense(int32_t in_features, int32_t out_features, const uint8_t *y, const uint8_t *codes,
                           uint32_t bits, int32_t *out)
{
    int32_t o, i;
    const int32_t levels = (int32_t)((1u << bits) - 1u);
    if (bits < 1u || bits > 8u) return TE_ERR_BAD_BITS;
    for (o = 0; o < out_features; o++) {
        int32_t acc = 0;
        for (i = 0; i < in_features; i++) {
            int32_t q = (int32_t)(codes[o * in_features + i] >> (8u - bits));
            acc += (2 * q - levels) * (int32_t)y[i];
        }
        out[o] = acc;
    }
    return TE_OK;
}
