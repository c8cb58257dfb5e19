/* Runs cut short, then resumed, end exactly as the uninterrupted run: cut cleanly at a chosen
 * sweep, and killed with -9 at an unknown moment. */
#include "hostile.h"

#include <stdio.h>
#include <string.h>

#include "physml/physml.h"

/* hostile_out up to the speed, which is the one thing allowed to differ */
static void cut_speed(char *json)
{
    char *speed = strstr(json, "\"flips_per_ns\"");
    cr_assert_not_null(speed, "%s", json);
    *speed = '\0';
}

HOSTILE(ising_resume_matches_an_uninterrupted_run)
{
    char state[300];
    static char whole[sizeof hostile_out], resumed[sizeof hostile_out];
    snprintf(state, sizeof state, "%s", pml_test_tmppath("state"));
    cr_assert_eq(PHYSML("ising", "--L", "12", "--T", "2.4", "--seed", "5", "--therm", "300",
                        "--sweeps", "3000", "--json", "--quiet", "--device", "cpu"),
                 0, "%s", hostile_err);
    snprintf(whole, sizeof whole, "%s", hostile_out);
    cut_speed(whole);
    /* a run that measured one sweep after 100 of thermalisation is not a run of --therm 300:
     * resuming it as one is refused */
    cr_assert_eq(PHYSML("ising", "--L", "12", "--T", "2.4", "--seed", "5", "--therm", "100",
                        "--sweeps", "1", "--save-state", state, "--quiet", "--device", "cpu"),
                 0, "%s", hostile_err);
    USAGE("--resume", "ising", "--resume", state, "--therm", "300", "--sweeps", "3000");
    /* cut inside the measurement, at sweep 300 + 1000 */
    cr_assert_eq(PHYSML("ising", "--L", "12", "--T", "2.4", "--seed", "5", "--therm", "300",
                        "--sweeps", "1000", "--save-state", state, "--quiet", "--device", "cpu"),
                 0, "%s", hostile_err);
    cr_assert_eq(PHYSML("ising", "--resume", state, "--therm", "300", "--sweeps", "3000",
                        "--json", "--quiet", "--device", "cpu"),
                 0, "%s", hostile_err);
    snprintf(resumed, sizeof resumed, "%s", hostile_out);
    cut_speed(resumed);
    cr_expect_str_eq(resumed, whole);
    /* the lattice parameters come from the file: giving them again is a usage error */
    USAGE("--resume", "ising", "--resume", state, "--T", "2.0");
}

/* kill -9 at an unknown moment of a run saving every 500 sweeps, then --resume: the same
 * numbers as the run that was never killed. */
static void killed_and_resumed(const char *therm, const char *sweeps)
{
    char state[300];
    static char whole[sizeof hostile_out], resumed[sizeof hostile_out];
    snprintf(state, sizeof state, "%s", pml_test_tmppath("state"));
    const char *const run[] = {"ising", "--L", "32", "--T", "2.3", "--seed", "9", "--therm",
                               therm, "--sweeps", sweeps, "--save-state", state,
                               "--save-every", "500", "--quiet", "--device", "cpu", NULL};
    hostile_kill_after_first_save(run, state, 150);

    cr_assert_eq(PHYSML("ising", "--resume", state, "--therm", therm, "--sweeps", sweeps,
                        "--json", "--quiet", "--device", "cpu"),
                 0, "%s", hostile_err);
    snprintf(resumed, sizeof resumed, "%s", hostile_out);
    cut_speed(resumed);
    cr_assert_eq(PHYSML("ising", "--L", "32", "--T", "2.3", "--seed", "9", "--therm", therm,
                        "--sweeps", sweeps, "--json", "--quiet", "--device", "cpu"),
                 0, "%s", hostile_err);
    snprintf(whole, sizeof whole, "%s", hostile_out);
    cut_speed(whole);
    cr_expect_str_eq(resumed, whole);
}

HOSTILE(ising_killed_in_the_measurement_resumes_exactly)
{
    killed_and_resumed("1000", "300000");
}

HOSTILE(ising_killed_in_thermalisation_resumes_exactly)
{
    killed_and_resumed("300000", "1000");
}

/* ising scan, killed at an unknown moment while saving its two batches (the cluster window's
 * in STATE.cluster) and resumed: every (L, T) line as the uninterrupted scan's; a state of
 * another scan is refused naming --resume. */
