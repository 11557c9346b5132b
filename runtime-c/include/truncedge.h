/*
 * truncedge.h - the TruncEdge C runtime: status codes, kernel parameters and kernels.
 *
 * C99, no heap, no floating point, no global mutable state. Every kernel returns a status and
 * never aborts. Tensors are batch 1, HWC: element (h, w, c) of an H x W x C tensor is at
 * (h * W + w) * C + c. The exact integer behaviour of every kernel is written down in
 * docs/integer-semantics.md and defined by the C# reference executor; the kernels here must
 * produce the same bits.
 *
 * Firmware normally calls only the functions of the generated model.h; the kernels are public
 * so that generated code (and tests) can call them. TE_ERR_BITS_NOT_DEPLOYED comes only
 * from those model functions (a weight bit width the model was compiled without), never from a
 * kernel.
 *
 * What every kernel checks, in this order, before it touches any data (docs/runtime-c.md):
 *   TE_ERR_NULL_POINTER  a required pointer is NULL (tensors, codes, the table's bias,
 *                        multiplier, pre_shift and shift arrays, avgpool's tables, add's
 *                        operands);
 *   TE_ERR_BAD_BITS      weight_bits outside 1..8 (te_conv2d, te_dense; 1..S for te_unpack_codes);
 *   TE_ERR_BAD_PARAMS    anything inconsistent: a dimension below 1 or a tensor of more than
 *                        INT32_MAX elements; groups that do not divide both channel counts; a
 *                        window geometry other than the one below; an operand or residual kind
 *                        that is not CODE/INT32 (or NONE for a residual), a residual without
 *                        data, residual_multiplier or residual_pre_shift; an INT32 tensor not
 *                        aligned to 4 bytes; lo > hi, or a CODE output whose [lo, hi] leaves
 *                        0..255; a shift outside 1..62, a pre_shift or residual_pre_shift
 *                        outside 0..62, |multiplier| or |residual_multiplier| >= 2^30 or
 *                        |bias| > 2^61 (the ranges that keep the epilogue inside int64).
 * The checks cost O(output channels) (avgpool: O(kernel_h * kernel_w)); no kernel needs scratch
 * memory. A kernel that returns an error has written nothing.
 */
#ifndef TRUNCEDGE_H
#define TRUNCEDGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TE_VERSION_MAJOR 0
#define TE_VERSION_MINOR 1

/* Every call returns one of these; TE_OK is 0, errors are negative. */
typedef enum {
    TE_OK = 0,
    TE_ERR_NULL_POINTER = -1,     /* a required pointer argument was NULL */
    TE_ERR_ARENA_TOO_SMALL = -2,  /* arena_size below the model's <prefix>_arena_size() */
    TE_ERR_BAD_BITS = -3,         /* weight bit width outside 1..8 */
    TE_ERR_BAD_LAYER = -4,        /* layer index outside 0..LAYER_COUNT-1 */
    TE_ERR_PINNED_LAYER = -5,     /* the layer is pinned at 8 bits and carries no other table */
    TE_ERR_NOT_INITIALISED = -6,  /* the context was not set up by <prefix>_init */
    TE_ERR_ARENA_ALIGNMENT = -7,  /* the arena is not aligned to TE_ARENA_ALIGNMENT bytes */
    TE_ERR_BAD_PARAMS = -8,       /* kernel parameters inconsistent (a bug in the caller) */
    TE_ERR_BITS_NOT_DEPLOYED = -9 /* a weight bit width within 1..8 that the model was not compiled
                                     for (truncedge compile --deploy-bits): it has no table row */
} te_status;

/* Arena base pointers must be aligned to this many bytes (Int32 tensors live in the arena). */
#define TE_ARENA_ALIGNMENT 8u

/* How a tensor's elements are stored. */
typedef enum {
    TE_ELEM_NONE = 0,  /* no tensor (an absent residual) */
    TE_ELEM_CODE = 1,  /* uint8_t activation codes, real value code / (2^bits - 1) */
    TE_ELEM_INT32 = 2  /* int32_t fixed point, real value v * scale (scale fixed per tensor) */
} te_elem;

