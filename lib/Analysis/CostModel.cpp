//===- CostModel.cpp - Roofline cost model of MLA attention -----*- C++ -*-===//
//
// Counts, per stage of each attention form, the bytes that must cross HBM
// (each operand read once, each result written once) and the FLOPs (2 per
// multiply-add), and times the stage as max(bytes / bandwidth, FLOPs /
// rate). Causal attention counts only the unmasked (query, key) pairs.
//
//===----------------------------------------------------------------------===//

#include "mla/Analysis/CostModel.h"
#include "mla/Analysis/DecodePlan.h"
#include "mla/Analysis/PrefillPlan.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::mla;

TargetDescription mla::getTargetDescription(TargetAttr target) {
  ChipDescription chip = target.getChipDescription();
  chip.sharedMemoryPerBlock = target.getSharedMemory();
  return TargetDescription{target.getName().str(),   target.getBandwidthValue(),
                           target.getTensorRateValue(), target.getF32RateValue(),
                           target.getSms(),          target.getRegisters(),
                           chip};
}

TargetDescription mla::getTarget(Operation *anchor) {
  TargetAttr target = TargetAttr::lookup(anchor);
  if (!target)
    target = TargetAttr::getPreset(anchor->getContext(), "h100");
  return getTargetDescription(target);
}

AttentionShape mla::getAttentionShape(ConfigAttr config,
                                      RankedTensorType queries,
                                      int64_t cacheLength, bool causal,
                                      int64_t assumedCacheLength) {
  auto known = [](int64_t size, int64_t fallback) {
    return ShapedType::isDynamic(size) ? fallback : size;
  };
  return AttentionShape{
      config,
      known(queries.getDimSize(0), 1),
      known(queries.getDimSize(1), 1),
      known(cacheLength, assumedCacheLength),
      std::max<int64_t>(1, queries.getElementTypeBitWidth() / 8),
      causal,
      /*pageSize=*/0,
      queries.getElementType()};
}

int64_t mla::getCachePositions(Value blockTable, Value cache) {
  int64_t pages = cast<RankedTensorType>(blockTable.getType()).getDimSize(1);
  int64_t pageSize = cast<RankedTensorType>(cache.getType()).getDimSize(1);
  if (ShapedType::isDynamic(pages) || ShapedType::isDynamic(pageSize))
    return ShapedType::kDynamic;
  return pages * pageSize;
}

double FormCost::bytes() const {
  double total = 0;
  for (const Stage &stage : stages)
    total += stage.bytes;
  return total;
}

double FormCost::flops() const {
  double total = 0;
  for (const Stage &stage : stages)
    total += stage.flops;
  return total;
}

double FormCost::seconds() const {
  double total = 0;
  for (const Stage &stage : stages)
    total += stage.seconds;
  return total;
}

namespace {

double computeRate(int64_t elementBytes, const TargetDescription &target) {
  return elementBytes <= 2 ? target.tensorFlops16 : target.flops32;
}

Stage makeStage(StringRef name, double bytes, double flops,
                const AttentionShape &shape, const TargetDescription &target) {
  double seconds = std::max(bytes / target.memoryBandwidth,
                            flops / computeRate(shape.elementBytes, target));
  return Stage{name.str(), bytes, flops, seconds};
}

/// (query, key) pairs per head that attention computes: all of them, or
/// with causal masking only keys up to each query's own position.
double attendedPairs(const AttentionShape &shape) {
  double s = shape.queries, t = shape.cacheLength;
  double perRequest = shape.causal ? s * t - s * (s - 1) / 2 : s * t;
  return shape.batch * perRequest;
}

/// The sizes a form's byte and FLOP counts are written in, as doubles.
struct Sizes {
  double e, b, s, t, h, n, r, v, l;
  explicit Sizes(const AttentionShape &shape)
      : e(shape.elementBytes), b(shape.batch), s(shape.queries),
        t(shape.cacheLength), h(shape.config.getHeads()),
        n(shape.config.getQkNopeDim()), r(shape.config.getQkRopeDim()),
        v(shape.config.getVHeadDim()), l(shape.config.getKvLoraRank()) {}
};

} // namespace

