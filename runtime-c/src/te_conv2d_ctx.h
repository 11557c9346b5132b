/*
 * te_conv2d_ctx.h - what te_conv2d's variants share (private to te_conv2d.c and te_conv2d_*.c):
 * the context of one call, the checks that fill it (te_conv_begin), and the forms of the
 * groups == 1 path that live in their own files.
 */
#ifndef TE_CONV2D_CTX_H
#define TE_CONV2D_CTX_H

#include "te_epilogue.h"

/* What every path needs, derived once per call. */
typedef struct {
    const te_conv_params *p;
    const uint8_t *input;
    const uint8_t *codes;
    uint32_t code_shift; /* 8 - k */
    uint32_t n;          /* 2^k - 1 */
    uint32_t x_max;      /* 2^input_bits - 1: the largest input code (a fact of the model) */
    int32_t cin_g;
    int32_t cout_g;
    te_epilogue e;
    /* groups == 1: the epilogue takes acc * 2^lsh (te_epilogue.lsh, conv_lsh_max); the block
     * and field forms expand q * 2^lsh and use n_s = n * 2^lsh in the split, so the scaling
     * costs nothing per output, and they are planned as for weight bits k + lsh */
    uint32_t lsh;
    uint32_t n_s;
} te_conv_ctx;

/*
 * The field form of the block path (te_conv2d_fields.c): targets without the ARM DSP extension.
 * TE_CONV_FIELDS_SCRATCH_BYTES of stack hold a block's words (4 bytes per window byte and word
 * of channels) when the caller passes no scratch, by default TE_CONV_SCRATCH_BYTES or 4608.
 * Armv6-M parts often have 2 KB of stack in all, so there the default is 0: the field form runs
 * only in the scratch the generated model passes from its arena.
 */
#ifndef TE_CONV_FIELDS_SCRATCH_BYTES
#if defined(TE_CONV_SCRATCH_BYTES)
#define TE_CONV_FIELDS_SCRATCH_BYTES TE_CONV_SCRATCH_BYTES
#elif defined(__ARM_ARCH_6M__)
#define TE_CONV_FIELDS_SCRATCH_BYTES 0
#else
#define TE_CONV_FIELDS_SCRATCH_BYTES 4608
#endif
#endif
#if !defined(TE_DSP)
#define TE_CONV_FIELDS 1
#else
#define TE_CONV_FIELDS 0
#endif

/* How many output channels share a multiply at weight bits k, inputs <= x_max. */
typedef struct {
    uint32_t width;   /* F: 8, 10 or 16 bits per field */
    int32_t per_word; /* m = 32 / F channels per word */
    int32_t steps;    /* window bytes between two takes of the fields */
    int32_t block_words; /* words of channels per pass over the pixels, 1..TE_FIELDS_MAX_WORDS */
} te_fields;

/* Words of channels per block (each a register accumulator in the MAC loop). */
#define TE_FIELDS_MAX_WORDS 4

/* 1 and the plan when the field form is cheaper than the target's other block form for weight
 * bits k, inputs <= x_max, cout output channels and at most max_words words per block (what
 * the scratch holds); else 0. te_conv2d_fields.c has the cost model. */
int te_conv_fields_plan(uint32_t k, uint32_t x_max, int32_t cout, int64_t taps,
                        int32_t max_words, int32_t base_passes, te_fields *f);

/*
 * Stack bytes the block path may use for the expanded weights of a channel block (8 bytes per
 * 4 window bytes of 4 channels: 32 * kernel_h * ceil(kernel_w * Cin / 4) bytes per 4 output
 * channels); it also takes an eighth of that for a buffered window. A firmware with a tight stack
 * can lower it (-DTE_CONV_SCRATCH_BYTES=...); a layer whose 4 channels do not fit takes the rows
 * or pointwise path (no scratch, slower). The default fits a 3x3 conv with 64 input channels
 * (ResNet-8's largest), 4608 bytes.
 */
#ifndef TE_CONV_BLOCK_SCRATCH_BYTES
#if defined(TE_CONV_SCRATCH_BYTES)
#define TE_CONV_BLOCK_SCRATCH_BYTES TE_CONV_SCRATCH_BYTES
#else
#define TE_CONV_BLOCK_SCRATCH_BYTES 4608
#endif
#endif