/* A tensor operand: its storage kind and data. */
typedef struct {
    te_elem kind;
    const void *data;
} te_operand;

typedef struct {
    int32_t height;
    int32_t width;
    int32_t channels;
} te_dims;

/*
 * Convolution geometry. Bottom and right padding follow from in, out, kernel and stride.
 * Accepted windows (per axis, the same for pooling): kernel >= 1, stride >= 1,
 * 0 <= pad < kernel, and every window overlaps the input: (out - 1) * stride - pad < in.
 * So every output reads at least one real element, and the implied bottom/right padding is
 * below the kernel too.
 */
typedef struct {
    te_dims in;
    te_dims out;
    int32_t kernel_h, kernel_w;
    int32_t stride_h, stride_w;
    int32_t pad_top, pad_left;
    int32_t groups; /* 1 = dense conv; in.channels = depthwise */
    /* Bits of the input codes (1..8; 0 reads as 8): every input code is below 2^input_bits.
     * A fact of the compiled model that fixes, with the weight bit width, which path runs (the
     * kernels never scan the data to choose); codes outside it give wrong results. */
    int32_t input_bits;
} te_conv_params;

/* Pooling geometry; channels of in and out are equal; windows as for te_conv_params. */
typedef struct {
    te_dims in;
    te_dims out;
    int32_t kernel_h, kernel_w;
    int32_t stride_h, stride_w;
    int32_t pad_top, pad_left;
} te_pool_params;

/*
 * The epilogue of Conv and Dense for the layer's current weight bit width, per output channel c
 * (te_requantize in te_math.h, docs/integer-semantics.md):
 *   a   = floor_shift(acc * multiplier[c], pre_shift[c])
 *   b   = floor_shift(r * residual_multiplier[c], residual_pre_shift[c])   (0 without a residual)
 *   out = clamp(round_shift(a + b + bias[c], shift[c]), lo, hi)
 * floor_shift(v, s) = floor(v / 2^s). Each product keeps a full-precision multiplier at its own
 * scale (the real factors are multiplier[c] / 2^(pre_shift[c] + shift[c]) and
 * residual_multiplier[c] / 2^(residual_pre_shift[c] + shift[c])); the pre-shifts (0..62, mostly
 * 0) bring both products to the common scale 2^-shift[c] before the sum.
 * bias[c] is the real offset in output units times 2^shift[c], so it keeps full precision.
 * pre_shift is required; residual_multiplier and residual_pre_shift are required exactly when a
 * residual operand is given (they may be NULL otherwise and are then not read).
 */
typedef struct {
    const int64_t *bias;
    const int32_t *multiplier;
    const int8_t *pre_shift;
    const int8_t *shift;
    const int32_t *residual_multiplier;
    const int8_t *residual_pre_shift;
    int32_t lo, hi;
} te_requant;

/*
 * A layer's requantization tables as the compiler stores them in flash (docs/integer-semantics.md,
 * "Stored tables"). Per channel c the four arrays hold either one row shared by every weight bit
 * width k (when the layer's epilogues differ between k by one real factor, as with a BatchNorm
 * shared by all k) or one row per k; factor, bias_shift, shift_add and pre_add are the k's own.
 * te_requant_expand turns it into the te_requant of one k:
 *   multiplier[c] = round_shift(multiplier[c] * factor, 30)      factor 1..2^30 (te_math.h)
 *   bias[c]       = bias[c] * 2^bias_shift                         (an int32 in flash)
 *   pre_shift[c]  = pre_shift[c] + pre_add                        (pre_shift NULL reads as 0)
 *   shift[c]      = shift[c] + shift_add                          (shift NULL reads as 0)
 * residual_multiplier, residual_pre_shift, lo and hi are passed on as they are. The result must
 * still be a table that te_conv2d and te_dense accept (they check it).
 */
