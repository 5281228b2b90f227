# `python -m mla`: gen and scale on a shipped config, and each kind of bad
# input ending with a one-line message (never a traceback) and a failing exit.

# RUN: rm -rf %t && mkdir -p %t
# RUN: %python -m mla scale --config %mla_src_root/examples/configs/deepseek-v3.json | FileCheck %s --check-prefix=SCALE
# SCALE: 0.1352337788608801

# RUN: %python -m mla gen --config %mla_src_root/examples/configs/deepseek-v2.json --batch 4 --tokens 1 --page-size 64 --pages 32 --max-pages 8 --dynamic --phase decode -o %t/v2.mlir
# RUN: mla-opt %t/v2.mlir | FileCheck %s --check-prefix=GEN
# GEN:      #mla.config<heads = 128, hidden = 5120, q_lora_rank = 1536,
# GEN-LABEL: func.func @attention_block(%arg0: tensor<?x1x5120xbf16>
# GEN:      mla.attention_block {{.*}} phase decode
# GEN-SAME: -> (tensor<?x1x5120xbf16>, tensor<?x64x576xbf16>)

# RUN: not %python -m mla gen --config %t/missing.json --batch 4 --tokens 1 --page-size 64 --pages 32 --max-pages 8 2>&1 | FileCheck %s --check-prefix=MISSING --implicit-check-not=Traceback
# MISSING: mla: error: {{.*}}missing.json: no such file

# RUN: echo '{"hidden_size": 7168,' > %t/truncated.json
# RUN: not %python -m mla scale --config %t/truncated.json 2>&1 | FileCheck %s --check-prefix=JSON --implicit-check-not=Traceback
# JSON: mla: error: {{.*}}truncated.json: invalid JSON: {{.*}}: line 2 column 1

# RUN: echo '{"hidden_size": 7168, "num_attention_heads": 128}' > %t/partial.json
# RUN: not %python -m mla scale --config %t/partial.json 2>&1 | FileCheck %s --check-prefix=FIELD --implicit-check-not=Traceback
# FIELD: mla: error: {{.*}}partial.json: field 'q_lora_rank': missing

# RUN: echo '{"num_attention_heads": 16, "hidden_size": 2048, "q_lora_rank": null, "kv_lora_rank": 512, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128, "rope_scaling": {"type": "linear", "factor": 4.0}}' > %t/linear.json
# RUN: not %python -m mla scale --config %t/linear.json 2>&1 | FileCheck %s --check-prefix=ROPE --implicit-check-not=Traceback
# ROPE: mla: error: {{.*}}linear.json: field 'rope_scaling.type': unsupported rope scaling type 'linear' (supported: 'yarn')

# RUN: not %python -m mla gen --config %mla_src_root/examples/configs/deepseek-v3.json --batch 4 --tokens 1 --page-size 64 --pages 32 --max-pages 8 --dtype f64 2>&1 | FileCheck %s --check-prefix=DTYPE --implicit-check-not=Traceback
# DTYPE: mla: error: argument --dtype: invalid choice: 'f64' (choose from {{.*}}bf16{{.*}}f16{{.*}}f32

# RUN: not %python -m mla gen --config %mla_src_root/examples/configs/deepseek-v3.json --batch 0 --tokens 1 --page-size 64 --pages 32 --max-pages 8 2>&1 | FileCheck %s --check-prefix=SIZE --implicit-check-not=Traceback
# SIZE: mla: error: batch must be a positive integer, got 0

# RUN: not %python -m mla gen --config %mla_src_root/examples/configs/deepseek-v3.json --batch four --tokens 1 --page-size 64 --pages 32 --max-pages 8 2>&1 | FileCheck %s --check-prefix=INT --implicit-check-not=Traceback
# INT: mla: error: argument --batch: invalid int value: 'four'

# RUN: not %python -m mla gen --config %mla_src_root/examples/configs/deepseek-v3.json --batch 4 --tokens 1 --page-size 64 --pages 32 --max-pages 8 -o %t/no-such-dir/out.mlir 2>&1 | FileCheck %s --check-prefix=WRITE --implicit-check-not=Traceback
# WRITE: mla: error: {{.*}}out.mlir: cannot write: No such file or directory

# RUN: not %python -m mla 2>&1 | FileCheck %s --check-prefix=NOCMD --implicit-check-not=Traceback
# NOCMD: mla: error: the following arguments are required: command

# Usage errors exit with 1 like every other error (argparse alone would exit 2).
# RUN: %python -c "import sys, subprocess; sys.exit(subprocess.run([sys.executable, '-m', 'mla', 'scale'], capture_output=True).returncode != 1)"
# RUN: %python -c "import sys, subprocess; sys.exit(subprocess.run([sys.executable, '-m', 'mla', 'scale', '--config', '%t/partial.json'], capture_output=True).returncode != 1)"

# An fp8 checkpoint's config: gen notes that the weights need dequantizing; an
# unsupported quantization is refused.
# RUN: %python -c "import json,sys; c=json.load(open(sys.argv[1])); c['quantization_config']={'quant_method':'fp8','fmt':'e4m3','weight_block_size':[128,128]}; json.dump(c, open(sys.argv[2],'w'))" %mla_src_root/examples/configs/deepseek-v3.json %t/fp8.json
# RUN: %python -m mla gen --config %t/fp8.json --batch 1 --tokens 1 --page-size 64 --pages 1 --max-pages 1 -o %t/fp8.mlir 2>&1 | FileCheck %s --check-prefix=FP8
# FP8: mla: note: the checkpoint's weights are fp8; the block computes in bf16: `mla import` dequantizes them
# RUN: %python -c "import json,sys; c=json.load(open(sys.argv[1])); c['quantization_config']={'quant_method':'gptq','bits':4}; json.dump(c, open(sys.argv[2],'w'))" %mla_src_root/examples/configs/deepseek-v3.json %t/gptq.json
# RUN: not %python -m mla scale --config %t/gptq.json 2>&1 | FileCheck %s --check-prefix=GPTQ --implicit-check-not=Traceback
# GPTQ: mla: error: {{.*}}gptq.json: field 'quantization_config.quant_method': 'gptq' is not supported (supported: 'fp8', block-scaled e4m3 as DeepSeek-V3 ships)