FormCost mla::estimateDecompressed(const AttentionShape &shape,
                                   const TargetDescription &target) {
  auto [e, b, s, t, h, n, r, v, l] = Sizes(shape);
  FormCost form{"decompressed", {}};
  // Every cached token of every request, up-projected per head: the latent
  // is read once, K_nope and V written once.
  form.stages.push_back(
      makeStage("gather + decompress K, V",
                e * (b * t * (l + r) + h * l * (n + v) + b * t * h * (n + v)),
                2 * b * t * h * l * (n + v), shape, target));
  form.stages.push_back(makeStage(
      "attention (MHA " + std::to_string(int64_t(n + r)) + "/" +
          std::to_string(int64_t(v)) + ")",
      e * (b * s * h * (n + r) + b * t * (h * n + r + h * v) + b * s * h * v),
      2 * attendedPairs(shape) * h * (n + r + v), shape, target));
  return form;
}

FormCost mla::estimateAbsorbed(const AttentionShape &shape,
                               const TargetDescription &target) {
  auto [e, b, s, t, h, n, r, v, l] = Sizes(shape);
  FormCost form{"absorbed", {}};
  form.stages.push_back(
      makeStage("query absorption (q_nope W_UK^T)",
                e * (b * s * h * n + h * l * n + b * s * h * l),
                2 * b * s * h * n * l, shape, target));
  // The latent cache is read once for all heads of a request.
  form.stages.push_back(
      makeStage("latent attention (MQA " + std::to_string(int64_t(l + r)) +
                    "/" + std::to_string(int64_t(l)) + ")",
                e * (b * t * (l + r) + b * s * h * (l + r) + b * s * h * l),
                2 * attendedPairs(shape) * h * (l + r + l), shape, target));
  form.stages.push_back(
      makeStage("value projection (o_lat W_UV)",
                e * (b * s * h * l + h * l * v + b * s * h * v),
                2 * b * s * h * l * v, shape, target));
  return form;
}

int64_t mla::crossoverQueries(const AttentionShape &shape,
                              const TargetDescription &target) {
  // Bisection on the number of queries: absorbed wins below the crossover.
  AttentionShape probe = shape;
  auto decompressedWins = [&](int64_t queries) {
    probe.queries = queries;
    probe.cacheLength = std::max(shape.cacheLength, queries);
    return estimateDecompressed(probe, target).seconds() <=
           estimateAbsorbed(probe, target).seconds();
  };
  int64_t low = 1, high = std::max<int64_t>(shape.cacheLength, 1);
  if (decompressedWins(low))
    return low;
  if (!decompressedWins(high))
    return high + 1;
  while (high - low > 1) {
    int64_t middle = low + (high - low) / 2;
    if (decompressedWins(middle))
      high = middle;
    else
      low = middle;
  }
  return high;
}

static FoldCost makeFold(StringRef name, double separateParams,
                         double foldedParams, double separateFlops,
                         double foldedFlops, int64_t tokens,
                         int64_t elementBytes,
                         const TargetDescription &target) {
  double rate = computeRate(elementBytes, target);
  auto time = [&](double params, double flopsPerToken) {
    return std::max(params * elementBytes / target.memoryBandwidth,
                    tokens * flopsPerToken / rate);
  };
  return FoldCost{name.str(),
                  separateParams,
                  foldedParams,
                  separateFlops,
                  foldedFlops,
                  time(separateParams, separateFlops),
                  time(foldedParams, foldedFlops)};
}

FoldCost mla::estimateQueryFold(ConfigAttr c, int64_t tokens,
                                int64_t elementBytes,
                                const TargetDescription &target) {
  // c_Q [Q] · W_UQ_nope [Q, H·N] then per head · W_UK_iᵀ [N, L], against
  // c_Q · (W_UQ_nope ·_N W_UKᵀ) [Q, H·L]. Without query compression the
  // input is the hidden state (Q = D).
  double q = c.hasQueryCompression() ? c.getQLoraRank() : c.getHidden();
  double h = c.getHeads(), n = c.getQkNopeDim(), l = c.getKvLoraRank();
  return makeFold("W_UQ·W_UK^T", q * h * n + h * l * n, q * h * l,
                  2 * (q * h * n + h * n * l), 2 * q * h * l, tokens,
                  elementBytes, target);
}

