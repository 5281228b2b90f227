//===- MLAAttrs.cpp - Attributes of the mla dialect -------------*- C++ -*-===//
//
// Verification of `#mla.config` and `#mla.yarn`, and the numbers derived from
// them (YaRN's mscale, the effective softmax scale).
//
//===----------------------------------------------------------------------===//

#include "mla/Dialect/MLA/IR/MLA.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::mla;

#include "mla/Dialect/MLA/IR/MLAEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "mla/Dialect/MLA/IR/MLAAttrs.cpp.inc"

void MLADialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "mla/Dialect/MLA/IR/MLAAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// YarnAttr
//===----------------------------------------------------------------------===//

LogicalResult YarnAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               APFloat factorAttr, int64_t originalMaxPosition,
                               APFloat betaFastAttr, APFloat betaSlowAttr,
                               APFloat mscaleAttr, APFloat mscaleAllDimAttr) {
  double factor = factorAttr.convertToDouble();
  double betaFast = betaFastAttr.convertToDouble();
  double betaSlow = betaSlowAttr.convertToDouble();
  double mscale = mscaleAttr.convertToDouble();
  double mscaleAllDim = mscaleAllDimAttr.convertToDouble();
  for (auto [name, value] : {std::pair<const char *, double>{"factor", factor},
                             {"beta_fast", betaFast},
                             {"beta_slow", betaSlow},
                             {"mscale", mscale},
                             {"mscale_all_dim", mscaleAllDim}}) {
    if (!std::isfinite(value))
      return emitError() << "expects yarn " << name << " to be finite, found "
                         << value;
  }
  if (!(factor >= 1.0))
    return emitError() << "expects yarn factor to be at least 1, found "
                       << factor;
  if (originalMaxPosition <= 0)
    return emitError()
           << "expects yarn original_max_position to be positive, found "
           << originalMaxPosition;
  // Rotation counts: the correction dims divide by them.
  if (!(betaSlow > 0.0) || !(betaFast > betaSlow))
    return emitError() << "expects yarn beta_fast (" << betaFast
                       << ") > beta_slow (" << betaSlow << ") > 0";
  if (!(mscale >= 0.0) || !(mscaleAllDim >= 0.0))
    return emitError() << "expects yarn mscale (" << mscale
                       << ") and mscale_all_dim (" << mscaleAllDim
                       << ") to be non-negative";
  return success();
}

double YarnAttr::getMScale(double coefficient) const {
  // DeepSeek's yarn_get_mscale: no correction without context extension.
  double factor = getFactorValue();
  if (factor <= 1.0)
    return 1.0;
  return 0.1 * coefficient * std::log(factor) + 1.0;
}

//===----------------------------------------------------------------------===//
// ConfigAttr
//===----------------------------------------------------------------------===//

/// The largest size a config dimension may have: far above any real model,
/// small enough that products such as heads * (qk_nope_dim + qk_rope_dim)
/// cannot overflow.
static constexpr int64_t kMaxConfigDim = int64_t(1) << 24;

