"""Command line: `python -m mla gen|scale|import|inputs|reference|compare ...`.

`gen` prints (or writes with -o) a module holding one mla.attention_block
for a DeepSeek HF config.json; `scale` prints the block's effective softmax
scale; `inputs` writes seeded random block operands (argN.npy and
manifest.json) in the generated function's argument order (with --weights, the weights
`import` wrote in place of random ones); `import` writes a checkpoint's
attention weights in the block's layouts (importer.py); `reference` runs
the float64 reference of the block on such a folder (out0.npy the output,
out1.npy the new cache); `compare` prints the relative error of an array
against a reference. Bad input ends with a one-line message on stderr and
exit code 1; so does a comparison that fails. numpy is loaded only by the
commands that compute, so that gen and scale start fast.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import NoReturn, Sequence

from .config import MLAConfig, load_hf_json
from .ir import DTYPES, FORMS, PHASES, block_module, operand_names

PROG = "mla"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit with 1, like every other error."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(1, f"{PROG}: error: {message}\n")


_SIZES = (("--batch", "requests B"), ("--tokens", "new tokens per request S"),
          ("--page-size", "tokens per cache page G"), ("--pages", "pages in the cache P"),
          ("--max-pages", "block table columns M"))


def _tokens(text: str) -> int | None:
    """--tokens of gen: a count, or 'any' (None)."""
    if text == "any":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a count or 'any', got {text!r}") from None


def _counts(text: str) -> int | list[int]:
    """--tokens of inputs: a count, or one per request ("7,0,1,13")."""
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a count or counts separated by commas, got {text!r}") from None
    return counts if "," in text else counts[0]


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Build mla dialect IR from a DeepSeek config.json.")
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("gen", help="print a module with one mla.attention_block")
    gen.add_argument("--config", required=True, help="HF config.json (or its folder)")
    for name, help_text in _SIZES:
        if name == "--tokens":
            gen.add_argument(name, type=_tokens, required=True,
                             help=f"{help_text}, or 'any' (dynamic: any count per call)")
        else:
            gen.add_argument(name, type=int, required=True, help=help_text)
    gen.add_argument("--dtype", choices=DTYPES, default="bf16", help="element type")
    gen.add_argument("--dynamic", action="store_true",
                     help="leave batch, pages and max pages dynamic ('?')")
    gen.add_argument("--varlen", action="store_true",
                     help="pack the new tokens of all requests (--tokens of them in all) with "
                          "a query_starts operand: a count per request")
    gen.add_argument("--phase", choices=PHASES, help="the block's inference phase")
    gen.add_argument("-o", "--output", help="write the module here instead of stdout")

    scale = commands.add_parser("scale", help="print the effective softmax scale")
    scale.add_argument("--config", required=True, help="HF config.json (or its folder)")

    inputs = commands.add_parser("inputs", help="write seeded random block operands as .npy")
    inputs.add_argument("--config", required=True, help="HF config.json (or its folder)")
    for name, help_text in _SIZES:
        if name == "--tokens":
            inputs.add_argument(name, type=_counts, required=True,
                                help=f"{help_text}, or one count per request (7,0,1,13: "
                                     "varlen operands, as gen --varlen)")
        else:
            inputs.add_argument(name, type=int, required=True, help=help_text)
    inputs.add_argument("--dtype", choices=DTYPES, default="bf16",
                        help="element type of the float operands (as gen's)")
    inputs.add_argument("--seed", type=int, default=0, help="random seed")
    inputs.add_argument("--out-dir", required=True,
                        help="folder for arg0.npy, arg1.npy, ... and manifest.json")
    inputs.add_argument("--weights",
                        help="a layer folder written by `import`: its weights, not random ones")

    imp = commands.add_parser(
        "import", help="write a checkpoint's attention weights in the block's layouts")
    imp.add_argument("checkpoint",
                     help="transformers checkpoint folder (config.json, *.safetensors)")
    imp.add_argument("--layer", action="append", default=None,
                     help="layer number to import (repeatable), or 'all' (default: 0)")
    imp.add_argument("--dtype", choices=DTYPES, default="bf16",
                     help="element type of the written weights")
    imp.add_argument("--out-dir", required=True,
                     help="folder for layer<N>/ (<operand>.npy and weights.json) per layer")

    reference = commands.add_parser("reference", help="run the float64 reference block")
    reference.add_argument("--config", required=True, help="HF config.json (or its folder)")
    reference.add_argument("--inputs", required=True, help="folder written by `inputs`")
    reference.add_argument("--form", choices=FORMS, default="decompressed",
                           help="attention form to compute with")
    reference.add_argument("--out-dir", required=True,
                           help="folder for out0.npy (output) and out1.npy (new cache)")

    compare = commands.add_parser(
        "compare", help="print rel_error=|a-b|/|b| of A against the reference B")
    compare.add_argument("a", help="array to check (.npy)")
    compare.add_argument("b", help="reference array (.npy)")
    compare.add_argument("--tol", type=float, default=1e-5,
                         help="largest relative error that passes (default 1e-5)")
    compare.add_argument("--ignore-nan-slots", action="store_true",
                         help="skip the positions where B is NaN, whatever A holds there")
    return parser


def _gen(args: argparse.Namespace) -> None:
    origin, raw = load_hf_json(args.config)
    cfg = MLAConfig.from_hf(raw, origin)
    if raw.get("quantization_config") is not None:
        print(f"{PROG}: note: the checkpoint's weights are fp8; the block computes in "
              f"{args.dtype}: `{PROG} import` dequantizes them", file=sys.stderr)
    text = block_module(cfg, args.batch, args.tokens,
                        args.page_size, args.pages, args.max_pages, dtype=args.dtype,
                        dynamic=args.dynamic, phase=args.phase, varlen=args.varlen)
    if args.output is None:
        sys.stdout.write(text)
        return
    try:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as error:
        raise ValueError(f"{args.output}: cannot write: {error.strerror}") from None


def _scale(args: argparse.Namespace) -> None:
    print(repr(MLAConfig.from_hf(args.config).softmax_scale_effective()))


def _inputs(args: argparse.Namespace) -> None:
    from .inputs import block_inputs, save_inputs

    cfg = MLAConfig.from_hf(args.config)
    sizes = dict(batch=args.batch, tokens=args.tokens, page_size=args.page_size,
                 pages=args.pages, max_pages=args.max_pages)
    arrays = block_inputs(cfg, **sizes, dtype=args.dtype, seed=args.seed)
    info = dict(config=cfg.to_mlir(), **sizes, dtype=args.dtype, seed=args.seed)
    names = operand_names(cfg, varlen=isinstance(args.tokens, list))
    if args.weights is not None:
        from .importer import load_layer

        weights = load_layer(args.weights, cfg, args.dtype)
        arrays = [weights.get(name, array) for name, array in zip(names, arrays)]
        info["weights"] = str(args.weights)
    save_inputs(args.out_dir, arrays, names, info)


def _layers(requested: list[str] | None, count: int) -> list[int]:
    """--layer values as layer numbers in [0, count)."""
    if not requested:
        return [0]
    if requested == ["all"]:
        return list(range(count))
    layers = []
    for value in requested:
        try:
            layer = int(value)
        except ValueError:
            raise ValueError(f"--layer: expected a layer number or 'all', got {value!r}") from None
        if not 0 <= layer < count:
            raise ValueError(f"--layer {layer}: the checkpoint has layers 0 to {count - 1}")
        layers.append(layer)
    return layers


def _import(args: argparse.Namespace) -> None:
    from .importer import Checkpoint, hf_quantization, layer_count, layer_weights, save_layer

    checkpoint = Checkpoint(args.checkpoint)
    origin = str(checkpoint.config_path)
    cfg = MLAConfig.from_hf(checkpoint.raw_config, origin)
    quantization = hf_quantization(checkpoint.raw_config, origin)
    out = Path(args.out_dir)
    for layer in _layers(args.layer, layer_count(checkpoint.raw_config, origin)):
        weights = layer_weights(checkpoint, cfg, layer, args.dtype, quantization)
        save_layer(out / f"layer{layer}", weights,
                   dict(config=cfg.to_mlir(), dtype=args.dtype, layer=layer,
                        source=str(checkpoint.folder)))
        print(f"layer {layer}: {', '.join(weights)} -> {out / f'layer{layer}'}")


def _reference(args: argparse.Namespace) -> None:
    from .inputs import MANIFEST, load_inputs, read_manifest, save_npy
    from .reference import attention_block

    cfg = MLAConfig.from_hf(args.config)
    arrays = load_inputs(args.inputs)
    made_for = (read_manifest(args.inputs) or {}).get("config", cfg.to_mlir())
    if made_for != cfg.to_mlir():
        raise ValueError(f"{Path(args.inputs) / MANIFEST}: the inputs were made for "
                         f"another config than {args.config}")
    save_npy(args.out_dir, attention_block(cfg, *arrays, form=args.form), prefix="out")


def _compare(args: argparse.Namespace) -> int:
    from .inputs import load_npy
    from .reference import compare

    if not (math.isfinite(args.tol) and args.tol >= 0):
        raise ValueError(f"--tol must be finite and non-negative, got {args.tol!r}")
    a, b = load_npy(args.a), load_npy(args.b)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch: {args.a} is {list(a.shape)}, "
                         f"{args.b} is {list(b.shape)}")
    result = compare(a, b, ignore_nan_slots=args.ignore_nan_slots)
    print(f"rel_error={result.rel_error:.6e}", flush=True)
    if result.mismatches:
        where = result.first_mismatch
        print(f"{PROG}: compare: {result.mismatches} non-finite mismatch(es), first at "
              f"{list(where)}: {float(a[where])!r} vs {float(b[where])!r}", file=sys.stderr)
        return 1
    if result.rel_error > args.tol:
        print(f"{PROG}: compare: rel_error exceeds --tol {args.tol!r}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {"gen": _gen, "scale": _scale, "import": _import, "inputs": _inputs,
                "reference": _reference, "compare": _compare}
    try:
        return commands[args.command](args) or 0
    except ValueError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
