/* Bad numbers and usage errors: one line naming the option, exit 2, before any work; every
 * other failure says why, also under --quiet. */
#include "hostile.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

HOSTILE(bad_numbers_are_refused)
{
    USAGE("--batch", "train", "--batch", "-5");
    USAGE("--batch", "train", "--batch", "0");
    USAGE("--epochs", "train", "--epochs", "-5");
    USAGE("--epochs", "train", "--epochs", "4294967297");
    USAGE("--early-stop", "train", "--early-stop", "-3");
    USAGE("--early-stop", "train", "--early-stop", "4294967296");
    USAGE("--subset", "train", "--subset", "-3");
    USAGE("--lr", "train", "--lr", "nan");
    USAGE("--lr", "train", "--lr", "inf");
    USAGE("--val", "train", "--val", "nan");
    USAGE("--val", "train", "--val", "1");
    USAGE("--momentum", "train", "--momentum", "nan");
    USAGE("--weight-decay", "train", "--weight-decay", "nan");
    USAGE("--seed", "train", "--seed", "-1");
    USAGE("--seed", "train", "--seed", "18446744073709551616");
    USAGE("--sweeps", "ising", "--sweeps", "9223372036854775807");
    USAGE("--sweeps", "ising", "--sweeps", "0");
    USAGE("--therm", "ising", "--therm", "-1");
    USAGE("--L", "ising", "--L", "3");
    USAGE("--L", "ising", "--L", "0");
    USAGE("--L", "ising", "--L", "99999999999");
    USAGE("--T", "ising", "--T", "-1");
    USAGE("--T", "ising", "--T", "0");
    USAGE("--T", "ising", "--T", "1e400");
    USAGE("--B", "ising", "--B", "nan");
    USAGE("--rule", "ising", "--rule", "kawasaki");
    USAGE("--B", "ising", "--rule", "sw", "--B", "0.5"); /* cluster rules need B = 0 */
    USAGE("--B", "ising", "--rule", "wolff", "--B", "-0.1");
    USAGE("--device", "ising", "--rule", "wolff", "--device", "cuda");
    USAGE("--cluster", "ising", "scan", "--cluster", "heatbath");
    USAGE("--cluster-window", "ising", "scan", "--cluster", "sw", "--cluster-window", "-1");
    USAGE("--B", "ising", "scan", "--cluster", "sw", "--B", "0.2");
    USAGE("--start", "ising", "--start", "warm");
    USAGE("--T", "ising", "scan", "--T", "1:3:1e-300");
    USAGE("--L", "ising", "scan", "--L", "8,x");
    USAGE("--q", "meanfield", "--q", "0");
    USAGE("--q", "meanfield", "--q", "4294967300");
    USAGE("--split", "eval", "--model", "m", "--split", "validation");
    /* a long --augment is read whole: its last item is still checked */
    char aug[600];
    memset(aug, 0, sizeof aug);
    for (int i = 0; i < 60; ++i) strcat(aug, "flip,");
    strcat(aug, "bogus:1");
    USAGE("--augment", "train", "--augment", aug, "--data", "/nonexistent");
}

/* Usage errors found after parsing are exit 2 too, and come before any data is loaded (the
 * data directory here does not exist: a data error would be exit 1). */
HOSTILE(usage_errors_before_the_work)
{
    USAGE("--device", "ising", "--device", "tpu", "--sweeps", "10");
    USAGE("--arch", "train", "--arch", "dense:0", "--data", "/nonexistent");
    USAGE("--arch", "train", "--arch", "conv:3", "--data", "/nonexistent");
    USAGE("--schedule", "train", "--schedule", "foo", "--data", "/nonexistent");
    USAGE("--init", "train", "--init", "normal:-1", "--data", "/nonexistent");
    USAGE("--loss", "train", "--loss", "hinge", "--data", "/nonexistent");
    USAGE("--early-stop", "train", "--early-stop", "2", "--val", "0", "--data", "/nonexistent");
    USAGE("--only", "tour", "--only", "nope", "--quick");
}

/* Every non-zero exit says why, also under --quiet. */
HOSTILE(failures_speak_under_quiet)
{
    cr_expect_eq(PHYSML("train", "--quiet", "--data", "/nonexistent", "--out",
                        pml_test_tmppath("o")),
                 1);
    cr_expect(strstr(hostile_err, "/nonexistent") != NULL, "%s", hostile_err);
    cr_expect_eq(PHYSML("eval", "--model", "/nonexistent.safetensors"), 1);
    cr_expect(strstr(hostile_err, "/nonexistent.safetensors") != NULL, "%s", hostile_err);
    /* meanfield at J = 0: the roots, and a note on why there are no figures */
    cr_expect_eq(PHYSML("meanfield", "--J", "0", "--quiet", "--out", pml_test_tmppath("mf")), 0);
    cr_expect(strstr(hostile_out, "root 1") != NULL && strstr(hostile_err, "J = 0") != NULL, "%s / %s", hostile_out,
              hostile_err);
}

