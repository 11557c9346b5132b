/*
 * main.c - a TruncEdge firmware: runs the model on the stored sample (sample.h) and prints the
 * class and the cycle count, then waits on the console: a key 1..8 sets the weight bit width
 * and runs again. The weight bit width changes at run time; nothing is rebuilt or reflashed.
 *
 *   truncedge firmware: model "cnn" on nucleo-l4r5zi; keys 1..8 set the weight bits
 *   bits 8: class 3 (output 412), 1234567 cycles
 */
#include "board.h"
#include "board_config.h"
#include "model.h"
#include "sample.h"

static uint64_t arena_words[(MODEL_ARENA_SIZE + 7u) / 8u]; /* 8-byte aligned */
static te_fw_output_t output[MODEL_OUTPUT_SIZE];

static void put_str(const char *s)
{
    while (*s != '\0') {
        if (*s == '\n') {
            console_putc('\r');
        }
        console_putc(*s++);
    }
}

static void put_u32(uint32_t v)
{
    char digits[10];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    while (n > 0) {
        console_putc(digits[--n]);
    }
}

static void put_i32(int32_t v)
{
    if (v < 0) {
        console_putc('-');
        put_u32(0u - (uint32_t)v);
    } else {
        put_u32((uint32_t)v);
    }
}

/* Runs one inference at the given weight bits and prints "bits k: class c (output o), n cycles". */
static void run(model_context *ctx, uint32_t bits)
{
    uint32_t i, best = 0u, start, cycles;
    te_status st = model_set_weight_bits(ctx, bits);
    if (st == TE_OK) {
        start = board_cycles();
        st = model_invoke(ctx, te_sample, output);
        cycles = board_cycles() - start;
    }
    if (st != TE_OK) {
        put_str("bits ");
        put_u32(bits);
        put_str(": error ");
        put_i32((int32_t)st);
        put_str("\n");
        return;
    }
    for (i = 1u; i < MODEL_OUTPUT_SIZE; ++i) {
        if (output[i] > output[best]) {
            best = i;
        }
    }
    put_str("bits ");
    put_u32(bits);
    put_str(": class ");
    put_u32(best);
    put_str(" (output ");
    put_i32((int32_t)output[best]);
    put_str("), ");
    put_u32(cycles);
    put_str(" cycles\n");
}

int main(void)
{
    model_context ctx;
    board_init();
    put_str("truncedge firmware: model " TE_FW_MODEL " on " TE_BOARD_NAME "; keys 1..8 set the weight bits\n");
    if (model_init(&ctx, (uint8_t *)arena_words, sizeof arena_words) != TE_OK) {
        put_str("model_init failed\n");
        for (;;) {
        }
    }
    run(&ctx, 8u);
    for (;;) {
        const char c = console_getc();
        if (c >= '1' && c <= '8') {
            run(&ctx, (uint32_t)(c - '0'));
        }
    }
}
