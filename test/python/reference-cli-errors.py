# `python -m mla inputs|reference|compare` on bad input: each kind ends with
# a one-line message (never a traceback) and exit code 1.

# RUN: rm -rf %t && mkdir -p %t
# RUN: %python -m mla inputs --config %S/Inputs/small-mla.json --batch 3 --tokens 2 --page-size 5 --pages 12 --max-pages 4 --dtype f32 --out-dir %t/in
# RUN: %python -m mla inputs --config %S/Inputs/small-lite.json --batch 2 --tokens 1 --page-size 4 --pages 16 --max-pages 8 --out-dir %t/lite

# RUN: not %python -m mla reference --config %S/Inputs/small-mla.json --inputs %t/missing --out-dir %t/x 2>&1 | FileCheck %s --check-prefix=NODIR --implicit-check-not=Traceback
# NODIR: mla: error: {{.*}}missing: no such directory

# RUN: not %python -m mla reference --config %S/Inputs/small-mla.json --inputs %t/lite --out-dir %t/x 2>&1 | FileCheck %s --check-prefix=OTHER --implicit-check-not=Traceback
# OTHER: mla: error: {{.*}}manifest.json: the inputs were made for another config than {{.*}}small-mla.json

# RUN: rm %t/lite/manifest.json
# RUN: not %python -m mla reference --config %S/Inputs/small-mla.json --inputs %t/lite --out-dir %t/x 2>&1 | FileCheck %s --check-prefix=COUNT --implicit-check-not=Traceback
# COUNT: mla: error: attention_block: expected 13 operands (hidden, positions, w_dq, q_norm, {{.*}}), got 11

# RUN: cp -r %t/in %t/short && rm %t/short/arg3.npy
# RUN: not %python -m mla reference --config %S/Inputs/small-mla.json --inputs %t/short --out-dir %t/x 2>&1 | FileCheck %s --check-prefix=NOFILE --implicit-check-not=Traceback
# NOFILE: mla: error: {{.*}}arg3.npy: no such file

# RUN: cp %t/in/arg1.npy %t/short/arg0.npy
# RUN: not %python -m mla reference --config %S/Inputs/small-mla.json --inputs %t/short --out-dir %t/x 2>&1 | FileCheck %s --check-prefix=SHAPE --implicit-check-not=Traceback
# SHAPE: mla: error: {{.*}}arg0.npy: holds int32 [3, 2], manifest.json says f32 [3, 2, 64]

# RUN: cp -r %t/in %t/noman && rm %t/noman/manifest.json && cp %t/in/arg5.npy %t/noman/arg4.npy
# RUN: not %python -m mla reference --config %S/Inputs/small-mla.json --inputs %t/noman --out-dir %t/x 2>&1 | FileCheck %s --check-prefix=OPSHAPE --implicit-check-not=Traceback
# OPSHAPE: mla: error: query_proj: w_uq: dim 0 (Q) of [Q, H*(N+R)] should be 32, got shape [64, 40]

# RUN: echo 'not an array' > %t/text.npy
# RUN: not %python -m mla compare %t/text.npy %t/in/arg0.npy 2>&1 | FileCheck %s --check-prefix=NOTNPY --implicit-check-not=Traceback
# NOTNPY: mla: error: {{.*}}text.npy: not a readable .npy file

# RUN: not %python -m mla compare %t/in/arg0.npy %t/in/arg10.npy 2>&1 | FileCheck %s --check-prefix=MISMATCH --implicit-check-not=Traceback
# MISMATCH: mla: error: shape mismatch: {{.*}}arg0.npy is [3, 2, 64], {{.*}}arg10.npy is [12, 5, 40]

# RUN: not %python -m mla compare %t/in/none.npy %t/in/arg0.npy 2>&1 | FileCheck %s --check-prefix=NOCMP --implicit-check-not=Traceback
# NOCMP: mla: error: {{.*}}none.npy: no such file

# RUN: not %python -m mla compare %t/in/arg0.npy %t/in/arg0.npy --tol nan 2>&1 | FileCheck %s --check-prefix=BADTOL --implicit-check-not=Traceback
# BADTOL: mla: error: --tol must be finite and non-negative, got nan

# RUN: not %python -m mla inputs --config %S/Inputs/small-mla.json --batch 4 --tokens 9 --page-size 4 --pages 8 --max-pages 8 --out-dir %t/x 2>&1 | FileCheck %s --check-prefix=PAGES --implicit-check-not=Traceback
# PAGES: mla: error: 8 pages of 4 for 4 requests (at most 8 each) cannot hold 9 new tokens per request

# RUN: touch %t/file
# RUN: not %python -m mla inputs --config %S/Inputs/small-mla.json --batch 1 --tokens 1 --page-size 4 --pages 8 --max-pages 8 --out-dir %t/file/in 2>&1 | FileCheck %s --check-prefix=WRITE --implicit-check-not=Traceback
# WRITE: mla: error: {{.*}}file{{/|\\}}in: cannot write: Not a directory

# Usage errors exit with 1 like every other error.
# RUN: %python -c "import sys, subprocess; mla = [sys.executable, '-m', 'mla']; sys.exit(any(subprocess.run(mla + args, capture_output=True).returncode != 1 for args in (['compare', '%t/in/arg0.npy'], ['reference', '--config', '%S/Inputs/small-mla.json', '--inputs', '%t/in', '--out-dir', '%t/x', '--form', 'mixed'])))"
