"""Command line: `python -m mla gen|scale --config CONFIG.json ...`.

`gen` prints (or writes with -o) a module holding one mla.attention_block
for a DeepSeek HF config.json; `scale` prints the block's effective softmax
scale. Bad input ends with a one-line message on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn, Sequence

from .config import MLAConfig
from .ir import DTYPES, PHASES, block_module

PROG = "mla"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit with 1, like every other error."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(1, f"{PROG}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Build mla dialect IR from a DeepSeek config.json.")
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("gen", help="print a module with one mla.attention_block")
    gen.add_argument("--config", required=True, help="HF config.json (or its folder)")
    for name, help_text in (("--batch", "requests B"), ("--tokens", "new tokens per request S"),
                            ("--page-size", "tokens per cache page G"),
                            ("--pages", "pages in the cache P"),
                            ("--max-pages", "block table columns M")):
        gen.add_argument(name, type=int, required=True, help=help_text)
    gen.add_argument("--dtype", choices=DTYPES, default="bf16", help="element type")
    gen.add_argument("--dynamic", action="store_true",
                     help="leave batch, pages and max pages dynamic ('?')")
    gen.add_argument("--phase", choices=PHASES, help="the block's inference phase")
    gen.add_argument("-o", "--output", help="write the module here instead of stdout")

    scale = commands.add_parser("scale", help="print the effective softmax scale")
    scale.add_argument("--config", required=True, help="HF config.json (or its folder)")
    return parser


def _gen(args: argparse.Namespace) -> None:
    text = block_module(MLAConfig.from_hf(args.config), args.batch, args.tokens,
                        args.page_size, args.pages, args.max_pages, dtype=args.dtype,
                        dynamic=args.dynamic, phase=args.phase)
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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        {"gen": _gen, "scale": _scale}[args.command](args)
    except ValueError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