#define SCAN_RUN "ising", "scan", "--L", "8,16", "--T", "2.0:2.6:0.1", "--cluster", "sw", \
                 "--cluster-window", "0.15", "--sweeps", "30000", "--therm", "3000", "--json", \
                 "--quiet", "--device", "cpu", "--out", out

static void cut_summary(char *json)
{
    char *summary = strstr(json, "{\"summary\"");
    cr_assert_not_null(summary, "%s", json);
    *summary = '\0';
}

/* args (NULL-terminated) with up to four more words after them, into out[64] */
static const char *const *with(const char *const *args, const char *a, const char *b,
                               const char *c, const char *d, const char *out[64])
{
    int n = 0;
    while (args[n] && n < 59) out[n] = args[n], ++n;
    const char *more[4] = {a, b, c, d};
    for (int k = 0; k < 4 && more[k]; ++k) out[n++] = more[k];
    out[n] = NULL;
    return out;
}

void hostile_killed_run_matches(const char *const *args, const char *save_opt,
                                const char *resume_opt, const char *path, int after_ms,
                                void (*cut)(char *), const char *says)
{
    static char whole[sizeof hostile_out], resumed[sizeof hostile_out];
    const char *v[64], *loud[64];
    cr_assert_eq(pml_test_physml(args, hostile_out, sizeof hostile_out, hostile_err,
                                 sizeof hostile_err), 0, "%s", hostile_err);
    snprintf(whole, sizeof whole, "%s", hostile_out);
    if (cut) cut(whole);
    hostile_kill_after_first_save(with(args, save_opt, path, NULL, NULL, v), path, after_ms);
    int n = 0;
    for (int i = 0; args[i] && n < 59; ++i)
        if (strcmp(args[i], "--quiet") != 0) loud[n++] = args[i];
    loud[n] = NULL;
    cr_assert_eq(pml_test_physml(with(loud, save_opt, path, resume_opt, path, v), hostile_out,
                                 sizeof hostile_out, hostile_err, sizeof hostile_err),
                 0, "%s", hostile_err);
    snprintf(resumed, sizeof resumed, "%s", hostile_out);
    if (cut) cut(resumed);
    cr_expect_str_eq(resumed, whole);
    cr_expect(strstr(hostile_err, says) != NULL, "the resumed run does not say '%s':\n%s", says,
              hostile_err);
}

HOSTILE(ising_scan_killed_and_resumed_matches)
{
    char state[300], out[300];
    snprintf(state, sizeof state, "%s", pml_test_tmppath("scan.state"));
    snprintf(out, sizeof out, "%s", pml_test_tmppath("scan-out"));
    const char *const run[] = {SCAN_RUN, NULL};
    hostile_killed_run_matches(run, "--save-state", "--resume", state, 150, cut_summary,
                               "sweeps done");
    USAGE("--resume", SCAN_RUN, "--resume", state, "--seed", "2");
    USAGE("--resume", SCAN_RUN, "--resume", state, "--T", "2.0:2.7:0.1");
    USAGE("--resume", SCAN_RUN, "--resume", state, "--sweeps", "100");
}

/* In the text checkpoint `path`, the row whose line starts with `key` gets `value` in
 * column `col`: a resume that takes the row must then print it (one that recomputed the row
 * would print what the uninterrupted run did, as every test above compares). */
static void edit_row(const char *path, const char *key, int col, const char *value)
{
    static char text[1 << 20], out[1 << 20];
    const size_t n = pml_test_read_file(path, (unsigned char *)text, sizeof text - 1);
    cr_assert(n > 0 && n < sizeof text - 1, "%s: %zu bytes", path, n);
    text[n] = '\0';
    char *line = text, *o = out;
    int edited = 0;
    while (*line) {
        char *end = strchr(line, '\n');
        const size_t len = end ? (size_t)(end - line + 1) : strlen(line);
        if (!edited && strncmp(line, key, strlen(key)) == 0) {
            const char *f = line;
            for (int c = 0; c < col; ++c) f = strchr(f, ' ') + 1;
            const char *after = f + strcspn(f, " \n");
            o += sprintf(o, "%.*s%s%.*s", (int)(f - line), line, value,
                         (int)(line + len - after), after);
            edited = 1;
        } else {
            memcpy(o, line, len);
            o += len;
        }
        line += len;
    }
    cr_assert(edited, "no row '%s' in %s:\n%s", key, path, text);
    pml_test_write_file(path, out, (size_t)(o - out));
}

/* The run `args` resumed from the text checkpoint `path` after the row starting with `key`
 * got `value` in column `col`: its output must show `printed` (the row was taken). */
