#!/usr/bin/env python3
"""Autotuner of the decode kernel's tiling: measures candidates, writes the
tuning file mla-fuse-decode reads (`tuning-file=`, src/Analysis/Tuning.h).

For each decode shape HEADSxBATCHxSEQLEN[xQUERIES] and kernel (--mma: the
mma.sync kernel, the wgmma one, or both) it asks the compiler for the cost
model's tiling (mla-fuse-decode), times it and its neighbours with mla-run
on the GPU — splits ×½, ×2 (and 1, 2 for few splits); mma.sync: 16- and
32-token tiles, 2 to 4 stages; wgmma: 32- and 64-token tiles, 2 or 3
stages; half the heads per CTA (at least 16) with the model's tile and
stages; candidates the kernel cannot take (shared memory) are skipped — and
records the fastest, with its time and the model's, in the JSON file
(entries for other shapes are kept).

Usage: autotune.py --mla-run PATH [--mla-opt PATH] [--shapes 128x128x8192,...]
                   [--target h100] [--repeat 20] --out tuning.json
"""

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import mla_bench


def model_tiling(mla_opt, heads, batch, seqlen, queries, target, mma):
    """The cost model's (splits, block_tokens, heads_per_block, stages), the
    kernel it chose (it keeps mma.sync where wgmma does not apply) and its
    tile loads (async_copy or tma: the wgmma kernel's TMA where the page
    size allows; the candidates keep them, each tile size dividing the page)."""
    with tempfile.TemporaryDirectory(prefix="mla-tune-") as folder:
        source = Path(folder) / "decode.mlir"
        source.write_text(mla_bench.module_text(heads, batch, seqlen, queries))
        fused = subprocess.run([mla_opt, str(source),
                                f"--mla-set-target=target={target}",
                                f"--mla-fuse-decode=mma={mma}"],
                               capture_output=True, text=True, check=True)
    match = mla_bench.TILING.search(fused.stdout)
    chosen = "warpgroup" if "mma = warpgroup" in (match.group(5) or "") else "sync"
    loads = "tma" if "loads = tma" in (match.group(5) or "") else "async_copy"
    return tuple(int(x) for x in match.groups()[:4]), chosen, loads


def candidates(model, mma):
    splits, block_tokens, heads_per_block, stages_model = model
    split_choices = {splits, max(1, splits // 2), splits * 2}
    if splits <= 2:
        split_choices |= {1, 2, 4}
    tiles, stages = ((32, 64), (2, 3)) if mma == "warpgroup" else ((16, 32), (2, 3, 4))
    found = {(s, bn, heads_per_block, st) for s in split_choices for bn in tiles
             for st in stages} | {model}
    # Half the heads per CTA (twice the CTAs, each cached token read once
    # per CTA instead of once per request) with the model's tile and stages.
    if heads_per_block >= 32:
        found |= {(s, block_tokens, heads_per_block // 2, stages_model) for s in split_choices}
    return sorted(found)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mla-run", required=True)
    parser.add_argument("--mla-opt")
    parser.add_argument("--shapes", default="128x1x8192,128x64x4096,128x128x8192,16x128x8192")
    parser.add_argument("--target", default="h100")
    parser.add_argument("--mma", default="both", choices=["sync", "warpgroup", "both"])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--timeout", type=int, default=120)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    mla_opt = args.mla_opt or str(Path(args.mla_run).with_name("mla-opt"))
    out = Path(args.out)
    table = json.loads(out.read_text()) if out.exists() else {"target": args.target, "decode": []}
    if table.get("target") != args.target:
        raise SystemExit(f"{out} is for target {table.get('target')}, not {args.target}")

    for shape in args.shapes.split(","):
        dims = list(map(int, shape.split("x")))
        heads, batch, seqlen = dims[:3]
        queries = dims[3] if len(dims) > 3 else 1
        timings, model, loads = {}, None, {}
        for asked in (["sync", "warpgroup"] if args.mma == "both" else [args.mma]):
            tiling0, mma, loads[mma] = model_tiling(mla_opt, heads, batch, seqlen, queries,
                                                    args.target, asked)
            if mma != asked:
                continue  # wgmma does not apply to this shape
            model = model or tiling0 + (mma,)
            for tiling in candidates(tiling0, mma):
                if tiling + (mma,) in timings:
                    continue
                us, status = mla_bench.run_shape((mla_opt, args.mla_run), heads, batch, seqlen,
                                                 queries, args.repeat, args.timeout,
                                                 tiling=tiling, target=args.target, mma=mma)
                mark = " (model)" if tiling == tiling0 else ""
                print(f"h{heads} b{batch} s{seqlen} q{queries} {mma} tiling {tiling}{mark}: "
                      f"{f'{us:.1f} us' if us else status}", flush=True)
                if us:
                    timings[tiling + (mma,)] = us
        if not timings:
            continue
        best = min(timings, key=timings.get)
        key = dict(heads=heads, queries=queries, batch=batch, cache=seqlen, dtype="bf16")
        entry = dict(key, splits=best[0], block_tokens=best[1], heads_per_block=best[2],
                     stages=best[3], mma=best[4], loads=loads[best[4]],
                     us=round(timings[best], 1),
                     model_us=round(timings.get(model, float("nan")), 1),
                     model=dict(splits=model[0], block_tokens=model[1],
                                heads_per_block=model[2], stages=model[3], mma=model[4]))
        table["decode"] = [e for e in table["decode"]
                           if {k: e.get(k) for k in key} != key] + [entry]
        print(f"best {best}: {timings[best]:.1f} us (model {model}: "
              f"{timings.get(model, float('nan')):.1f} us)", flush=True)
    out.write_text(json.dumps(table, indent=1) + "\n")
    print(f"wrote {out}: {len(table['decode'])} decode entries")


if __name__ == "__main__":
    main()
