"""mla: pure-Python side of the MLA compiler.

Builds `mla` dialect IR from a DeepSeek HF config.json: `MLAConfig` holds a
block's shape facts and constants (config.py), `block_module` writes a module
around one `mla.attention_block` (ir.py); `python -m mla` is the command line.
With numpy: `mla.reference` is the float64 reference of every op and of the
block, `mla.inputs` draws a block's operands and reads and writes .npy files
(imported on demand, so that the IR side needs no numpy). With PyTorch:
`mla.torch` calls a compiled block on torch tensors and stands in for
transformers' DeepSeek attention (docs/hugging-face.md).
"""

from .config import ROPE_STYLES, FieldError, MLAConfig, Yarn
from .ir import DTYPES, PHASES, block_module

__all__ = ["DTYPES", "PHASES", "FieldError", "MLAConfig", "ROPE_STYLES", "Yarn", "block_module"]
