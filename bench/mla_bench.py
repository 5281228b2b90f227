#!/usr/bin/env python3
"""MLA decode benchmark on the GPU: mla's generated code next to PyTorch.

For each decode shape HEADSxBATCHxSEQLEN (DeepSeek dims: latent 512 + rope
64, nope 128, v 128; bf16; page size 64; every request at SEQLEN cached
tokens, or uneven lengths with a `u` suffix; one query per request, or Q with
an `xQ` suffix) writes the absorbed form, which `mla-opt --mla-fuse-decode`
turns into `mla.fused_decode` with the cost model's tiling (or a tuning
file's, --tuning-file) — the GPU pipeline lowers it to the tensor-core
decode kernels (docs/decode-kernel.md) — and for each prefill
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


def module_text(heads, batch, seqlen, queries=1, prefill=False):
    """A function holding one decode step (`queries` new tokens per request,
    causal among themselves) in the absorbed form — query_to_latent,
    latent_attention, latent_to_value, which mla-fuse-decode turns into
    mla.fused_decode with the cost model's tiling — or, for prefill (all
    `seqlen` tokens new), the fused prefill op, over a paged bf16 cache."""
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
    latent = t(batch, queries, heads, LATENT)
    args = ", ".join(f"%a{i}: {ty}" for i, ty in enumerate(types))
    if prefill:
        body = (f"  %o = mla.fused_prefill %a0, %a1 weights(%a2, %a3) over %a4[%a5, %a6] causal\n"
                f"      tiling #mla.prefill_tiling<block_queries = 128, block_keys = 128, "
                f"prefix_chunk = {seqlen}, loads = tma, producer = true>\n"
                f"      {{config = #cfg}} : ({', '.join(types)}) -> {result}\n")
    else:
        body = (f"  %ql = mla.query_to_latent %a0, %a2 {{config = #cfg}} : "
                f"({types[0]}, {types[2]}) -> {latent}\n"
                f"  %ol = mla.latent_attention %ql, %a1 over %a4[%a5, %a6] causal {{config = #cfg}} : "
                f"({latent}, {types[1]}, {types[4]}, {types[5]}, {types[6]}) -> {latent}\n"
                f"  %o = mla.latent_to_value %ol, %a3 {{config = #cfg}} : "
                f"({latent}, {types[3]}) -> {result}\n")
    return (f"#cfg = {cfg}\n"
            f"func.func @attention({args}) -> {result} {{\n{body}"
            f"  return %o : {result}\n}}\n")


def flops(heads, batch, seqlen, queries):
    """Decode: 2·b·h·s·(576+512) (absorbed). Prefill (decompressed, causal):
    decompression 2·b·s·h·L·(N+V) plus attention 2·pairs·h·(N+R+V)."""
    if queries == 1:
        return 2 * batch * heads * seqlen * (2 * LATENT + ROPE)
    pairs = batch * (queries * seqlen - queries * (queries - 1) / 2)
    return (2 * batch * seqlen * heads * LATENT * (NOPE + VALUE)
            + 2 * pairs * heads * (NOPE + ROPE + VALUE))


def lengths(batch, seqlen, uneven, seed=0):
    """Every request at `seqlen` cached tokens, or (uneven) FlashMLA-style
    lengths drawn around seqlen/2 ... seqlen (normal, sd seqlen/8, clipped)."""
    if not uneven:
        return np.full(batch, seqlen, dtype=np.int32)
    rng = np.random.default_rng(seed)
    drawn = rng.normal(0.75 * seqlen, seqlen / 8, size=batch)
    return np.clip(drawn, 1, seqlen).astype(np.int32)


TILING = re.compile(r"tiling <splits = (\d+), block_tokens = (\d+), heads_per_block = (\d+), "
                    r"stages = (\d+)((?:, (?:mma|schedule|loads) = \w+)*)>")
# The wgmma kernel (mma = warpgroup) needs the arch-specific target.
CHIP = {"sync": "sm_90", "warpgroup": "sm_90a", "auto": "sm_90a"}


def run_shape(tools, heads, batch, seqlen, queries, repeat, timeout, uneven=False, tiling=None,
              target="h100", tuning_file=None, mma="auto", schedule="even", loads="auto",
              run_flags=()):
    """Times one shape: (median us or None, status). `tiling` (splits,
    block_tokens, heads_per_block, stages) replaces the compiler's choice;
    `mma` asks mla-fuse-decode for the mma.sync or the wgmma kernel,
    `schedule` for the even or balanced split schedule, `loads` for cp.async
    or TMA tile loads (auto: the compiler's choice); `run_flags` go to
    mla-run."""
    mla_opt, mla_run = tools
    pages_per_request = seqlen // PAGE
    # Rotate among enough input copies that together they exceed the 50 MB
    # L2 twice (cache and weights; at most 8 copies).
    input_bytes = 2 * (batch * seqlen * (LATENT + ROPE) + 2 * heads * LATENT * NOPE)
    rotate = min(8, max(1, math.ceil(100e6 / input_bytes)))
    with tempfile.TemporaryDirectory(prefix="mla-bench-") as folder:
        work = Path(folder)
        prefill = queries == seqlen and queries > 1
        (work / "decode.mlir").write_text(module_text(heads, batch, seqlen, queries, prefill))
        if not prefill:
            # The tiling is the compiler's: mla-fuse-decode asks the cost model.
            tuned = f" tuning-file={tuning_file}" if tuning_file else ""
            # The default target is h100; another one travels in the module
            # (#mla.target, which mla-run then compiles for). Modules for
            # h100 carry none, so that a baseline mla-run of a revision
            # before #mla.target (the compare stage) still reads them.
            target_pass = ([] if target == "h100" else
                           [f"--mla-set-target=target={target} chip={CHIP[mma]}"])
            fused = subprocess.run([mla_opt, str(work / "decode.mlir")] + target_pass + [
                                    f"--mla-fuse-decode=mma={mma} "
                                    f"schedule={schedule} loads={loads}{tuned}"],
                                   capture_output=True, text=True)
            if fused.returncode != 0:
                return None, "mla-opt: " + fused.stderr.strip()[-200:]
            text = fused.stdout
            if tiling:
                text = TILING.sub(lambda m: "tiling <splits = {}, block_tokens = {}, "
                                  "heads_per_block = {}, stages = {}".format(*tiling)
                                  + (m.group(5) or "") + ">", text)
            (work / "decode.mlir").write_text(text)
            # The kernel must take it: a tiling it cannot run falls back to the
            # generic path, which is not what is being timed.
            check = subprocess.run([mla_opt, str(work / "decode.mlir"),
                                    f"--mla-set-target=target={target} chip={CHIP[mma]}",
                                    "--convert-mla-to-gpu"],
                                   capture_output=True, text=True)
            if check.returncode != 0 or "generic GPU path" in check.stderr:
                return None, "not a kernel tiling: " + check.stderr.strip()[-160:]
        inputs = work / "in"
        inputs.mkdir()
        # Shuffled pages, every request full.
        table = np.random.default_rng(0).permutation(batch * pages_per_request)
        np.save(inputs / "arg5.npy", table.reshape(batch, pages_per_request).astype(np.int32))
        np.save(inputs / "arg6.npy", lengths(batch, seqlen, uneven))
        command = [mla_run, str(work / "decode.mlir"), "--target=cuda", "--random",
                   f"--gpu-chip={CHIP[mma]}",
                   f"--input-dir={inputs}", "--warmup=2", f"--repeat={repeat}",
                   f"--rotate={rotate}", *run_flags]
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
    parser.add_argument("--mla-opt", help="default: beside mla-run")
    parser.add_argument("--shapes", default="128x1x8192,128x64x4096,128x128x8192,16x128x8192",
                        help="decode shapes HEADSxBATCHxSEQLEN[xQUERIES][u]: QUERIES new tokens "
                             "per request (default 1, causal), u: uneven lengths")
    parser.add_argument("--sweep", action="store_true",
                        help="add heads {16,128} x batch {1,32,64,128} x cache "
                             "{1024,4096,8192,32768}, fixed and uneven, and 2 queries")
    parser.add_argument("--prefill", default="128x1x1024,16x4x512",
                        help="prefill shapes HEADSxBATCHxTOKENS (all tokens new)")
    parser.add_argument("--torch-json", help="torch_mla_decode.py --json output of this run")
    parser.add_argument("--tuning-file", help="measured tilings (autotune.py) for mla-fuse-decode")
    parser.add_argument("--mma", default="auto", choices=["auto", "sync", "warpgroup", "both"],
                        help="decode kernel: the compiler's choice (auto: wgmma on the H100), "
                             "mma.sync, wgmma (sm_90a), or both side by side")
    parser.add_argument("--schedule", default="even", choices=["even", "balanced"],
                        help="split schedule: each request in equal parts, or balanced "
                             "by scheduling metadata")
    parser.add_argument("--loads", default="auto", choices=["auto", "async_copy", "tma", "both"],
                        help="wgmma kernel tile loads: the compiler's choice (auto: TMA where "
                             "the page size allows), cp.async, TMA, or both side by side")
    parser.add_argument("--check-cost", action="store_true",
                        help="also time each decode shape with the kernels' input checks dropped "
                             "(mla-run --input-checks=false), alternately, twice each")
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
    shapes = [x for x in args.shapes.split(",") if x]
    if args.sweep:
        shapes += [f"{h}x{b}x{s}{u}" for u in ("", "u") for h in (16, 128) for b in (1, 32, 64, 128)
                   for s in (1024, 4096, 8192, 32768)]
        shapes += [f"{h}x{b}x{s}x2" for h in (16, 128) for b in (32, 128) for s in (4096,)]
    cases = []
    for shape in dict.fromkeys(shapes):
        uneven = shape.endswith("u")
        dims = list(map(int, shape.rstrip("u").split("x")))
        cases.append((dims[:3], dims[3] if len(dims) > 3 else 1, uneven))
    cases += [(list(map(int, x.split("x"))), None, False) for x in args.prefill.split(",") if x]
    mla_opt = args.mla_opt or str(Path(args.mla_run).with_name("mla-opt"))
    kinds = ["sync", "warpgroup"] if args.mma == "both" else [args.mma]
    moves = ["async_copy", "tma"] if args.loads == "both" else [args.loads]
    # TMA loads are the wgmma kernel's: mma.sync runs with cp.async only.
    variants = [(k, m) for k in kinds for m in moves if not (k == "sync" and m == "tma")]
    for ((heads, batch, seqlen), queries, uneven), (mma, loads) in (
            (c, v) for c in cases for v in (variants if c[1] is not None else [("sync", "auto")])):
        prefill = queries is None
        queries = seqlen if prefill else queries
        us, status = run_shape((mla_opt, args.mla_run), heads, batch, seqlen, queries,
                               args.repeat, args.timeout, uneven,
                               tuning_file=args.tuning_file and str(Path(args.tuning_file).resolve()),
                               mma=mma, schedule=args.schedule, loads=loads)
        row = dict(phase="prefill" if prefill else "decode", heads=heads, batch=batch,
                   seqlen=seqlen, queries=queries, uneven=uneven, status=status, us=us,
                   mma="" if prefill else mma, loads="" if prefill else loads)
        if args.check_cost and us and not prefill:
            # Checked and unchecked alternately (the first checked run is
            # the one above), the faster of each pair's medians.
            timed = {True: [us], False: []}
            for checked in (False, True, False):
                flags = () if checked else ("--input-checks=false",)
                again, _ = run_shape((mla_opt, args.mla_run), heads, batch, seqlen, queries,
                                     args.repeat, args.timeout, uneven,
                                     tuning_file=args.tuning_file and str(Path(args.tuning_file).resolve()),
                                     mma=mma, schedule=args.schedule, loads=loads, run_flags=flags)
                if again:
                    timed[checked].append(again)
            if timed[False]:
                row["checked_us"], row["unchecked_us"] = min(timed[True]), min(timed[False])
        if us:
            tokens = int(lengths(batch, seqlen, uneven).sum())
            row["GBs"] = tokens * (LATENT + ROPE) * 2 / (us * 1e-6) / 1e9
            row["TFLOPs"] = (flops(heads, 1, tokens, 1) * queries if not prefill else
                             flops(heads, batch, seqlen, queries)) / (us * 1e-6) / 1e12
        base = (baselines.get((heads, batch, seqlen))
                if queries == 1 and not uneven and not prefill else None)
        if base:
            row["torch_us"] = base["us"]
        rows.append(row)
        print(f"{row['phase']} h={heads} b={batch} s={seqlen} q={queries}{' uneven' if uneven else ''}"
              f"{' ' + mma + ' ' + loads if not prefill else ''}: {status} {us}", flush=True)

    print(f"\nMLA attention, bf16 cache, page {PAGE}, median of {args.repeat} calls "
          f"(copy {copy_gbs or float('nan'):.0f} GB/s, bf16 GEMM {gemm_tflops or float('nan'):.0f} TFLOP/s)")
    print(f"{'phase':>7} {'kernel':>8} {'heads':>5} {'batch':>5} {'seqlen':>7} | {'mla us':>10} {'GB/s':>7} "
          f"{'TFLOP/s':>7} {'%copy':>6} {'%gemm':>6} | {'torch us':>9} {'speed-up':>9}")
    for r in rows:
        if not r["us"]:
            print(f"{r['phase']:>7} {kind(r):>8} {r['heads']:>5} {r['batch']:>5} {label(r):>7} | {r['status']}")
            continue
        pc = 100 * r["GBs"] / copy_gbs if copy_gbs else float("nan")
        pg = 100 * r["TFLOPs"] / gemm_tflops if gemm_tflops else float("nan")
        tu = r.get("torch_us", float("nan"))
        print(f"{r['phase']:>7} {kind(r):>8} {r['heads']:>5} {r['batch']:>5} {label(r):>7} | {r['us']:>10.1f} {r['GBs']:>7.1f} "
              f"{r['TFLOPs']:>7.2f} {pc:>6.2f} {pg:>6.2f} | {tu:>9.1f} {tu / r['us']:>8.2f}x")
    checked = [r for r in rows if r.get("unchecked_us")]
    if checked:
        print("\nInput checks on the GPU (block tables, lengths, positions), what they cost:")
        print(f"{'kernel':>8} {'heads':>5} {'batch':>5} {'seqlen':>7} | {'checked us':>10} "
              f"{'unchecked us':>12} {'cost':>7}")
        for r in checked:
            cost = 100 * (r["checked_us"] / r["unchecked_us"] - 1)
            print(f"{kind(r):>8} {r['heads']:>5} {r['batch']:>5} {label(r):>7} | "
                  f"{r['checked_us']:>10.1f} {r['unchecked_us']:>12.1f} {cost:>6.1f}%")
    if args.json:
        json.dump(dict(copy_GBs=copy_gbs, gemm_TFLOPs=gemm_tflops, rows=rows),
                  open(args.json, "w"), indent=1)
    if args.plot:
        plot(rows, copy_gbs, gemm_tflops, args.plot)


def kind(row):
    """The decode kernel asked for: its MMA, sync (mma.sync) or wg (wgmma),
    and its loads when not the compiler's choice (+cp: cp.async, +tma)."""
    mma = {"sync": "sync", "warpgroup": "wg", "auto": "auto"}.get(row.get("mma", ""), "")
    loads = {"async_copy": "+cp", "tma": "+tma"}.get(row.get("loads", ""), "")
    return mma + loads


def label(row):
    """seqlen, with u for uneven lengths and xQ for Q > 1 new decode tokens."""
    extra = f"x{row['queries']}" if row["phase"] == "decode" and row["queries"] > 1 else ""
    return f"{row['seqlen']}{extra}{'u' if row.get('uneven') else ''}"


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
