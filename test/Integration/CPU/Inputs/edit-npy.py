"""Copies a folder of .npy operands, keeping only the first ROWS rows of one.

usage: edit-npy.py SRC DST FILE ROWS
"""
import shutil
import sys

import numpy as np

src, dst, name, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
shutil.rmtree(dst, ignore_errors=True)
shutil.copytree(src, dst)
array = np.load(f"{dst}/{name}")
np.save(f"{dst}/{name}", array[:rows])