static void takes_the_rows(const char *const *args, const char *path, const char *key, int col,
                           const char *value, const char *printed)
{
    const char *v[64];
    edit_row(path, key, col, value);
    cr_assert_eq(pml_test_physml(with(args, "--resume", path, NULL, NULL, v), hostile_out,
                                 sizeof hostile_out, hostile_err, sizeof hostile_err),
                 0, "%s", hostile_err);
    cr_expect(strstr(hostile_out, printed) != NULL, "the file's row was not taken:\n%s",
              hostile_out);
}

/* rbm ising, killed after its first temperature's checkpoint and resumed: the same lines as
 * the uninterrupted run, but for the training seconds (the resumed temperatures keep their
 * first run's); a checkpoint of other options is refused naming the option. */
#define RBM_ISING_RUN "rbm", "ising", "--L", "4", "--T", "1.8,2.1,2.3,2.5,2.7,3.0", "--hidden", \
                      "16", "--samples", "400", "--epochs", "40", "--chains", "20", "--gibbs", \
                      "100", "--every", "1", "--json", "--quiet", "--device", "cpu"

/* json without the values of `key` */
static void cut_key(char *json, const char *key)
{
    for (char *p; (p = strstr(json, key)) != NULL;) {
        char *q = p + strlen(key);
        while (*q && *q != '}' && *q != ',') ++q;
        memmove(p, q, strlen(q) + 1);
    }
}

static void cut_seconds(char *json)
{
    cut_key(json, "\"train_seconds\": ");
}

HOSTILE(rbm_ising_killed_and_resumed_matches)
{
    char ckpt[300];
    snprintf(ckpt, sizeof ckpt, "%s", pml_test_tmppath("rbm-ising.ckpt"));
    const char *const run[] = {RBM_ISING_RUN, NULL};
    /* at once: a temperature takes 50 ms here (9 s under the asan preset), five remain */
    hostile_killed_run_matches(run, "--checkpoint", "--resume", ckpt, 0, cut_seconds,
                               "T = 1.8 from");
    takes_the_rows(run, ckpt, "1.8 ", 1, "-0.123456", "\"mc_e\": -0.123456");
    /* a run of other temperatures (2.9 new) from the same file keeps the others' lines */
    cr_assert_eq(PHYSML(RBM_ISING_RUN, "--T", "2.1,2.9", "--checkpoint", ckpt, "--resume", ckpt),
                 0, "%s", hostile_err);
    static unsigned char text[1 << 14];
    const size_t n = pml_test_read_file(ckpt, text, sizeof text - 1);
    int lines = 0;
    for (size_t i = 0; i < n; ++i) lines += text[i] == '\n';
    cr_expect_eq(lines, 2 + 7, "the checkpoint lost temperatures:\n%.*s", (int)n, text);
    USAGE("--resume", RBM_ISING_RUN, "--resume", ckpt, "--epochs", "99");
    USAGE("--resume", RBM_ISING_RUN, "--resume", ckpt, "--seed", "2");
}

static void expect_same_file(const char *a, const char *b)
{
    static unsigned char x[1 << 21], y[1 << 21];
    const size_t nx = pml_test_read_file(a, x, sizeof x), ny = pml_test_read_file(b, y, sizeof y);
    cr_expect(nx > 0 && nx == ny && memcmp(x, y, nx) == 0, "%s and %s differ", a, b);
}

/* hopfield capacity, killed after its first point's checkpoint and resumed: the same lines
 * as the uninterrupted run but for the seconds; a run asking for other loads takes the points
 * it shares with the file; other options are refused naming the option. */
#define CAPACITY_RUN "hopfield", "capacity", "--N", "200,400", "--alpha", "0.05:0.25:0.02", \
                     "--sets", "20", "--json", "--quiet", "--device", "cpu", "--out"

static void cut_point_seconds(char *json)
{
    cut_key(json, "\"seconds\": ");
}