typedef struct {
    const int32_t *bias;
    const int32_t *multiplier;
    const int8_t *pre_shift;
    const int8_t *shift;
    const int32_t *residual_multiplier;
    const int8_t *residual_pre_shift;
    int32_t lo, hi;
    int32_t factor;     /* 1..2^30; 2^30 leaves the multipliers as they are */
    uint8_t bias_shift; /* 0..62: the k's scale of the biases */
    uint8_t shift_add;  /* 0..62 */
    uint8_t pre_add;    /* 0..62 */
} te_requant_stored;

/* The work bytes te_requant_expand fills for channels output channels: the te_requant itself
 * (TE_REQUANT_HEADER_BYTES, on any target) and 14 per channel (the int64 biases, the
 * multipliers, the pre-shifts and shifts), rounded up to 8. */
#define TE_REQUANT_HEADER_BYTES 64u
uint32_t te_requant_work_bytes(int32_t channels);

/*
 * Writes the table of *s for channels channels, and the te_requant that points at it, into work
 * (8-byte aligned, work_bytes of at least te_requant_work_bytes(channels)), and sets *out to that
 * te_requant (so that the caller keeps no table on its stack); work must stay untouched while
 * *out is used. TE_ERR_NULL_POINTER: s, out, work, s->bias or s->multiplier NULL;
 * TE_ERR_BAD_PARAMS: channels < 1, work misaligned or too small, factor outside 1..2^30,
 * bias_shift or a shift addition outside 0..62, or a bias, pre-shift or shift that would leave
 * |bias| <= 2^61, 0..62 or 1..62.
 */
te_status te_requant_expand(const te_requant_stored *s, int32_t channels, void *work,
                            uint32_t work_bytes, const te_requant **out);

/* Called by generated code after every op when set: op index, output tensor, its size in bytes. */
typedef void (*te_trace_fn)(void *user, uint32_t op, const void *data, uint32_t bytes);

/*
 * Scratch memory a kernel may use during one call (nothing is kept between calls): data must be
 * 4-byte aligned and hold bytes bytes. The generated model passes a part of its arena planned
 * for the op; a NULL te_scratch pointer lets the kernel use its default stack buffers instead.
 */
typedef struct {
    void *data;
    uint32_t bytes;
} te_scratch;

/*
 * The most scratch te_conv2d can use for p (0 for depthwise and grouped convolutions, which use
 * none): with that much, every weight bit width runs its fastest form; with less, a form that
 * fits (slower, same results); the compiler plans exactly this many bytes in the arena.
 */
uint32_t te_conv2d_scratch_bytes(const te_conv_params *p);

/*
 * Convolution of uint8 codes with 8-bit TruncQuant weight codes used at weight_bits (1..8).
 * codes layout: [out.channels][kernel_h][kernel_w][in.channels / groups].
 * residual: TE_ELEM_NONE, or a tensor of the output's shape (CODE or INT32).
 * output_kind: TE_ELEM_CODE writes uint8_t, TE_ELEM_INT32 writes int32_t.
 * input, residual, output and scratch must not overlap (the output is written while inputs are
 * read). scratch: NULL (stack buffers) or te_conv2d_scratch_bytes(p) bytes (less is allowed).
 * The result is exact whatever path runs (1x1, depthwise, grouped, DSP): see docs/runtime-c.md.
 */
te_status te_conv2d(const te_conv_params *p, const uint8_t *input, const uint8_t *codes,
                    uint32_t weight_bits, const te_requant *rq, te_operand residual,
                    te_elem output_kind, void *output, const te_scratch *scratch);

