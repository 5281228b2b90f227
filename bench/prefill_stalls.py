"""Where the prefill attention kernel's time goes: Nsight Compute's
speed-of-light, pipe utilisation, warp-state (stall) and instruction
sections of one `prefill_attention` launch per key tile, on one shape.

Usage: prefill_stalls.py --mla-run PATH [--shape 128x1x4096]
                         [--block-keys 128,128:tma,128:producer] [--out DIR]
Prints each launch's report (ncu's text form); with --out, also writes it.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))

from prefill_bench import parse_variant, prefill_module, write_inputs  # noqa: E402
from mla.config import MLAConfig  # noqa: E402

SECTIONS = ["SpeedOfLight", "ComputeWorkloadAnalysis", "WarpStateStats", "SchedulerStats",
            "InstructionStats", "LaunchStats", "Occupancy"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mla-run", required=True)
    parser.add_argument("--config", default=str(ROOT / "examples/configs/deepseek-v3.json"))
    parser.add_argument("--shape", default="128x1x4096", help="heads x batch x new tokens")
    parser.add_argument("--block-keys", default="128,128:tma",
                        help="key tiles, each with :tma (TMA loads) or :producer (warp-specialised)")
    parser.add_argument("--out")
    args = parser.parse_args()
    cfg = MLAConfig.from_hf(args.config)
    heads, batch, tokens = (int(x) for x in args.shape.split("x"))
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mla-stalls-") as folder:
        work = Path(folder)
        inputs = work / "in"
        inputs.mkdir()
        pages, width, _, _ = write_inputs(inputs, batch, tokens)
        for variant in args.block_keys.split(","):
            module = work / f"prefill-{variant.replace(':', '-')}.mlir"
            module.write_text(prefill_module(cfg, heads, batch, tokens, pages, width,
                                             *parse_variant(variant)))
            command = ["ncu", "--kernel-name", "prefill_attention", "--launch-count", "1"]
            for section in SECTIONS:
                command += ["--section", section]
            command += [args.mla_run, str(module), "--target=cuda", "--random",
                        f"--input-dir={inputs}", "--warmup=0", "--repeat=1"]
            result = subprocess.run(command, capture_output=True, text=True, timeout=600)
            report = result.stdout if result.returncode == 0 else result.stdout + result.stderr
            print(f"== prefill_attention, {args.shape}, block_keys {variant}\n{report}", flush=True)
            if args.out:
                Path(args.out, f"stalls-{variant.replace(':', '-')}.txt").write_text(report)


if __name__ == "__main__":
    main()