/* What an audit of every option found accepted (2026-12-01): hex and octal, a space or a
 * sign before digits, an empty last element, a forgotten value that took the next option,
 * values so large the run printed -inf, unordered temperatures, empty strings, counts larger
 * than the data, an average longer than the run, a device index with junk. */
HOSTILE(what_the_audit_found)
{
    USAGE("--T", "ising", "--T", "0x1p1");
    USAGE("--J", "ising", "--J", "0x2");
    USAGE("--lr", "train", "--lr", "0x1p-4", "--data", "/nonexistent");
    USAGE("--schedule", "train", "--schedule", "exp:0x1p-1", "--data", "/nonexistent");
    USAGE("--T", "ising", "scan", "--T", "0x1p1,3");
    USAGE("--T", "ising", "scan", "--T", "2:3:0x1");
    USAGE("--seed", "ising", "--seed", "\t-1");
    USAGE("--seed", "ising", "--seed", " 5");
    USAGE("--seed", "ising", "--seed", "0x");
    USAGE("--seed", "ising", "--seed", "0x0x10"); /* strtoull base 16 took a second 0x */
    USAGE("--sweeps", "ising", "--sweeps", " 5");
    USAGE("--sweeps", "ising", "--sweeps", "+5");
    USAGE("--L", "ising", "scan", "--L", "8,");
    USAGE("--T", "ising", "scan", "--T", "2.0,");
    USAGE("--T", "ising", "scan", "--T", "2.5,2.0");
    USAGE("--T", "rbm", "ising", "--T", "2.5,2.0,3.0");
    USAGE("--out", "ising", "--out", "--quiet");
    USAGE("--out", "ising", "--out", "");
    USAGE("--J", "ising", "--J", "1e308");
    USAGE("--B", "ising", "--B", "1e308");
    USAGE("--J", "meanfield", "--J", "1e308");
    USAGE("--T", "ising", "--T", "1e-300");
    USAGE("--augment", "train", "--augment", "", "--data", "/nonexistent");
    USAGE("--device", "ising", "--device", "cuda:+0");
    /* integers inside specs, read as options are (a review found strtol's space and plus) */
    USAGE("--normal", "ae", "anomaly", "--model", "/nonexistent", "--normal", " 0- +8");
    USAGE("--augment", "train", "--augment", "shift: +2", "--data", "/nonexistent");
    USAGE("--ais", "rbm", "logz", "--model", "/nonexistent", "--ais", " 10:+100");
    USAGE("--arch", "train", "--arch", "dense: 100,relu,dense:10", "--data", "/nonexistent");
    USAGE("--device", "ising", "--device", "cuda: 0");
    /* one line, as every usage error, for a stray word and an unknown subcommand */
    USAGE("extra", "ising", "extra");
    USAGE("bogus", "hopfield", "bogus");
    USAGE("frobnicate", "frobnicate");
    /* the seed: decimal (no octal) or 0x hex, the same run for the same number */
    cr_expect_eq(PHYSML("ising", "--L", "8", "--sweeps", "40", "--therm", "0", "--seed", "010",
                        "--json", "--quiet"),
                 0);
    /* the statistics, not the speed at the end */
    static char ten[sizeof hostile_out];
    memcpy(ten, hostile_out, sizeof ten);
    char *speed = strstr(ten, "\"flips_per_ns\"");
    cr_assert(speed != NULL, "%s", ten);
    *speed = '\0';
    cr_expect_eq(PHYSML("ising", "--L", "8", "--sweeps", "40", "--therm", "0", "--seed", "0xa",
                        "--json", "--quiet"),
                 0);
    cr_expect(strncmp(hostile_out, ten, strlen(ten)) == 0, "--seed 010 is ten, as 0xa is: %s / %s",
              ten, hostile_out);
}

/* Counts beyond the data and an average longer than the run: refused, not clamped (the
 * Fashion-MNIST test split holds 10,000 images). */
HOSTILE(counts_beyond_the_data)
{
    struct stat st;
    char p[512];
    snprintf(p, sizeof p, "%s/test-images-idx3-ubyte.gz", pml_data_default_dir());
    if (stat(p, &st) != 0) cr_skip_test("Fashion-MNIST is not installed (%s)", p);
    USAGE("--test-subset", "train", "--test-subset", "10001", "--epochs", "1", "--subset", "100",
          "--quiet");
    USAGE("--average", "rbm", "complete", "--model", "/nonexistent", "--steps", "2", "--average",
          "5", "--out", pml_test_tmppath("c"));
}
