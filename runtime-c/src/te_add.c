/*
 * te_add - elementwise sum of two tensors (Code or Int32 each) to codes.
 *
 * Shapes: a [count], b [count], y [count] (any tensor shape, flattened; a and b share it):
 *
 *   y[i] = clamp(round_shift(a[i] * mult_a + b[i] * mult_b, shift), lo, hi)
 *
 * |a|, |b| < 2^31 and |mult_a|, |mult_b| < 2^30 keep the sum and the rounding constant inside
 * int64. docs/integer-semantics.md is the contract.
 */
#include "te_internal.h"

/* Element i of a Code or Int32 operand (kind checked by the caller). */
static int64_t operand_at(const te_operand *t, int32_t i)
{
    if (t->kind == TE_ELEM_CODE) {
        return ((const uint8_t *)t->data)[i];
    }
    return ((const int32_t *)t->data)[i];
}

static int operand_ok(const te_operand *t)
{
    return t->kind == TE_ELEM_CODE || (t->kind == TE_ELEM_INT32 && te_is_aligned4(t->data));
}

te_status te_add(int32_t count, te_operand a, int32_t mult_a, te_operand b, int32_t mult_b,
                 int32_t shift, int32_t lo, int32_t hi, uint8_t *output)
{
    int32_t i;

    /* Step 1: pointers and parameters. */
    if (a.data == NULL || b.data == NULL || output == NULL) {
        return TE_ERR_NULL_POINTER;
    }
    if (count < 1 || !operand_ok(&a) || !operand_ok(&b) || !te_multiplier_ok(mult_a) ||
        !te_multiplier_ok(mult_b) || !te_shift_ok(shift) || lo > hi || lo < 0 || hi > 255) {
        return TE_ERR_BAD_PARAMS;
    }

    /* Step 2: the common case, two code tensors, without per-element kind tests. */
    if (a.kind == TE_ELEM_CODE && b.kind == TE_ELEM_CODE) {
        const uint8_t *xa = (const uint8_t *)a.data;
        const uint8_t *xb = (const uint8_t *)b.data;
        for (i = 0; i < count; ++i) {
            int64_t v = (int64_t)xa[i] * mult_a + (int64_t)xb[i] * mult_b;
            output[i] = (uint8_t)te_clamp(te_round_shift(v, shift), lo, hi);
        }
        return TE_OK;
    }

    /* Step 3: any mix of Code and Int32 operands. */
    for (i = 0; i < count; ++i) {
        int64_t v = operand_at(&a, i) * mult_a + operand_at(&b, i) * mult_b;
        output[i] = (uint8_t)te_clamp(te_round_shift(v, shift), lo, hi);
    }
    return TE_OK;
}