HOSTILE(hopfield_capacity_killed_and_resumed_matches)
{
    char ckpt[300], out[300];
    snprintf(ckpt, sizeof ckpt, "%s", pml_test_tmppath("capacity.ckpt"));
    snprintf(out, sizeof out, "%s", pml_test_tmppath("capacity-out"));
    const char *const run[] = {CAPACITY_RUN, out, NULL};
    /* 22 points of about 50 ms (10 times more under asan): killed after the first */
    hostile_killed_run_matches(run, "--checkpoint", "--resume", ckpt, 0, cut_point_seconds,
                               "measured before");
    takes_the_rows(run, ckpt, "200 0.05000", 4, "0.123456", "\"retrieved\": 0.123456");
    static unsigned char text[1 << 14];
    size_t n = pml_test_read_file(ckpt, text, sizeof text - 1);
    int lines = 0;
    for (size_t i = 0; i < n; ++i) lines += text[i] == '\n';
    cr_expect_eq(lines, 2 + 22, "%.*s", (int)n, text);
    /* other loads: 0.06 is new, 0.05 is in the file (its seconds kept: 0 measured again) */
    cr_assert_eq(PHYSML(CAPACITY_RUN, out, "--alpha", "0.05,0.06", "--checkpoint", ckpt,
                        "--resume", ckpt), 0, "%s", hostile_err);
    n = pml_test_read_file(ckpt, text, sizeof text - 1);
    lines = 0;
    for (size_t i = 0; i < n; ++i) lines += text[i] == '\n';
    cr_expect_eq(lines, 2 + 24, "the checkpoint lost points:\n%.*s", (int)n, text);
    USAGE("--resume", CAPACITY_RUN, out, "--resume", ckpt, "--sets", "21");
    cr_expect(strstr(hostile_err, "sets=20") != NULL, "%s", hostile_err);
    USAGE("--resume", CAPACITY_RUN, out, "--resume", ckpt, "--rule", "storkey");
    /* a damaged row */
    FILE *f = fopen(ckpt, "a");
    cr_assert_not_null(f);
    fputs("200 0.3 x\n", f);
    fclose(f);
    USAGE("--resume", CAPACITY_RUN, out, "--resume", ckpt);
    cr_expect(strstr(hostile_err, "damaged") != NULL, "%s", hostile_err);
}

/* A text checkpoint damaged at random (bytes changed, lines cut, cut short, long lines,
 * numbers no one writes) is refused in one line naming --resume (exit 2) or, where the damage
 * left a well-formed file, taken: never a crash, a hang or another exit (under the asan preset
 * this is also a memory check of the reader, src/cli/row_checkpoint.c). */
HOSTILE(damaged_text_checkpoints_are_refused_or_taken)
{
    char ck[300], bad[300], out[300];
    snprintf(ck, sizeof ck, "%s", pml_test_tmppath("capacity.ckpt"));
    snprintf(bad, sizeof bad, "%s", pml_test_tmppath("damaged.ckpt"));
    snprintf(out, sizeof out, "%s", pml_test_tmppath("out"));
#define TINY "hopfield", "capacity", "--N", "20,30", "--alpha", "0.1,0.2,0.3", "--sets", "2", \
             "--json", "--quiet", "--device", "cpu", "--out", out
    cr_assert_eq(PHYSML(TINY, "--checkpoint", ck), 0, "%s", hostile_err);
    static unsigned char good[1 << 14], b[1 << 16];
    const size_t n = pml_test_read_file(ck, good, sizeof good);
    cr_assert(n > 100 && n < sizeof good);
    static const char *const junk[] = {"null", "1e999", "-nan", "inf", " ", "\n", "0x10",
                                       "9999999999999999999999", "\t", "-", "."};
    int refused = 0, taken = 0;
    for (uint64_t k = 0; k < 80; ++k) {
        size_t m = n;
        memcpy(b, good, n);
        const uint32_t r = pml_rng_u32(7, k, 0), at = pml_rng_u32(7, k, 1) % (uint32_t)n;
        switch (r % 5) {
        case 0: /* a few bytes changed */
            for (int i = 0; i < 1 + (int)(r >> 8) % 4; ++i)
                b[pml_rng_u32(7, k, 2 + (uint64_t)i) % n] = (unsigned char)pml_rng_u32(7, k, 9 + (uint64_t)i);
            break;
        case 1: /* cut short */
            m = at;
            break;
        case 2: { /* a word of junk put in */
            const char *j = junk[(r >> 8) % (sizeof junk / sizeof junk[0])];
            const size_t jl = strlen(j);
            memmove(b + at + jl, b + at, n - at);
            memcpy(b + at, j, jl);
            m = n + jl;
            break;
        }
        case 3: /* a line far longer than any checkpoint writes */
            memset(b + at, '7', 20000);
            memcpy(b + at + 20000, good + at, n - at);
            m = at + 20000 + (n - at);
            break;
        default: /* a line's field removed */
            for (size_t i = at; i < n; ++i)
                if (b[i] == ' ') {
                    memmove(b + i, b + i + 1, n - i - 1);
                    m = n - 1;
                    break;
                }
        }
        pml_test_write_file(bad, b, m);
        const int rc = PHYSML(TINY, "--resume", bad);
        cr_assert(rc == 0 || rc == 2, "damage %llu: exit %d: %s", (unsigned long long)k, rc,
                  hostile_err);
        if (rc == 2) {
            ++refused;
            cr_expect(strstr(hostile_err, "--resume") != NULL &&
                          strchr(hostile_err, '\n') == hostile_err + strlen(hostile_err) - 1,
                      "damage %llu: not one line naming --resume: %s", (unsigned long long)k,
                      hostile_err);
        } else {
            ++taken;
        }
    }
    cr_expect(refused > 20 && taken > 0, "refused %d, taken %d: the damage misses", refused,
              taken);
#undef TINY
}

