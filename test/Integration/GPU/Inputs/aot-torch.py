"""The GPU libraries scripts/gpu-bundle.sh made with mla-aot (argv[1]:
small-f32 and small-bf16, the block of the config argv[2] with dynamic
batch and pages) called on torch CUDA tensors through python/mla/aot.py,
against the float64 reference: the output in a new tensor, the cache
updated in place (same storage), on torch's current stream and on a side
stream; and a call captured by torch.cuda.graph (after a warm-up call, into
a caller's output buffer) and replayed twice. Prints one line per case and
PASS, or FAIL and exits 1."""

import sys
from pathlib import Path

import ml_dtypes
import numpy as np
import torch

from mla import MLAConfig
from mla.aot import Library
from mla.inputs import block_inputs
from mla.reference import attention_block, compare

folder, cfg = Path(sys.argv[1]), MLAConfig.from_hf(sys.argv[2])
TOLERANCE = {"f32": 1e-5, "bf16": 2e-2}


def to_torch(array):
    if array.dtype == ml_dtypes.bfloat16:
        return torch.from_numpy(array.view(np.int16).copy()).view(torch.bfloat16).cuda()
    return torch.from_numpy(np.ascontiguousarray(array)).cuda()


def to_numpy(tensor):
    if tensor.dtype == torch.bfloat16:
        return tensor.cpu().view(torch.int16).numpy().view(ml_dtypes.bfloat16)
    return tensor.cpu().numpy()


failed = False
for dtype in ("f32", "bf16"):
    lib = Library(folder / f"small-{dtype}")
    for batch, seed, side_stream in ((3, 1, False), (1, 2, True), (4, 3, False)):
        args = block_inputs(cfg, batch=batch, tokens=2, page_size=4, pages=4 * batch,
                            max_pages=3, dtype=dtype, seed=seed)
        expected_out, expected_cache = attention_block(cfg, *args)
        tensors = [to_torch(a) for a in args]
        cache = tensors[-3]
        stream = torch.cuda.Stream() if side_stream else torch.cuda.current_stream()
        with torch.cuda.stream(stream):
            out, new_cache = lib.attention_block(*tensors)
        stream.synchronize()
        out_error = compare(to_numpy(out), expected_out).rel_error
        cache_error = compare(to_numpy(new_cache), expected_cache, True).rel_error
        ok = (out_error <= TOLERANCE[dtype] and cache_error <= TOLERANCE[dtype]
              and new_cache.data_ptr() == cache.data_ptr())
        failed |= not ok
        print(f"aot cuda {dtype} batch {batch}{' (side stream)' if side_stream else ''}: "
              f"output rel_error {out_error:.2e}, cache rel_error {cache_error:.2e}, "
              f"in place {new_cache.data_ptr() == cache.data_ptr()}: {'ok' if ok else 'FAILED'}")

# A call captured into a CUDA graph by torch and replayed: the library's
# work is recorded on the capturing stream (its final synchronisation is
# skipped while the stream captures), its allocations become the graph's.
for dtype in ("f32", "bf16"):
    lib = Library(folder / f"small-{dtype}")
    args = block_inputs(cfg, batch=2, tokens=2, page_size=4, pages=8, max_pages=3,
                        dtype=dtype, seed=9)
    expected_out, expected_cache = attention_block(cfg, *args)
    tensors = [to_torch(a) for a in args]
    out = torch.full((2, 2, cfg.hidden), float("nan"), dtype=tensors[0].dtype, device="cuda")
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        lib.attention_block(*tensors, out=[out])
    torch.cuda.current_stream().wait_stream(stream)
    out.fill_(float("nan"))
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        lib.attention_block(*tensors, out=[out])
    captured_nothing = bool(torch.isnan(out).all())
    errors = []
    for _ in range(2):
        out.fill_(float("nan"))
        graph.replay()
        torch.cuda.synchronize()
        errors.append(compare(to_numpy(out), expected_out).rel_error)
    cache_error = compare(to_numpy(tensors[-3]), expected_cache, True).rel_error
    ok = captured_nothing and max(errors) <= TOLERANCE[dtype] and cache_error <= TOLERANCE[dtype]
    failed |= not ok
    print(f"aot cuda {dtype} CUDA graph: capture ran nothing {captured_nothing}, replays' output "
          f"rel_error {max(errors):.2e}, cache rel_error {cache_error:.2e}: "
          f"{'ok' if ok else 'FAILED'}")
print("FAIL" if failed else "PASS")
sys.exit(1 if failed else 0)
