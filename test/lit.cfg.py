# -*- Python -*-
# lit configuration of the mla test suite.

import os

import lit.formats
import lit.util
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "MLA"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".py", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]

config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mla_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%mla_src_root", config.mla_src_root))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%mla_tools_dir", config.mla_tools_dir))

# Strict FileCheck: variables are scoped to their CHECK-LABEL block and every
# prefix a RUN line names must be used.
config.environment["FILECHECK_OPTS"] = (
    "-enable-var-scope --allow-unused-prefixes=false"
)
config.environment["PYTHONPATH"] = os.path.join(config.mla_src_root, "python")

# The CUDA toolkit's location: MLIR's NVVM target links libdevice (exp2f and
# the other math functions) from it, and without it leaves them unresolved
# in the PTX, which the driver then refuses (GPU tests, GPU pipeline tests).
# The sanitizer build's options (scripts/check-sanitizers.sh) reach the tools.
llvm_config.with_system_environment(
    ["HOME", "INCLUDE", "LIB", "TMP", "TEMP", "CUDA_ROOT", "CUDA_HOME", "CUDA_PATH",
     "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"])
llvm_config.use_default_substitutions()

tool_dirs = [config.mla_tools_dir, config.llvm_tools_dir]
tools = ["mla-opt", "mla-run", "mla-fuzz", "mla-aot", "mlir-translate", "not", "count",
         "split-file"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
# The host C++ compiler CMake uses: mla-aot links with it (--cxx=%cxx).
config.substitutions.append(("%cxx", getattr(config, "cxx", "c++")))

# In the sanitizer build mla-fuzz is a libFuzzer binary (its own command
# line and output).
if getattr(config, "mla_libfuzzer", False):
    config.available_features.add("libfuzzer")

# The GPU integration tests need a CUDA device: mla-run says whether it
# finds one.
import subprocess

try:
    probe = subprocess.run(
        [os.path.join(config.mla_tools_dir, "mla-run"), "--target=cuda",
         "--random", os.path.join(config.mla_src_root, "test", "Tools",
                                  "Inputs", "add.mlir")],
        capture_output=True, timeout=120)
    if probe.returncode == 0:
        config.available_features.add("cuda")
        # The wgmma kernels need an sm_90 (Hopper) device or newer.
        caps = subprocess.run(
            ["nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=60).stdout.split()
        if any(float(c) >= 9.0 for c in caps if c.replace(".", "").isdigit()):
            config.available_features.add("cuda-sm90")
except (OSError, subprocess.TimeoutExpired):
    pass

# Python packages some tests need beyond numpy (PyTorch, transformers): a
# feature each where the interpreter that runs %python imports it.
for module in ("torch", "transformers"):
    try:
        found = subprocess.run([config.python_executable, "-c", f"import {module}"],
                               capture_output=True, timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        found = False
    if found:
        config.available_features.add(module)
