"""The shape facts and constants of one MLA block (`MLAConfig`).

Reads a DeepSeek HF `config.json` (`MLAConfig.from_hf`), derives the softmax
scale both attention forms use (`softmax_scale_effective`), and prints the
`#mla.config<...>` attribute mla-opt parses (`to_mlir`). Field names follow
the attribute's parameters; DESIGN §1 has the maths.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

__all__ = ["FieldError", "Fp8Blocks", "MLAConfig", "ROPE_STYLES", "Yarn", "hf_quantization",
           "mlir_float"]

ROPE_STYLES = ("interleaved", "half")

# Defaults of HF's DeepSeek configuration when config.json leaves them out.
_HF_ROPE_THETA = 10000.0
_HF_RMS_EPS = 1e-6
_REQUIRED = object()

# config.json's name of each MLAConfig / Yarn field.
_HF_NAMES = {
    "heads": "num_attention_heads",
    "hidden": "hidden_size",
    "qk_nope_dim": "qk_nope_head_dim",
    "qk_rope_dim": "qk_rope_head_dim",
    "rms_eps": "rms_norm_eps",
    "original_max_position": "original_max_position_embeddings",
}


def mlir_float(value: float) -> str:
    """`value` as an MLIR float literal that parses back to the same double.

    Python's repr() round-trips but may omit the dot (`1e-06`), which MLIR
    reads as an integer: the dot is added (`1.0e-06`).
    """
    text = repr(float(value))
    if "e" in text and "." not in text:
        text = text.replace("e", ".0e")
    return text


class FieldError(ValueError):
    """A field with a bad value; `field` names it, `problem` says what is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def _check_positive(obj: object, names: tuple[str, ...], allow_zero: bool = False) -> None:
    """Each named number must be finite and > 0 (>= 0 with allow_zero)."""
    for name in names:
        value = getattr(obj, name)
        finite = isinstance(value, int) or math.isfinite(value)
        if not (finite and (value >= 0 if allow_zero else value > 0)):
            bound = "non-negative" if allow_zero else "positive"
            kind = "" if isinstance(value, int) else " and finite"
            raise FieldError(name, f"must be {bound}{kind}, got {value!r}")


@dataclass(frozen=True)
class Yarn:
    """YaRN RoPE scaling (a config.json `rope_scaling` of type `yarn`)."""

    factor: float
    original_max_position: int
    beta_fast: float = 32.0
    beta_slow: float = 1.0
    mscale: float = 1.0
    mscale_all_dim: float = 0.0

    def __post_init__(self) -> None:
        _check_positive(self, ("factor", "original_max_position", "beta_fast"))
        _check_positive(self, ("beta_slow", "mscale", "mscale_all_dim"), allow_zero=True)
        if self.factor < 1.0:
            raise FieldError("factor", f"must be at least 1, got {self.factor!r}")
        if not self.beta_fast > self.beta_slow:
            raise FieldError("beta_fast", f"must exceed beta_slow ({self.beta_slow!r}), "
                             f"got {self.beta_fast!r}")

    def mscale_of(self, coefficient: float) -> float:
        """YaRN's attention-magnitude correction m(factor, coefficient): 1 if factor <= 1."""
        if self.factor <= 1.0:
            return 1.0
        return 0.1 * coefficient * math.log(self.factor) + 1.0

    def correction_range(self, dim: int, base: float) -> tuple[float, float]:
        """YaRN's ramp bounds (low, high) over the dim / 2 rotated pairs of RoPE base `base`.

        d(rot) = dim·ln(original_max_position / (2π·rot)) / (2·ln base);
        low = max(floor(d(beta_fast)), 0), high = min(ceil(d(beta_slow)), dim − 1),
        and high + 0.001 when the two meet (the ramp divides by high − low).
        """
        def dim_of(rotations: float) -> float:
            if rotations == 0.0:  # beta_slow = 0: no pair turns fewer times
                return math.inf
            return dim * math.log(self.original_max_position / (rotations * 2 * math.pi)) \
                / (2 * math.log(base))

        low = max(math.floor(dim_of(self.beta_fast)), 0)
        slow = dim_of(self.beta_slow)
        high = dim - 1 if slow > dim - 1 else math.ceil(slow)
        return float(low), high + 0.001 if low == high else float(high)

    def to_mlir(self) -> str:
        """The `#mla.yarn<...>` attribute text."""
        return (f"#mla.yarn<factor = {mlir_float(self.factor)}, "
                f"original_max_position = {self.original_max_position}, "
                f"beta_fast = {mlir_float(self.beta_fast)}, "
                f"beta_slow = {mlir_float(self.beta_slow)}, "
                f"mscale = {mlir_float(self.mscale)}, "
                f"mscale_all_dim = {mlir_float(self.mscale_all_dim)}>")


