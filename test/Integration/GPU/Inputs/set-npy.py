"""Copies a folder of .npy operands (written by `python -m mla inputs`; in
place when SRC is DST), setting one element of the operand NAME (as
manifest.json names it).

usage: set-npy.py SRC DST NAME INDEX VALUE    (INDEX: comma-separated)
"""
import json
import shutil
import sys

import numpy as np

src, dst, name, index, value = sys.argv[1:6]
if src != dst:
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
with open(f"{dst}/manifest.json", encoding="utf-8") as f:
    files = {a["name"]: a["file"] for a in json.load(f)["arguments"]}
path = f"{dst}/{files[name]}"
array = np.load(path)
array[tuple(int(i) for i in index.split(","))] = int(value)
np.save(path, array)
