"""Calling a library mla-aot made, from Python: numpy arrays on the CPU,
torch tensors (CUDA or CPU) on either, through ctypes and the JSON
description mla-aot writes beside the library.

    lib = Library("build/v3")              # v3.so + v3.json
    out = lib.deepseek_v3_decode(hidden, positions, ..., cache, table, lens)

or, from a config, built once and cached (`compile_block`):

    lib = compile_block(MLAConfig.from_hf("ckpt/"), tokens=1, page_size=64, target="cuda")
    out, cache = lib.attention_block(hidden, positions, ..., cache, table, lens)

Arguments come in the function's order, each dense, row-major and of the
declared element type (bf16: ml_dtypes.bfloat16 arrays or torch.bfloat16
tensors); no copy is made, so a non-contiguous or mistyped argument is an
error, not a conversion. Arguments updated in place (the cache) are written
where they are. Results are written into `out=[...]` when given, else into
new arrays or tensors: a result whose type equals an argument's takes that
argument's sizes (the block's output has the hidden states' type); any
other result with a dynamic size needs `out`. On the GPU the call is
ordered on torch's current stream (`stream=` overrides) and returns when its
work is done.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Sequence

from .config import MLAConfig
from .ir import block_module

__all__ = ["Function", "Library", "compile_block"]

_TORCH_DTYPES = {"f32": "float32", "f16": "float16", "bf16": "bfloat16", "i32": "int32"}


def _is_torch(value: Any) -> bool:
    return type(value).__module__.startswith("torch")


def _numpy_dtype(dtype: str) -> Any:
    """The numpy type of an ABI element type (bf16: ml_dtypes')."""
    import numpy as np

    from .inputs import NUMPY_DTYPES
    return NUMPY_DTYPES.get(dtype, np.dtype(np.int32))


def _dtype_matches(value: Any, dtype: str) -> bool:
    if _is_torch(value):
        return str(value.dtype) == f"torch.{_TORCH_DTYPES[dtype]}"
    return value.dtype == _numpy_dtype(dtype)


def _shape_of(value: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in value.shape)


class Function:
    """One entry point of a library: `fn(*arguments, out=None, stream=None)`
    returns the function's results (a tuple when there are several)."""

    def __init__(self, library: Library, description: dict[str, Any]) -> None:
        self.name: str = description["name"]
        self.parameters: list[dict[str, Any]] = description["parameters"]
        self.arguments = [p for p in self.parameters if p["kind"] == "argument"]
        self.results = sorted(
            [p for p in self.parameters if p["kind"] == "result"]
            + [dict(p, kind="in_place") for p in self.arguments if "in_place_result" in p],
            key=lambda p: p["index"] if p["kind"] == "result" else p["in_place_result"])
        self._library = library
        self._c = getattr(library.handle, self.name)
        types = []
        for parameter in self.parameters:
            types.append(ctypes.c_void_p)
            types.extend(ctypes.c_int64 for d in parameter["shape"] if d < 0)
        self._c.argtypes = types + [ctypes.c_void_p]
        self._c.restype = ctypes.c_int

    def _check(self, value: Any, parameter: dict[str, Any], what: str) -> None:
        if not hasattr(value, "shape") or not hasattr(value, "dtype"):
            raise TypeError(f"{self.name}: {what}: expected an array or tensor, "
                            f"got {type(value).__name__}")
        dtype, expected = parameter["dtype"], parameter["shape"]
        if not _dtype_matches(value, dtype):
            raise TypeError(f"{self.name}: {what}: expected {dtype}, got {value.dtype}")
        shape = _shape_of(value)
        if len(shape) != len(expected) or any(e >= 0 and e != s
                                              for e, s in zip(expected, shape)):
            shown = ["?" if e < 0 else e for e in expected]
            raise ValueError(f"{self.name}: {what}: expected shape {shown}, got {list(shape)}")
        on_gpu = self._library.target == "cuda"
        if _is_torch(value):
            if value.is_cuda != on_gpu:
                raise ValueError(f"{self.name}: {what}: a {'CUDA' if value.is_cuda else 'CPU'}"
                                 f" tensor for a {self._library.target} library")
            if not value.is_contiguous():
                raise ValueError(f"{self.name}: {what}: not contiguous")
        else:
            if on_gpu:
                raise ValueError(f"{self.name}: {what}: a numpy array for a GPU library "
                                 "(give a CUDA tensor)")
            if not value.flags["C_CONTIGUOUS"]:
                raise ValueError(f"{self.name}: {what}: not C-contiguous")
            if parameter["written"] and not value.flags["WRITEABLE"]:
                raise ValueError(f"{self.name}: {what}: written in place, but read-only")

    @staticmethod
    def _pointer(value: Any) -> int | None:
        if _is_torch(value):
            return value.data_ptr() or None
        return value.ctypes.data or None

    def _new_result(self, parameter: dict[str, Any], arguments: Sequence[Any]) -> Any:
        shape = list(parameter["shape"])
        if any(d < 0 for d in shape):
            same = [a for a, p in zip(arguments, self.arguments)
                    if p["shape"] == parameter["shape"] and p["dtype"] == parameter["dtype"]]
            if not same:
                raise ValueError(f"{self.name}: result {parameter['index']} has dynamic "
                                 "sizes no argument shares: give out=")
            shape = list(_shape_of(same[0]))
        like = arguments[0] if arguments else None
        if like is not None and _is_torch(like):
            import torch
            return torch.empty(shape, dtype=getattr(torch, _TORCH_DTYPES[parameter["dtype"]]),
                               device=like.device)
        import numpy as np
        return np.empty(shape, dtype=_numpy_dtype(parameter["dtype"]))

    def __call__(self, *arguments: Any, out: Sequence[Any] | None = None,
                 stream: int | None = None) -> Any:
        if len(arguments) != len(self.arguments):
            raise TypeError(f"{self.name}: expected {len(self.arguments)} arguments, "
                            f"got {len(arguments)}")
        for value, parameter in zip(arguments, self.arguments):
            self._check(value, parameter, parameter["name"])
        written = [p for p in self.parameters if p["kind"] == "result"]
        if out is None:
            out = [self._new_result(p, arguments) for p in written]
        if len(out) != len(written):
            raise TypeError(f"{self.name}: out: expected {len(written)} buffers, got {len(out)}")
        for value, parameter in zip(out, written):
            self._check(value, parameter, f"out[{written.index(parameter)}]")
        values = list(arguments) + list(out)
        call: list[Any] = []
        for value, parameter in zip(values, self.parameters):
            call.append(self._pointer(value))
            call.extend(_shape_of(value)[d] for d, size in enumerate(parameter["shape"])
                        if size < 0)
        if stream is None and self._library.target == "cuda" and _is_torch(arguments[0]):
            import torch
            stream = torch.cuda.current_stream(arguments[0].device).cuda_stream
        status = self._c(*call, stream)
        if status == 3:
            message = self._library.last_error().decode(errors="replace")
            raise ValueError(f"{self.name}: {message}")
        if status:
            raise ValueError(f"{self.name}: the library refused the call (status {status}: "
                             f"{'a negative size' if status == 1 else 'a null pointer'})")
        results = []
        for parameter in self.results:
            if parameter["kind"] == "in_place":
                results.append(arguments[parameter["index"]])
            else:
                results.append(out[written.index(parameter)])
        return results[0] if len(results) == 1 else tuple(results)


class Library:
    """A library mla-aot wrote: `<base>.so` and its `<base>.json`; each
    entry point is an attribute (a Function)."""

    def __init__(self, base: str | Path) -> None:
        base = Path(base)
        if base.suffix in (".so", ".json"):
            base = base.with_suffix("")
        description = base.with_suffix(".json")
        try:
            self.description = json.loads(description.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ValueError(f"{description}: no such file (written by mla-aot -o {base})") \
                from None
        except (OSError, ValueError) as error:
            raise ValueError(f"{description}: cannot read: {error}") from None
        self.target: str = self.description["target"]
        try:
            self.handle = ctypes.CDLL(str(base.with_suffix(".so")))
        except OSError as error:
            raise ValueError(f"{base.with_suffix('.so')}: cannot load: {error}") from None
        self.last_error = getattr(self.handle, self.description["last_error"])
        self.last_error.argtypes = []
        self.last_error.restype = ctypes.c_char_p
        self.functions = {entry["name"]: Function(self, entry)
                          for entry in self.description["entries"]}

    def __getattr__(self, name: str) -> Function:
        functions = self.__dict__.get("functions", {})
        if name in functions:
            return functions[name]
        raise AttributeError(f"the library has no entry point {name!r} "
                             f"(it has {', '.join(functions) or 'none'})")


def _tool(name: str, tools: str | Path | None) -> str:
    """A tool from `tools` (a folder), else $MLA_TOOLS_DIR, else PATH."""
    folders = [Path(tools)] if tools else []
    if os.environ.get("MLA_TOOLS_DIR"):
        folders.append(Path(os.environ["MLA_TOOLS_DIR"]))
    for folder in folders:
        if (folder / name).is_file():
            return str(folder / name)
    found = shutil.which(name)
    if not found:
        raise ValueError(f"cannot find {name} (give tools=, set MLA_TOOLS_DIR or PATH)")
    return found


def compile_block(cfg: MLAConfig, *, tokens: int | None, page_size: int, dtype: str = "bf16",
                  target: str = "cuda", phase: str | None = None,
                  cache_dir: str | Path | None = None, tools: str | Path | None = None,
                  rebuild: bool = False, varlen: bool = False) -> Library:
    """A library for one attention block of `cfg`: `tokens` new tokens per
    request (None: any count per call, the form chosen at run time; with
    `varlen`, the packed tokens of all requests, each request its own
    count, a `query_starts` operand last), any batch, cache pages and
    block-table width (dynamic), through
    the default pipeline and mla-aot. Built once per module text, target and
    tools, kept in `cache_dir` (default $MLA_CACHE_DIR, else ~/.cache/mla),
    and loaded from there afterwards. `library.built` says whether this call
    compiled it."""
    if target not in ("cpu", "cuda"):
        raise ValueError(f"target must be cpu or cuda, got {target!r}")
    text = block_module(cfg, 1, tokens, page_size, 1, 1, dtype=dtype, dynamic=True,
                        phase=phase, varlen=varlen)
    mla_opt, mla_aot = _tool("mla-opt", tools), _tool("mla-aot", tools)
    key = hashlib.sha256("\0".join(
        [text, target, mla_opt, str(os.path.getmtime(mla_opt)), mla_aot,
         str(os.path.getmtime(mla_aot))]).encode()).hexdigest()[:24]
    folder = Path(cache_dir or os.environ.get("MLA_CACHE_DIR")
                  or Path.home() / ".cache" / "mla")
    base = folder / f"block-{key}"
    built = False
    if rebuild or not base.with_suffix(".so").exists() \
            or not base.with_suffix(".json").exists():
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder) as work:
            source, fused = Path(work) / "block.mlir", Path(work) / "fused.mlir"
            source.write_text(text, encoding="utf-8")
            for command in ([mla_opt, "--mla-pipeline", str(source), "-o", str(fused)],
                            [mla_aot, str(fused), f"--target={target}", "-o",
                             str(Path(work) / "block")]):
                run = subprocess.run(command, capture_output=True, text=True)
                if run.returncode:
                    raise ValueError(f"{Path(command[0]).name} failed (exit {run.returncode}): "
                                     f"{run.stderr.strip()}")
            # Renamed into place last: a library is either whole or absent.
            for suffix in (".h", ".json", ".so"):
                os.replace(Path(work) / f"block{suffix}", base.with_suffix(suffix))
        built = True
    library = Library(base)
    library.built = built
    return library
