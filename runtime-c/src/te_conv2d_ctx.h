/*
 * te_conv2d_ctx.h - what te_conv2d's paths share (private to te_conv2d.c and te_conv2d_*.c).
 */
#ifndef TE_CONV2D_CTX_H
#define TE_CONV2D_CTX_H

#include "te_internal.h"

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
} te_conv_ctx;

/*
 * The field form of the block path (te_conv2d_fields.c): targets without the ARM DSP extension.
 * TE_CONV_FIELDS_SCRATCH_BYTES of stack hold a block's words (4 bytes per window byte and word
 * of channels), by default TE_CONV_SCRATCH_BYTES or 4608. Armv6-M parts often have 2 KB of stack
 * in all, so there the field form is left out unless the firmware sets one of the two macros
 * (the cortex-m0plus target sets TE_CONV_SCRATCH_BYTES: the RP2040 has 264 KB of SRAM).
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
#if !defined(__ARM_FEATURE_DSP) && TE_CONV_FIELDS_SCRATCH_BYTES >= 64
#define TE_CONV_FIELDS 1
#else
#define TE_CONV_FIELDS 0
#endif

/* How many output channels share a multiply at weight bits k, inputs <= x_max. */
typedef struct {
    uint32_t width;   /* F: 8, 10 or 16 bits per field */
    int32_t per_word; /* m = 32 / F channels per word */
    int32_t steps;    /* window bytes between two takes of the fields */
} te_fields;

/* 1 and the plan when the field form applies (te_conv2d_fields.c has the rule), else 0. */
int te_conv_fields_plan(uint32_t k, uint32_t x_max, te_fields *f);

/* The field form over the whole layer with scratch_words words of scratch; 0 (nothing written)
 * when it does not apply or a block of one word does not fit. */
int te_conv_fields(const te_conv_ctx *cx, uint32_t *scratch, int64_t scratch_words);

#endif /* TE_CONV2D_CTX_H */
