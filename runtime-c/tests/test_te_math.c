/*
 * test_te_math.c - te_math.h against the vector files of tests/vectors (the same files the C#
 * IntegerMath tests can read), plus seeded random values over the int32/int64 edge range
 * (te_round_shift, te_clamp, te_floor_shift at shifts 0..62, te_requantize with pre-shifts)
 * checked against an independent 128-bit computation where the compiler has one.
 *
 * Usage: test_te_math [VECTOR_DIR]   (default: vectors)
 */
#include <stdlib.h>
#include <string.h>

#include "te_math.h"
#include "te_test.h"

/* Reads the next data line (skipping '#' comments) into at most max int64 columns. */
static int read_row(FILE *f, int64_t *cols, int max)
{
    char line[512];
    while (fgets(line, (int)sizeof line, f) != NULL) {
        char *p = line;
        int n = 0;
        if (line[0] == '#' || line[0] == '\n') {
            continue;
        }
        while (n < max) {
            char *end;
            long long v = strtoll(p, &end, 10);
            if (end == p) {
                break;
            }
            cols[n++] = (int64_t)v;
            p = end;
        }
        return n;
    }
    return -1;
}

static FILE *open_vectors(const char *dir, const char *name)
{
    char path[1024];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "r");
    if (f == NULL) {
        printf("cannot open %s\n", path);
    }
    return f;
}

static void check_round_shift_file(const char *dir, te_tally *t)
{
    int64_t c[3];
    int rows = 0;
    FILE *f = open_vectors(dir, "te_math.txt");
    TE_CHECK(t, f != NULL, "te_math.txt missing");
    if (f == NULL) {
        return;
    }
    while (read_row(f, c, 3) == 3) {
        int64_t got = te_round_shift(c[0], (int32_t)c[1]);
        TE_CHECK(t, got == c[2], "te_round_shift(%" PRId64 ", %" PRId64 ") = %" PRId64
                 ", expected %" PRId64, c[0], c[1], got, c[2]);
        rows++;
    }
    fclose(f);
    TE_CHECK(t, rows > 100, "te_math.txt has only %d rows", rows);
}

static void check_floor_shift_file(const char *dir, te_tally *t)
{
    int64_t c[3];
    int rows = 0, zero_shift_negative = 0;
    FILE *f = open_vectors(dir, "te_floor_shift.txt");
    TE_CHECK(t, f != NULL, "te_floor_shift.txt missing");
    if (f == NULL) {
        return;
    }
    while (read_row(f, c, 3) == 3) {
        int64_t got = te_floor_shift(c[0], (int32_t)c[1]);
        TE_CHECK(t, got == c[2], "te_floor_shift(%" PRId64 ", %" PRId64 ") = %" PRId64
                 ", expected %" PRId64, c[0], c[1], got, c[2]);
        zero_shift_negative += c[1] == 0 && c[0] < 0;
        rows++;
    }
    fclose(f);
    TE_CHECK(t, rows > 1000, "te_floor_shift.txt has only %d rows", rows);
    TE_CHECK(t, zero_shift_negative >= 5, "te_floor_shift.txt: too few negative v at shift 0");
}

static void check_clamp_file(const char *dir, te_tally *t)
{
    int64_t c[4];
    int rows = 0;
    FILE *f = open_vectors(dir, "te_clamp.txt");
    TE_CHECK(t, f != NULL, "te_clamp.txt missing");
    if (f == NULL) {
        return;
    }
    while (read_row(f, c, 4) == 4) {
        int32_t got = te_clamp(c[0], (int32_t)c[1], (int32_t)c[2]);
        TE_CHECK(t, got == c[3], "te_clamp(%" PRId64 ", %" PRId64 ", %" PRId64 ") = %" PRId32
                 ", expected %" PRId64, c[0], c[1], c[2], got, c[3]);
        rows++;
    }
    fclose(f);
    TE_CHECK(t, rows > 50, "te_clamp.txt has only %d rows", rows);
}

static void check_requantize_file(const char *dir, te_tally *t)
{
    int64_t c[11];
    int rows = 0;
    FILE *f = open_vectors(dir, "te_requantize.txt");
    TE_CHECK(t, f != NULL, "te_requantize.txt missing");
    if (f == NULL) {
        return;
    }
    /* columns: acc bias mult pre shift r rmult rpre lo hi expected */
    while (read_row(f, c, 11) == 11) {
        int32_t got = te_requantize((int32_t)c[0], c[1], (int32_t)c[2], (int32_t)c[3],
                                    (int32_t)c[4], c[5], (int32_t)c[6], (int32_t)c[7],
                                    (int32_t)c[8], (int32_t)c[9]);
        TE_CHECK(t, got == c[10], "te_requantize(%" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64
                 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64
                 ") = %" PRId32 ", expected %" PRId64, c[0], c[1], c[2], c[3], c[4], c[5], c[6],
                 c[7], c[8], c[9], got, c[10]);
        rows++;
    }
    fclose(f);
    TE_CHECK(t, rows > 1000, "te_requantize.txt has only %d rows", rows);
}