LogicalResult ConfigAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t heads, int64_t hidden,
                                 int64_t qLoraRank, int64_t kvLoraRank,
                                 int64_t qkNopeDim, int64_t qkRopeDim,
                                 int64_t vHeadDim, APFloat ropeThetaAttr,
                                 RopeStyle ropeStyle, APFloat rmsEpsAttr,
                                 YarnAttr yarn,
                                 std::optional<APFloat> softmaxScaleAttr) {
  double ropeTheta = ropeThetaAttr.convertToDouble();
  double rmsEps = rmsEpsAttr.convertToDouble();
  std::optional<double> softmaxScale;
  if (softmaxScaleAttr)
    softmaxScale = softmaxScaleAttr->convertToDouble();
  struct Positive {
    const char *name;
    int64_t value;
  };
  for (Positive p :
       {Positive{"heads", heads}, Positive{"hidden", hidden},
        Positive{"kv_lora_rank", kvLoraRank},
        Positive{"qk_nope_dim", qkNopeDim}, Positive{"qk_rope_dim", qkRopeDim},
        Positive{"v_head_dim", vHeadDim}}) {
    if (p.value <= 0)
      return emitError() << "expects " << p.name << " to be positive, found "
                         << p.value;
    // Products of dims (heads * head dims) must not overflow int64_t.
    if (p.value > kMaxConfigDim)
      return emitError() << "expects " << p.name << " to be at most "
                         << kMaxConfigDim << ", found " << p.value;
  }
  if (qLoraRank > kMaxConfigDim)
    return emitError() << "expects q_lora_rank to be at most " << kMaxConfigDim
                       << ", found " << qLoraRank;
  if (qLoraRank < 0)
    return emitError() << "expects q_lora_rank to be non-negative (0: no "
                          "query compression), found "
                       << qLoraRank;
  if (qkRopeDim % 2 != 0)
    return emitError() << "expects qk_rope_dim to be even (RoPE rotates "
                          "pairs), found "
                       << qkRopeDim;
  if (!(ropeTheta > 0.0) || !std::isfinite(ropeTheta))
    return emitError() << "expects rope_theta to be positive and finite, "
                          "found "
                       << ropeTheta;
  if (!(rmsEps > 0.0) || !std::isfinite(rmsEps))
    return emitError() << "expects rms_eps to be positive and finite, found "
                       << rmsEps;
  if (softmaxScale && !(*softmaxScale > 0.0 && std::isfinite(*softmaxScale)))
    return emitError() << "expects softmax_scale to be positive and finite, "
                          "found "
                       << *softmaxScale;
  return success();
}

double ConfigAttr::getEffectiveSoftmaxScale() const {
  if (std::optional<APFloat> explicitScale = getSoftmaxScale())
    return explicitScale->convertToDouble();
  double scale = 1.0 / std::sqrt(static_cast<double>(getQkHeadDim()));
  if (YarnAttr yarn = getYarn()) {
    // DeepSeek multiplies the scale by mscale(factor, mscale_all_dim)²: the
    // attention logits grow with the extended context. Forgetting the square
    // is the classic porting bug (DESIGN §1).
    double m = yarn.getMScale(yarn.getMscaleAllDimValue());
    scale *= m * m;
  }
  return scale;
}

std::optional<std::pair<double, double>>
ConfigAttr::getYarnCorrectionRange() const {
  YarnAttr yarn = getYarn();
  if (!yarn)
    return std::nullopt;
  // HF DeepseekV2YarnRotaryEmbedding: pairs that turn more than beta_fast
  // times over the original context keep their frequency, those turning
  // fewer than beta_slow times are interpolated, with a linear ramp between
  // the two correction dims.
  int64_t dim = getQkRopeDim();
  double base = getRopeThetaValue();
  auto correctionDim = [&](double rotations) {
    return dim *
           std::log(yarn.getOriginalMaxPosition() / (rotations * 2 * M_PI)) /
           (2 * std::log(base));
  };
  double low = std::max(
      std::floor(correctionDim(yarn.getBetaFast().convertToDouble())), 0.0);
  double high =
      std::min(std::ceil(correctionDim(yarn.getBetaSlow().convertToDouble())),
               static_cast<double>(dim - 1));
  if (low == high)
    high += 0.001; // The ramp must not divide by zero.
  return std::make_pair(low, high);
}

double ConfigAttr::getRopeMagnitude() const {
  YarnAttr yarn = getYarn();
  if (!yarn)
    return 1.0;
  // As transformers computes YaRN's attention factor: the ratio only when
  // both coefficients are set (non-zero), else m(factor, 1) — so mscale
  // without mscale_all_dim is ignored (docs/rationale.md).
  if (yarn.getMscaleValue() == 0.0 || yarn.getMscaleAllDimValue() == 0.0)
    return yarn.getMScale(1.0);
  return yarn.getMScale(yarn.getMscaleValue()) /
         yarn.getMScale(yarn.getMscaleAllDimValue());
}

//===----------------------------------------------------------------------===//
// Tiling attributes
//===----------------------------------------------------------------------===//

/// Every tiling parameter is a positive count.
static LogicalResult
verifyPositive(function_ref<InFlightDiagnostic()> emitError, StringRef attr,
               ArrayRef<std::pair<StringRef, int64_t>> parameters) {
  for (auto [name, value] : parameters)
    if (value < 1)
      return emitError() << "expects " << attr << " " << name
                         << " to be positive, found " << value;
  return success();
}