@dataclass(frozen=True)
class MLAConfig:
    """Everything an MLA block's shapes and numerics depend on.

    `q_lora_rank` 0 means no query compression (V2-Lite). `softmax_scale`
    None means the scale derived from the head dims and YaRN.
    """

    heads: int
    hidden: int
    q_lora_rank: int
    kv_lora_rank: int
    qk_nope_dim: int
    qk_rope_dim: int
    v_head_dim: int
    rope_theta: float = _HF_ROPE_THETA
    rope_style: str = "interleaved"
    rms_eps: float = _HF_RMS_EPS
    yarn: Yarn | None = None
    softmax_scale: float | None = None

    def __post_init__(self) -> None:
        _check_positive(self, ("heads", "hidden", "kv_lora_rank", "qk_nope_dim",
                               "qk_rope_dim", "v_head_dim", "rope_theta", "rms_eps"))
        _check_positive(self, ("q_lora_rank",), allow_zero=True)
        if self.softmax_scale is not None:
            _check_positive(self, ("softmax_scale",))
        if self.qk_rope_dim % 2:
            raise FieldError("qk_rope_dim", "must be even (RoPE rotates pairs), "
                             f"got {self.qk_rope_dim!r}")
        if self.rope_style not in ROPE_STYLES:
            raise FieldError("rope_style", f"must be one of {', '.join(ROPE_STYLES)}, "
                             f"got {self.rope_style!r}")

    @property
    def latent_cache_dim(self) -> int:
        """Elements per cached token: L + R (576 for DeepSeek)."""
        return self.kv_lora_rank + self.qk_rope_dim

    def softmax_scale_effective(self) -> float:
        """The explicit scale, else (N+R)^-1/2 · m², m YaRN's mscale of mscale_all_dim."""
        if self.softmax_scale is not None:
            return self.softmax_scale
        m = self.yarn.mscale_of(self.yarn.mscale_all_dim) if self.yarn else 1.0
        return (self.qk_nope_dim + self.qk_rope_dim) ** -0.5 * m * m

    def rope_inverse_frequencies(self) -> list[float]:
        """The inverse frequency of each of the qk_rope_dim / 2 rotated pairs.

        θ_j = rope_theta^(-2j/R); with YaRN, θ_j·(1 − r_j) + (θ_j / factor)·r_j,
        r_j = clamp((j − low) / (high − low), 0, 1) the linear ramp between the
        correction dims low = max(floor(d(beta_fast)), 0) and
        high = min(ceil(d(beta_slow)), R − 1) (high + 0.001 when equal), where
        d(rot) = R·ln(original_max_position / (2π·rot)) / (2·ln rope_theta) is
        the dim that turns `rot` times over the original context. Pairs turning
        more than beta_fast times keep θ_j, fewer than beta_slow get θ_j / factor.

        This is DeepSeek's HF code (DeepseekV2YarnRotaryEmbedding with
        yarn_find_correction_range and yarn_linear_ramp_mask) in float64: the
        correction always applies, and `high` is clamped to R − 1 (not R/2 − 1).
        DeepSeek-V3's inference/model.py (precompute_freqs_cis) has the same
        formulas but corrects only when its max_seq_len exceeds the original
        context, and never scales cos/sin (V3 has mscale = mscale_all_dim).
        """
        dim, base = self.qk_rope_dim, self.rope_theta
        theta = [base ** (-2.0 * j / dim) for j in range(dim // 2)]
        if self.yarn is None:
            return theta
        low, high = self.yarn.correction_range(dim, base)
        ramp = [min(max((j - low) / (high - low), 0.0), 1.0) for j in range(dim // 2)]
        return [t * (1.0 - r) + t / self.yarn.factor * r for t, r in zip(theta, ramp)]

    def rope_magnitude(self) -> float:
        """The factor on RoPE's cos and sin: 1 without YaRN, else as
        transformers computes YaRN's attention factor:
        m(factor, mscale) / m(factor, mscale_all_dim) when both are non-zero,
        m(factor, 1) otherwise (mscale alone is ignored)."""
        if self.yarn is None:
            return 1.0
        if not self.yarn.mscale or not self.yarn.mscale_all_dim:
            return self.yarn.mscale_of(1.0)
        return self.yarn.mscale_of(self.yarn.mscale) / self.yarn.mscale_of(self.yarn.mscale_all_dim)

    def to_mlir(self) -> str:
        """The `#mla.config<...>` attribute text, every parameter explicit."""
        params = [
            f"heads = {self.heads}",
            f"hidden = {self.hidden}",
            f"q_lora_rank = {self.q_lora_rank}",
            f"kv_lora_rank = {self.kv_lora_rank}",
            f"qk_nope_dim = {self.qk_nope_dim}",
            f"qk_rope_dim = {self.qk_rope_dim}",
            f"v_head_dim = {self.v_head_dim}",
            f"rope_theta = {mlir_float(self.rope_theta)}",
            f"rope_style = {self.rope_style}",
            f"rms_eps = {mlir_float(self.rms_eps)}",
        ]
        if self.yarn is not None:
            params.append(f"yarn = {self.yarn.to_mlir()}")
        if self.softmax_scale is not None:
            params.append(f"softmax_scale = {mlir_float(self.softmax_scale)}")
        return f"#mla.config<{', '.join(params)}>"

    @classmethod
    def from_hf(cls, source: str | Path | Mapping[str, Any],
                origin: str = "config dict") -> MLAConfig:
        """Reads a HF config.json (a path, a model folder holding one, or its dict).

        Raises ValueError naming the file and the field for a missing file,
        bad JSON, a missing or mistyped field, an unsupported rope_scaling,
        attention_bias (the block has no bias inputs), or a quantization_config
        the importer cannot dequantize (hf_quantization).
        """
        if isinstance(source, Mapping):
            return _HFReader(origin, source).config()
        return _HFReader(*load_hf_json(source)).config()


def load_hf_json(source: str | Path) -> tuple[str, Mapping[str, Any]]:
    """(the file's path, its object) for a config.json or a folder holding one;
    ValueError naming the file when it is missing or not a JSON object."""
    path = Path(source)
    if path.is_dir():
        path = path / "config.json"
    return str(path), _load_json(path)


def _load_json(path: Path) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: cannot read: {error}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: invalid JSON: {error}") from None
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object, got {type(raw).__name__}")
    return raw


class _HFReader:
    """Reads typed fields of a config.json, naming the file in every error."""

    def __init__(self, origin: str, raw: Mapping[str, Any]) -> None:
        self.origin = origin
        self.raw = raw

    def error(self, field: str, problem: str) -> ValueError:
        return ValueError(f"{self.origin}: field '{field}': {problem}")

    def _get(self, table: Mapping[str, Any], field: str, default: Any, name: str) -> Any:
        if field in table:
            return table[field]
        if default is _REQUIRED:
            raise self.error(name, "missing")
        return default

    def int_field(self, field: str, table: Mapping[str, Any] | None = None,
                  default: Any = _REQUIRED, prefix: str = "") -> int:
        value = self._get(self.raw if table is None else table, field, default, prefix + field)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(prefix + field, f"expected an integer, got {value!r}")
        if not -2**63 <= value < 2**63:
            raise self.error(prefix + field, f"does not fit in 64 bits: {value!r}")
        return value

    def float_field(self, field: str, table: Mapping[str, Any] | None = None,
                    default: Any = _REQUIRED, prefix: str = "") -> float:
        value = self._get(self.raw if table is None else table, field, default, prefix + field)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(prefix + field, f"expected a number, got {value!r}")
        try:
            return float(value)
        except OverflowError:
            raise self.error(prefix + field, f"out of range: {value!r}") from None

    def rope_table(self) -> tuple[str, Mapping[str, Any] | None]:
        """The RoPE scaling object and its field (transformers 5: rope_parameters)."""
        for field in ("rope_scaling", "rope_parameters"):
            table = self.raw.get(field)
            if table is None:
                continue
            if not isinstance(table, Mapping):
                raise self.error(field, f"expected an object or null, got {table!r}")
            return field, table
        return "rope_scaling", None

    def yarn(self) -> Yarn | None:
        field, table = self.rope_table()
        if table is None:
            return None
        kind = table.get("type", table.get("rope_type"))
        if kind is None:
            raise self.error(f"{field}.type", "missing")
        if kind == "default":
            return None
        if kind != "yarn":
            raise self.error(f"{field}.type",
                             f"unsupported rope scaling type {kind!r} (supported: 'yarn')")
        # Defaults as in DeepSeek's DeepseekV2YarnRotaryEmbedding and attention.
        prefix = f"{field}."
        values = dict(
            factor=self.float_field("factor", table, prefix=prefix),
            original_max_position=self.int_field(
                "original_max_position_embeddings", table, 4096, prefix),
            beta_fast=self.float_field("beta_fast", table, 32.0, prefix),
            beta_slow=self.float_field("beta_slow", table, 1.0, prefix),
            mscale=self.float_field("mscale", table, 1.0, prefix),
            mscale_all_dim=self.float_field("mscale_all_dim", table, 0.0, prefix),
        )
        try:
            return Yarn(**values)
        except FieldError as error:
            raise self.error(prefix + _HF_NAMES.get(error.field, error.field),
                             error.problem) from None

    def rope_theta(self) -> float:
        field, table = self.rope_table()
        if "rope_theta" not in self.raw and table is not None and "rope_theta" in table:
            return self.float_field("rope_theta", table, prefix=f"{field}.")
        return self.float_field("rope_theta", default=_HF_ROPE_THETA)

    def rope_style(self) -> str:
        interleave = self.raw.get("rope_interleave", True)
        if not isinstance(interleave, bool):
            raise self.error("rope_interleave", f"expected true or false, got {interleave!r}")
        return "interleaved" if interleave else "half"

    def q_lora_rank(self) -> int:
        if "q_lora_rank" not in self.raw:
            raise self.error("q_lora_rank", "missing (null: no query compression)")
        if self.raw["q_lora_rank"] is None:
            return 0
        return self.int_field("q_lora_rank")

    def config(self) -> MLAConfig:
        # The block has no bias inputs: a biased projection would be
        # computed without its bias, a wrong answer.
        bias = self.raw.get("attention_bias", False)
        if bias is not False and bias is not None:
            raise self.error("attention_bias",
                             f"{bias!r} is not supported (the mla block's projections "
                             "have no bias inputs)")
        # The block computes in the operands' type; quantized checkpoints are
        # dequantized by the importer, which reads only what this accepts.
        hf_quantization(self.raw, self.origin)
        fields = dict(
            heads=self.int_field("num_attention_heads"),
            hidden=self.int_field("hidden_size"),
            q_lora_rank=self.q_lora_rank(),
            kv_lora_rank=self.int_field("kv_lora_rank"),
            qk_nope_dim=self.int_field("qk_nope_head_dim"),
            qk_rope_dim=self.int_field("qk_rope_head_dim"),
            v_head_dim=self.int_field("v_head_dim"),
            rope_theta=self.rope_theta(),
            rope_style=self.rope_style(),
            rms_eps=self.float_field("rms_norm_eps", default=_HF_RMS_EPS),
            yarn=self.yarn(),
        )
        try:
            return MLAConfig(**fields)
        except FieldError as error:
            raise self.error(_HF_NAMES.get(error.field, error.field), error.problem) from None


@dataclass(frozen=True)
class Fp8Blocks:
    """Block-scaled fp8 weights: float8_e4m3fn values, one float32 scale per block."""

    rows: int = 128
    columns: int = 128


def hf_quantization(raw: Mapping[str, Any], origin: str = "config") -> Fp8Blocks | None:
    """The checkpoint's weight quantization from config.json's quantization_config.

    None when there is none; Fp8Blocks for DeepSeek's block-scaled e4m3 fp8;
    ValueError for anything else (the weights could not be read as written).
    """
    table = raw.get("quantization_config")
    if table is None:
        return None
    field = "quantization_config"
    if not isinstance(table, Mapping):
        raise ValueError(f"{origin}: field '{field}': expected an object, got {table!r}")
    method = table.get("quant_method")
    if method != "fp8":
        raise ValueError(f"{origin}: field '{field}.quant_method': {method!r} is not supported "
                         "(supported: 'fp8', block-scaled e4m3 as DeepSeek-V3 ships)")
    fmt = table.get("fmt", "e4m3")
    if fmt != "e4m3":
        raise ValueError(f"{origin}: field '{field}.fmt': {fmt!r} is not supported "
                         "(supported: 'e4m3')")
    block = table.get("weight_block_size")
    if not (isinstance(block, list) and len(block) == 2
            and all(isinstance(b, int) and not isinstance(b, bool) and b > 0 for b in block)):
        raise ValueError(f"{origin}: field '{field}.weight_block_size': expected two positive "
                         f"integers, got {block!r} (per-tensor fp8 is not supported)")
    return Fp8Blocks(*block)
