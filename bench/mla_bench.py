#!/usr/bin/env python3
"""MLA decode benchmark on the GPU: mla's generated code next to PyTorch.

For each decode shape HEADSxBATCHxSEQLEN (DeepSeek dims: latent 512 + rope
64, nope 128, v 128; bf16; page size 64; every request at SEQLEN cached
tokens; one query per request) writes the fused decode op (`mla.fused_decode`,
the absorbed form `mla-pipeline` produces for decode), and for each prefill
shape the fused prefill op (`mla.fused_prefill`, the decompressed form, all
tokens new, causal), as a module; runs it with `mla-run --target=cuda` (float
operands drawn at random by mla-run, block table and lengths from files; two
warm-up calls, then the median of --repeat calls timed with device events,
rotating among input copies that together exceed twice the L2); and reports
time, GB/s of cache read (1152 B per cached token), TFLOP/s (decode:
2·b·h·s·(576+512)) and the fraction of the device's
measured copy bandwidth and bf16 GEMM rate. The PyTorch baselines
(../shared/bench/torch_mla_decode.py: absorbed bmm + softmax) of the same
run are read from its JSON and printed alongside. Writes JSON and, when
matplotlib is there, a PNG roofline plot.

Usage: mla_bench.py --mla-run PATH [--shapes ...] [--torch-json torch.json]
                    [--repeat N] [--json out.json] [--plot out.png]
"""

import argparse
import json
import math
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

LATENT, ROPE, NOPE, VALUE, PAGE = 512, 64, 128, 128, 64


def module_text(heads, batch, seqlen, queries=1):
    """A function holding one fused decode (queries = 1) or fused prefill
    (queries new tokens, the last `queries` of `seqlen`) over a paged bf16
    cache."""
    pages_per_request = seqlen // PAGE
    pages = batch * pages_per_request
    cfg = (f"#mla.config<heads = {heads}, hidden = 7168, q_lora_rank = 1536, "
           f"kv_lora_rank = {LATENT}, qk_nope_dim = {NOPE}, qk_rope_dim = {ROPE}, "
           f"v_head_dim = {VALUE}, yarn = #mla.yarn<factor = 40.0, "
           f"original_max_position = 4096, mscale = 1.0, mscale_all_dim = 1.0>>")
    t = lambda *shape, e="bf16": "tensor<" + "x".join(map(str, shape)) + "x" + e + ">"
    types = [t(batch, queries, heads, NOPE), t(batch, queries, heads, ROPE), t(heads, LATENT, NOPE),
             t(heads, LATENT, VALUE), t(pages, PAGE, LATENT + ROPE),
             t(batch, pages_per_request, e="i32"), t(batch, e="i32")]
    result = t(batch, queries, heads, VALUE)
    args = ", ".join(f"%a{i}: {ty}" for i, ty in enumerate(types))
    if queries == 1:
        op = ("mla.fused_decode", "#mla.decode_tiling<splits = 1, block_tokens = 64, "
              f"heads_per_block = {min(64, heads)}, stages = 2>")
    else:
        op = ("mla.fused_prefill", "#mla.prefill_tiling<block_queries = 128, "
              f"block_keys = 128, prefix_chunk = {seqlen}>")
    return (f"#cfg = {cfg}\n"
            f"func.func @attention({args}) -> {result} {{\n"
            f"  %o = {op[0]} %a0, %a1 weights(%a2, %a3) over %a4[%a5, %a6] causal\n"
            f"      tiling {op[1]}\n"
            f"      {{config = #cfg}} : ({', '.join(types)}) -> {result}\n"
            f"  return %o : {result}\n}}\n")


def flops(heads, batch, seqlen, queries):
    """Decode: 2·b·h·s·(576+512) (absorbed). Prefill (decompressed, causal):
    decompression 2·b·s·h·L·(N+V) plus attention 2·pairs·h·(N+R+V)."""
    if queries == 1:
        return 2 * batch * heads * seqlen * (2 * LATENT + ROPE)
    pairs = batch * (queries * seqlen - queries * (queries - 1) / 2)
    return (2 * batch * seqlen * heads * LATENT * (NOPE + VALUE)
            + 2 * pairs * heads * (NOPE + ROPE + VALUE))


