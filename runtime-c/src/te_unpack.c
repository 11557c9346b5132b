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
 * k <= 4 only the 4-bit part), which is all te_conv2d and te_dense read at weight bits k.
 */
#include "te_internal.h"

#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#error "te_unpack_codes stores code 4q + l as byte lane l of word q: little-endian targets only"
#endif

/* The four codes of output word q of a block from part words src of width w, placed at bits
 * [sh, sh + w) of each byte (w, 8 / w and the masks are constants after inlining). */
static inline uint32_t unpack_word(const uint32_t *src, uint32_t w, uint32_t q, uint32_t sh)
{
    const uint32_t per = 8u / w; /* output words per part word */
    const uint32_t mask = ((1u << w) - 1u) * 0x01010101u;
    return ((src[q / per] >> (w * (q % per))) & mask) << sh;
}

/* One block: the 8 output words from the parts of the block that k needs. */
static inline void unpack_block(const uint32_t *part[3], const uint32_t widths[3], uint32_t parts,
                                uint32_t *out)
{
    uint32_t q;
    for (q = 0; q < 8u; ++q) {
        uint32_t v = unpack_word(part[0], widths[0], q, 8u - widths[0]);
        if (parts > 1u) {
            v |= unpack_word(part[1], widths[1], q, 8u - widths[0] - widths[1]);
        }
        if (parts > 2u) {
            v |= unpack_word(part[2], widths[2], q, 8u - widths[0] - widths[1] - widths[2]);
        }
        out[q] = v;
    }
}

te_status te_unpack_codes(const uint32_t *packed, uint32_t store_bits, uint32_t weight_bits,
                          uint32_t count, uint8_t *codes)
{
    uint32_t widths[3] = {0u, 0u, 0u};
    const uint32_t *part[3] = {NULL, NULL, NULL};
    uint32_t parts = 0u, top = 0u, left = store_bits, b, blocks;
    uint32_t *out = (uint32_t *)(void *)codes;

    if (packed == NULL || codes == NULL) {
        return TE_ERR_NULL_POINTER;
    }
    if (store_bits < 1u || store_bits > 8u || weight_bits < 1u || weight_bits > store_bits) {
        return TE_ERR_BAD_BITS;
    }
    if (count < 1u || count > 0xFFFFFFE0u || !te_is_aligned4(codes)) {
        return TE_ERR_BAD_PARAMS;
    }
    blocks = (count + 31u) / 32u;

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

    /* Common single-part widths get their own loops so that w is a constant. */
    for (b = 0; b < blocks; ++b) {
        const uint32_t *p[3];
        p[0] = part[0] + (size_t)b * widths[0];
        p[1] = parts > 1u ? part[1] + (size_t)b * widths[1] : NULL;
        p[2] = parts > 2u ? part[2] + (size_t)b * widths[2] : NULL;
        if (parts == 1u && widths[0] == 4u) {
            const uint32_t w4[3] = {4u, 0u, 0u};
            unpack_block(p, w4, 1u, out + 8u * b);
        } else if (parts == 1u && widths[0] == 2u) {
            const uint32_t w2[3] = {2u, 0u, 0u};
            unpack_block(p, w2, 1u, out + 8u * b);
        } else if (parts == 1u && widths[0] == 1u) {
            const uint32_t w1[3] = {1u, 0u, 0u};
            unpack_block(p, w1, 1u, out + 8u * b);
        } else {
            unpack_block(p, widths, parts, out + 8u * b);
        }
    }
    return TE_OK;
}
