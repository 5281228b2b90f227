"""Prefill attention benchmark on the GPU: mla's fused prefill next to PyTorch.

One table from one run on one GPU (device events, median of --repeat calls
after warm-up). For each shape (heads × batch × new tokens, causal, over
`--cached` tokens already in the cache before the new ones):

  mla      : `mla.fused_prefill` alone (q_nope, q_pe, W_UK, W_UV and the
             paged bf16 cache in; page 64) through mla-run's GPU pipeline:
             the gather of the cached latents, the decompression GEMMs and
             the flash-attention kernel (docs/prefill-kernel.md);
  PyTorch  : what that op computes, in PyTorch: the latents gathered
             through the block table, the decompression GEMM
             (c·[W_UK|W_UV]), k_pe broadcast to the heads and concatenated,
             then scaled_dot_product_attention (its fastest backend, cuDNN's
             on sm_90; the flash backend refuses a value width unlike the
             query width);
  SDPA     : scaled_dot_product_attention alone on ready q, k, v;
  Flex     : FlexAttention (torch.compile'd flex_attention) on the same q,
             k, v with the causal mask as a block mask.

With --ncu the table also has the attention kernel alone (the fastest
variant's prefill_attention launch) and SDPA's time over it: the prefill
issue's "kernel ≥ 0.9× cuDNN" column. `+C` in a shape caches C tokens
before its new ones (chunked prefill); `--shapes issue15` is that issue's
table.

`HxT1/T2/...` is a batch of uneven requests (T1, T2, ... new tokens each,
e.g. 128x4096/512/2048/1024): mla runs it twice, one fused prefill per
request in one call (`/each`) and one varlen fused prefill (`/varlen`:
query_starts, one attention launch for all), the faster the row's; the
kernel column sums a run's attention launches; PyTorch's prefill and SDPA run
request by request; FlexAttention runs once over the packed tokens with a
document mask (its varlen form).

TFLOP/s count the attention's causal FLOPs, 2·B·H·Σ_s(visible keys)·(N+R+V).

Each variant of --block-keys — the attention kernel's key tile, with
`:tma` its TMA loads (else cp.async), with `:producer` warp-specialised
(docs/prefill-kernel.md) — is one mla timing, the best one the row's; --ncu adds each variant's per-kernel device time (Nsight Compute).

Usage: prefill_bench.py --mla-run PATH [--shapes 128x1x4096,128x1x2048+8192,...|issue15] [--cached 0]
                        [--block-keys 128,128:tma,128:producer] [--ncu] [--repeat 20]
                        [--json out.json] [--tuning tuning.json]
"""

import argparse
import dataclasses
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))

from layer_bench import profile  # noqa: E402
from mla.config import MLAConfig  # noqa: E402

PAGE = 64
DEFAULT_SHAPES = "128x1x1024,16x4x512,128x1x4096,128x4x2048,128x1x8192,128x1x16384"
# `--shapes issue15`: the prefill issue's table — heads {16, 128}, batch {1,
# 4}, tokens 512 .. 16384, and chunked prefill (2048 new over 8192 and
# 32768 cached, `+C`).
PRESETS = {"issue15": ",".join(
    [f"128x1x{t}" for t in (512, 1024, 2048, 4096, 8192, 16384)]
    + [f"128x4x{t}" for t in (512, 2048, 4096)]
    + [f"16x1x{t}" for t in (512, 4096, 16384)]
    + [f"16x4x{t}" for t in (512, 2048)]
    + ["128x1x2048+8192", "128x1x2048+32768"]
    + ["128x4096/512/2048/1024", "16x4096/512/2048/1024"])}