static void check_scale_multiplier_file(const char *dir, te_tally *t)
{
    int64_t c[3];
    int rows = 0;
    FILE *f = open_vectors(dir, "te_scale_multiplier.txt");
    TE_CHECK(t, f != NULL, "te_scale_multiplier.txt missing");
    if (f == NULL) {
        return;
    }
    /* columns: m factor expected */
    while (read_row(f, c, 3) == 3) {
        int32_t got = te_scale_multiplier((int32_t)c[0], (int32_t)c[1]);
        TE_CHECK(t, got == c[2], "te_scale_multiplier(%" PRId64 ", %" PRId64 ") = %" PRId32
                 ", expected %" PRId64, c[0], c[1], got, c[2]);
        rows++;
    }
    fclose(f);
    TE_CHECK(t, rows > 200, "te_scale_multiplier.txt has only %d rows", rows);
}

static void check_round_shift_even_file(const char *dir, te_tally *t)
{
    int64_t c[4];
    int rows = 0;
    FILE *f = open_vectors(dir, "te_round_shift_even.txt");
    TE_CHECK(t, f != NULL, "te_round_shift_even.txt missing");
    if (f == NULL) {
        return;
    }
    /* columns: v shift slack expected */
    while (read_row(f, c, 4) == 4) {
        int64_t got = te_round_shift_even(c[0], (int32_t)c[1], c[2]);
        TE_CHECK(t, got == c[3], "te_round_shift_even(%" PRId64 ", %" PRId64 ", %" PRId64 ") = %" PRId64
                 ", expected %" PRId64, c[0], c[1], c[2], got, c[3]);
        rows++;
    }
    fclose(f);
    TE_CHECK(t, rows > 2000, "te_round_shift_even.txt has only %d rows", rows);
}

/* The weight-level helpers against TRUNCQUANT.md section 2's test vectors. */
static void check_levels(te_tally *t)
{
    static const uint8_t q8[8] = {0, 75, 106, 128, 136, 158, 176, 235};
    static const int32_t s4[8] = {-15, -7, -3, 1, 1, 3, 7, 13};
    static const int32_t s3[8] = {-7, -3, -1, 1, 1, 1, 3, 7};
    static const int32_t s2[8] = {-3, -1, -1, 1, 1, 1, 1, 3};
    static const int32_t s1[8] = {-1, -1, -1, 1, 1, 1, 1, 1};
    int i;
    uint32_t k;
    for (i = 0; i < 8; ++i) {
        TE_CHECK(t, te_signed_level(q8[i], 4) == s4[i], "k=4 level %d", i);
        TE_CHECK(t, te_signed_level(q8[i], 3) == s3[i], "k=3 level %d", i);
        TE_CHECK(t, te_signed_level(q8[i], 2) == s2[i], "k=2 level %d", i);
        TE_CHECK(t, te_signed_level(q8[i], 1) == s1[i], "k=1 level %d", i);
    }
    /* Nesting: q_k >> (k - j) is the j-bit code, for every code and j <= k. */
    for (i = 0; i < 256; ++i) {
        for (k = 1; k <= 8; ++k) {
            uint32_t j;
            for (j = 1; j <= k; ++j) {
                TE_CHECK(t, (te_truncate_code((uint8_t)i, k) >> (k - j)) ==
                                te_truncate_code((uint8_t)i, j),
                         "nesting code %d k %u j %u", i, (unsigned)k, (unsigned)j);
            }
            TE_CHECK(t, te_signed_level((uint8_t)i, k) % 2 != 0, "level of %d at k=%u is even",
                     i, (unsigned)k);
        }
    }
}

#if defined(__SIZEOF_INT128__)
__extension__ typedef __int128 te_i128;

/* Random values biased to the edges, checked against exact 128-bit arithmetic. */
static void check_random_edges(te_tally *t)
{
    te_rng rng = {20250611u};
    int i;
    for (i = 0; i < 200000; ++i) {
        int32_t shift = te_rng_range(&rng, 1, 62);
        int64_t half = (int64_t)1 << (shift - 1);
        int64_t v;
        te_i128 expect;
        switch (i % 4) {
        case 0: v = (int64_t)te_rng_next(&rng); break;                              /* anywhere */
        case 1: v = (int64_t)te_rng_range(&rng, INT32_MIN, INT32_MAX); break;        /* int32 */
        case 2: v = (int64_t)(te_rng_next(&rng) >> te_rng_range(&rng, 1, 63)) * (i & 8 ? -1 : 1);
            break;
        default: {                                                                   /* ties */
            int64_t odd = te_rng_range(&rng, -8, 8) * 2 + 1;
            v = (odd > 0 ? odd : -odd) <= INT64_MAX / half ? odd * half : -half;
            break;
        }
        }
        if (v > INT64_MAX - half) {
            continue; /* outside the legal range of te_round_shift */
        }
        {
            te_i128 num = (te_i128)v + half;
            te_i128 den = (te_i128)1 << shift;
            te_i128 q = num / den;
            if (num % den != 0 && num < 0) {
                q -= 1; /* floor */
            }
            expect = q;
        }
        TE_CHECK(t, (te_i128)te_round_shift(v, shift) == expect,
                 "te_round_shift(%" PRId64 ", %" PRId32 ")", v, shift);
        TE_CHECK(t, te_clamp(v, -7, 300) == (v < -7 ? -7 : (v > 300 ? 300 : (int32_t)v)),
                 "te_clamp(%" PRId64 ")", v);
    }
}