/* ae ising, killed after its first size's checkpoint and resumed: the same lines as the
 * uninterrupted run but for the seconds, and the same scatter file; other options refused. */
#define AE_ISING_RUN "ae", "ising", "--L", "8,16,24,32", "--T", "1.8:3.0:0.1", "--configs", \
                     "200", "--therm", "100", "--epochs", "10", "--json", "--quiet", "--device", \
                     "cpu"

static void cut_ae_seconds(char *json)
{
    cut_key(json, "\"gen_seconds\": ");
    cut_key(json, "\"train_seconds\": ");
}

HOSTILE(ae_ising_killed_and_resumed_matches)
{
    char ckpt[300], o1[300], o2[300], f1[340], f2[340];
    snprintf(ckpt, sizeof ckpt, "%s", pml_test_tmppath("ae-ising.ckpt"));
    snprintf(o1, sizeof o1, "%s", pml_test_tmppath("whole"));
    snprintf(o2, sizeof o2, "%s", pml_test_tmppath("resumed"));
    const char *const run[] = {AE_ISING_RUN, NULL};
    /* four sizes, 2 s (a minute under asan): killed once the first is written */
    hostile_killed_run_matches(run, "--checkpoint", "--resume", ckpt, 0, cut_ae_seconds,
                               "L = 8 from");
    takes_the_rows(run, ckpt, "8 0 ", 2, "2.123456", "\"tc\": 2.123456");
    /* the scatter of the sizes taken from the file is the one their run plotted */
    cr_assert_eq(PHYSML(AE_ISING_RUN, "--L", "8,16", "--out", o1), 0, "%s", hostile_err);
    cr_assert_eq(PHYSML(AE_ISING_RUN, "--L", "8,16", "--out", o2, "--resume", ckpt), 0, "%s",
                 hostile_err);
    snprintf(f1, sizeof f1, "%s/ising_ae_zm.dat", o1);
    snprintf(f2, sizeof f2, "%s/ising_ae_zm.dat", o2);
    expect_same_file(f1, f2);
    USAGE("--resume", AE_ISING_RUN, "--resume", ckpt, "--configs", "201");
    USAGE("--resume", AE_ISING_RUN, "--resume", ckpt, "--T", "1.8:3.0:0.2");
}

/* rbm sample and rbm complete, killed after their first checkpoint of the chains and
 * resumed: the same pictures and arrays (sample), the same JSON and picture (complete) as the
 * uninterrupted runs; a sample may go on further than its checkpoint's run; other options,
 * another model and other images are refused naming what differs. */
/* Tensor `name` of the .safetensors checkpoint `path` replaced by f(x) elementwise (F32),
 * the rest and the metadata kept (the writer recomputes the checksum): a resume that takes the
 * state must then end elsewhere than the uninterrupted run. */
static void tamper(const char *path, const char *name, float (*f)(float))
{
    pml_device *dev = pml_test_open_cpu();
    pml_safetensors st;
    PML_ASSERT_OK(pml_safetensors_read(dev, path, &st));
    pml_tensor *t = pml_safetensors_find(&st, name);
    cr_assert_not_null(t, "%s has no %s", path, name);
    float *x = pml_tensor_data(t);
    for (int64_t i = 0; i < pml_tensor_numel(t); ++i) x[i] = f(x[i]);
    pml_named_tensor nt[8];
    cr_assert(st.count <= 8);
    for (int i = 0; i < st.count; ++i) nt[i] = (pml_named_tensor){st.names[i], st.tensors[i]};
    const char *meta[2 * 16 + 1];
    cr_assert(st.meta_count <= 16);
    for (int i = 0; i < st.meta_count; ++i) {
        meta[2 * i] = st.meta_keys[i];
        meta[2 * i + 1] = st.meta_values[i];
    }
    meta[2 * st.meta_count] = NULL;
    PML_ASSERT_OK(pml_safetensors_write(path, nt, st.count, meta));
    pml_safetensors_free(&st);
    pml_device_close(dev);
}

