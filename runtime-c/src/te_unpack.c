/*
 * te_unpack - weight codes stored at S bits (truncedge compile --store-bits S) back to bytes.
 *
 * A layer stored at S < 8 bits keeps, of each 8-bit TruncQuant code c, only its top S bits
 * c >> (8 - S): truncation to any k <= S needs nothing else. The packed words (docs/emitted-c.md,
 * "Packed weight storage") hold count codes in blocks of 32 (the last block zero-padded). The S
 * bits are split into parts of 4, 2 and 1 bits, most significant first (S = 7 is 4 + 2 + 1,
 * 6 is 4 + 2, 5 is 4 + 1, 3 is 2 + 1; 8, 4, 2 and 1 are one part). Part p has width w and covers
 * the code bits [8 - o - w, 8 - o), o being the widths of the parts before it. The parts follow
 * one another: part p of every block (w words per block), then part p + 1 of every block. In
 * word i of a block's part, byte lane l (bits 8l..8l+7) holds in its bits [w*j, w*j + w) the
 * part of code 4 * (i * 8 / w + j) + l of the block, for j < 8 / w. So one AND and two shifts
 * give four codes at once, in order.
 *
 * te_unpack_codes writes 8-bit codes whose top k bits are those of the stored codes (the parts
 * that start below bit 8 - k are not read, so unpacking at small k reads less: with S = 6 and
 * k <= 4 only the 4-bit part), which is all te_conv2d and te_dense read at weight bits k. It
 * unpacks a range of whole blocks, so that te_conv2d_packed and te_dense_packed can take a
 * layer a group of output channels at a time.
 */
#include "te_internal.h"

#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#error "te_unpack_codes stores code 4q + l as byte lane l of word q: little-endian targets only"
#endif

/* One part of width w of a block (w words) into its 8 output words, at bits [sh, sh + w) of each
 * byte: field j of part word i is output word i * 8 / w + j. The fields of a word are written
 * out by hand (GCC does not unroll them at -O2), so that with constant sh and first each output
 * word costs two or three instructions: a shift, an AND, perhaps an OR, and its share of a store. */
#define TE_UNPACK_PUT(q, f) (out[q] = first ? (f) : out[q] | (f))

static inline void unpack_w4(const uint32_t *src, uint32_t sh, int first, uint32_t *out)
{
    uint32_t i;
    for (i = 0; i < 4u; ++i) {
        const uint32_t v = src[i];
        TE_UNPACK_PUT(2u * i, (v & 0x0F0F0F0Fu) << sh);
        TE_UNPACK_PUT(2u * i + 1u, ((v >> 4) & 0x0F0F0F0Fu) << sh);
    }
}

static inline void unpack_w2(const uint32_t *src, uint32_t sh, int first, uint32_t *out)
{
    uint32_t i;
    for (i = 0; i < 2u; ++i) {
        const uint32_t v = src[i];
        TE_UNPACK_PUT(4u * i, (v & 0x03030303u) << sh);
        TE_UNPACK_PUT(4u * i + 1u, ((v >> 2) & 0x03030303u) << sh);
        TE_UNPACK_PUT(4u * i + 2u, ((v >> 4) & 0x03030303u) << sh);
        TE_UNPACK_PUT(4u * i + 3u, ((v >> 6) & 0x03030303u) << sh);
    }
}

static inline void unpack_w1(const uint32_t *src, uint32_t sh, int first, uint32_t *out)
{
    const uint32_t v = src[0];
    TE_UNPACK_PUT(0u, (v & 0x01010101u) << sh);
    TE_UNPACK_PUT(1u, ((v >> 1) & 0x01010101u) << sh);
    TE_UNPACK_PUT(2u, ((v >> 2) & 0x01010101u) << sh);
    TE_UNPACK_PUT(3u, ((v >> 3) & 0x01010101u) << sh);
    TE_UNPACK_PUT(4u, ((v >> 4) & 0x01010101u) << sh);
    TE_UNPACK_PUT(5u, ((v >> 5) & 0x01010101u) << sh);
    TE_UNPACK_PUT(6u, ((v >> 6) & 0x01010101u) << sh);
    TE_UNPACK_PUT(7u, ((v >> 7) & 0x01010101u) << sh);
}

te_status te_unpack_codes(const uint32_t *packed, uint32_t store_bits, uint32_t weight_bits,
                          uint32_t count, uint32_t first, uint32_t n, uint8_t *codes)
{
    uint32_t widths[3] = {0u, 0u, 0u};
    const uint32_t *part[3] = {NULL, NULL, NULL};
    uint32_t parts = 0u, top = 0u, left = store_bits, b, blocks, b0, b1;
    uint32_t *out = (uint32_t *)(void *)codes;

    if (packed == NULL || codes == NULL) {
        return TE_ERR_NULL_POINTER;
    }
    if (store_bits < 1u || store_bits > 8u || weight_bits < 1u || weight_bits > store_bits) {
        return TE_ERR_BAD_BITS;
    }
    if (count < 1u || count > 0xFFFFFFE0u || n < 1u || first % 32u != 0u || first >= count ||
        n > count - first || !te_is_aligned4(codes)) {
        return TE_ERR_BAD_PARAMS;
    }
    blocks = (count + 31u) / 32u;
    b0 = first / 32u;
    b1 = b0 + (n + 31u) / 32u;

    /* The parts, most significant first; only those that start within the top k bits. */
    while (left > 0u) {
        const uint32_t w = left >= 8u ? 8u : left >= 4u ? 4u : left >= 2u ? 2u : 1u;
        if (top < weight_bits) {
            widths[parts] = w;
            part[parts] = packed + (size_t)blocks * top; /* the parts before it: top words a block */
            ++parts;
        }
        top += w;
        left -= w;
    }

    /* Each (width, place) of a part gets its own unrolled code: the first part's width is w0
     * at bits [8 - w0, 8), a second part (S = 7, 6, 5, 3) is 2 bits at [2, 4) or 1 bit at
     * [3, 4) (after 4) or [5, 6) (after 2), a third (S = 7) 1 bit at [1, 2). */
    for (b = b0; b < b1; ++b) {
        uint32_t *dst = out + 8u * (b - b0);
        const uint32_t *p0 = part[0] + (size_t)b * widths[0];
        switch (widths[0]) {
        case 8u: {
            uint32_t q;
            for (q = 0; q < 8u; ++q) {
                dst[q] = p0[q];
            }
            break;
        }
        case 4u: unpack_w4(p0, 4u, 1, dst); break;
        case 2u: unpack_w2(p0, 6u, 1, dst); break;
        default: unpack_w1(p0, 7u, 1, dst); break;
        }
        if (parts > 1u) {
            const uint32_t *p1 = part[1] + (size_t)b * widths[1];
            if (widths[1] == 2u) {
                unpack_w2(p1, 2u, 0, dst);
            } else if (widths[0] == 4u) {
                unpack_w1(p1, 3u, 0, dst);
            } else {
                unpack_w1(p1, 5u, 0, dst);
            }
        }
        if (parts > 2u) {
            unpack_w1(part[2] + b, 1u, 0, dst);
        }
    }
    return TE_OK;
}
