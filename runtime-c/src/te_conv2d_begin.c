/*
 * te_conv2d_begin - what every te_conv2d variant shares: the checks of a call and its context
 * (te_conv_begin), and the scratch sizes. Its own file, so that a firmware linked without
 * --gc-sections that calls only te_conv2d_block does not pull in te_conv2d's dispatch (and with
 * it every variant).
 */
#include "te_conv2d_ctx.h"

/*
 * How far every depthwise path can scale its levels s by 2^L (te_epilogue.lsh: a small shift,
 * e.g. of 1-bit weights, then keeps the fast epilogue): the largest L >= 0 with
 * taps * n * x_max * 2^L < 2^31, which bounds every partial sum of s * 2^L * x, and
 * n * 2^L < 2^15, so that a scaled level still fits the 16-bit lanes of the DSP quads.
 * (a < 2^(31-L) is L <= 31 - bit_length(a).) Constant time: the same cost at every k.
 */
static int32_t depthwise_lsh_max(const te_conv_ctx *cx)
{
    const int64_t acc_max = (int64_t)cx->p->kernel_h * cx->p->kernel_w * cx->n * cx->x_max;
    int32_t l;
    if (acc_max >= ((int64_t)1 << 31)) {
        return 0;
    }
    l = te_min_i32(31 - te_bit_length((uint32_t)acc_max), 15 - te_bit_length(cx->n));
    return te_max_i32(l, 0);
}


/*
 * How far the groups == 1 paths can scale acc by 2^L (te_conv_ctx.lsh): the block and field
 * forms expand q * 2^L, so L must keep |acc| * 2^L < 2^31 (taps * Cin * n * x_max bounds |acc|),
 * a level (2q - n) 2^L inside a 16-bit lane (n * 2^L < 2^15), and q * 2^L inside a byte
 * (k + L <= 8: the DSP word expansion and the UMLAL lanes). The field and packed forms are then
 * planned as for weight bits k + L: at k = 1 with L = 1 the layer runs what k = 2 runs.
 */
static int32_t conv_lsh_max(const te_conv_ctx *cx)
{
    const int64_t acc_max = (int64_t)cx->p->kernel_h * cx->p->kernel_w * cx->p->in.channels *
                            cx->n * cx->x_max;
    int32_t l;
    if (acc_max >= ((int64_t)1 << 31)) {
        return 0;
    }
    l = te_min_i32(31 - te_bit_length((uint32_t)acc_max), 15 - te_bit_length(cx->n));
    l = te_min_i32(l, (int32_t)cx->code_shift);
    return te_max_i32(l, 0);
}


TE_SETUP te_status te_conv_begin(te_conv_ctx *cx, te_conv_class cls, const te_conv_params *p,
                        const uint8_t *input, const uint8_t *codes, uint32_t weight_bits,
                        const te_requant *rq, te_operand residual, te_elem output_kind,
                        void *output, const te_scratch *scratch)
{
    /* Step 1: pointers, bit width, geometry, the variant's class. */
    if (p == NULL || input == NULL || codes == NULL || output == NULL || te_requant_has_null(rq) ||
        (scratch != NULL && scratch->bytes > 0u && scratch->data == NULL)) {
        return TE_ERR_NULL_POINTER;
    }
    if (scratch != NULL && !te_is_aligned4(scratch->data)) {
        return TE_ERR_BAD_PARAMS;
    }
    if (weight_bits < 1u || weight_bits > 8u) {
        return TE_ERR_BAD_BITS;
    }
    if (!te_dims_ok(&p->in) || !te_dims_ok(&p->out) || p->groups < 1 ||
        p->in.channels % p->groups != 0 || p->out.channels % p->groups != 0 ||
        !te_window_ok(p->in.height, p->out.height, p->kernel_h, p->stride_h, p->pad_top) ||
        !te_window_ok(p->in.width, p->out.width, p->kernel_w, p->stride_w, p->pad_left) ||
        (int64_t)p->out.channels * p->kernel_h * p->kernel_w * (p->in.channels / p->groups) >
            (int64_t)INT32_MAX ||
        p->input_bits < 0 || p->input_bits > 8 ||
        (cls == TE_CONV_STANDARD && p->groups != 1) ||
        (cls == TE_CONV_DEPTHWISE && (p->groups == 1 || p->in.channels != p->groups))) {
        return TE_ERR_BAD_PARAMS;
    }

    cx->p = p;
    cx->input = input;
    cx->codes = codes;
    cx->code_shift = 8u - weight_bits;
    cx->n = (1u << weight_bits) - 1u;
    cx->x_max = p->input_bits == 0 ? 255u : (1u << p->input_bits) - 1u;
    cx->cin_g = p->in.channels / p->groups;
    cx->cout_g = p->out.channels / p->groups;

    /* Step 2: the epilogue (table ranges, residual, output kind); the depthwise paths scale
     * their levels for it (depthwise_lsh_max), the groups == 1 paths q (conv_lsh_max). */
    {
        const te_status status = te_epilogue_init(
            &cx->e, p->out.channels, rq, residual, output_kind, output,
            cls == TE_CONV_DEPTHWISE ? depthwise_lsh_max(cx)
            : cls == TE_CONV_STANDARD ? conv_lsh_max(cx)
                                      : 0);
        if (status != TE_OK) {
            return status;
        }
    }
    cx->lsh = cx->e.lsh;
    cx->n_s = cx->n << cx->lsh;
    return TE_OK;
}

/* The window buffer of the block path at the start of a caller's scratch, the weights after. */
int64_t te_conv_window_bytes(const te_conv_params *p)
{
    return ((int64_t)p->kernel_h * 4 * ((p->kernel_w * p->in.channels + 3) / 4) + 3) / 4 * 4;
}

TE_SETUP uint32_t te_conv2d_scratch_bytes(const te_conv_params *p)
{
    int64_t rk, quads, block, fields, need;
    if (p == NULL || p->groups != 1 || p->kernel_h < 1 || p->kernel_w < 1 ||
        p->in.channels < 1 || p->out.channels < 1) {
        return 0u; /* only groups == 1 convolutions use scratch */
    }
    rk = (int64_t)p->kernel_w * p->in.channels;
    quads = (p->out.channels + 3) / 4;
    /* the block path: a window and up to TE_BLOCK_SCRATCH_QUADS quads of expanded weights */
    block = te_conv_window_bytes(p) + (int64_t)32 * p->kernel_h * ((rk + 3) / 4) *
                                          (quads < TE_BLOCK_SCRATCH_QUADS ? quads
                                                                          : TE_BLOCK_SCRATCH_QUADS);
    /* the field form: up to TE_FIELDS_MAX_WORDS words of channels per window byte */
    fields = (int64_t)4 * p->kernel_h * rk *
             (quads < TE_FIELDS_MAX_WORDS ? quads : TE_FIELDS_MAX_WORDS);
    need = block > fields ? block : fields;
    return need > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)need;
}

TE_SETUP uint32_t te_conv2d_min_scratch_bytes(const te_conv_params *p)
{
    int64_t rk, quad, field;
    if (p == NULL || p->groups != 1 || p->kernel_h < 1 || p->kernel_w < 1 ||
        p->in.channels < 1 || p->out.channels < 1) {
        return 0u;
    }
    rk = (int64_t)p->kernel_w * p->in.channels;
    quad = te_conv_window_bytes(p) + (int64_t)32 * p->kernel_h * ((rk + 3) / 4);
    field = (int64_t)4 * p->kernel_h * rk;
    quad = quad > field ? quad : field;
    return quad > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)quad;
}