static float flip_unit(float x)
{
    return 1.0f - x;
}

static float to_zero(float x)
{
    (void)x;
    return 0.0f;
}

static void tiny_rbm(char *model, size_t cap, const char *seed)
{
    char name[32];
    snprintf(name, sizeof name, "tiny%s.rbm", seed);
    snprintf(model, cap, "%s", pml_test_tmppath(name));
    cr_assert_eq(PHYSML("rbm", "train", "--subset", "500", "--epochs", "1", "--hidden", "16",
                        "--save", model, "--seed", seed, "--quiet", "--device", "cpu"),
                 0, "%s", hostile_err);
}

HOSTILE(rbm_sample_killed_and_resumed_matches)
{
    char model[300], other[300], ck[300], o1[300], o2[300], a[340], b[340];
    tiny_rbm(model, sizeof model, "1");
    tiny_rbm(other, sizeof other, "2");
    snprintf(ck, sizeof ck, "%s", pml_test_tmppath("sample.ckpt"));
    snprintf(o1, sizeof o1, "%s", pml_test_tmppath("whole"));
    snprintf(o2, sizeof o2, "%s", pml_test_tmppath("resumed"));
#define SAMPLE_RUN "rbm", "sample", "--model", model, "--chains", "30", "--steps", "600", \
                   "--device", "cpu"
    const char *const whole[] = {SAMPLE_RUN, "--out", o1, "--quiet", NULL};
    const char *const cut[] = {SAMPLE_RUN, "--out", o2, "--checkpoint", ck, "--quiet", NULL};
    cr_assert_eq(pml_test_physml(whole, hostile_out, sizeof hostile_out, hostile_err,
                                 sizeof hostile_err), 0, "%s", hostile_err);
    hostile_kill_after_first_save(cut, ck, 0);
    cr_assert_eq(PHYSML(SAMPLE_RUN, "--out", o2, "--checkpoint", ck, "--resume", ck), 0, "%s",
                 hostile_err);
    /* it took the chains (a run from step 0 would end the same) */
    cr_expect(strstr(hostile_err, "resumed at step ") != NULL &&
                  strstr(hostile_err, "resumed at step 0 ") == NULL, "%s", hostile_err);
    snprintf(a, sizeof a, "%s/samples.npy", o1);
    snprintf(b, sizeof b, "%s/samples.npy", o2);
    expect_same_file(a, b);
    snprintf(a, sizeof a, "%s/samples.png", o1);
    snprintf(b, sizeof b, "%s/samples.png", o2);
    expect_same_file(a, b);
    /* further: 600 steps, then 300 more from its checkpoint, as 900 at once */
    cr_assert_eq(PHYSML(SAMPLE_RUN, "--out", o1, "--steps", "900", "--quiet"), 0, "%s",
                 hostile_err);
    cr_assert_eq(PHYSML(SAMPLE_RUN, "--out", o2, "--steps", "900", "--resume", ck), 0, "%s",
                 hostile_err);
    cr_expect(strstr(hostile_err, "resumed at step 600 of 900") != NULL, "%s", hostile_err);
    snprintf(a, sizeof a, "%s/samples.npy", o1);
    snprintf(b, sizeof b, "%s/samples.npy", o2);
    expect_same_file(a, b);
    /* the chains are what it continues: flipped, one step on they are elsewhere (many steps
     * on, chains driven by the same draws may have met again) */
    cr_assert_eq(PHYSML(SAMPLE_RUN, "--out", o1, "--steps", "601", "--resume", ck, "--quiet"), 0,
                 "%s", hostile_err);
    tamper(ck, "v", flip_unit);
    cr_assert_eq(PHYSML(SAMPLE_RUN, "--out", o2, "--steps", "601", "--resume", ck, "--quiet"), 0,
                 "%s", hostile_err);
    static unsigned char x[1 << 20], y[1 << 20];
    const size_t nx = pml_test_read_file(a, x, sizeof x), ny = pml_test_read_file(b, y, sizeof y);
    cr_expect(nx > 0 && nx == ny && memcmp(x, y, nx) != 0, "flipped chains changed nothing");
    USAGE("--resume", SAMPLE_RUN, "--out", o2, "--resume", ck, "--seed", "2", "--quiet");
    USAGE("--resume", SAMPLE_RUN, "--out", o2, "--resume", ck, "--chains", "29", "--quiet");
    USAGE("--resume", SAMPLE_RUN, "--out", o2, "--resume", ck, "--steps", "599", "--quiet");
    cr_expect(strstr(hostile_err, "past --steps") != NULL, "%s", hostile_err);
    USAGE("--resume", "rbm", "sample", "--model", other, "--chains", "30", "--out", o2,
          "--resume", ck, "--quiet", "--device", "cpu");
    cr_expect(strstr(hostile_err, "model=") != NULL, "%s", hostile_err);
    USAGE("--checkpoint-every", SAMPLE_RUN, "--out", o2, "--checkpoint-every", "5", "--quiet");
#undef SAMPLE_RUN
}

