/*
 * te_conv2d_grouped - convolution with any number of groups, the plain form every other
 * variant must agree with: per pixel and group, sum(x) over the clipped window once, then one
 * dot per tap and output channel (acc = 2 * sum(q * x) - n * sum(x), te_internal.h). The
 * definition is at the top of te_conv2d.c; docs/runtime-c.md lists the variants.
 */
#include "te_conv2d_ctx.h"

/* ---------------------------------------------------------------------------------------------
 * Generic path: any groups; per pixel and group, sum(x) once, then one dot per tap per channel.
 * ------------------------------------------------------------------------------------------- */
TE_NOINLINE static void conv_generic(const te_conv_ctx *cx)
{
    const te_conv_params *p = cx->p;
    const int32_t in_w = p->in.width;
    const int32_t cin = p->in.channels;
    const int32_t cout = p->out.channels;
    const int32_t taps = p->kernel_h * p->kernel_w;
    int32_t oh, ow, g, oc, kh, kw;

    TE_PATH_HIT(TE_PATH_CONV_GENERIC);
    for (oh = 0; oh < p->out.height; ++oh) {
        int32_t kh0, kh1, ih0;
        te_clip_window(oh, p->stride_h, p->pad_top, p->kernel_h, p->in.height, &kh0, &kh1, &ih0);
        for (ow = 0; ow < p->out.width; ++ow) {
            int32_t kw0, kw1, iw0;
            const int32_t out_base = (oh * p->out.width + ow) * cout;
            te_clip_window(ow, p->stride_w, p->pad_left, p->kernel_w, in_w, &kw0, &kw1, &iw0);

            for (g = 0; g < p->groups; ++g) {
                const uint8_t *xg = cx->input + g * cx->cin_g;
                uint32_t xsum = 0;

                /* Step 1: sum(x) over the clipped window of this group's channels. */
                for (kh = kh0; kh < kh1; ++kh) {
                    for (kw = kw0; kw < kw1; ++kw) {
                        xsum += te_sum_u8(xg + ((ih0 + kh) * in_w + iw0 + kw) * cin, cx->cin_g);
                    }
                }

                /* Step 2: sum(q * x) per output channel of the group, then the epilogue. */
                for (oc = g * cx->cout_g; oc < (g + 1) * cx->cout_g; ++oc) {
                    const uint8_t *w = cx->codes + oc * taps * cx->cin_g;
                    uint32_t dot = 0;
                    for (kh = kh0; kh < kh1; ++kh) {
                        for (kw = kw0; kw < kw1; ++kw) {
                            dot += te_dot_u8(xg + ((ih0 + kh) * in_w + iw0 + kw) * cin,
                                             w + (kh * p->kernel_w + kw) * cx->cin_g, cx->cin_g,
                                             cx->code_shift);
                        }
                    }
                    te_epilogue_store(&cx->e, out_base + oc, oc, te_split_acc(dot, xsum, cx->n));
                }
            }
        }
    }
}

te_status te_conv2d_grouped(const te_conv_params *p, const uint8_t *input, const uint8_t *codes,
                            uint32_t weight_bits, const te_requant *rq, te_operand residual,
                            te_elem output_kind, void *output, const te_scratch *scratch)
{
    te_conv_ctx cx;
    const te_status status = te_conv_begin(&cx, TE_CONV_ANY, p, input, codes, weight_bits, rq,
                                           residual, output_kind, output, scratch);
    if (status != TE_OK) {
        return status;
    }
    conv_generic(&cx);
    return TE_OK;
}