/// Each parameter at most its bound.
static LogicalResult
verifyBounded(function_ref<InFlightDiagnostic()> emitError, StringRef attr,
              ArrayRef<std::tuple<StringRef, int64_t, int64_t>> parameters) {
  for (auto [name, value, bound] : parameters)
    if (value > bound)
      return emitError() << "expects " << attr << " " << name
                         << " to be at most " << bound << ", found " << value;
  return success();
}

LogicalResult
DecodeTilingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         int64_t splits, int64_t blockTokens,
                         int64_t headsPerBlock, int64_t stages, MmaKind mma,
                         DecodeSchedule, DecodeLoads loads) {
  if (failed(verifyPositive(emitError, "decode_tiling",
                            {{"splits", splits},
                             {"block_tokens", blockTokens},
                             {"heads_per_block", headsPerBlock},
                             {"stages", stages}})) ||
      failed(verifyBounded(
          emitError, "decode_tiling",
          {{"splits", splits, kMaxSplits},
           {"block_tokens", blockTokens, kMaxBlockTokens},
           {"heads_per_block", headsPerBlock, kMaxHeadsPerBlock},
           {"stages", stages, kMaxStages}})))
    return failure();
  // The TMA loads are written for the wgmma kernel's swizzled tiles.
  if (loads == DecodeLoads::Tma && mma != MmaKind::Warpgroup)
    return emitError() << "expects decode_tiling loads = tma with mma = "
                          "warpgroup, found mma = "
                       << stringifyMmaKind(mma);
  return success();
}

LogicalResult
PrefillTilingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                          int64_t blockQueries, int64_t blockKeys,
                          int64_t prefixChunk, DecodeLoads loads, bool producer,
                          MmaKind mma) {
  // The TMA loads fill the wgmma kernel's swizzled tiles.
  if (loads == DecodeLoads::Tma && mma != MmaKind::Warpgroup)
    return emitError() << "expects prefill_tiling loads = tma with mma = "
                          "warpgroup, found mma = "
                       << stringifyMmaKind(mma);
  // The producer warpgroup issues TMA loads.
  if (producer && loads != DecodeLoads::Tma)
    return emitError() << "expects prefill_tiling producer = true with loads "
                          "= tma, found loads = "
                       << stringifyDecodeLoads(loads);
  if (failed(verifyPositive(emitError, "prefill_tiling",
                            {{"block_queries", blockQueries},
                             {"block_keys", blockKeys},
                             {"prefix_chunk", prefixChunk}})))
    return failure();
  return verifyBounded(emitError, "prefill_tiling",
                       {{"block_queries", blockQueries, kMaxBlock},
                        {"block_keys", blockKeys, kMaxBlock},
                        {"prefix_chunk", prefixChunk, kMaxPrefixChunk}});
}

LogicalResult TargetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 StringRef name, StringRef chipName,
                                 int64_t sms, int64_t sharedMemory,
                                 int64_t registers, APFloat bandwidth,
                                 APFloat tensorRate, APFloat f32Rate) {
  if (name.empty())
    return emitError() << "expects target name to be non-empty";
  std::optional<ChipDescription> chip = mla::getChip(chipName);
  if (!chip)
    return emitError() << "expects target chip to be one of " << getChipNames()
                       << ", found '" << chipName << "'";
  if (failed(verifyPositive(emitError, "target",
                            {{"sms", sms},
                             {"shared_memory", sharedMemory},
                             {"registers", registers}})))
    return failure();
  if (sharedMemory > chip->sharedMemoryPerBlock)
    return emitError() << "expects target shared_memory (" << sharedMemory
                       << ") to be at most " << chip->name << "'s "
                       << chip->sharedMemoryPerBlock;
  if (registers > 65536)
    return emitError() << "expects target registers (" << registers
                       << ") to be at most 65536";
  for (auto [rateName, rate] : {std::pair<StringRef, APFloat>{"bandwidth",
                                                              bandwidth},
                                {"tensor_rate", tensorRate},
                                {"f32_rate", f32Rate}}) {
    double value = rate.convertToDouble();
    if (!std::isfinite(value) || value <= 0)
      return emitError() << "expects target " << rateName
                         << " to be positive and finite, found " << value;
  }
  return success();
}