def run_shape(mla_run, heads, batch, seqlen, queries, repeat, timeout):
    pages_per_request = seqlen // PAGE
    # Rotate among enough input copies that together they exceed the 50 MB
    # L2 twice (cache and weights; at most 8 copies).
    input_bytes = 2 * (batch * seqlen * (LATENT + ROPE) + 2 * heads * LATENT * NOPE)
    rotate = min(8, max(1, math.ceil(100e6 / input_bytes)))
    with tempfile.TemporaryDirectory(prefix="mla-bench-") as folder:
        work = Path(folder)
        (work / "decode.mlir").write_text(module_text(heads, batch, seqlen, queries))
        inputs = work / "in"
        inputs.mkdir()
        # Shuffled pages, every request full.
        table = np.random.default_rng(0).permutation(batch * pages_per_request)
        np.save(inputs / "arg5.npy", table.reshape(batch, pages_per_request).astype(np.int32))
        np.save(inputs / "arg6.npy", np.full(batch, seqlen, dtype=np.int32))
        command = [mla_run, str(work / "decode.mlir"), "--target=cuda", "--random",
                   f"--input-dir={inputs}", "--warmup=2", f"--repeat={repeat}",
                   f"--rotate={rotate}"]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, f"over {timeout} s"
        if result.returncode != 0:
            return None, result.stderr.strip().splitlines()[-1] if result.stderr else "failed"
        match = re.search(r"time: median ([0-9.]+) us", result.stdout)
        return (float(match.group(1)) if match else None), "ok"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mla-run", required=True)
    parser.add_argument("--shapes", default="128x1x8192,128x64x4096,128x128x8192,16x128x8192",
                        help="decode shapes HEADSxBATCHxSEQLEN (one query per request)")
    parser.add_argument("--prefill", default="128x1x1024,16x4x512",
                        help="prefill shapes HEADSxBATCHxTOKENS (all tokens new)")
    parser.add_argument("--torch-json", help="torch_mla_decode.py --json output of this run")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--timeout", type=int, default=240, help="seconds per shape")
    parser.add_argument("--json")
    parser.add_argument("--plot")
    args = parser.parse_args()

    torch = json.load(open(args.torch_json)) if args.torch_json else {}
    copy_gbs = torch.get("copy_GBs")
    gemm_tflops = torch.get("gemm_TFLOPs")
    baselines = {(r["heads"], r["batch"], r["seqlen"]): r
                 for r in torch.get("rows", []) if r["form"] == "absorbed"}
    rows = []
    cases = [(shape, 1) for shape in args.shapes.split(",") if shape]
    cases += [(shape, None) for shape in args.prefill.split(",") if shape]
    for shape, queries in cases:
        heads, batch, seqlen = map(int, shape.split("x"))
        queries = queries or seqlen
        us, status = run_shape(args.mla_run, heads, batch, seqlen, queries, args.repeat,
                               args.timeout)
        row = dict(phase="decode" if queries == 1 else "prefill", heads=heads, batch=batch,
                   seqlen=seqlen, queries=queries, status=status, us=us)
        if us:
            row["GBs"] = batch * seqlen * (LATENT + ROPE) * 2 / (us * 1e-6) / 1e9
            row["TFLOPs"] = flops(heads, batch, seqlen, queries) / (us * 1e-6) / 1e12
        base = baselines.get((heads, batch, seqlen)) if queries == 1 else None
        if base:
            row["torch_us"] = base["us"]
        rows.append(row)
        print(f"{row['phase']} h={heads} b={batch} s={seqlen}: {status} {us}", flush=True)

    print(f"\nMLA attention, bf16 cache, page {PAGE}, median of {args.repeat} calls "
          f"(copy {copy_gbs or float('nan'):.0f} GB/s, bf16 GEMM {gemm_tflops or float('nan'):.0f} TFLOP/s)")
    print(f"{'phase':>7} {'heads':>5} {'batch':>5} {'seqlen':>6} | {'mla us':>10} {'GB/s':>7} "
          f"{'TFLOP/s':>7} {'%copy':>6} {'%gemm':>6} | {'torch us':>9} {'mla/torch':>9}")
    for r in rows:
        if not r["us"]:
            print(f"{r['phase']:>7} {r['heads']:>5} {r['batch']:>5} {r['seqlen']:>6} | {r['status']}")
            continue
        pc = 100 * r["GBs"] / copy_gbs if copy_gbs else float("nan")
        pg = 100 * r["TFLOPs"] / gemm_tflops if gemm_tflops else float("nan")
        tu = r.get("torch_us", float("nan"))
        print(f"{r['phase']:>7} {r['heads']:>5} {r['batch']:>5} {r['seqlen']:>6} | {r['us']:>10.1f} {r['GBs']:>7.1f} "
              f"{r['TFLOPs']:>7.2f} {pc:>6.2f} {pg:>6.2f} | {tu:>9.1f} {r['us'] / tu:>9.1f}x")
    if args.json:
        json.dump(dict(copy_GBs=copy_gbs, gemm_TFLOPs=gemm_tflops, rows=rows),
                  open(args.json, "w"), indent=1)
    if args.plot:
        plot(rows, copy_gbs, gemm_tflops, args.plot)


def plot(rows, copy_gbs, gemm_tflops, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no matplotlib: no plot", file=sys.stderr)
        return
    if not copy_gbs or not gemm_tflops:
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    intensity = np.logspace(0, 3, 100)
    ax.loglog(intensity, np.minimum(gemm_tflops, intensity * copy_gbs / 1e3), "k-",
              label="roofline (measured copy, bf16 GEMM)")
    for r in rows:
        if r.get("us"):
            ai = r["TFLOPs"] * 1e3 / r["GBs"]
            ax.loglog(ai, r["TFLOPs"], "o", label=f"mla h{r['heads']} b{r['batch']} s{r['seqlen']}")
            if r.get("torch_us"):
                ax.loglog(ai, r["TFLOPs"] * r["us"] / r["torch_us"], "x", color="gray")
    ax.set_xlabel("FLOP per byte of cache")
    ax.set_ylabel("TFLOP/s")
    ax.set_title("MLA decode (o: mla, x: PyTorch)")
    ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
