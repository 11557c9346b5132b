/*
 * te_icount.c - a QEMU TCG plugin that counts executed guest instructions exactly and records
 * the count each time the guest enters one of three marker functions. Built with the host gcc:
 *
 *   gcc -shared -fPIC -O2 -o te_icount.so te_icount.c
 *   qemu-system-arm ... -plugin ./te_icount.so,begin=0x...,end=0x...,op=0x...,out=icount.txt
 *
 * begin, end and op are the addresses of te_bench_begin, te_bench_end and te_bench_op (any may
 * be left out). Every translated block adds its instruction count to a counter when it runs
 * (an inline add, no callback); a block that starts at a marker also appends a line
 * "<B|E|O> <count>" to the out file, where count is the number of instructions executed before
 * that block. The counts do not depend on timing, so two runs of the same image and input give
 * identical files. QEMU 7.2 packages no plugin headers, so the part of the plugin API version 1
 * that is used is declared here.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- QEMU plugin API, version 1 (include/qemu/qemu-plugin.h of QEMU 7.2) --- */
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_outs(const char *string);
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv);
/* --- end of the API --- */

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

enum { MARK_BEGIN, MARK_END, MARK_OP, MARK_COUNT };
static const char mark_letters[MARK_COUNT] = { 'B', 'E', 'O' };

/* The plugin's state lives for the one QEMU process that loads it; QEMU runs one vCPU here. */
static uint64_t executed;
static uint64_t mark_address[MARK_COUNT];
static bool mark_set[MARK_COUNT];
static FILE *out;

static void on_mark(unsigned int vcpu_index, void *userdata)
{
    (void)vcpu_index;
    fprintf(out, "%c %" PRIu64 "\n", mark_letters[(uintptr_t)userdata], executed);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    uint64_t pc = qemu_plugin_tb_vaddr(tb);
    uintptr_t m;
    (void)id;
    for (m = 0; m < MARK_COUNT; m++) {
        if (mark_set[m] && pc == mark_address[m]) {
            qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, QEMU_PLUGIN_CB_NO_REGS, (void *)m);
        }
    }
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &executed,
                                             (uint64_t)qemu_plugin_tb_n_insns(tb));
}

static void on_plugin_exit(qemu_plugin_id_t id, void *userdata)
{
    (void)id;
    (void)userdata;
    fprintf(out, "T %" PRIu64 "\n", executed);
    fclose(out);
}

static bool parse_address(const char *text, uint64_t *value)
{
    char *end;
    *value = strtoull(text, &end, 0);
    return end != text && *end == '\0';
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    static const char *const names[MARK_COUNT] = { "begin=", "end=", "op=" };
    const char *path = "icount.txt";
    int i;
    uintptr_t m;
    (void)info;
    for (i = 0; i < argc; i++) {
        bool known = false;
        for (m = 0; m < MARK_COUNT; m++) {
            size_t n = strlen(names[m]);
            if (strncmp(argv[i], names[m], n) == 0) {
                if (!parse_address(argv[i] + n, &mark_address[m])) {
                    fprintf(stderr, "te_icount: bad address in '%s'\n", argv[i]);
                    return -1;
                }
                mark_set[m] = true;
                known = true;
            }
        }
        if (strncmp(argv[i], "out=", 4) == 0) {
            path = argv[i] + 4;
            known = true;
        }
        if (!known) {
            fprintf(stderr, "te_icount: unknown argument '%s' (expected begin=, end=, op=, out=)\n", argv[i]);
            return -1;
        }
    }
    out = fopen(path, "w");
    if (out == NULL) {
        fprintf(stderr, "te_icount: cannot write '%s'\n", path);
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_plugin_exit, NULL);
    return 0;
}
