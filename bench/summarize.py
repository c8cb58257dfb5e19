#!/usr/bin/env python3
"""Median of repeated benchmark runs.

Reads JSON lines (from several runs of one bench/ program, concatenated), groups them by
every non-numeric field plus the size fields, and prints one markdown row per group with
the median of each requested numeric field.

    bench/summarize.py FILE.jsonl --key m,n,k --fields gflops,direct_gflops,overhead
"""
import argparse
import json
import statistics
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--key", default="", help="numeric fields that identify a case (sizes)")
    ap.add_argument("--fields", required=True, help="numeric fields to take the median of")
    args = ap.parse_args()
    keys = [k for k in args.key.split(",") if k]
    fields = args.fields.split(",")
    groups = {}
    order = []
    with open(args.file) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            row = json.loads(line)
            ident = tuple((k, v) for k, v in row.items()
                          if (isinstance(v, str) and k not in fields) or k in keys)
            if ident not in groups:
                groups[ident] = []
                order.append(ident)
            groups[ident].append(row)
    cols = [k for k, _ in order[0]] if order else []
    print("| " + " | ".join(cols + [f"median {x}" for x in fields] + ["runs"]) + " |")
    print("|" + "---|" * (len(cols) + len(fields) + 1))
    for ident in order:
        rows = groups[ident]
        meds = []
        for x in fields:
            vals = [r[x] for r in rows if isinstance(r.get(x), (int, float))]
            meds.append(f"{statistics.median(vals):.4g}" if vals else "")
        print("| " + " | ".join([str(v) for _, v in ident] + meds + [str(len(rows))]) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