def parse_shape(text, cached):
    """'HxBxT', 'HxBxT+C' (C tokens cached before the T new ones of each
    request; else `cached`) or 'HxT1/T2/...' (uneven requests, each with its
    own count) → (heads, [new tokens of each request], cached)."""
    shape, plus, prefix = text.partition("+")
    try:
        fields = shape.split("x")
        if len(fields) == 2 and "/" in fields[1]:
            counts = [int(t) for t in fields[1].split("/")]
        else:
            heads, batch, tokens = (int(x) for x in fields)
            counts = [tokens] * batch
        heads, cached = int(fields[0]), int(prefix) if plus else cached
    except ValueError:
        raise SystemExit(f"bad shape '{text}': heads x batch x new tokens [+ cached], "
                         "or heads x T1/T2/...") from None
    if not counts or min(counts) < 1 or heads < 1 or cached < 0:
        raise SystemExit(f"bad shape '{text}': counts and heads must be positive")
    return heads, counts, cached


def parse_variant(text):
    """'128', '128:tma' or '128:producer' (warp-specialised, TMA), with
    '/each' or '/varlen' for uneven requests → (block_keys, loads,
    producer)."""
    keys, _, form = text.split("/")[0].partition(":")
    if form not in ("", "tma", "producer"):
        raise SystemExit(f"unknown kernel form '{form}' in '{text}' (tma, producer)")
    return int(keys), "async_copy" if not form else "tma", form == "producer"


def groups_of(counts):
    """Requests with equal counts as one fused prefill: [(batch, tokens)] —
    one group for a uniform batch, one per request for uneven ones."""
    if len(set(counts)) == 1:
        return [(len(counts), counts[0])]
    return [(1, t) for t in counts]


def tiling(block_queries, block_keys, loads, producer):
    """The #mla.prefill_tiling of one variant (the prefix never split)."""
    return (f"#mla.prefill_tiling<block_queries = {block_queries}, block_keys = {block_keys}, "
            f"prefix_chunk = 1073741824, loads = {loads}, producer = {str(producer).lower()}>")


def prefill_module(cfg, heads, groups, pages, widths, block_keys, loads="async_copy",
                   producer=False):
    """func @prefill(q_nope, q_pe, W_UK, W_UV, cache, table, lens, then
    q_nope, q_pe, table, lens of each further group) -> (o, ...): one
    mla.fused_prefill per group (batch, tokens) of `groups`, `block_keys`
    keys per attention tile loaded by `loads` (async_copy or tma),
    warp-specialised with `producer`."""
    n, r, v, l = cfg.qk_nope_dim, cfg.qk_rope_dim, cfg.v_head_dim, cfg.kv_lora_rank
    weights = (f"%wuk: tensor<{heads}x{l}x{n}xbf16>, %wuv: tensor<{heads}x{l}x{v}xbf16>, "
               f"%cache: tensor<{pages}x{PAGE}x{l + r}xbf16>")
    params, ops, results, names = [], [], [], []
    for i, ((batch, tokens), width) in enumerate(zip(groups, widths)):
        qn, qpe = f"tensor<{batch}x{tokens}x{heads}x{n}xbf16>", f"tensor<{batch}x{tokens}x{heads}x{r}xbf16>"
        table, lens = f"tensor<{batch}x{width}xi32>", f"tensor<{batch}xi32>"
        result = f"tensor<{batch}x{tokens}x{heads}x{v}xbf16>"
        params.append(f"%qn{i}: {qn}, %qpe{i}: {qpe}" + (f", {weights}" if i == 0 else "")
                      + f", %bt{i}: {table}, %lens{i}: {lens}")
        block_queries = 128 if tokens >= 128 else 64
        ops.append(
            f"  %o{i} = mla.fused_prefill %qn{i}, %qpe{i} weights(%wuk, %wuv) over "
            f"%cache[%bt{i}, %lens{i}] causal\n"
            f"      tiling {tiling(block_queries, block_keys, loads, producer)} "
            f"{{config = #cfg}}\n"
            f"      : ({qn}, {qpe}, tensor<{heads}x{l}x{n}xbf16>, tensor<{heads}x{l}x{v}xbf16>, "
            f"tensor<{pages}x{PAGE}x{l + r}xbf16>, {table}, {lens}) -> {result}\n")
        results.append(result)
        names.append(f"%o{i}")
    return (f"#cfg = {dataclasses.replace(cfg, heads=heads).to_mlir()}\n"
            f"func.func @prefill({', '.join(params)}) -> ({', '.join(results)}) {{\n"
            + "".join(ops)
            + f"  return {', '.join(names)} : {', '.join(results)}\n}}\n")


