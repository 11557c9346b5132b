/* te_fixture.h - the two kernels of the stand-in model (see model.h). */
#ifndef TE_FIXTURE_H
#define TE_FIXTURE_H

#include "truncedge.h"

/* y[i] = min(255, (x[i] * bits + 3) >> 2) */
te_status te_fixture_scale(int32_t count, const uint8_t *x, uint32_t bits, uint8_t *y);

/* out[o] = sum_i (2 * (codes[o][i] >> (8 - bits)) - (2^bits - 1)) * y[i] */
te_status te_fixture_dense(int32_t in_features, int32_t out_features, const uint8_t *y, const uint8_t *codes,
                           uint32_t bits, int32_t *out);

#endif /* TE_FIXTURE_H */
