/*
 * te_conv2d_packed (the te_unpack family: weights stored at S < 8 bits, truncedge compile
 * --store-bits) - te_conv2d (or the variant the caller passes) a group of output channels at a time, so that the unpacked codes
 * need one group's RAM.
 *
 * For a group of n channels [c0, c0 + n) of a groups == 1 convolution: its codes (n times the
 * codes per channel, contiguous in the layer's layout) are unpacked into work, te_conv2d computes
 * an OH x OW x n tensor into work with the group's table rows (the table pointers advanced by
 * c0) and, when there is a residual, the group's channels of it gathered into work; the result
 * is copied into channels [c0, c0 + n) of the output. Each output element is computed exactly as
 * te_conv2d on the whole layer computes it (its own channel's codes, table row and residual), so
 * the results are identical; the copies cost about two instructions an output element, small
 * beside its kernel_h * kernel_w * in_channels MACs.
 *
 * Work layout: codes (n * per_channel rounded up to 32 bytes), then the group's output, then its
 * residual (each rounded up to 4 bytes). A depthwise or grouped convolution, or chunk >= the
 * channel count, unpacks the layer at once and calls te_conv2d on the output directly.
 */
#include "te_epilogue.h"

static uint32_t elem_bytes(te_elem kind)
{
    return kind == TE_ELEM_INT32 ? 4u : 1u;
}

static uint64_t round_up(uint64_t v, uint64_t to)
{
    return (v + to - 1u) / to * to;
}

/* Whether the layer goes a group at a time. */
static int grouped_by_chunk(const te_conv_params *p, uint32_t chunk)
{
    return p->groups == 1 && chunk < (uint32_t)p->out.channels;
}

uint32_t te_conv2d_packed_work_bytes(const te_conv_params *p, uint32_t chunk, te_elem residual_kind,
                                     te_elem output_kind)
{
    uint64_t per_channel, pixels, bytes;
    if (p == NULL || p->out.channels < 1 || p->groups < 1 || chunk < 1u) {
        return 0u;
    }
    per_channel = (uint64_t)p->kernel_h * (uint64_t)p->kernel_w *
                  (uint64_t)(p->in.channels / p->groups);
    if (!grouped_by_chunk(p, chunk)) {
        bytes = round_up((uint64_t)p->out.channels * per_channel, 32u);
    } else {
        pixels = (uint64_t)p->out.height * (uint64_t)p->out.width * chunk;
        bytes = round_up(chunk * per_channel, 32u) + round_up(pixels * elem_bytes(output_kind), 4u) +
                (residual_kind == TE_ELEM_NONE ? 0u : round_up(pixels * elem_bytes(residual_kind), 4u));
    }
    return bytes > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)bytes;
}

/* Channels [c0, c0 + n) of every pixel of an HWC tensor with c channels, to or from a tensor of
 * n: pixels rows of n * elem bytes (a plain loop: the runtime needs no libc). */
TE_NO_LIBCALLS static void copy_channels(uint8_t *dst, int32_t dst_c, const uint8_t *src,
                                         int32_t src_c, int32_t pixels, int32_t n, uint32_t elem)
{
    int32_t i;
    uint32_t j;
    const uint32_t row = (uint32_t)n * elem;
    for (i = 0; i < pixels; ++i) {
        uint8_t *d = dst + (size_t)i * (size_t)dst_c * elem;
        const uint8_t *s = src + (size_t)i * (size_t)src_c * elem;
        for (j = 0; j < row; ++j) {
            d[j] = s[j];
        }
    }
}

/* The whole table, residual and output checked once, in a frame of its own: its te_epilogue is
 * not on the stack while the groups run (the micro:bit has 2 KB of it). */
TE_NOINLINE static te_status check_table(int32_t channels, const te_requant *rq, te_operand residual,
                                         te_elem output_kind, void *output)
{
    te_epilogue check;
    return te_epilogue_init(&check, channels, rq, residual, output_kind, output, 0);
}