HOSTILE(rbm_complete_killed_and_resumed_matches)
{
    char model[300], ck[300], out[300];
    tiny_rbm(model, sizeof model, "1");
    snprintf(ck, sizeof ck, "%s", pml_test_tmppath("complete.ckpt"));
    snprintf(out, sizeof out, "%s", pml_test_tmppath("out"));
    /* a window of the last 400 of 600 steps; the run killed after its first checkpoint, at
     * step 250 (inside the window: the sums so far must be carried) or 500 */
#define COMPLETE_RUN "rbm", "complete", "--model", model, "--count", "30", "--steps", "600", \
                     "--average", "400", "--json", "--device", "cpu", "--out", out
    static char whole[sizeof hostile_out];
    cr_assert_eq(PHYSML(COMPLETE_RUN, "--quiet"), 0, "%s", hostile_err);
    snprintf(whole, sizeof whole, "%s", hostile_out);
    const char *const cut[] = {COMPLETE_RUN, "--checkpoint", ck, "--checkpoint-every", "250",
                               "--quiet", NULL};
    hostile_kill_after_first_save(cut, ck, 0);
    cr_assert_eq(PHYSML(COMPLETE_RUN, "--checkpoint", ck, "--resume", ck), 0, "%s", hostile_err);
    cr_expect_str_eq(hostile_out, whole);
    cr_expect(strstr(hostile_err, "resumed at step 250 ") != NULL ||
                  strstr(hostile_err, "resumed at step 500 ") != NULL, "%s", hostile_err);
    /* the sums are what it continues: zeroed, the completion is another */
    tamper(ck, "pv", to_zero);
    cr_assert_eq(PHYSML(COMPLETE_RUN, "--resume", ck, "--quiet"), 0, "%s", hostile_err);
    cr_expect(strcmp(hostile_out, whole) != 0, "zeroed sums changed nothing:\n%s", hostile_out);
    /* random:0.5 and random:0.50 are one occlusion */
    cr_assert_eq(PHYSML(COMPLETE_RUN, "--occlude", "random:0.5", "--checkpoint", ck,
                        "--quiet"), 0, "%s", hostile_err);
    cr_assert_eq(PHYSML(COMPLETE_RUN, "--occlude", "random:0.50", "--resume", ck, "--quiet"), 0,
                 "%s", hostile_err);
    USAGE("--resume", COMPLETE_RUN, "--occlude", "random:0.5", "--resume", ck, "--count", "20",
          "--quiet");
    cr_expect(strstr(hostile_err, "count=30") != NULL, "%s", hostile_err);
#undef COMPLETE_RUN
    USAGE("--resume", "rbm", "complete", "--model", model, "--count", "30", "--steps", "600",
          "--average", "300", "--json", "--quiet", "--device", "cpu", "--out", out,
          "--resume", ck);
}

/* ae anomaly --train cut after 2 of 4 epochs and resumed: the same JSON (scores of the same
 * model) as the uninterrupted run; a checkpoint of other normal classes (another training set)
 * or other options is refused naming what differs; checkpoint options need --train. */
#define ANOMALY_RUN "ae", "anomaly", "--train", "--normal", "0-8", "--subset", "3000", \
                    "--test-subset", "500", "--json", "--device", "cpu"

