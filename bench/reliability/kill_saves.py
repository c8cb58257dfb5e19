#!/usr/bin/env python3
"""kill -9 during `physml train --save`: how often is the model on disk lost?

Each trial starts from a good model file, runs the same training again with --save onto it
(same seed: the new model is byte for byte the old one), waits until the save has begun
(the target changed, or a temporary file appeared beside it), kills the run with SIGKILL
after a random delay of 0..--window ms, and checks the file: it must be the complete model.
The figures of docs/reliability.md ("The tool") come from this script, run once with the
tool before the atomic writers and once after.

    bench/reliability/kill_saves.py --physml build/release/bin/physml --trials 40
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def state(path):
    try:
        st = os.stat(path)
        return (st.st_ino, st.st_size, st.st_mtime_ns)
    except FileNotFoundError:
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--physml", required=True)
    ap.add_argument("--trials", type=int, default=40)
    ap.add_argument("--window", type=float, default=40.0, help="ms after the save begins")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--arch", default="dense:2048,relu,dense:2048,relu,dense:10")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="pml_kill_")
    model = os.path.join(work, "model.safetensors")
    cmd = [args.physml, "train", "--subset", "1000", "--test-subset", "100", "--epochs", "1",
           "--arch", args.arch, "--val", "0", "--quiet", "--device", "cpu", "--save", model]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    good = open(model, "rb").read()
    lost = landed = 0
    for _ in range(args.trials):
        with open(model, "wb") as f:
            f.write(good)
        before = state(model)
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        began = False
        while p.poll() is None:
            tmp = any(n.startswith(".") for n in os.listdir(work))
            if tmp or state(model) != before:
                began = True
                break
            time.sleep(0.0005)
        if began:
            time.sleep(rng.uniform(0, args.window) / 1000.0)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            landed += began
        p.wait()
        try:
            now = open(model, "rb").read()
        except FileNotFoundError:
            now = b""
        lost += now != good
        for n in os.listdir(work):  # a killed writer's temporary file
            if n.startswith("."):
                os.unlink(os.path.join(work, n))
    shutil.rmtree(work)
    print(f"{args.physml}: {args.trials} trials, {landed} kills after the save began, "
          f"{lost} models lost ({len(good)} bytes each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
