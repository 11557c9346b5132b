/*
 * te_test.h - the little the C tests share: a seeded PRNG, checks that count, a summary line.
 * Test code only (uses stdio); never part of the runtime.
 */
#ifndef TE_TEST_H
#define TE_TEST_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

/* splitmix64: small, seedable, the same sequence on every platform. */
typedef struct {
    uint64_t state;
} te_rng;

static inline uint64_t te_rng_next(te_rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi] (inclusive; hi - lo < 2^32 is all the tests need). */
static inline int32_t te_rng_range(te_rng *r, int32_t lo, int32_t hi)
{
    uint64_t span = (uint64_t)((int64_t)hi - (int64_t)lo) + 1u;
    return (int32_t)((int64_t)lo + (int64_t)(te_rng_next(r) % span));
}

/* True with probability num / den. */
static inline int te_rng_chance(te_rng *r, uint32_t num, uint32_t den)
{
    return (te_rng_next(r) % den) < num;
}

typedef struct {
    uint32_t passed;
    uint32_t failed;
} te_tally;

/* Records one check; prints the first few failures with their context. */
#define TE_CHECK(tally, cond, ...)                                                              \
    do {                                                                                        \
        if (cond) {                                                                             \
            (tally)->passed++;                                                                  \
        } else {                                                                                \
            if ((tally)->failed < 20u) {                                                        \
                printf("FAIL %s:%d: ", __FILE__, __LINE__);                                     \
                printf(__VA_ARGS__);                                                            \
                printf("\n");                                                                   \
            }                                                                                   \
            (tally)->failed++;                                                                  \
        }                                                                                       \
    } while (0)

/* The closing line the CI reads ('N passed, N failed'); returns the exit status. */
static inline int te_tally_report(const char *name, const te_tally *t)
{
    printf("%s: %" PRIu32 " passed, %" PRIu32 " failed\n", name, t->passed, t->failed);
    return t->failed == 0u ? 0 : 1;
}

#endif /* TE_TEST_H */