/* Quads of expanded weights te_conv2d_scratch_bytes provides for (what fills TE_BLOCK_MAX_QUADS). */
#define TE_BLOCK_SCRATCH_QUADS 4

/* At most this many quads (16 channels) per block of the block path. */
#if defined(__ARM_ARCH_6M__)
#define TE_BLOCK_MAX_QUADS 1
#else
#define TE_BLOCK_MAX_QUADS 4
#endif

/* Passes over the pixels the block path (without fields) makes for this layer with
 * scratch_bytes of scratch; 1 << 16 when its weights do not fit (it then takes the rows path). */
static inline int32_t te_conv_block_passes(const te_conv_params *p, int64_t scratch_bytes)
{
    const int64_t quad_bytes =
        (int64_t)32 * p->kernel_h * ((p->kernel_w * p->in.channels + 3) / 4);
    const int64_t per = scratch_bytes / quad_bytes;
    const int32_t quads = (p->out.channels + 3) / 4;
    int32_t per_block;
    if (per < 1) {
        return 1 << 16;
    }
    per_block = (int32_t)(per < TE_BLOCK_MAX_QUADS ? per : TE_BLOCK_MAX_QUADS);
    return (quads + per_block - 1) / per_block;
}

/* The field form over the whole layer with scratch_words words of scratch; 0 (nothing written)
 * when it does not apply or a block of one word does not fit. */
int te_conv_fields(const te_conv_ctx *cx, uint32_t *scratch, int64_t scratch_words);

/* The block path on the stack (callers that pass no scratch) needs TE_CONV_SCRATCH_BYTES of it;
 * Armv6-M parts (Cortex-M0/M0+) often have 2 KB of stack in all, so there it is left out by
 * default (the rows path runs instead), and its plain block form is slower there than the rows
 * path anyway. */
#ifndef TE_CONV_BLOCK_PATH
#if defined(__ARM_ARCH_6M__)
#define TE_CONV_BLOCK_PATH 0
#else
#define TE_CONV_BLOCK_PATH 1
#endif
#endif
/* The block path's code: wherever it runs on the stack, and in the caller's scratch except on
 * Armv6-M. */
#if TE_CONV_BLOCK_PATH || !defined(__ARM_ARCH_6M__)
#define TE_CONV_BLOCK_CODE 1
#else
#define TE_CONV_BLOCK_CODE 0
#endif

/* The shape classes of te_conv_begin: which variant's rules the call must meet. */
typedef enum {
    TE_CONV_STANDARD = 0,  /* groups == 1 */
    TE_CONV_DEPTHWISE = 1, /* one input channel per group, groups > 1 */
    TE_CONV_ANY = 2        /* any groups (the generic path; no level scaling) */
} te_conv_class;

/* Checks a call's arguments in the order of truncedge.h (pointers, bits, geometry, class, table)
 * and fills *cx; writes nothing else. Shared by every variant (te_conv2d.c). */
te_status te_conv_begin(te_conv_ctx *cx, te_conv_class cls, const te_conv_params *p,
                        const uint8_t *input, const uint8_t *codes, uint32_t weight_bits,
                        const te_requant *rq, te_operand residual, te_elem output_kind,
                        void *output, const te_scratch *scratch);

/* Bytes of the block path's window buffer at the start of a caller's scratch (the expanded
 * weights follow it). */
int64_t te_conv_window_bytes(const te_conv_params *p);

/* groups == 1 in the caller's scratch: the field form where it is cheaper (targets without DSP),
 * else the block form (not on Armv6-M); 0 (nothing written) when neither ran
 * (te_conv2d_block.c). */
int te_conv_in_scratch(const te_conv_ctx *cx, const te_scratch *scratch);

#if TE_CONV_BLOCK_PATH
/* The block form with its scratch on the stack (te_conv2d_block.c). */
int te_conv_block_stack(const te_conv_ctx *cx);
#endif

#if TE_CONV_FIELDS && TE_CONV_FIELDS_SCRATCH_BYTES >= 64
/* The field form with its scratch on the stack (te_conv2d_fields.c). */
int te_conv_fields_stack(const te_conv_ctx *cx);
#endif

/* groups == 1 without scratch enough for a block form: a dense row per pixel (1x1, no padding),
 * or window rows (te_conv2d_rows.c). */
void te_conv_fallback(const te_conv_ctx *cx);

#endif /* TE_CONV2D_CTX_H */