/*
 * The variants te_conv2d chooses from, each in its own file, with te_conv2d's arguments and
 * results; the generated model calls the one its layer needs, so that a firmware links only the
 * variants it uses. Each returns TE_ERR_BAD_PARAMS for a call outside its class:
 *   te_conv2d_block      groups == 1, scratch (not NULL) of at least
 *                        te_conv2d_min_scratch_bytes(p) bytes; the fastest form the scratch
 *                        holds (up to te_conv2d_scratch_bytes(p) bytes pay).
 *   te_conv2d_depthwise  groups == in.channels > 1 (a depth multiplier out / in >= 1); scratch
 *                        is not used (may be NULL).
 *   te_conv2d_grouped    any groups, the plain form the others must agree with (slow); scratch
 *                        is not used.
 */
te_status te_conv2d_block(const te_conv_params *p, const uint8_t *input, const uint8_t *codes,
                          uint32_t weight_bits, const te_requant *rq, te_operand residual,
                          te_elem output_kind, void *output, const te_scratch *scratch);
te_status te_conv2d_depthwise(const te_conv_params *p, const uint8_t *input, const uint8_t *codes,
                              uint32_t weight_bits, const te_requant *rq, te_operand residual,
                              te_elem output_kind, void *output, const te_scratch *scratch);
te_status te_conv2d_grouped(const te_conv_params *p, const uint8_t *input, const uint8_t *codes,
                            uint32_t weight_bits, const te_requant *rq, te_operand residual,
                            te_elem output_kind, void *output, const te_scratch *scratch);

/* The least scratch te_conv2d_block accepts for p: one block of its forms (0 unless groups == 1). */
uint32_t te_conv2d_min_scratch_bytes(const te_conv_params *p);

/* te_conv2d or one of its variants (te_conv2d_packed calls it on the unpacked codes). */
typedef te_status (*te_conv2d_fn)(const te_conv_params *p, const uint8_t *input,
                                  const uint8_t *codes, uint32_t weight_bits, const te_requant *rq,
                                  te_operand residual, te_elem output_kind, void *output,
                                  const te_scratch *scratch);

/*
 * Fully connected: out[o] over in_features uint8 codes; codes layout [out_features][in_features].
 * Residual and output as for te_conv2d (residual has out_features elements).
 */
te_status te_dense(int32_t in_features, int32_t out_features, const uint8_t *input,
                   const uint8_t *codes, uint32_t weight_bits, const te_requant *rq,
                   te_operand residual, te_elem output_kind, void *output);

/* te_dense for at most 1024 in_features (TE_ERR_BAD_PARAMS beyond), which the generated model
 * calls for such layers: with ARM DSP the inputs are split into 16-bit lanes once (2 KB of
 * stack), elsewhere it is te_dense's form. */
te_status te_dense_lanes(int32_t in_features, int32_t out_features, const uint8_t *input,
                         const uint8_t *codes, uint32_t weight_bits, const te_requant *rq,
                         te_operand residual, te_elem output_kind, void *output);

/*
 * Weights stored at store_bits S < 8 (truncedge compile --store-bits S): each code's top S bits,
 * packed in the layout of docs/emitted-c.md, "Packed weight storage" (ceil(count / 32) * S words
 * for a layer of count codes). Truncation to any weight_bits k <= S needs nothing else.
 *
 * te_unpack_codes writes codes first .. first + n - 1 of the layer (first a multiple of 32,
 * first + n <= count) to codes (4-byte aligned) as bytes, n rounded up to a multiple of 32 of
 * them, whose top k bits are those of the stored codes (the kernels read nothing else); only the
 * parts of the stored bits that k needs are read.
 * TE_ERR_BAD_BITS: S outside 1..8 or k outside 1..S; TE_ERR_BAD_PARAMS: count or n below 1, a
 * range outside the layer, first not a multiple of 32, codes not 4-byte aligned.
 */
te_status te_unpack_codes(const uint32_t *packed, uint32_t store_bits, uint32_t weight_bits,
                          uint32_t count, uint32_t first, uint32_t n, uint8_t *codes);