HOSTILE(ae_anomaly_train_resume_matches_an_uninterrupted_run)
{
    static char whole[sizeof hostile_out];
    char ck[300];
    snprintf(ck, sizeof ck, "%s", pml_test_tmppath("anomaly.ckpt"));
    cr_assert_eq(PHYSML(ANOMALY_RUN, "--epochs", "4"), 0, "%s", hostile_err);
    snprintf(whole, sizeof whole, "%s", hostile_out);
    cr_assert_eq(PHYSML(ANOMALY_RUN, "--epochs", "2", "--checkpoint", ck), 0, "%s", hostile_err);
    cr_assert_eq(PHYSML(ANOMALY_RUN, "--epochs", "4", "--resume", ck, "--checkpoint", ck), 0,
                 "%s", hostile_err);
    cr_expect_str_eq(hostile_out, whole);
    cr_expect(strstr(hostile_err, "resumed from") != NULL, "%s", hostile_err);
    USAGE("--resume", "ae", "anomaly", "--train", "--normal", "0-7", "--subset", "3000",
          "--test-subset", "500", "--json", "--device", "cpu", "--epochs", "4", "--resume", ck,
          "--quiet");
    cr_expect(strstr(hostile_err, "train_size") != NULL, "%s", hostile_err);
    USAGE("--resume", ANOMALY_RUN, "--epochs", "4", "--seed", "2", "--resume", ck, "--quiet");
    USAGE("--resume", "ae", "anomaly", "--model", ck, "--normal", "0-8", "--resume", ck);
    USAGE("--checkpoint-every", ANOMALY_RUN, "--checkpoint-every", "2");
}

/* The training options of the runs below: small, Adam with a plateau schedule (state in the
 * optimiser and the schedule), a validation split and augmentation (the RNG position). */
#define TRAIN_RUN "train", "--subset", "3000", "--test-subset", "1000", "--seed", "3", \
                  "--val", "0.1", "--opt", "adam", "--schedule", "plateau:1", "--augment", \
                  "shift:1,noise:0.05", "--quiet", "--device", "cpu"

/* train --checkpoint, then --resume: the model saved at the end is byte for byte the one of
 * the uninterrupted run; a checkpoint resumed with other options is a usage error naming
 * what differs. */
HOSTILE(train_resume_matches_an_uninterrupted_run)
{
    char whole[300], resumed[300], ck[300];
    snprintf(whole, sizeof whole, "%s", pml_test_tmppath("whole.safetensors"));
    snprintf(resumed, sizeof resumed, "%s", pml_test_tmppath("resumed.safetensors"));
    snprintf(ck, sizeof ck, "%s", pml_test_tmppath("ck.safetensors"));
    cr_assert_eq(PHYSML(TRAIN_RUN, "--epochs", "4", "--save", whole), 0, "%s", hostile_err);
    cr_assert_eq(PHYSML(TRAIN_RUN, "--epochs", "2", "--checkpoint", ck), 0, "%s", hostile_err);
    cr_assert_eq(PHYSML(TRAIN_RUN, "--epochs", "4", "--resume", ck, "--save", resumed, "--json"),
                 0, "%s", hostile_err);
    cr_expect(strstr(hostile_out, "\"resumed_from_epoch\": 2") != NULL, "%s", hostile_out);
    expect_same_file(whole, resumed);
    USAGE("--resume", TRAIN_RUN, "--epochs", "4", "--lr", "0.5", "--resume", ck);
    cr_expect(strstr(hostile_err, "0.5") != NULL, "%s", hostile_err);
    USAGE("--resume", TRAIN_RUN, "--epochs", "4", "--batch", "17", "--resume", ck);
    USAGE("--checkpoint-every", TRAIN_RUN, "--checkpoint-every", "2");
}

/* kill -9 once the run has written a checkpoint, then --resume: the same model as the run
 * that was never killed. */
HOSTILE(train_killed_and_resumed_matches)
{
    char whole[300], resumed[300], ck[300];
    snprintf(whole, sizeof whole, "%s", pml_test_tmppath("whole.safetensors"));
    snprintf(resumed, sizeof resumed, "%s", pml_test_tmppath("resumed.safetensors"));
    snprintf(ck, sizeof ck, "%s", pml_test_tmppath("ck.safetensors"));
    const char *const run[] = {TRAIN_RUN, "--epochs", "40", "--checkpoint", ck, NULL};
    hostile_kill_after_first_save(run, ck, 100);
    cr_assert_eq(PHYSML(TRAIN_RUN, "--epochs", "40", "--resume", ck, "--save", resumed, "--json"),
                 0, "%s", hostile_err);
    cr_expect(strstr(hostile_out, "\"resumed_from_epoch\": 0,") == NULL, "%s", hostile_out);
    cr_assert_eq(PHYSML(TRAIN_RUN, "--epochs", "40", "--save", whole), 0, "%s", hostile_err);
    expect_same_file(whole, resumed);
}