FoldCost mla::estimateOutputFold(ConfigAttr c, int64_t tokens,
                                 int64_t elementBytes,
                                 const TargetDescription &target) {
  // o_lat_i [L] · W_UV_i [L, V] then concat · W_O [H·V, D], against
  // o_lat · (W_UV ·_V W_O) [H·L, D].
  double h = c.getHeads(), l = c.getKvLoraRank(), v = c.getVHeadDim(),
         d = c.getHidden();
  return makeFold("W_UV·W_O", h * l * v + h * v * d, h * l * d,
                  2 * (h * l * v + h * v * d), 2 * h * l * d, tokens,
                  elementBytes, target);
}

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

DecodeTilingAttr mla::chooseDecodeTiling(const AttentionShape &shape,
                                         const TargetDescription &target,
                                         MmaKind mma, DecodeSchedule schedule,
                                         DecodeLoads loads) {
  ConfigAttr c = shape.config;
  MLIRContext *context = c.getContext();
  int64_t queries = std::max<int64_t>(shape.queries, 1);
  int64_t heads = c.getHeads();
  int64_t headsPerBlock = std::clamp<int64_t>(64 / queries, 1, heads);
  // Candidates are sized and checked by the planning function; a dynamic
  // page size as 64-token pages (such ops stay on the generic path, their
  // tiling only a record).
  DecodeProblem problem;
  problem.elementType = shape.elementType;
  bool tensorCoreType = problem.elementType && (problem.elementType.isBF16() ||
                                                problem.elementType.isF16());
  problem.heads = heads;
  problem.queries = queries;
  problem.latent = c.getKvLoraRank();
  problem.rope = c.getQkRopeDim();
  problem.nope = c.getQkNopeDim();
  problem.value = c.getVHeadDim();
  problem.pageSize = shape.pageSize > 0 ? shape.pageSize : 64;
  problem.causal = shape.causal;
  auto plan = [&](MmaKind kind, int64_t blockTokens, int64_t stages,
                  DecodeLoads tileLoads) -> std::optional<DecodeKernelPlan> {
    std::string reason;
    FailureOr<DecodeKernelPlan> result = planDecodeKernels(
        problem,
        DecodeTilingAttr::get(context, /*splits=*/1, blockTokens,
                              headsPerBlock, stages, kind, schedule,
                              tileLoads),
        target, reason);
    if (failed(result))
      return std::nullopt;
    return *result;
  };
  // The wgmma kernel where asked for and it plans: tiles of 64 tokens (an
  // m64n64 score tile), or 32; TMA loads where asked for and the pages
  // (of a known size) suit them. Otherwise mma.sync with tiles of 32 tokens, or 16 where two
  // stages of 32 do not fit (the A100's 163 KiB).
  std::optional<DecodeKernelPlan> chosen;
  if (tensorCoreType && mma == MmaKind::Warpgroup) {
    for (int64_t blockTokens : {64, 32}) {
      if (loads == DecodeLoads::Tma && shape.pageSize > 0)
        chosen = plan(MmaKind::Warpgroup, blockTokens, 2, DecodeLoads::Tma);
      if (!chosen)
        chosen = plan(MmaKind::Warpgroup, blockTokens, 2,
                      DecodeLoads::AsyncCopy);
      if (chosen)
        break;
    }
  }
  for (int64_t blockTokens : {32, 16}) {
    if (tensorCoreType && !chosen)
      chosen = plan(MmaKind::Sync, blockTokens, 2, DecodeLoads::AsyncCopy);
  }
  // The kernels cannot take the op whatever its tiling (f32, dimensions
  // that do not cut into MMA steps): it stays on the generic path, which
  // ignores the tiling, with the mma.sync default sized for its splits.
  if (!chosen)
    chosen = sizeDecodeKernels(
        problem, DecodeTilingAttr::get(context, 1, 32, headsPerBlock, 2,
                                       MmaKind::Sync, schedule,
                                       DecodeLoads::AsyncCopy));
  // Stages: the most tiles in flight per SM (CTAs per SM × prefetched
  // tiles), fewer stages on a tie.
  DecodeKernelPlan kernel = *chosen;
  int64_t bestInFlight = 0, perSM = 1;
  for (int64_t s = 2; s <= 4; ++s) {
    std::optional<DecodeKernelPlan> staged =
        plan(kernel.mma, kernel.blockTokens, s, kernel.loads);
    if (!staged)
      break;
    int64_t ctas =
        std::min(target.chip.sharedMemoryPerBlock / staged->sharedBytes(),
                 2048 / staged->threads());
    if (ctas * (s - 1) > bestInFlight) {
      bestInFlight = ctas * (s - 1);
      kernel = *staged;
      perSM = ctas;
    }
  }
  // Splits: the fewest waves of CTAs per unit of work; another split only
  // for a gain of 10% or more (each split adds a partial output to write
  // and the combine, inside the value product, to read it).
  int64_t blocks = shape.batch * kernel.rowBlocks();
  int64_t slots = target.smCount * perSM;
  int64_t tiles =
      std::max<int64_t>(ceilDiv(shape.cacheLength, kernel.blockTokens), 1);
  // A split pays a Q tile load and a partial output's round trip through
  // the combine: at least kMinTilesPerSplit tiles each (measured on the
  // H100 at batch 1, 8192 tokens, wgmma: 32 splits of 4 tiles 80 us, 65 of
  // 2 tiles 90 us, 130 of 1 tile 117 us).
  constexpr int64_t kMinTilesPerSplit = 4;
  int64_t maxSplits = std::max<int64_t>(
      1, std::min<int64_t>(tiles / kMinTilesPerSplit, 4 * slots));
  int64_t splits = 1;
  double best = std::numeric_limits<double>::infinity();
  for (int64_t s = 1; s <= maxSplits; ++s) {
    double time = static_cast<double>(ceilDiv(blocks * s, slots)) /
                  static_cast<double>(s);
    if (time < best * 0.9) {
      best = time;
      splits = s;
    }
  }
  return DecodeTilingAttr::get(context, splits, kernel.blockTokens,
                               headsPerBlock, kernel.stages, kernel.mma,
                               schedule, kernel.loads);
}