te_status te_conv2d_packed(te_conv2d_fn kernel, const te_conv_params *p, const uint8_t *input,
                           const uint32_t *packed, uint32_t store_bits, uint32_t weight_bits,
                           const te_requant *rq, te_operand residual, te_elem output_kind,
                           void *output, uint32_t chunk, void *work, uint32_t work_bytes,
                           const te_scratch *scratch)
{
    te_status status;
    uint8_t *codes = (uint8_t *)work;
    uint32_t per_channel, count, c0;
    int32_t pixels;
    const uint32_t oelem = elem_bytes(output_kind), relem = elem_bytes(residual.kind);

    if (kernel == NULL || p == NULL || input == NULL || packed == NULL || output == NULL ||
        work == NULL || te_requant_has_null(rq)) {
        return TE_ERR_NULL_POINTER;
    }
    if (store_bits < 1u || store_bits > 8u || weight_bits < 1u || weight_bits > store_bits) {
        return TE_ERR_BAD_BITS;
    }
    if (!te_dims_ok(&p->in) || !te_dims_ok(&p->out) || p->groups < 1 ||
        p->in.channels % p->groups != 0 || p->kernel_h < 1 || p->kernel_w < 1 ||
        (int64_t)p->out.channels * p->kernel_h * p->kernel_w * (p->in.channels / p->groups) >
            (int64_t)INT32_MAX ||
        chunk < 1u || !te_is_aligned4(work) ||
        work_bytes < te_conv2d_packed_work_bytes(p, chunk, residual.kind, output_kind)) {
        return TE_ERR_BAD_PARAMS;
    }
    per_channel = (uint32_t)(p->kernel_h * p->kernel_w * (p->in.channels / p->groups));
    count = (uint32_t)p->out.channels * per_channel;
    if (!grouped_by_chunk(p, chunk)) {
        status = te_unpack_codes(packed, store_bits, weight_bits, count, 0u, count, codes);
        return status != TE_OK ? status
                               : kernel(p, input, codes, weight_bits, rq, residual, output_kind, output,
                                        scratch);
    }
    if ((chunk * (uint64_t)per_channel) % 32u != 0u) {
        return TE_ERR_BAD_PARAMS; /* every group must start on a block of 32 codes */
    }
    /* The whole table, residual and output, before a group is written. */
    status = check_table(p->out.channels, rq, residual, output_kind, output);
    if (status != TE_OK) {
        return status;
    }

    pixels = p->out.height * p->out.width;
    for (c0 = 0u; c0 < (uint32_t)p->out.channels; c0 += chunk) {
        const uint32_t left = (uint32_t)p->out.channels - c0;
        const uint32_t n = chunk < left ? chunk : left;
        uint8_t *group_out = codes + round_up((uint64_t)chunk * per_channel, 32u);
        uint8_t *group_res = group_out + round_up((uint64_t)pixels * chunk * oelem, 4u);
        te_conv_params g = *p;
        const te_requant gr = te_requant_from(rq, c0);
        te_operand gres = residual;

        g.out.channels = (int32_t)n;
        if (residual.kind != TE_ELEM_NONE) {
            copy_channels(group_res, (int32_t)n, (const uint8_t *)residual.data + (size_t)c0 * relem,
                          p->out.channels, pixels, (int32_t)n, relem);
            gres.data = group_res;
        }
        status = te_unpack_codes(packed, store_bits, weight_bits, count, c0 * per_channel,
                                 n * per_channel, codes);
        if (status == TE_OK) {
            status = kernel(&g, input, codes, weight_bits, &gr, gres, output_kind, group_out, scratch);
        }
        if (status != TE_OK) {
            return status; /* only the first group can fail: the rest differ in table rows only */
        }
        copy_channels((uint8_t *)output + (size_t)c0 * oelem, p->out.channels, group_out, (int32_t)n,
                      pixels, (int32_t)n, oelem);
    }
    return TE_OK;
}