def table_args(groups):
    """mla-run's argument numbers of each group's (table, lens): 5 and 6 for
    the first group, after its q_nope, q_pe, W_UK, W_UV and cache; then 4
    per further group (q_nope, q_pe, table, lens)."""
    return [(5, 6)] + [(7 + 4 * i + 2, 7 + 4 * i + 3) for i in range(len(groups) - 1)]


def write_inputs(inputs, groups, cached):
    """Each group's block table (its requests' pages, drawn from one
    shuffled pool) and lengths (every request full: `cached` + its new
    tokens) as mla-run's argument files: (pages, [table width],
    [(table, lengths)])."""
    widths = [(cached + tokens + PAGE - 1) // PAGE for _, tokens in groups]
    pages = sum(batch * width for (batch, _), width in zip(groups, widths))
    pool = np.random.default_rng(0).permutation(pages).astype(np.int32)
    tables, start = [], 0
    for ((batch, tokens), width, (t_arg, l_arg)) in zip(groups, widths, table_args(groups)):
        table = pool[start:start + batch * width].reshape(batch, width)
        start += batch * width
        lens = np.full(batch, cached + tokens, dtype=np.int32)
        np.save(inputs / f"arg{t_arg}.npy", table)
        np.save(inputs / f"arg{l_arg}.npy", lens)
        tables.append((table, lens))
    return pages, widths, tables


def varlen_module(cfg, heads, rows, batch, longest, pages, width, block_keys,
                  loads="async_copy", producer=False):
    """func @prefill(q_nope [X, H, N], q_pe, W_UK, W_UV, cache, table, lens,
    query_starts) -> o [X, H, V]: one varlen mla.fused_prefill (every
    request's rows in one attention launch; `longest` the most rows of a
    request)."""
    n, r, v, l = cfg.qk_nope_dim, cfg.qk_rope_dim, cfg.v_head_dim, cfg.kv_lora_rank
    types = [f"tensor<{rows}x{heads}x{n}xbf16>", f"tensor<{rows}x{heads}x{r}xbf16>",
             f"tensor<{heads}x{l}x{n}xbf16>", f"tensor<{heads}x{l}x{v}xbf16>",
             f"tensor<{pages}x{PAGE}x{l + r}xbf16>", f"tensor<{batch}x{width}xi32>",
             f"tensor<{batch}xi32>", f"tensor<{batch + 1}xi32>"]
    result = f"tensor<{rows}x{heads}x{v}xbf16>"
    params = ", ".join(f"%a{i}: {t}" for i, t in enumerate(types))
    # As one fused prefill per request would: 64-row blocks when no request
    # fills 128.
    block_queries = 128 if longest >= 128 else 64
    return (f"#cfg = {dataclasses.replace(cfg, heads=heads).to_mlir()}\n"
            f"func.func @prefill({params}) -> {result} {{\n"
            f"  %o = mla.fused_prefill %a0, %a1 weights(%a2, %a3) over %a4[%a5, %a6] "
            f"query_starts(%a7) causal\n"
            f"      tiling {tiling(block_queries, block_keys, loads, producer)} "
            f"{{config = #cfg}}\n"
            f"      : ({', '.join(types)}) -> {result}\n"
            f"  return %o : {result}\n}}\n")


def write_varlen_inputs(inputs, counts, cached):
    """A varlen call's table (every request's pages, shuffled, rows as wide
    as the longest request's), lengths and query_starts as mla-run's
    arg5..arg7: (pages, table width)."""
    lens = np.array([cached + t for t in counts], dtype=np.int32)
    need = [(k + PAGE - 1) // PAGE for k in lens]
    width, pages = max(need), sum(need)
    pool = np.random.default_rng(0).permutation(pages).astype(np.int32)
    table = np.full((len(counts), width), -1, dtype=np.int32)
    start = 0
    for b, k in enumerate(need):
        table[b, :k] = pool[start:start + k]
        start += k
    np.save(inputs / "arg5.npy", table)
    np.save(inputs / "arg6.npy", lens)
    np.save(inputs / "arg7.npy", np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    return pages, width


def run_mla(mla_run, module, work, repeat, inputs):
    path = work / "prefill.mlir"
    path.write_text(module)
    command = [mla_run, str(path), "--target=cuda", "--random", f"--input-dir={inputs}",
               "--warmup=2", f"--repeat={repeat}"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return None, "over 600 s"
    match = re.search(r"time: median ([0-9.]+) us", result.stdout)
    if result.returncode != 0 or not match:
        return None, (result.stderr.strip() or result.stdout.strip())[-300:]
    return float(match.group(1)), "ok"


def bench_torch(fn, repeat, warm=3):
    import torch
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(stop) * 1e3)
    return float(np.median(times))


def torch_rows(cfg, heads, groups, cached, tables, repeat):
    """PyTorch's whole prefill attention and SDPA alone (group by group),
    FlexAttention (one call: uneven requests packed with a document mask),
    µs."""
    import torch
    import torch.nn.functional as F
    n, r, v, l = cfg.qk_nope_dim, cfg.qk_rope_dim, cfg.v_head_dim, cfg.kv_lora_rank
    bf = torch.bfloat16
    g = torch.Generator(device="cuda").manual_seed(0)
    rnd = lambda *s: torch.randn(*s, generator=g, device="cuda").to(bf)
    w_kv = rnd(l, heads * (n + v)) * l ** -0.5
    cache = rnd(max(int(t.max()) for t, _ in tables) + 1, PAGE, l + r)
    scale = cfg.softmax_scale_effective()
    work = []  # per group: (batch, tokens, keys, q_nope, q_pe, table, mask, q, k, v)
    for (batch, tokens), (table, _) in zip(groups, tables):
        keys = cached + tokens
        q_nope, q_pe = rnd(batch, heads, tokens, n), rnd(batch, heads, tokens, r)
        # New token s sees every cached key and the new ones up to itself.
        mask = (torch.ones(tokens, keys, dtype=torch.bool, device="cuda").tril(cached)
                if cached else None)
        work.append(dict(batch=batch, tokens=tokens, keys=keys, q_nope=q_nope, q_pe=q_pe,
                         table=torch.from_numpy(table).cuda().long(), mask=mask,
                         q=torch.cat([q_nope, q_pe], -1), k=rnd(batch, heads, keys, n + r),
                         v=rnd(batch, heads, keys, v)))

    def attention(q, k, val, mask):
        if mask is None:
            return F.scaled_dot_product_attention(q, k, val, is_causal=True, scale=scale)
        return F.scaled_dot_product_attention(q, k, val, attn_mask=mask, scale=scale)

    def whole():
        for w in work:
            batch, keys = w["batch"], w["keys"]
            c = cache[w["table"]].view(batch, -1, l + r)[:, :keys]
            kv = (c[..., :l] @ w_kv).view(batch, keys, heads, n + v)
            k_nope, val = kv[..., :n], kv[..., n:]
            k_pe = c[..., l:].unsqueeze(2).expand(batch, keys, heads, r)
            k = torch.cat([k_nope, k_pe], -1).transpose(1, 2)
            q = torch.cat([w["q_nope"], w["q_pe"]], -1)
            attention(q, k, val.transpose(1, 2), w["mask"])

    def sdpa():
        for w in work:
            attention(w["q"], w["k"], w["v"], w["mask"])

    out = dict(torch_us=bench_torch(whole, repeat), sdpa_us=bench_torch(sdpa, repeat))
    # FlexAttention (torch.compile) on the same q, k, v: the causal mask
    # (new token s sees cached + s + 1 keys) as a block mask; uneven
    # requests packed into one sequence, a key seen only from its own
    # request (a document mask: FlexAttention's varlen form).
    try:
        from torch.nn.attention.flex_attention import create_block_mask, flex_attention
        flex = torch.compile(flex_attention)
        if len(work) == 1:
            w = work[0]
            block_mask = create_block_mask(lambda b, h, qi, ki: ki <= qi + cached, None, None,
                                           w["tokens"], w["keys"], device="cuda")
            q, k, val = w["q"], w["k"], w["v"]
        else:
            if cached:
                raise ValueError("packed requests with a cached prefix")
            doc = torch.cat([torch.full((w["tokens"],), i, device="cuda")
                             for i, w in enumerate(work)])
            total = int(doc.numel())
            block_mask = create_block_mask(
                lambda b, h, qi, ki: (doc[qi] == doc[ki]) & (ki <= qi), None, None, total, total,
                device="cuda")
            q, k, val = (torch.cat([w[x] for w in work], 2) for x in ("q", "k", "v"))
        out["flex_us"] = bench_torch(lambda: flex(q, k, val, block_mask=block_mask,
                                                  scale=scale), repeat)
    except Exception as error:  # an older torch, or a shape it refuses
        out["flex_status"] = f"{type(error).__name__}: {str(error)[:120]}"
    del work, cache, w_kv
    torch.cuda.empty_cache()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mla-run", required=True)
    parser.add_argument("--config", default=str(ROOT / "examples/configs/deepseek-v3.json"))
    parser.add_argument("--shapes", default=DEFAULT_SHAPES,
                        help="heads x batch x new tokens [+ cached], ..., or a preset: "
                             + ", ".join(PRESETS))
    parser.add_argument("--cached", type=int, default=0, help="tokens cached before the new ones")
    parser.add_argument("--block-keys", default="128:producer",
                        help="key tiles to time, each with :tma (TMA loads) or :producer "
                             "(warp-specialised), e.g. 128,128:tma,128:producer")
    parser.add_argument("--ncu", action="store_true", help="each kernel's time (Nsight Compute)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--skip-torch", action="store_true")
    parser.add_argument("--json")
    parser.add_argument("--tuning", help="write the fastest variant of each shape as a tuning "
                        "file (mla-pipeline tuning-file=, docs/cost-model.md)")
    parser.add_argument("--target", default="h100", help="the tuning file's target")
    args = parser.parse_args()
    cfg = MLAConfig.from_hf(args.config)
    rows = []
    for shape in PRESETS.get(args.shapes, args.shapes).split(","):
        heads, counts, cached = parse_shape(shape, args.cached)
        groups = groups_of(counts)
        row = dict(heads=heads, batch=len(counts), cached=cached,
                   tokens=counts[0] if len(groups) == 1 else None, counts=counts)
        with tempfile.TemporaryDirectory(prefix="mla-prefill-") as folder:
            work = Path(folder)
            inputs = work / "in"
            inputs.mkdir()
            pages, widths, tables = write_inputs(inputs, groups, cached)
            # Uneven requests: one fused prefill per request ("/each", what a
            # varlen block's mixed-count path ran before) and the varlen
            # fused prefill ("/varlen": one attention launch), same rows.
            modules = []
            for variant in args.block_keys.split(","):
                modules.append((variant if len(groups) == 1 else f"{variant}/each", inputs,
                                prefill_module(cfg, heads, groups, pages, widths,
                                               *parse_variant(variant))))
                if len(groups) > 1:
                    varlen_inputs = work / "varlen"
                    varlen_inputs.mkdir(exist_ok=True)
                    varlen_pages, width = write_varlen_inputs(varlen_inputs, counts, cached)
                    modules.append((f"{variant}/varlen", varlen_inputs,
                                    varlen_module(cfg, heads, sum(counts), len(counts),
                                                  max(counts), varlen_pages, width,
                                                  *parse_variant(variant))))
            timings = {}
            for variant, folder_in, module in modules:
                us, status = run_mla(args.mla_run, module, work, args.repeat, folder_in)
                timings[variant] = dict(us=us, status=status)
                if args.ncu and us:
                    kernels = profile(args.mla_run, work / "prefill.mlir", folder_in, ())
                    row.setdefault("kernels_us", {})[variant] = kernels
                    for name, kernel_us in kernels:
                        print(f"  {variant} {name}: {kernel_us:.1f} us", flush=True)
        ok = [(variant, t) for variant, t in timings.items() if t["us"]]
        fastest = min(ok, key=lambda vt: vt[1]["us"], default=None)
        best = fastest[1] if fastest else None
        us, status = (best["us"], best["status"]) if best else (None, next(iter(timings.values()))["status"])
        if fastest:
            row["fastest"] = fastest[0]
        row.update(mla_us=us, status=status, block_keys={k: t["us"] for k, t in timings.items()})
        if not args.skip_torch:
            row.update(torch_rows(cfg, heads, groups, cached, tables, args.repeat))
        visible = sum(cached + s + 1 for t in counts for s in range(t))
        flops = 2.0 * heads * visible * (cfg.qk_nope_dim + cfg.qk_rope_dim + cfg.v_head_dim)
        row["flops"] = flops
        for key in ("mla_us", "torch_us", "sdpa_us", "flex_us"):
            if row.get(key):
                row[key.replace("_us", "_tflops")] = flops / (row[key] * 1e-6) / 1e12
        rows.append(row)
        tiles = ", ".join(f"bk {k}: {t['us'] or float('nan'):.1f}" for k, t in timings.items())
        print(f"prefill {shape} cached {cached}: mla {us or float('nan'):.1f} us ({status}; {tiles}), "
              f"torch {row.get('torch_us', float('nan')):.1f} us, sdpa {row.get('sdpa_us', float('nan')):.1f} us",
              flush=True)
    print("\n| heads × batch × tokens (cached) | mla µs | TFLOP/s | PyTorch prefill µs | PyTorch/mla "
          "| attention kernel µs (ncu) | SDPA alone µs | SDPA/kernel | SDPA TFLOP/s "
          "| FlexAttention µs | Flex TFLOP/s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        mla = f"{r['mla_us']:.1f}" if r["mla_us"] else f"– ({r['status'][:60]})"
        ratio = f"{r['torch_us'] / r['mla_us']:.2f}" if r["mla_us"] and r.get("torch_us") else "–"
        # The fastest variant's prefill_attention launches (one per group of
        # equal counts), as Nsight Compute timed them.
        kernel = sum(us for name, us in r.get("kernels_us", {}).get(r.get("fastest"), [])
                     if name == "prefill_attention") or None
        vs_sdpa = f"{r['sdpa_us'] / kernel:.2f}" if kernel and r.get("sdpa_us") else "–"
        flex = f"{r['flex_us']:.1f}" if r.get("flex_us") else f"– ({r.get('flex_status', '')[:40]})"
        shape = (f"{r['batch']} × {r['tokens']}" if r["tokens"] else
                 "/".join(str(t) for t in r["counts"]))
        print(f"| {r['heads']} × {shape} ({r['cached']}) | {mla} | "
              f"{r.get('mla_tflops', 0):.0f} | {r.get('torch_us', 0):.1f} | {ratio} | "
              f"{f'{kernel:.1f}' if kernel else '–'} | {r.get('sdpa_us', 0):.1f} | {vs_sdpa} | "
              f"{r.get('sdpa_tflops', 0):.0f} | {flex} | {r.get('flex_tflops', 0):.0f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    if args.tuning:
        Path(args.tuning).write_text(json.dumps(tuning_file(rows, args.target), indent=1))


def tuning_file(rows, target):
    """The fastest variant of each measured shape as tuning-file entries
    (mla/Analysis/Tuning.h): the shape's key, the tiling, the time."""
    entries = []
    for r in rows:
        if not r.get("fastest") or not r["tokens"]:  # uneven requests: no one shape
            continue
        block_keys, loads, producer = parse_variant(r["fastest"])
        keys = r["cached"] + r["tokens"]
        entries.append(dict(heads=r["heads"], queries=r["tokens"], batch=r["batch"], cache=keys,
                            dtype="bf16", block_queries=128 if r["tokens"] >= 128 else 64,
                            block_keys=block_keys,
                            prefix_chunk=-(-keys // block_keys) * block_keys,
                            loads=loads, producer=producer, us=r["mla_us"]))
    return {"target": target, "prefill": entries}


if __name__ == "__main__":
    main()