/*
 * te_conv2d and te_dense on packed weights, chunk output channels (features) at a time: each
 * group's codes are unpacked into work and computed by kernel (te_conv2d or the variant the
 * layer needs; not NULL) / te_dense; a convolution's
 * group is computed into work and copied to its channels of the output (its residual's channels
 * gathered likewise), a dense layer's straight into its outputs. So the RAM they need is one
 * group's, not the layer's. chunk >= the channel count, or a grouped or depthwise convolution,
 * takes the layer at once; otherwise chunk times the codes per channel must be a multiple of 32.
 * work: at least te_conv2d_packed_work_bytes / te_dense_packed_work_bytes bytes, 4-byte aligned,
 * overlapping nothing else. A dense layer at S = 4 with in_features a multiple of 32 reads the
 * packed words in place: it needs no work (its work bytes are 0, work may be NULL). Results are those of te_conv2d / te_dense on the unpacked codes. The
 * whole table, residual and output are checked before anything is written.
 */
uint32_t te_conv2d_packed_work_bytes(const te_conv_params *p, uint32_t chunk, te_elem residual_kind,
                                     te_elem output_kind);
te_status te_conv2d_packed(te_conv2d_fn kernel, const te_conv_params *p, const uint8_t *input,
                           const uint32_t *packed, uint32_t store_bits, uint32_t weight_bits,
                           const te_requant *rq, te_operand residual, te_elem output_kind,
                           void *output, uint32_t chunk, void *work, uint32_t work_bytes,
                           const te_scratch *scratch);

uint32_t te_dense_packed_work_bytes(int32_t in_features, int32_t out_features, uint32_t store_bits,
                                    uint32_t chunk);
te_status te_dense_packed(int32_t in_features, int32_t out_features, const uint8_t *input,
                          const uint32_t *packed, uint32_t store_bits, uint32_t weight_bits,
                          const te_requant *rq, te_operand residual, te_elem output_kind,
                          void *output, uint32_t chunk, void *work, uint32_t work_bytes);

/* Max pooling of codes; padding reads as 0. input and output must not overlap. */
te_status te_maxpool(const te_pool_params *p, const uint8_t *input, uint8_t *output);

/*
 * Average pooling of codes to codes:
 *   out = clamp(round_shift(sum * multiplier[n-1], shift[n-1]), 0, out_max)
 * with n the number of in-bounds positions; multiplier and shift have kernel_h * kernel_w entries.
 * With count_include_pad != 0 every window divides by its full size, and multiplier and shift
 * have one entry, that size's (a compiler passes it too when no window is ever cut short).
 * Shifts 1..62, |multiplier| < 2^30;
 * out_max in 0..255; kernel_h * kernel_w * 255 must fit int32. input and output must not overlap.
 */
te_status te_avgpool(const te_pool_params *p, int32_t count_include_pad, const int32_t *multiplier,
                     const int8_t *shift, int32_t out_max, const uint8_t *input, uint8_t *output);

/*
 * The global average pool: te_avgpool of a window that is the whole input (no padding, one
 * output pixel), with that window's multiplier and shift. input [pixels][channels] (HWC,
 * pixels = H * W), output [channels]; pixels * 255 and pixels * channels must fit int32.
 * The same integers as te_avgpool; the code of its window geometry is not linked.
 */
te_status te_avgpool_global(int32_t pixels, int32_t channels, int32_t multiplier, int32_t shift,
                            int32_t out_max, const uint8_t *input, uint8_t *output);

/*
 * Elementwise add of two operands (CODE or INT32) of count elements to codes:
 *   out = clamp(round_shift(a * mult_a + b * mult_b, shift), lo, hi)
 * with count >= 1, shift in 1..62, |mult_a|, |mult_b| < 2^30 and 0 <= lo <= hi <= 255. The
 * output may be the same buffer as a CODE operand (each element is read before it is written).
 */
te_status te_add(int32_t count, te_operand a, int32_t mult_a, te_operand b, int32_t mult_b,
                 int32_t shift, int32_t lo, int32_t hi, uint8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* TRUNCEDGE_H */
