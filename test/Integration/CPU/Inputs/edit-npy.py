"""Copies a folder of .npy operands, keeping only the first ROWS rows of one,
or replacing its values.

usage: edit-npy.py SRC DST FILE ROWS
       edit-npy.py SRC DST FILE values V0,V1,...   (same dtype, new values)
"""
import shutil
import sys

import numpy as np

src, dst, name = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.rmtree(dst, ignore_errors=True)
shutil.copytree(src, dst)
array = np.load(f"{dst}/{name}")
if sys.argv[4] == "values":
    array = np.array([int(v) for v in sys.argv[5].split(",")], dtype=array.dtype)
else:
    array = array[:int(sys.argv[4])]
np.save(f"{dst}/{name}", array)
