#!/usr/bin/env python3
"""Per-kernel device times of one mla decode call, under Nsight Compute.

For each decode shape HEADSxBATCHxSEQLEN, writes the same module as
mla_bench.py (absorbed form, fused by mla-fuse-decode with the cost model's
tiling), runs it once with `mla-run --target=cuda` under `ncu`, and prints
every kernel launch: its name (the convert-mla-to-gpu kernels are named
after their role — decode_query_latent, decode_schedule, decode_attention,
decode_combine_value (even splits) or decode_combine and decode_value; the
generic path's are `<function>_kernel`),
grid, block, registers, dynamic shared memory and duration, then
the sum. Where the time goes, not a benchmark (ncu serialises launches).

With --detail N, also prints Nsight Compute's speed-of-light, compute,
memory and warp-state sections for launch N of each shape (1: the
attention kernel when there is no scheduling kernel).

Usage: kernel_profile.py --mla-run PATH [--ncu PATH] [--shapes 128x128x8192,...]
                         [--mma sync|warpgroup] [--detail N]
"""

import argparse
import csv
import io
import subprocess
import tempfile
from pathlib import Path

import numpy as np

import mla_bench

METRICS = ("gpu__time_duration.sum,launch__registers_per_thread,launch__grid_size,"
           "launch__block_size,launch__shared_mem_per_block_dynamic,"
           "sm__throughput.avg.pct_of_peak_sustained_elapsed,"
           "dram__throughput.avg.pct_of_peak_sustained_elapsed")


def profile(args, heads, batch, seqlen):
    mla_opt = args.mla_opt or str(Path(args.mla_run).with_name("mla-opt"))
    with tempfile.TemporaryDirectory(prefix="mla-profile-") as folder:
        work = Path(folder)
        source = work / "decode.mlir"
        source.write_text(mla_bench.module_text(heads, batch, seqlen))
        fused = subprocess.run([mla_opt, str(source),
                                f"--mla-set-target=target=h100 chip={mla_bench.CHIP[args.mma]}",
                                f"--mla-fuse-decode=mma={args.mma}"],
                               capture_output=True, text=True, check=True)
        source.write_text(fused.stdout)
        inputs = work / "in"
        inputs.mkdir()
        pages = seqlen // mla_bench.PAGE
        table = np.random.default_rng(0).permutation(batch * pages).reshape(batch, pages)
        np.save(inputs / "arg5.npy", table.astype(np.int32))
        np.save(inputs / "arg6.npy", np.full(batch, seqlen, dtype=np.int32))
        command = [args.mla_run, str(source), "--target=cuda",
                   "--random",
                   f"--input-dir={inputs}", "--warmup=0", "--repeat=0"]  # one call: its launches, once
        run = subprocess.run([args.ncu, "--csv", "--metrics", METRICS] + command,
                             capture_output=True, text=True)
        detail = None
        if args.detail is not None:
            detail = subprocess.run(
                [args.ncu, "--section", "SpeedOfLight", "--section", "ComputeWorkloadAnalysis",
                 "--section", "MemoryWorkloadAnalysis", "--section", "WarpStateStats",
                 "--section", "Occupancy", "--launch-skip", str(args.detail),
                 "--launch-count", "1"] + command, capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stdout[-2000:], run.stderr[-2000:])
        return
    text = run.stdout[run.stdout.find('"ID"'):]
    kernels = {}
    for row in csv.DictReader(io.StringIO(text)):
        key = (row["ID"], row["Kernel Name"])
        kernels.setdefault(key, {})[row["Metric Name"]] = (row["Metric Value"], row["Metric Unit"])
    print(f"\n== h{heads} b{batch} s{seqlen}")
    total = 0.0
    for (kid, name), m in kernels.items():
        value, unit = m["gpu__time_duration.sum"]
        us = float(value.replace(",", "")) * {"nsecond": 1e-3, "ns": 1e-3, "usecond": 1, "us": 1, "msecond": 1e3, "ms": 1e3}[unit]
        total += us
        print(f"{kid:>4} {name[:28]:<28} grid {m['launch__grid_size'][0]:>8} block "
              f"{m['launch__block_size'][0]:>5} regs {m['launch__registers_per_thread'][0]:>4} "
              f"smem {m['launch__shared_mem_per_block_dynamic'][0]:>7} "
              f"sm {m['sm__throughput.avg.pct_of_peak_sustained_elapsed'][0]:>6}% "
              f"dram {m['dram__throughput.avg.pct_of_peak_sustained_elapsed'][0]:>6}% "
              f"{us:>10.1f} us")
    print(f"     total {total:.1f} us")
    if detail is not None:
        print(detail.stdout[-6000:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mla-run", required=True)
    parser.add_argument("--mla-opt")
    parser.add_argument("--ncu", default="ncu")
    parser.add_argument("--shapes", default="128x1x8192,128x128x8192,16x128x8192")
    parser.add_argument("--mma", default="auto", choices=["auto", "sync", "warpgroup"])
    parser.add_argument("--detail", type=int, help="launch index to profile in detail")
    args = parser.parse_args()
    for shape in args.shapes.split(","):
        profile(args, *map(int, shape.split("x")))


if __name__ == "__main__":
    main()
