"""Whole-layer benchmark on the GPU: a DeepSeek-V3 attention layer compiled by mla next to PyTorch.

Two tables from one run on one GPU (device events, median of --repeat calls
after warm-up; the device ceilings — device-to-device copy and a large bf16
GEMM — measured first in the same run):

  gemm  : every GEMM shape of the layer (q down 7168→1536, q up 1536→24576,
          kv down 7168→576, the output projection 16384→7168 and prefill's
          decompression 512→32768) at M tokens, bf16 in, f32 accumulation:
          mla's `mla_gpu.gemm` (an mla.output_proj module of one head, which
          convert-mla-to-gpu makes that GEMM; mla-run times the call) and
          `torch.matmul` on the same [M, K]·[K, N] row-major operands;
  decode: one V3 layer decode step (hidden states → output and the updated
          paged cache; page 64, every request at --seqlen cached tokens
          before the new one) compiled by `mla-opt --mla-pipeline` and
          mla-run's GPU pipeline, next to PyTorch eager (cuBLAS GEMMs, the
          absorbed decode with bmm + softmax over the gathered cache, the
          cache append by index_put) and, with --compile, `torch.compile` of
          that eager layer. Launches: the kernels and library GEMMs of the
          lowered module. Roofline: the layer's weights and the cache read
          once at the measured copy bandwidth.

Usage: layer_bench.py --mla-run PATH [--mla-opt PATH] [--batches 1,64,128]
                      [--gemm-m 1,64,128,4096,16384] [--compile] [--json out.json]
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))

from mla.config import MLAConfig  # noqa: E402
from mla.ir import block_module  # noqa: E402

PAGE = 64
GEMMS = [("q_down", 7168, 1536), ("q_up", 1536, 24576), ("kv_down", 7168, 576),
         ("o_proj", 16384, 7168), ("kv_up", 512, 32768)]


def bench_torch(fn, repeat, warm=5):
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


def bench_graphed(fn, repeat):
    """bench_torch of `fn` captured once as a CUDA graph and replayed (what a
    serving engine runs), or None where capture fails."""
    import torch
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        for _ in range(3):
            fn()
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    try:
        with torch.cuda.graph(graph):
            fn()
    except Exception as error:  # noqa: BLE001 - reported, not fatal
        print(f"CUDA graph capture failed: {str(error)[-200:]}", file=sys.stderr)
        return None
    return bench_torch(graph.replay, repeat)


def ceilings(repeat):
    import torch
    n = 1 << 30
    x = torch.empty(n, dtype=torch.uint8, device="cuda")
    y = torch.empty_like(x)
    copy = 2 * n / (bench_torch(lambda: y.copy_(x), repeat) * 1e-6)
    a = torch.randn(8192, 8192, dtype=torch.bfloat16, device="cuda")
    b = torch.randn_like(a)
    gemm = 2 * 8192 ** 3 / (bench_torch(lambda: a @ b, repeat) * 1e-6)
    return copy, gemm


def run_mla(mla_run, module, work, repeat, inputs=None, rotate=1, timeout=600, graph=False):
    """Median microseconds of mla-run's timed calls of `module`, or an error.
    The cache is updated in place (--in-place), as an engine runs the layer;
    with `graph` each timed call is a replay of the call captured as a CUDA
    graph (mla-run --graph)."""
    path = work / "module.mlir"
    path.write_text(module)
    command = [mla_run, str(path), "--target=cuda", "--random", "--warmup=3",
               f"--repeat={repeat}", f"--rotate={rotate}", "--in-place"]
    if graph:
        command.append("--graph")
    if inputs:
        command.append(f"--input-dir={inputs}")
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"over {timeout} s"
    match = re.search(r"time: median ([0-9.]+) us", result.stdout)
    if result.returncode != 0 or not match:
        return None, (result.stderr.strip() or result.stdout.strip())[-300:]
    return float(match.group(1)), "ok"


def gemm_module(m, k, n):
    """out[1, M, N] = in[1, M, 1, K] · W[K, N]: an output projection of one
    head of width K, which convert-mla-to-gpu makes one mla_gpu.gemm."""
    cfg = (f"#mla.config<heads = 1, hidden = {n}, q_lora_rank = 0, kv_lora_rank = 16, "
           f"qk_nope_dim = 16, qk_rope_dim = 16, v_head_dim = {k}>")
    return (f"#cfg = {cfg}\n"
            f"func.func @gemm(%x: tensor<1x{m}x1x{k}xbf16>, %w: tensor<{k}x{n}xbf16>)\n"
            f"    -> tensor<1x{m}x{n}xbf16> {{\n"
            f"  %o = mla.output_proj %x, %w {{config = #cfg}}\n"
            f"      : (tensor<1x{m}x1x{k}xbf16>, tensor<{k}x{n}xbf16>) -> tensor<1x{m}x{n}xbf16>\n"
            f"  return %o : tensor<1x{m}x{n}xbf16>\n}}\n")


def gemm_rows(args, copy, peak):
    import torch
    rows = []
    for name, k, n in GEMMS:
        for m in args.gemm_m:
            a = torch.randn(m, k, dtype=torch.bfloat16, device="cuda")
            w = torch.randn(k, n, dtype=torch.bfloat16, device="cuda")
            torch_us = bench_torch(lambda: torch.matmul(a, w), args.repeat)
            del a, w
            torch.cuda.empty_cache()
            with tempfile.TemporaryDirectory(prefix="mla-gemm-") as folder:
                us, status = run_mla(args.mla_run, gemm_module(m, k, n), Path(folder),
                                     args.repeat)
                graph_us, _ = run_mla(args.mla_run, gemm_module(m, k, n), Path(folder),
                                      args.repeat, graph=True)
            flops = 2.0 * m * n * k
            weight_bytes = 2.0 * k * n
            row = dict(name=name, m=m, k=k, n=n, torch_us=torch_us, mla_us=us, status=status,
                       mla_graph_us=graph_us)
            if us:
                row.update(ratio=torch_us / us, tflops=flops / (us * 1e-6) / 1e12,
                           weight_gbs=weight_bytes / (us * 1e-6) / 1e9)
            rows.append(row)
            print(f"gemm {name:8s} M={m:6d}: mla {us or float('nan'):9.1f} us "
                  f"(graphed {graph_us or float('nan'):9.1f} us), "
                  f"torch {torch_us:9.1f} us  {status if status != 'ok' else ''}", flush=True)
    return rows


class Layer:
    """The V3 layer decode step in PyTorch eager, bf16, over the same paged cache layout."""

    def __init__(self, cfg, batch, seqlen, seed=0):
        import torch
        g = torch.Generator(device="cuda").manual_seed(seed)
        bf = torch.bfloat16
        rnd = lambda *s, scale=1.0: (torch.randn(*s, generator=g, device="cuda") * scale).to(bf)
        h, d, q = cfg.heads, cfg.hidden, cfg.q_lora_rank
        l, n, r, v = cfg.kv_lora_rank, cfg.qk_nope_dim, cfg.qk_rope_dim, cfg.v_head_dim
        self.cfg, self.batch, self.seqlen = cfg, batch, seqlen
        self.hidden = rnd(batch, 1, d)
        self.w_dq = rnd(d, q, scale=d ** -0.5)
        self.q_norm = torch.ones(q, device="cuda", dtype=bf)
        self.w_uq = rnd(q, h * (n + r), scale=q ** -0.5)
        self.w_dkv = rnd(d, l + r, scale=d ** -0.5)
        self.kv_norm = torch.ones(l, device="cuda", dtype=bf)
        self.w_uk = rnd(h, l, n, scale=l ** -0.5)
        self.w_uv = rnd(h, l, v, scale=l ** -0.5)
        self.w_o = rnd(h * v, d, scale=(h * v) ** -0.5)
        pages_per_request = (seqlen + 1 + PAGE - 1) // PAGE
        self.cache = rnd(batch * pages_per_request, PAGE, l + r)
        self.table = torch.randperm(batch * pages_per_request, device="cuda",
                                    generator=g).view(batch, pages_per_request).int()
        self.lens = torch.full((batch,), seqlen + 1, device="cuda", dtype=torch.int32)
        self.positions = (self.lens - 1).view(batch, 1)
        self.inv_freq = torch.tensor(cfg.rope_inverse_frequencies(), device="cuda")
        self.scale = cfg.softmax_scale_effective()

    def rope(self, x, pos):
        # Interleaved pairs (x0, x1), (x2, x3), ... (DeepSeek's GPT-J style).
        import torch
        angles = pos.float()[..., None] * self.inv_freq
        cos, sin = torch.cos(angles), torch.sin(angles)
        while cos.dim() < x.dim():
            cos, sin = cos.unsqueeze(-2), sin.unsqueeze(-2)
        x = x.float()
        even, odd = x[..., 0::2], x[..., 1::2]
        return torch.stack([even * cos - odd * sin, even * sin + odd * cos], -1).flatten(-2)

    @staticmethod
    def rms(x, w, eps=1e-6):
        import torch
        x = x.float()
        return (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w.float())

    def step(self):
        import torch
        cfg, b = self.cfg, self.batch
        h, l, n, r = cfg.heads, cfg.kv_lora_rank, cfg.qk_nope_dim, cfg.qk_rope_dim
        x = self.hidden.view(b, -1)
        c_q = self.rms(x @ self.w_dq, self.q_norm).to(torch.bfloat16)
        q = (c_q @ self.w_uq).view(b, h, n + r)
        q_nope, q_pe = q[..., :n], self.rope(q[..., n:], self.positions).to(torch.bfloat16)
        kv = x @ self.w_dkv
        c_kv = self.rms(kv[:, :l], self.kv_norm).to(torch.bfloat16)
        k_pe = self.rope(kv[:, l:], self.positions.view(b)).to(torch.bfloat16)
        pos = self.lens - 1
        page = self.table[torch.arange(b, device="cuda"), pos // PAGE]
        self.cache[page.long(), (pos % PAGE).long()] = torch.cat([c_kv, k_pe], -1)
        latent = self.cache[self.table.long()].view(b, -1, l + r)[:, :self.seqlen + 1]
        q_lat = torch.einsum("bhn,hln->bhl", q_nope, self.w_uk)
        query = torch.cat([q_lat, q_pe], -1)
        scores = torch.matmul(query, latent.transpose(1, 2)).float() * self.scale
        p = torch.softmax(scores, -1).to(torch.bfloat16)
        o_lat = torch.matmul(p, latent[..., :l])
        o = torch.einsum("bhl,hlv->bhv", o_lat, self.w_uv)
        return o.reshape(b, -1) @ self.w_o


class PrefillLayer(Layer):
    """The V3 layer over `tokens` new tokens per request after `cached` ones,
    in PyTorch eager: cuBLAS GEMMs, the cache append by index_put, the
    latents gathered and decompressed (c·[W_UK|W_UV]), SDPA (causal; with a
    cached prefix an explicit mask)."""

    def __init__(self, cfg, batch, tokens, cached, seed=0):
        import torch
        super().__init__(cfg, batch, cached + tokens - 1, seed)
        g = torch.Generator(device="cuda").manual_seed(seed + 1)
        self.tokens, self.cached = tokens, cached
        self.hidden = torch.randn(batch, tokens, cfg.hidden, generator=g,
                                  device="cuda").to(torch.bfloat16)
        self.lens = torch.full((batch,), cached + tokens, device="cuda", dtype=torch.int32)
        self.positions = (cached + torch.arange(tokens, device="cuda")).expand(batch, tokens)
        l, n, v, h = cfg.kv_lora_rank, cfg.qk_nope_dim, cfg.v_head_dim, cfg.heads
        # [L, H·(N+V)]: W_UK and W_UV of each head side by side.
        self.w_kv = torch.cat([self.w_uk, self.w_uv], -1).permute(1, 0, 2).reshape(l, h * (n + v))
        self.mask = None
        if cached:
            self.mask = torch.ones(tokens, cached + tokens, dtype=torch.bool,
                                   device="cuda").tril(cached)

    def step(self):
        import torch
        import torch.nn.functional as F
        cfg, b, s = self.cfg, self.batch, self.tokens
        h, l, n, r, v = (cfg.heads, cfg.kv_lora_rank, cfg.qk_nope_dim, cfg.qk_rope_dim,
                         cfg.v_head_dim)
        keys = self.cached + s
        x = self.hidden.view(b * s, -1)
        c_q = self.rms(x @ self.w_dq, self.q_norm).to(torch.bfloat16)
        q = (c_q @ self.w_uq).view(b, s, h, n + r)
        q_pe = self.rope(q[..., n:], self.positions).to(torch.bfloat16)
        kv = (x @ self.w_dkv).view(b, s, l + r)
        c_kv = self.rms(kv[..., :l], self.kv_norm).to(torch.bfloat16)
        k_pe = self.rope(kv[..., l:], self.positions).to(torch.bfloat16)
        pos = self.positions
        rows = torch.arange(b, device="cuda")[:, None]
        page = self.table[rows, pos // PAGE]
        self.cache[page.long(), (pos % PAGE).long()] = torch.cat([c_kv, k_pe], -1)
        c = self.cache[self.table.long()].view(b, -1, l + r)[:, :keys]
        kv_up = (c[..., :l] @ self.w_kv).view(b, keys, h, n + v)
        k = torch.cat([kv_up[..., :n], c[..., l:].unsqueeze(2).expand(b, keys, h, r)], -1)
        query = torch.cat([q[..., :n], q_pe], -1).transpose(1, 2)
        if self.mask is None:
            o = F.scaled_dot_product_attention(query, k.transpose(1, 2),
                                               kv_up[..., n:].transpose(1, 2),
                                               is_causal=True, scale=self.scale)
        else:
            o = F.scaled_dot_product_attention(query, k.transpose(1, 2),
                                               kv_up[..., n:].transpose(1, 2),
                                               attn_mask=self.mask, scale=self.scale)
        return o.transpose(1, 2).reshape(b * s, -1) @ self.w_o


def prefill_rows(args, cfg, peak):
    """The layer's prefill steps: mla (mla-pipeline, in place) and PyTorch
    eager, µs; the roofline is the FLOPs at the measured GEMM rate."""
    import torch
    rows = []
    for shape in args.prefill.split(","):
        if not shape:
            continue
        batch, tokens, cached = (int(x) for x in shape.split("x"))
        keys = cached + tokens
        width = (keys + PAGE - 1) // PAGE
        pages = batch * width
        row = dict(batch=batch, tokens=tokens, cached=cached)
        module = block_module(cfg, batch, tokens, PAGE, pages, width, dtype="bf16")
        with tempfile.TemporaryDirectory(prefix="mla-layer-") as folder:
            work = Path(folder)
            (work / "block.mlir").write_text(module)
            fused = subprocess.run([args.mla_opt, str(work / "block.mlir"), "--mla-pipeline"],
                                   capture_output=True, text=True)
            if fused.returncode != 0:
                row.update(status="mla-opt: " + fused.stderr.strip()[-300:])
                rows.append(row)
                continue
            kernels, gemms = launches(args.mla_opt, fused.stdout, work)
            inputs = work / "in"
            inputs.mkdir()
            lens = np.full(batch, keys, dtype=np.int32)
            table = np.random.default_rng(0).permutation(pages).reshape(batch, width)
            positions = (cached + np.arange(tokens))[None].repeat(batch, 0)
            np.save(inputs / "arg1.npy", positions.astype(np.int32))
            np.save(inputs / "arg11.npy", table.astype(np.int32))
            np.save(inputs / "arg12.npy", lens)
            us, status = run_mla(args.mla_run, fused.stdout, work, max(3, args.repeat // 4), inputs)
        layer = PrefillLayer(cfg, batch, tokens, cached)
        eager = bench_torch(layer.step, max(3, args.repeat // 4), warm=2)
        h, n, r, v = cfg.heads, cfg.qk_nope_dim, cfg.qk_rope_dim, cfg.v_head_dim
        visible = sum(min(keys, cached + s + 1) for s in range(tokens))
        flops = (2.0 * batch * tokens * weight_bytes(cfg) / 2
                 - 2.0 * batch * tokens * h * cfg.kv_lora_rank * (n + v)  # no absorbed products
                 + 2.0 * batch * keys * cfg.kv_lora_rank * h * (n + v)  # decompression
                 + 2.0 * batch * h * visible * (n + r + v))
        row.update(mla_us=us, status=status, eager_us=eager, kernels=kernels,
                   library_gemms=gemms, roofline_us=flops / peak * 1e6)
        rows.append(row)
        del layer
        torch.cuda.empty_cache()
        print(f"prefill b{batch} s{tokens} cached {cached}: mla {us or float('nan'):.1f} us "
              f"({status}), eager {eager:.1f} us", flush=True)
    return rows


def weight_bytes(cfg):
    h, d, q = cfg.heads, cfg.hidden, cfg.q_lora_rank
    l, n, r, v = cfg.kv_lora_rank, cfg.qk_nope_dim, cfg.qk_rope_dim, cfg.v_head_dim
    return 2 * (d * q + q * h * (n + r) + d * (l + r) + h * l * n + h * l * v + h * v * d)


def launches(mla_opt, fused, work):
    """Kernels and library GEMMs per call of the lowered module."""
    (work / "fused.mlir").write_text(fused)
    lowered = subprocess.run([mla_opt, str(work / "fused.mlir"), "--mla-gpu-pipeline"],
                             capture_output=True, text=True)
    if lowered.returncode != 0:
        return None, None
    # Host code keeps gpu.launch_func (the offloading translation makes it
    # the runtime's mgpuLaunchKernel call when the module becomes LLVM IR).
    return (lowered.stdout.count("gpu.launch_func"),
            lowered.stdout.count("llvm.call @mgpuMatmul"))


def profile(mla_run, module, inputs, flags=("--in-place",)):
    """Each kernel's device time in one mla-run call of `module` (after a
    warm-up call), by Nsight Compute: [(name, microseconds)] in launch
    order. Clocks are left as the driver sets them (`--clock-control
    none`): ncu's default locks them at base, which made a kernel look ~10 %
    slower than the same kernel timed by events next to it (PyTorch's)."""
    command = ["ncu", "--clock-control", "none", "--metrics", "gpu__time_duration.sum", "--csv",
               "--launch-skip-before-match",
               "0", mla_run, str(module), "--target=cuda", "--random",
               f"--input-dir={inputs}", "--warmup=1", "--repeat=1", *flags]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except (subprocess.TimeoutExpired, FileNotFoundError) as error:
        return [("ncu failed", str(error)[-200:])]
    rows = []
    for line in result.stdout.splitlines():
        fields = [f.strip('"') for f in line.split('","')]
        if len(fields) > 14 and fields[-3] == "gpu__time_duration.sum":
            value = float(fields[-1].replace(",", ""))
            unit = fields[-2]
            scale = {"nsecond": 1e-3, "ns": 1e-3, "usecond": 1.0, "us": 1.0,
                     "msecond": 1e3, "ms": 1e3}.get(unit)
            if scale is None:
                return [("ncu: unknown unit", unit)]
            rows.append((fields[4][:90], value * scale))
    # The second call's kernels (the first is the warm-up).
    return rows[len(rows) // 2:] if rows else [("ncu", result.stderr[-300:])]


def decode_rows(args, cfg, copy):
    import torch
    rows = []
    for batch in args.batches:
        pages_per_request = (args.seqlen + 1 + PAGE - 1) // PAGE
        pages = batch * pages_per_request
        module = block_module(cfg, batch, 1, PAGE, pages, pages_per_request, dtype="bf16",
                              phase="decode")
        row = dict(batch=batch, seqlen=args.seqlen)
        with tempfile.TemporaryDirectory(prefix="mla-layer-") as folder:
            work = Path(folder)
            (work / "block.mlir").write_text(module)
            fused = subprocess.run([args.mla_opt, str(work / "block.mlir"), "--mla-pipeline"],
                                   capture_output=True, text=True)
            if fused.returncode != 0:
                row.update(status="mla-opt: " + fused.stderr.strip()[-300:])
                rows.append(row)
                continue
            kernels, gemms = launches(args.mla_opt, fused.stdout, work)
            inputs = work / "in"
            inputs.mkdir()
            lens = np.full(batch, args.seqlen + 1, dtype=np.int32)
            table = np.random.default_rng(0).permutation(pages).reshape(batch, pages_per_request)
            # Argument order: hidden, positions, w_dq, q_norm, w_uq, w_dkv, kv_norm, w_uk,
            # w_uv, w_o, cache, block_table, seq_lens.
            np.save(inputs / "arg1.npy", (lens - 1).reshape(batch, 1).astype(np.int32))
            np.save(inputs / "arg11.npy", table.astype(np.int32))
            np.save(inputs / "arg12.npy", lens)
            us, status = run_mla(args.mla_run, fused.stdout, work, args.repeat, inputs)
            graph_us, graph_status = run_mla(args.mla_run, fused.stdout, work, args.repeat,
                                             inputs, graph=True)
            row.update(mla_graph_us=graph_us, graph_status=graph_status)
            if args.ncu and batch == args.ncu_batch:
                row["kernels_us"] = profile(args.mla_run, work / "module.mlir", inputs)
        layer = Layer(cfg, batch, args.seqlen)
        eager = bench_torch(layer.step, args.repeat)
        row["eager_graph_us"] = bench_graphed(layer.step, args.repeat)
        row.update(mla_us=us, status=status, eager_us=eager, kernels=kernels,
                   library_gemms=gemms)
        if args.compile:
            try:
                compiled = torch.compile(layer.step)
                row["compiled_us"] = bench_torch(compiled, args.repeat, warm=10)
            except Exception as error:  # noqa: BLE001 - reported, not fatal
                row["compiled_status"] = str(error)[-200:]
        moved = weight_bytes(cfg) + batch * (args.seqlen + 1) * (cfg.kv_lora_rank + cfg.qk_rope_dim) * 2
        row["roofline_us"] = moved / copy * 1e6
        if us:
            row["roofline_fraction"] = row["roofline_us"] / us
        rows.append(row)
        del layer
        torch.cuda.empty_cache()
        print(f"decode b{batch}: mla {us or float('nan'):.1f} us ({status}), graphed "
              f"{graph_us or float('nan'):.1f} us ({graph_status}), eager {eager:.1f} us, "
              f"eager graphed {row['eager_graph_us'] or float('nan'):.1f} us", flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mla-run", required=True)
    parser.add_argument("--mla-opt", help="default: beside mla-run")
    parser.add_argument("--config", default=str(ROOT / "examples/configs/deepseek-v3.json"))
    parser.add_argument("--batches", default="1,64,128")
    parser.add_argument("--seqlen", type=int, default=4096)
    parser.add_argument("--gemm-m", default="1,64,128,4096,16384")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--compile", action="store_true", help="also torch.compile the eager layer")
    parser.add_argument("--prefill", default="1x4096x0,4x2048x0,1x2048x8192",
                        help="prefill steps: batch x new tokens x cached tokens, ...")
    parser.add_argument("--skip", default="", help="comma-separated: gemm, decode, prefill")
    parser.add_argument("--ncu", action="store_true",
                        help="also profile one decode step per kernel with Nsight Compute")
    parser.add_argument("--ncu-batch", type=int, default=64)
    parser.add_argument("--json")
    parser.add_argument("--plot", help="a PNG of the decode steps (needs matplotlib)")
    args = parser.parse_args()
    args.mla_opt = args.mla_opt or str(Path(args.mla_run).with_name("mla-opt"))
    args.batches = [int(b) for b in args.batches.split(",") if b]
    args.gemm_m = [int(m) for m in args.gemm_m.split(",") if m]
    skip = set(args.skip.split(","))
    cfg = MLAConfig.from_hf(args.config)

    copy, peak = ceilings(args.repeat)
    print(f"ceilings: copy {copy / 1e9:.0f} GB/s, bf16 GEMM {peak / 1e12:.0f} TFLOP/s", flush=True)
    gemm = [] if "gemm" in skip else gemm_rows(args, copy, peak)
    decode = [] if "decode" in skip else decode_rows(args, cfg, copy)
    prefill = [] if "prefill" in skip else prefill_rows(args, cfg, peak)

    print("\n| GEMM | M | mla µs | mla graphed µs | torch.matmul µs | torch/mla | mla TFLOP/s "
          "| weights GB/s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in gemm:
        if r["mla_us"]:
            graphed = f"{r['mla_graph_us']:.1f}" if r.get("mla_graph_us") else "–"
            print(f"| {r['name']} {r['k']}→{r['n']} | {r['m']} | {r['mla_us']:.1f} | {graphed} | "
                  f"{r['torch_us']:.1f} | {r['ratio']:.2f} | {r['tflops']:.0f} | {r['weight_gbs']:.0f} |")
        else:
            print(f"| {r['name']} | {r['m']} | – ({r['status'][:60]}) | | {r['torch_us']:.1f} | | | |")
    print("\n| decode step | mla µs | mla graphed µs | eager µs | eager graphed µs | compiled µs "
          "| roofline µs | % roofline (graphed) | kernels + GEMMs |")
    print("|---|---|---|---|---|---|---|---|---|")
    number = lambda r, key: f"{r[key]:.1f}" if r.get(key) else "–"
    for r in decode:
        mla = number(r, "mla_us") if r.get("mla_us") else f"– ({r['status'][:80]})"
        graphed = (number(r, "mla_graph_us") if r.get("mla_graph_us")
                   else f"– ({r.get('graph_status', '')[:80]})")
        best = r.get("mla_graph_us") or r.get("mla_us")
        frac = f"{100 * r['roofline_us'] / best:.0f}" if best else "–"
        print(f"| b{r['batch']} s{r['seqlen']} | {mla} | {graphed} | {number(r, 'eager_us')} | "
              f"{number(r, 'eager_graph_us')} | {number(r, 'compiled_us')} | "
              f"{r.get('roofline_us', 0):.0f} | {frac} | {r.get('kernels')} + {r.get('library_gemms')} |")
    print("\n| prefill step | mla µs | eager µs | eager/mla | FLOP roofline µs | kernels + GEMMs |")
    print("|---|---|---|---|---|---|")
    for r in prefill:
        mla = f"{r['mla_us']:.1f}" if r.get("mla_us") else f"– ({r.get('status', '')[:80]})"
        ratio = f"{r['eager_us'] / r['mla_us']:.2f}" if r.get("mla_us") else "–"
        print(f"| b{r['batch']} × {r['tokens']} new, {r['cached']} cached | {mla} | "
              f"{r.get('eager_us', 0):.1f} | {ratio} | {r.get('roofline_us', 0):.0f} | "
              f"{r.get('kernels')} + {r.get('library_gemms')} |")
    for r in decode:
        if r.get("kernels_us"):
            print(f"\nkernels of one decode step, batch {r['batch']} (Nsight Compute, µs):")
            for name, value in r["kernels_us"]:
                print(f"  {value:9.1f}  {name}" if isinstance(value, float) else f"  {name}: {value}")
    if args.json:
        Path(args.json).write_text(json.dumps(dict(copy_bytes_per_s=copy, gemm_flops=peak,
                                                   gemm=gemm, decode=decode, prefill=prefill),
                                              indent=1))
    if args.plot:
        plot(decode, args.plot)


def plot(decode, path):
    """The decode steps: mla, PyTorch eager (and compiled), the roofline."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no matplotlib: no plot", file=sys.stderr)
        return
    series = [("mla", "mla_us"), ("mla, CUDA graph", "mla_graph_us"),
              ("PyTorch eager", "eager_us"), ("eager, CUDA graph", "eager_graph_us"),
              ("torch.compile", "compiled_us"), ("roofline", "roofline_us")]
    fig, ax = plt.subplots(figsize=(6, 4))
    width = 0.8 / len(series)
    for i, (label, key) in enumerate(series):
        xs = [j + i * width for j, r in enumerate(decode) if r.get(key)]
        ys = [r[key] for r in decode if r.get(key)]
        if ys:
            ax.bar(xs, ys, width, label=label)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(decode))])
    ax.set_xticklabels([f"batch {r['batch']}" for r in decode])
    ax.set_ylabel("µs per decode step (V3 layer, 4096 cached)")
    ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
