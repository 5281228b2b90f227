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

TFLOP/s count the attention's causal FLOPs, 2·B·H·Σ_s(visible keys)·(N+R+V).

Each variant of --block-keys — the attention kernel's key tile, with
`:tma` its TMA loads (else cp.async), with `:producer` warp-specialised
(docs/prefill-kernel.md) — is one mla timing, the best one the row's; --ncu adds each variant's per-kernel device time (Nsight Compute).

Usage: prefill_bench.py --mla-run PATH [--shapes 128x1x4096,128x1x2048+8192,...|issue15] [--cached 0]
                        [--block-keys 128,128:tma,128:producer] [--ncu] [--repeat 20]
                        [--json out.json] [--tuning tuning.json]
"""

import argparse
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
    + ["128x1x2048+8192", "128x1x2048+32768"])}


def parse_shape(text, cached):
    """'HxBxT' or 'HxBxT+C' (C tokens cached before the T new ones; else
    `cached`) → (heads, batch, tokens, cached)."""
    shape, plus, prefix = text.partition("+")
    try:
        heads, batch, tokens = (int(x) for x in shape.split("x"))
        return heads, batch, tokens, int(prefix) if plus else cached
    except ValueError:
        raise SystemExit(f"bad shape '{text}': heads x batch x new tokens [+ cached]") from None


def parse_variant(text):
    """'128', '128:tma' or '128:producer' (warp-specialised, TMA) →
    (block_keys, loads, producer)."""
    keys, _, form = text.partition(":")
    if form not in ("", "tma", "producer"):
        raise SystemExit(f"unknown kernel form '{form}' in '{text}' (tma, producer)")
    return int(keys), "async_copy" if not form else "tma", form == "producer"


def prefill_module(cfg, heads, batch, tokens, pages, width, block_keys, loads="async_copy",
                   producer=False):
    """func @prefill(q_nope, q_pe, W_UK, W_UV, cache, table, lens) -> o:
    one mla.fused_prefill, `block_keys` keys per attention tile loaded by
    `loads` (async_copy or tma), warp-specialised with `producer`."""
    n, r, v, l = cfg.qk_nope_dim, cfg.qk_rope_dim, cfg.v_head_dim, cfg.kv_lora_rank
    config = (f"#mla.config<heads = {heads}, hidden = {cfg.hidden}, q_lora_rank = "
              f"{cfg.q_lora_rank}, kv_lora_rank = {l}, qk_nope_dim = {n}, qk_rope_dim = {r}, "
              f"v_head_dim = {v}>")
    block_queries = 128 if tokens >= 128 else 64
    types = (f"tensor<{batch}x{tokens}x{heads}x{n}xbf16>, tensor<{batch}x{tokens}x{heads}x{r}xbf16>, "
             f"tensor<{heads}x{l}x{n}xbf16>, tensor<{heads}x{l}x{v}xbf16>, "
             f"tensor<{pages}x{PAGE}x{l + r}xbf16>, tensor<{batch}x{width}xi32>, "
             f"tensor<{batch}xi32>")
    result = f"tensor<{batch}x{tokens}x{heads}x{v}xbf16>"
    return (f"#cfg = {config}\n"
            f"func.func @prefill(%qn: tensor<{batch}x{tokens}x{heads}x{n}xbf16>, "
            f"%qpe: tensor<{batch}x{tokens}x{heads}x{r}xbf16>, %wuk: tensor<{heads}x{l}x{n}xbf16>, "
            f"%wuv: tensor<{heads}x{l}x{v}xbf16>, %cache: tensor<{pages}x{PAGE}x{l + r}xbf16>, "
            f"%bt: tensor<{batch}x{width}xi32>, %lens: tensor<{batch}xi32>) -> {result} {{\n"
            f"  %o = mla.fused_prefill %qn, %qpe weights(%wuk, %wuv) over %cache[%bt, %lens] causal\n"
            f"      tiling #mla.prefill_tiling<block_queries = {block_queries}, block_keys = {block_keys}, "
            f"prefix_chunk = 1073741824, loads = {loads}, producer = {str(producer).lower()}> "
            f"{{config = #cfg}}\n"
            f"      : ({types}) -> {result}\n"
            f"  return %o : {result}\n}}\n")


def write_inputs(inputs, batch, keys):
    """The block table (every request's pages, shuffled) and lengths (every
    request full, `keys` tokens) as mla-run's arg5/arg6: (pages, table
    width, table, lengths)."""
    width = (keys + PAGE - 1) // PAGE
    pages = batch * width
    table = np.random.default_rng(0).permutation(pages).reshape(batch, width).astype(np.int32)
    lens = np.full(batch, keys, dtype=np.int32)
    np.save(inputs / "arg5.npy", table)
    np.save(inputs / "arg6.npy", lens)
    return pages, width, table, lens


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


def torch_rows(cfg, heads, batch, tokens, cached, table, lens, repeat):
    """PyTorch's whole prefill attention and SDPA alone, µs."""
    import torch
    import torch.nn.functional as F
    n, r, v, l = cfg.qk_nope_dim, cfg.qk_rope_dim, cfg.v_head_dim, cfg.kv_lora_rank
    keys = cached + tokens
    bf = torch.bfloat16
    g = torch.Generator(device="cuda").manual_seed(0)
    rnd = lambda *s: torch.randn(*s, generator=g, device="cuda").to(bf)
    q_nope, q_pe = rnd(batch, heads, tokens, n), rnd(batch, heads, tokens, r)
    w_kv = rnd(l, heads * (n + v)) * l ** -0.5
    cache = rnd(int(table.max()) + 1, PAGE, l + r)
    table_t = torch.from_numpy(table).cuda().long()
    scale = cfg.softmax_scale_effective()
    mask = None
    if cached:
        # New token s sees every cached key and the new ones up to itself.
        mask = torch.ones(tokens, keys, dtype=torch.bool, device="cuda").tril(cached)

    def attention(q, k, val):
        if mask is None:
            return F.scaled_dot_product_attention(q, k, val, is_causal=True, scale=scale)
        return F.scaled_dot_product_attention(q, k, val, attn_mask=mask, scale=scale)

    def whole():
        c = cache[table_t].view(batch, -1, l + r)[:, :keys]
        kv = (c[..., :l] @ w_kv).view(batch, keys, heads, n + v)
        k_nope, val = kv[..., :n], kv[..., n:]
        k_pe = c[..., l:].unsqueeze(2).expand(batch, keys, heads, r)
        k = torch.cat([k_nope, k_pe], -1).transpose(1, 2)
        q = torch.cat([q_nope, q_pe], -1)
        return attention(q, k, val.transpose(1, 2))

    q = torch.cat([q_nope, q_pe], -1)
    k = rnd(batch, heads, keys, n + r)
    val = rnd(batch, heads, keys, v)
    out = dict(torch_us=bench_torch(whole, repeat),
               sdpa_us=bench_torch(lambda: attention(q, k, val), repeat))
    # FlexAttention (torch.compile) on the same q, k, v: the causal mask
    # (new token s sees cached + s + 1 keys) as a block mask.
    try:
        from torch.nn.attention.flex_attention import create_block_mask, flex_attention
        block_mask = create_block_mask(lambda b, h, qi, ki: ki <= qi + cached, None, None,
                                       tokens, keys, device="cuda")
        flex = torch.compile(flex_attention)
        out["flex_us"] = bench_torch(lambda: flex(q, k, val, block_mask=block_mask,
                                                  scale=scale), repeat)
    except Exception as error:  # an older torch, or a shape it refuses
        out["flex_status"] = f"{type(error).__name__}: {str(error)[:120]}"
    del q, k, val, cache, w_kv, q_nope, q_pe
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
        heads, batch, tokens, cached = parse_shape(shape, args.cached)
        keys = cached + tokens
        row = dict(heads=heads, batch=batch, tokens=tokens, cached=cached)
        with tempfile.TemporaryDirectory(prefix="mla-prefill-") as folder:
            work = Path(folder)
            inputs = work / "in"
            inputs.mkdir()
            pages, width, table, lens = write_inputs(inputs, batch, keys)
            timings = {}
            for variant in args.block_keys.split(","):
                module = prefill_module(cfg, heads, batch, tokens, pages, width,
                                        *parse_variant(variant))
                us, status = run_mla(args.mla_run, module, work, args.repeat, inputs)
                timings[variant] = dict(us=us, status=status)
                if args.ncu and us:
                    kernels = profile(args.mla_run, work / "prefill.mlir", inputs, ())
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
            row.update(torch_rows(cfg, heads, batch, tokens, cached, table, lens, args.repeat))
        visible = sum(min(keys, cached + s + 1) for s in range(tokens))
        flops = 2.0 * batch * heads * visible * (cfg.qk_nope_dim + cfg.qk_rope_dim + cfg.v_head_dim)
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
        # The fastest variant's prefill_attention launch, as Nsight Compute timed it.
        kernel = next((us for name, us in r.get("kernels_us", {}).get(r.get("fastest"), [])
                       if name == "prefill_attention"), None)
        vs_sdpa = f"{r['sdpa_us'] / kernel:.2f}" if kernel and r.get("sdpa_us") else "–"
        flex = f"{r['flex_us']:.1f}" if r.get("flex_us") else f"– ({r.get('flex_status', '')[:40]})"
        print(f"| {r['heads']} × {r['batch']} × {r['tokens']} ({r['cached']}) | {mla} | "
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
        if not r.get("fastest"):
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