/* floor(v / 2^shift) in 128 bits. */
static te_i128 floor_div_pow2(te_i128 v, int32_t shift)
{
    te_i128 den = (te_i128)1 << shift;
    te_i128 q = v / den;
    if (v % den != 0 && v < 0) {
        q -= 1;
    }
    return q;
}

/* An operand biased to its edges: 0, +-1, the limits, or anywhere in [-limit, limit]. */
static int64_t edge_value(te_rng *r, int64_t limit)
{
    switch (te_rng_range(r, 0, 5)) {
    case 0: return 0;
    case 1: return te_rng_chance(r, 1, 2) ? 1 : -1;
    case 2: return te_rng_chance(r, 1, 2) ? limit : -limit;
    case 3: return (int64_t)(te_rng_next(r) % ((uint64_t)limit + 1u)) >> te_rng_range(r, 0, 62);
    default: return (int64_t)(te_rng_next(r) % (2u * (uint64_t)limit + 1u)) - limit;
    }
}

/* te_floor_shift (shift 0..62) and the whole epilogue against 128-bit arithmetic. */
static void check_random_requantize(te_tally *t)
{
    te_rng rng = {20250612u};
    int i;
    for (i = 0; i < 200000; ++i) {
        int32_t fs = te_rng_range(&rng, 0, 62);
        int64_t v = (int64_t)te_rng_next(&rng) >> te_rng_range(&rng, 0, 63);
        int32_t acc = (int32_t)edge_value(&rng, INT32_MAX);
        int32_t mult = (int32_t)edge_value(&rng, ((int64_t)1 << 30) - 1);
        int64_t r = te_rng_chance(&rng, 1, 3) ? (int64_t)te_rng_range(&rng, 0, 255)
                                               : edge_value(&rng, (int64_t)1 << 31);
        int32_t rmult = (int32_t)edge_value(&rng, ((int64_t)1 << 30) - 1);
        int64_t bias = edge_value(&rng, (int64_t)1 << 61);
        int32_t pre = te_rng_chance(&rng, 1, 2) ? 0 : te_rng_range(&rng, 1, 62);
        int32_t rpre = te_rng_chance(&rng, 1, 2) ? 0 : te_rng_range(&rng, 1, 62);
        int32_t shift = te_rng_range(&rng, 1, 62);
        int32_t lo = te_rng_chance(&rng, 1, 2) ? INT32_MIN : 0;
        int32_t hi = te_rng_chance(&rng, 1, 2) ? INT32_MAX : 255;
        te_i128 sum, q, expect;
        if (r == ((int64_t)1 << 31)) {
            r = INT32_MIN; /* residual elements are int32 */
        }
        TE_CHECK(t, (te_i128)te_floor_shift(v, fs) == floor_div_pow2(v, fs),
                 "te_floor_shift(%" PRId64 ", %" PRId32 ")", v, fs);
        sum = floor_div_pow2((te_i128)acc * mult, pre) + floor_div_pow2((te_i128)r * rmult, rpre) +
              bias;
        q = floor_div_pow2(sum + ((te_i128)1 << (shift - 1)), shift);
        expect = q < lo ? lo : (q > hi ? hi : q);
        TE_CHECK(t, (te_i128)te_requantize(acc, bias, mult, pre, shift, r, rmult, rpre, lo, hi) ==
                        expect,
                 "te_requantize(%" PRId32 ", %" PRId64 ", %" PRId32 ", %" PRId32 ", %" PRId32
                 ", %" PRId64 ", %" PRId32 ", %" PRId32 ", %" PRId32 ", %" PRId32 ")",
                 acc, bias, mult, pre, shift, r, rmult, rpre, lo, hi);
    }
}
#endif

int main(int argc, char **argv)
{
    te_tally t = {0u, 0u};
    const char *dir = argc > 1 ? argv[1] : "vectors";
    check_round_shift_file(dir, &t);
    check_floor_shift_file(dir, &t);
    check_clamp_file(dir, &t);
    check_requantize_file(dir, &t);
    check_scale_multiplier_file(dir, &t);
    check_round_shift_even_file(dir, &t);
    check_levels(&t);
#if defined(__SIZEOF_INT128__)
    check_random_edges(&t);
    check_random_requantize(&t);
#endif
    return te_tally_report("te_math", &t);
}