PrefillTilingAttr mla::choosePrefillTiling(const AttentionShape &shape,
                                           const TargetDescription &target) {
  ConfigAttr c = shape.config;
  int64_t blockQueries = shape.queries >= 128 ? 128 : 64;
  int64_t blockKeys = 128;
  // wgmma where the chip has it, else the mma.sync kernel (sm_80 .. sm_89;
  // its prefill.test lines passed on an H100, docs/prefill-kernel.md).
  MmaKind mma = target.chip.warpgroupMMA ? MmaKind::Warpgroup : MmaKind::Sync;
  // The kernel's shared memory (PrefillPlan.h): Q, two stages of K and V
  // and the swizzle's alignment slack (P stays in registers).
  auto tileBytes = [&](int64_t keys) {
    PrefillKernelShape kernel;
    kernel.mma = mma;
    kernel.blockQueries = blockQueries;
    kernel.blockKeys = keys;
    kernel.queryDim = c.getQkHeadDim();
    kernel.valueDim = c.getVHeadDim();
    kernel.elementBytes = shape.elementBytes;
    return kernel.sharedBytes();
  };
  while (blockKeys > 16 && tileBytes(blockKeys) > target.chip.sharedMemoryPerBlock)
    blockKeys /= 2;
  int64_t blocks =
      shape.batch * c.getHeads() * ceilDiv(shape.queries, blockQueries);
  int64_t chunks = std::clamp<int64_t>(ceilDiv(target.smCount, blocks), 1,
                                       ceilDiv(shape.cacheLength, blockKeys));
  int64_t prefixChunk =
      ceilDiv(ceilDiv(shape.cacheLength, chunks), blockKeys) * blockKeys;
  // Where the chip has TMA (the wgmma chips): TMA loads, and with two
  // warpgroups of query rows the warp-specialised kernel — measured on an
  // H100 at 1.35–1.57× the cp.async kernel's speed (TMA alone 1.2–1.3×;
  // docs/prefill-kernel.md).
  // (Only for the kernel's 2-byte types: other ops stay generic, their
  // tiling a record.)
  bool tma = target.chip.warpgroupMMA && shape.elementBytes == 2;
  return PrefillTilingAttr::get(c.getContext(), blockQueries, blockKeys,
                                prefixChunk,
                                tma ? DecodeLoads::Tma : DecodeLoads::AsyncCopy,
                                /*producer=*/tma && blockQueries == 128, mma);
}

