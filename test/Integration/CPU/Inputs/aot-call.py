"""Calls the library mla-aot made (argv[1]) for the config argv[2] on seeded
operands and prints each check; with argv[3] == 'short-out', calls with an
output buffer one request short (the library stops the process); with
argv[3] == 'compile', builds the block with compile_block into the cache
folder argv[4] twice (mla-opt and mla-aot from PATH) and calls it."""

import sys

import numpy as np

from mla import MLAConfig
from mla.aot import Library
from mla.inputs import block_inputs
from mla.reference import attention_block, compare

lib = Library(sys.argv[1])
cfg = MLAConfig.from_hf(sys.argv[2])
block = lib.attention_block


def operands(batch, seed, tokens=2):
    return block_inputs(cfg, batch=batch, tokens=tokens, page_size=4, pages=4 * batch,
                        max_pages=3, dtype="f32", seed=seed)


def verdict(error, tol=1e-5):
    return f"{error:.2e} {'ok' if error <= tol else 'FAILED'}"


if len(sys.argv) > 3 and sys.argv[3] == "short-out":
    args = operands(3, 1)
    for what, call in (
            ("short out", lambda: block(*args, out=[np.empty((2, 2, cfg.hidden), np.float32)])),
            ("short table", lambda: block(*args[:-2], args[-2][:2].copy(), args[-1]))):
        try:
            call()
            print(f"{what}: no error")
        except ValueError as e:
            print(f"{what}: ValueError: {e}")
    expected_out, _ = attention_block(cfg, *args)
    out, _ = block(*args)
    print(f"after both, a good call: {verdict(compare(out, expected_out).rel_error).split()[1]}")
    sys.exit(0)


# compile_block: built once, then loaded from the cache folder.
if len(sys.argv) > 3 and sys.argv[3] == "compile":
    from mla.aot import compile_block

    first = compile_block(cfg, tokens=None, page_size=4, dtype="f32", target="cpu",
                          cache_dir=sys.argv[4])
    again = compile_block(cfg, tokens=None, page_size=4, dtype="f32", target="cpu",
                          cache_dir=sys.argv[4])
    args = operands(2, 5)
    expected_out, _ = attention_block(cfg, *args)
    out, _ = again.attention_block(*args)
    print(f"compile_block: built {first.built}, then {again.built}; "
          f"{verdict(compare(out, expected_out).rel_error)}")
    sys.exit(0)


if len(sys.argv) > 3 and sys.argv[3] == "three-tokens":
    try:
        block(*operands(2, 6, tokens=3))
    except ValueError as e:
        print(f"ValueError: {e}")
    sys.exit(0)


for batch, seed, tokens in ((3, 1, 2), (1, 2, 2), (4, 3, 1), (2, 4, 8)):
    args = operands(batch, seed, tokens)
    expected_out, expected_cache = attention_block(cfg, *args)
    cache = args[-3]
    out, new_cache = block(*args)
    print(f"batch {batch}, {tokens} tokens: output rel_error {verdict(compare(out, expected_out).rel_error)}, "
          f"cache rel_error {verdict(compare(new_cache, expected_cache, True).rel_error)}, "
          f"in place: {new_cache is cache}")

args = operands(2, 3)
buffer = np.full((2, 2, cfg.hidden), np.nan, np.float32)
out, _ = block(*args, out=[buffer])
expected_out, _ = attention_block(cfg, *operands(2, 3))
print(f"out= the caller's buffer: {out is buffer}, "
      f"{verdict(compare(buffer, expected_out).rel_error).split()[1]}")


def error(what, call):
    try:
        call()
        print(f"{what}: no error")
    except (TypeError, ValueError) as e:
        print(f"{what}: {type(e).__name__}: {e}")


args = operands(2, 4)
error("wrong dtype", lambda: block(args[0].astype(np.float64), *args[1:]))
error("wrong static size", lambda: block(*args[:2], args[2][:, :15].copy(), *args[3:]))
frozen = args[-3].copy()
frozen.setflags(write=False)
error("numpy for cpu, read-only cache", lambda: block(*args[:-3], frozen, *args[-2:]))

