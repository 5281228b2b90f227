# The varlen mla.fused_prefill (queries of every request packed [X, H, ·],
# request b's rows query_starts[b] .. query_starts[b + 1]) against the
# float64 reference of python/mla/reference.py, request by request:
#
#   o[rows of b] = decompressed_attention(q_nope[rows], q_pe[rows],
#       decompress key(c_b, W_UK), k_pe_b, decompress value(c_b, W_UV),
#       lens[b], causal)   with c_b, k_pe_b = cache_gather(cache[table[b], lens[b]])
#
# Uneven counts with a request of none and one of a single row, uneven
# cached prefixes (one empty), a shuffled block table, NaN in every unused
# cache slot; causal and not. Then every bad query_starts (and a length
# below its request's rows) must stop mla-run with its message and exit 1.
#
# usage: prefill-varlen.py MLA_RUN CONFIG TARGET DTYPE TILING COUNTS...
#   COUNTS: one case each, "n0,n1,...:p0,p1,..." (new tokens and cached
#   prefix of each request); the GPU folder runs it with --target=cuda and
#   the kernel's tilings.
#
# RUN: %python %s mla-run %S/Inputs/small-yarn.json cpu f32 \
# RUN:   "block_queries = 64, block_keys = 16, prefix_chunk = 8" \
# RUN:   5,0,1,9:3,7,0,12 4,4:0,6 | FileCheck %s
# RUN: %python %s mla-run %S/Inputs/small-lite.json cpu bf16 \
# RUN:   "block_queries = 64, block_keys = 16, prefix_chunk = 5" \
# RUN:   0,3,17:4,0,2 | FileCheck %s --check-prefix=LITE
#
# CHECK: counts 5,0,1,9 prefixes 3,7,0,12 causal: PASS
# CHECK: counts 5,0,1,9 prefixes 3,7,0,12 not causal: PASS
# CHECK: counts 4,4 prefixes 0,6 causal: PASS
# CHECK: counts 4,4 prefixes 0,6 not causal: PASS
# CHECK: bad query_starts[0]: refused
# CHECK: decreasing query_starts: refused
# CHECK: query_starts past the rows: refused
# CHECK: query_starts[batch] short of the rows: refused
# CHECK: length below the new tokens: refused
# CHECK: all passed
# LITE: counts 0,3,17 prefixes 4,0,2 causal: PASS
# LITE: all passed

import subprocess
import sys
import tempfile
from pathlib import Path

import ml_dtypes
import numpy as np

from mla import reference
from mla.check import relative_error
from mla.config import MLAConfig
from mla.inputs import load_npy, paged_cache, save_npy

MLA_RUN, CONFIG, TARGET, DTYPE, TILING = sys.argv[1:6]
CASES = sys.argv[6:]
cfg = MLAConfig.from_hf(CONFIG)
dtype = ml_dtypes.bfloat16 if DTYPE == "bf16" else np.float32
tolerance = 2e-2 if DTYPE == "bf16" else 1e-5
h, n, r, v, l = cfg.heads, cfg.qk_nope_dim, cfg.qk_rope_dim, cfg.v_head_dim, cfg.kv_lora_rank
PAGE = 16 if TARGET == "cpu" else 64


def tensor(shape, element):
    return "tensor<" + "x".join(str(d) for d in shape) + "x" + element + ">"


def module(rows, batch, max_pages, pages, causal):
    """func @prefill(q_nope [X, H, N], q_pe [X, H, R], W_UK, W_UV, cache,
    block table, lengths, query_starts) -> [X, H, V]: one varlen
    mla.fused_prefill."""
    types = [tensor((rows, h, n), DTYPE), tensor((rows, h, r), DTYPE),
             tensor((h, l, n), DTYPE), tensor((h, l, v), DTYPE),
             tensor((pages, PAGE, l + r), DTYPE), tensor((batch, max_pages), "i32"),
             tensor((batch,), "i32"), tensor((batch + 1,), "i32")]
    out = tensor((rows, h, v), DTYPE)
    arguments = ", ".join(f"%arg{i}: {t}" for i, t in enumerate(types))
    return (f"#cfg = {cfg.to_mlir()}\n"
            f"func.func @prefill({arguments}) -> {out} {{\n"
            f"  %o = mla.fused_prefill %arg0, %arg1 weights(%arg2, %arg3) over "
            f"%arg4[%arg5, %arg6] query_starts(%arg7){' causal' if causal else ''}\n"
            f"      tiling #mla.prefill_tiling<{TILING}> {{config = #cfg}}\n"
            f"      : ({', '.join(types)}) -> {out}\n"
            f"  return %o : {out}\n}}\n")