namespace {

std::string human(double value, StringRef unit) {
  const char *prefixes[] = {"", "K", "M", "G", "T", "P"};
  int index = 0;
  while (std::fabs(value) >= 1000 && index < 5) {
    value /= 1000;
    ++index;
  }
  return llvm::formatv("{0:f2} {1}{2}", value, prefixes[index], unit).str();
}

std::string humanTime(double seconds) {
  if (seconds >= 1e-3)
    return llvm::formatv("{0:f3} ms", seconds * 1e3).str();
  return llvm::formatv("{0:f2} us", seconds * 1e6).str();
}

void printForm(raw_ostream &os, const FormCost &form) {
  for (const Stage &stage : form.stages)
    os << llvm::formatv("  {0,-13} {1,-36} {2,12} {3,14} {4,11}\n",
                        &stage == &form.stages.front() ? form.name : "",
                        stage.name, human(stage.bytes, "B"),
                        human(stage.flops, "FLOP"), humanTime(stage.seconds));
  os << llvm::formatv("  {0,-13} {1,-36} {2,12} {3,14} {4,11}\n", "", "total",
                      human(form.bytes(), "B"), human(form.flops(), "FLOP"),
                      humanTime(form.seconds()));
}

void printFold(raw_ostream &os, const FoldCost &fold) {
  os << llvm::formatv(
      "  fold {0}: {1} -> {2} params, {3} -> {4} per token, {5} -> {6}: {7}\n",
      fold.name, human(fold.separateParams, ""), human(fold.foldedParams, ""),
      human(fold.separateFlopsPerToken, "FLOP"),
      human(fold.foldedFlopsPerToken, "FLOP"), humanTime(fold.separateSeconds),
      humanTime(fold.foldedSeconds), fold.pays() ? "pays" : "does not pay");
}

} // namespace

void mla::printReport(raw_ostream &os, const AttentionShape &shape,
                      const TargetDescription &target,
                      const FormCost &decompressed, const FormCost &absorbed) {
  ConfigAttr c = shape.config;
  os << llvm::formatv("  target {0}: HBM {1}/s, tensor cores {2}/s (16-bit), "
                      "{3}/s (f32), {4} SMs\n",
                      target.name, human(target.memoryBandwidth, "B"),
                      human(target.tensorFlops16, "FLOP"),
                      human(target.flops32, "FLOP"), target.smCount);
  os << llvm::formatv("  shape: batch {0}, queries/request {1}, cache {2}, "
                      "heads {3}, latent {4}+{5}, heads dims {6}+{5}/{7}, "
                      "{8} B/element{9}\n",
                      shape.batch, shape.queries, shape.cacheLength,
                      c.getHeads(), c.getKvLoraRank(), c.getQkRopeDim(),
                      c.getQkNopeDim(), c.getVHeadDim(), shape.elementBytes,
                      shape.causal ? ", causal" : "");
  os << llvm::formatv("  {0,-13} {1,-36} {2,12} {3,14} {4,11}\n", "form",
                      "stage", "bytes", "FLOPs", "time");
  printForm(os, decompressed);
  printForm(os, absorbed);
  bool absorbedWins = absorbed.seconds() < decompressed.seconds();
  double ratio = absorbedWins ? decompressed.seconds() / absorbed.seconds()
                              : absorbed.seconds() / decompressed.seconds();
  os << llvm::formatv("  choice: {0} ({1} form), {2:f1}x faster than the "
                      "other; absorbed wins below {3} queries per request\n",
                      absorbedWins ? "decode" : "prefill",
                      absorbedWins ? "absorbed" : "decompressed", ratio,
                      crossoverQueries(shape, target));
  int64_t tokens = shape.batch * shape.queries;
  printFold(os, estimateQueryFold(c, tokens, shape.elementBytes, target));
  printFold(os, estimateOutputFold(c, tokens, shape.elementBytes, target));
}
