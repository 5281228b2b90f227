# lit site configuration for a GPU machine that has no LLVM and no build
# tree (scripts/gpu-run.sh copies it to <exec root>/test/lit.site.cfg.py).
# The tools come from the bundle (scripts/gpu-bundle.sh): the static mla-opt
# and mla-run, FileCheck / not / count, in MLA_TOOLS_DIR; the sources are
# the working tree, MLA_SRC_ROOT. Everything else is test/lit.cfg.py, the
# configuration CI uses.
import os
import sys

import lit.llvm

config.mla_src_root = os.environ["MLA_SRC_ROOT"]
config.mla_obj_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
config.mla_tools_dir = os.environ["MLA_TOOLS_DIR"]
config.llvm_tools_dir = config.mla_tools_dir
config.mlir_obj_dir = config.mla_obj_root
config.python_executable = sys.executable
# No sanitizer coverage build here (test/lit.cfg.py: the libfuzzer feature).
config.mla_libfuzzer = False

lit.llvm.initialize(lit_config, config)
lit_config.load_config(config, os.path.join(config.mla_src_root, "test", "lit.cfg.py"))