def run(work, source, args):
    """mla-run on `args`: (result or None, its messages, exit code)."""
    (work / "prefill.mlir").write_text(source)
    save_npy(work / "in", args)
    done = subprocess.run([MLA_RUN, str(work / "prefill.mlir"), f"--target={TARGET}",
                           f"--input-dir={work / 'in'}", f"--output-dir={work}"],
                          capture_output=True, text=True)
    result = load_npy(work / "out0.npy") if done.returncode == 0 else None
    # A failed cf.assert prints its message on stdout (the JIT's), mla-run's
    # own on stderr.
    return result, done.stdout + done.stderr, done.returncode


def inputs(counts, prefixes, seed):
    rng = np.random.default_rng(seed)
    counts, prefixes = np.array(counts), np.array(prefixes)
    lens = (counts + prefixes).astype(np.int32)
    max_pages = int(max(-(-lens.max() // PAGE), 1)) + 1
    pages = int(np.sum(-(-lens // PAGE))) + 2
    table, cache = paged_cache(cfg, lens, PAGE, pages, max_pages, dtype, seed)
    rows = int(counts.sum())
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    q_nope = rng.standard_normal((rows, h, n)).astype(dtype)
    q_pe = rng.standard_normal((rows, h, r)).astype(dtype)
    w_uk = (rng.standard_normal((h, l, n)) / np.sqrt(l)).astype(dtype)
    w_uv = (rng.standard_normal((h, l, v)) / np.sqrt(l)).astype(dtype)
    return [q_nope, q_pe, w_uk, w_uv, cache, table, lens, starts], max_pages, pages


def expected(args, causal):
    """Request by request, float64."""
    q_nope, q_pe, w_uk, w_uv, cache, table, lens, starts = args
    out = np.zeros((q_nope.shape[0], h, v))
    for b in range(len(lens)):
        rows = slice(starts[b], starts[b + 1])
        if starts[b] == starts[b + 1]:
            continue
        c, k_pe = reference.cache_gather(cache, table[b:b + 1], lens[b:b + 1], cfg)
        out[rows] = reference.decompressed_attention(
            q_nope[None, rows], q_pe[None, rows], reference.decompress("key", c, w_uk, cfg),
            k_pe, reference.decompress("value", c, w_uv, cfg), lens[b:b + 1], causal, cfg)[0]
    return out


failed = False
with tempfile.TemporaryDirectory() as folder:
    for seed, text in enumerate(CASES):
        counts, prefixes = ([int(x) for x in part.split(",")] for part in text.split(":"))
        args, max_pages, pages = inputs(counts, prefixes, seed)
        for causal in (True, False):
            work = Path(folder) / f"case{seed}-{causal}"
            work.mkdir()
            got, stderr, code = run(work, module(args[0].shape[0], len(counts), max_pages,
                                                 pages, causal), args)
            title = (f"counts {','.join(map(str, counts))} prefixes "
                     f"{','.join(map(str, prefixes))} {'causal' if causal else 'not causal'}")
            if got is None:
                print(f"{title}: FAIL: mla-run exit {code}: {stderr.strip()[-400:]}")
                failed = True
                continue
            error = relative_error(got, expected(args, causal))
            if np.isnan(got.astype(np.float32)).any():
                print(f"{title}: FAIL: NaN in the result (a NaN cache slot leaked)")
                failed = True
            elif error > tolerance:
                print(f"{title}: FAIL: rel_error {error:.3e} (tolerance {tolerance:.0e})")
                failed = True
            else:
                print(f"{title}: PASS (rel_error {error:.1e})")

    # Bad inputs on the first case's operands: (title, starts, lengths, the
    # message's words).
    args, max_pages, pages = inputs(*([int(x) for x in part.split(",")]
                                      for part in CASES[0].split(":")), 0)
    starts, lens = args[7], args[6]
    rows = int(starts[-1])
    batch = len(lens)
    bad = [("bad query_starts[0]", np.r_[1, starts[1:]], lens, "query_starts"),
           # (the first case has three requests at least, the first with rows)
           ("decreasing query_starts", np.r_[starts[:2], starts[1] - 1, starts[3:]], lens,
            "query_starts"),
           ("query_starts past the rows", np.r_[starts[:-1], rows + 3], lens, "query_starts"),
           ("query_starts[batch] short of the rows", np.r_[starts[:-1], rows - 1], lens,
            "query_starts"),
           ("length below the new tokens", starts,
            np.where(np.diff(starts) == np.diff(starts).max(), np.diff(starts) - 1, lens),
            "smaller than its")]
    for title, bad_starts, bad_lens, words in bad:
        work = Path(folder) / title.replace(" ", "-").replace("[", "").replace("]", "")
        work.mkdir()
        case_args = list(args)
        case_args[7] = np.asarray(bad_starts, dtype=np.int32)
        case_args[6] = np.asarray(bad_lens, dtype=np.int32)
        _, stderr, code = run(work, module(rows, batch, max_pages, pages, True), case_args)
        if code == 1 and words in stderr:
            print(f"{title}: refused")
        else:
            print(f"{title}: FAIL: exit {code}, stderr: {stderr.strip()[-300:]}")
            failed = True

print("some failed" if failed else "all passed")
sys.exit(1 if failed else 0)
