# mla.torch as transformers' attention, on the CPU: a small random-weight
# DeepSeek-V3 generates the same 64 greedy tokens with every layer's
# attention replaced by our block (compiled here for the CPU by mla-aot,
# prefill then decode over our paged cache) as with its own
# (test/Integration/GPU/Inputs/deepseek-generate.py; on an H100 by
# scripts/gpu-run.sh's aot stage with the CUDA library).
# REQUIRES: torch, transformers
# The sanitizer build's runtime archive is instrumented: a library mla-aot
# links from it does not load into an uninstrumented python.
# UNSUPPORTED: libfuzzer
# RUN: env MLA_TOOLS_DIR=%mla_tools_dir MLA_CACHE_DIR=%t.cache %python %mla_src_root/test/Integration/GPU/Inputs/deepseek-generate.py %mla_src_root/test/Integration/GPU/Inputs/tiny-deepseek-v3.json cpu | FileCheck %s
# CHECK: deepseek-v3 generate on cpu: 64 of 64 greedy tokens equal, last logits rel_error {{.*}}, cached [74]: PASS
