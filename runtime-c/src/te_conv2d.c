/*
 * te_conv2d - 2-D convolution of uint8 activation codes with TruncQuant weight codes.
 *
 * Shapes (batch 1, HWC): x [H][W][Cin] codes, codes [Cout][KH][KW][Cin/G], y [OH][OW][Cout],
 * G groups, cin_g = Cin / G, cout_g = Cout / G, weight bit width k in 1..8, n = 2^k - 1:
 *
 *   s[oc][kh][kw][ci] = 2 * (codes[oc][kh][kw][ci] >> (8 - k)) - n
 *   acc[oh][ow][oc]   = sum_{kh < KH, kw < KW, ci < cin_g} s[oc][kh][kw][ci]
 *                         * x[oh*SH + kh - PT][ow*SW + kw - PL][(oc / cout_g) * cin_g + ci]
 *                       (positions outside the input read as 0)
 *   y[oh][ow][oc]     = te_requantize(acc, bias[oc], multiplier[oc], pre_shift[oc], shift[oc],
 *                                     r[oh][ow][oc], residual_multiplier[oc],
 *                                     residual_pre_shift[oc], lo, hi)
 *
 * docs/integer-semantics.md is the contract. Every variant below gives the same integers; each
 * has its own file, and te_conv2d runs the one that fits the call (docs/runtime-c.md has the
 * table). The generated model calls the variant it needs, so a firmware links only that one:
 *
 *   te_conv2d_block      G == 1 in scratch the caller plans (te_conv2d_block.c; the field form
 *                        of te_conv2d_fields.c on targets without DSP).
 *   te_conv2d_depthwise  one input channel per group (te_conv2d_depthwise.c).
 *   te_conv2d_grouped    any groups: the plain form the others must agree with
 *                        (te_conv2d_grouped.c).
 *   (te_conv2d only)     G == 1 without scratch: the block or field form on the stack, else
 *                        window rows or pointwise (te_conv2d_rows.c).
 *
 * Every path clips the window once per output pixel instead of testing every tap: padding
 * reads 0 and contributes nothing.
 *
 * The paths over unsigned codes use acc = 2 * sum(q * x) - n * sum(x) (q = code >> (8 - k)), with
 * sum(x) over the window computed once per pixel, modulo 2^32 (see te_internal.h); the others use
 * the signed levels, whose partial sums the compiler's bound keeps inside int32 in any order.
 */
#include "te_conv2d_ctx.h"

/* ---------------------------------------------------------------------------------------------
 * The kernel: the variant for the shape; groups == 1 without enough scratch takes the stack.
 * ------------------------------------------------------------------------------------------- */
te_status te_conv2d(const te_conv_params *p, const uint8_t *input, const uint8_t *codes,
                    uint32_t weight_bits, const te_requant *rq, te_operand residual,
                    te_elem output_kind, void *output, const te_scratch *scratch)
{
    te_conv_ctx cx;
    te_status status;
    if (p != NULL && p->groups > 1 && p->in.channels == p->groups) {
        return te_conv2d_depthwise(p, input, codes, weight_bits, rq, residual, output_kind, output,
                                   scratch);
    }
    if (p != NULL && p->groups != 1) {
        return te_conv2d_grouped(p, input, codes, weight_bits, rq, residual, output_kind, output,
                                 scratch);
    }
    status = te_conv_begin(&cx, TE_CONV_STANDARD, p, input, codes, weight_bits, rq, residual,
                           output_kind, output, scratch);
    if (status != TE_OK) {
        return status;
    }
    if (scratch != NULL) {
        /* the caller's scratch (the model's arena): the same forms, no stack */
        if (!te_conv_in_scratch(&cx, scratch)) {
            te_conv_fallback(&cx);
        }
#if TE_CONV_FIELDS && TE_CONV_FIELDS_SCRATCH_BYTES >= 64
    } else if (te_conv_fields_stack(&cx)) {
        /* done: several channels per multiply (targets without DSP) */
#endif
#if TE_CONV_BLOCK_PATH
    } else if (te_conv_block_stack(&cx)) {
        /* done: the weight-stationary block path */
#endif
    } else {
        te_conv_fallback(&cx);
    }
    return TE_OK;
}
