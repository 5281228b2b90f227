# `python -m mla inputs|reference|compare`: seeded operands in the generated
# function's argument order, the reference block in both forms agreeing,
# compare's NaN rules and tolerance. Bad input: reference-cli-errors.py.

# RUN: rm -rf %t && mkdir -p %t

# Operands and their manifest (names in block_module's order, dtypes).
# RUN: %python -m mla inputs --config %S/Inputs/small-mla.json --batch 3 --tokens 2 --page-size 5 --pages 12 --max-pages 4 --dtype f32 --seed 1 --out-dir %t/in
# RUN: FileCheck %s --check-prefix=MANIFEST --input-file=%t/in/manifest.json
# MANIFEST:      "config": "#mla.config<heads = 4, hidden = 64, q_lora_rank = 32,
# MANIFEST:      "dtype": "f32",
# MANIFEST-NEXT: "seed": 1,
# MANIFEST:      "file": "arg0.npy",
# MANIFEST-NEXT: "name": "hidden",
# MANIFEST:      "name": "positions",
# MANIFEST:      "dtype": "int32"
# MANIFEST:      "name": "w_dq",
# MANIFEST:      "name": "q_norm",
# MANIFEST:      "name": "w_uq",
# MANIFEST:      "name": "w_dkv",
# MANIFEST:      "name": "kv_norm",
# MANIFEST:      "name": "w_uk",
# MANIFEST:      "name": "w_uv",
# MANIFEST:      "name": "w_o",
# MANIFEST:      "file": "arg10.npy",
# MANIFEST-NEXT: "name": "cache",
# MANIFEST:      "name": "block_table",
# MANIFEST:      "file": "arg12.npy",
# MANIFEST-NEXT: "name": "seq_lens",

# Both forms; the outputs agree, the new caches are equal with NaN in the
# same (unused) slots.
# RUN: %python -m mla reference --config %S/Inputs/small-mla.json --inputs %t/in --out-dir %t/dec
# RUN: %python -m mla reference --config %S/Inputs/small-mla.json --inputs %t/in --form absorbed --out-dir %t/abs
# RUN: %python -m mla compare %t/abs/out0.npy %t/dec/out0.npy --tol 1e-10 | FileCheck %s --check-prefix=FORMS
# FORMS: rel_error={{[0-9.]+}}e-1{{[0-9]}}
# RUN: %python -m mla compare %t/abs/out1.npy %t/dec/out1.npy --tol 0 | FileCheck %s --check-prefix=CACHE
# CACHE: rel_error=0.000000e+00

# The new cache against the old: the written slots were NaN, so the NaN
# positions differ and compare fails, unless it skips the reference's NaN.
# RUN: not %python -m mla compare %t/dec/out1.npy %t/in/arg10.npy 2>&1 | FileCheck %s --check-prefix=NANS
# NANS:      rel_error=0.000000e+00
# NANS-NEXT: mla: compare: 240 non-finite mismatch(es), first at [{{[0-9]+}}, {{[0-9]+}}, 0]: {{.*}} vs nan
# RUN: %python -m mla compare %t/dec/out1.npy %t/in/arg10.npy --ignore-nan-slots | FileCheck %s --check-prefix=CACHE
# RUN: not %python -m mla compare %t/in/arg10.npy %t/dec/out1.npy --ignore-nan-slots 2>&1 | FileCheck %s --check-prefix=NANS-A
# NANS-A: mla: compare: 240 non-finite mismatch(es), first at {{.*}}: nan vs {{.*}}

# Tolerance: 1e-3 off fails the default 1e-5 and passes 1e-2.
# RUN: %python -c "import numpy as np; np.save('%t/off.npy', np.load('%t/dec/out0.npy') * 1.001)"
# RUN: not %python -m mla compare %t/off.npy %t/dec/out0.npy 2>&1 | FileCheck %s --check-prefix=TOL
# TOL: rel_error=1.000000e-03
# TOL-NEXT: mla: compare: rel_error exceeds --tol 1e-05
# RUN: %python -m mla compare %t/off.npy %t/dec/out0.npy --tol 1e-2 | FileCheck %s --check-prefix=TOL-OK
# TOL-OK: rel_error=1.000000e-03

# bf16 operands are written as ml_dtypes writes them ('<V2') and read back as
# bfloat16; a config without query compression has 11 operands.
# RUN: %python -m mla inputs --config %S/Inputs/small-lite.json --batch 2 --tokens 8 --page-size 4 --pages 16 --max-pages 8 --out-dir %t/lite
# RUN: head -c 64 %t/lite/arg0.npy | FileCheck %s --check-prefix=BF16
# BF16: 'descr': '<V2'
# RUN: %python -m mla reference --config %S/Inputs/small-lite.json --inputs %t/lite --out-dir %t/lite-dec
# RUN: %python -m mla reference --config %S/Inputs/small-lite.json --inputs %t/lite --form absorbed --out-dir %t/lite-abs
# RUN: %python -m mla compare %t/lite-abs/out0.npy %t/lite-dec/out0.npy --tol 1e-10 | FileCheck %s --check-prefix=FORMS
# RUN: ls %t/lite | FileCheck %s --check-prefix=LITE
# LITE: arg10.npy
# LITE-NOT: arg11.npy
# LITE: manifest.json
