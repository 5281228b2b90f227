//===- DecodePlan.cpp - Every size of the decode kernels --------*- C++ -*-===//
//
// planDecodeKernels: the legality of a tiling for a fused decode on a target
// and every size derived from it, computed in one place for the cost model,
// convert-mla-to-gpu and the kernel emitter.
//
//===----------------------------------------------------------------------===//

#include "mla/Analysis/DecodePlan.h"

#include "llvm/ADT/Twine.h"

using namespace mlir;
using namespace mlir::mla;

DecodeProblem DecodeProblem::get(ConfigAttr config, ShapedType query,
                                 ShapedType cache, bool causal) {
  auto known = [](int64_t size) {
    return ShapedType::isDynamic(size) ? 0 : size;
  };
  DecodeProblem problem;
  problem.elementType = cache.getElementType();
  problem.heads = config.getHeads();
  problem.queries = known(query.getDimSize(1));
  problem.latent = config.getKvLoraRank();
  problem.rope = config.getQkRopeDim();
  problem.nope = config.getQkNopeDim();
  problem.value = config.getVHeadDim();
  problem.pageSize = known(cache.getDimSize(1));
  problem.causal = causal;
  problem.softmaxScale = config.getEffectiveSoftmaxScale();
  return problem;
}

/// Whether the warpgroup kernel can run `kernel`'s shape: dims in 64-element
/// swizzle atoms, half the latent a wgmma N (≤ 256), 16 to 64 tokens per tile
/// in steps of 16. Fewer than 64 query rows per CTA are padded to the wgmma
/// M of 64 (memory-bound shapes: the padding's FLOPs are free).
static bool supportsWarpgroupKernel(const DecodeKernelShape &kernel,
                                    int64_t latent) {
  return kernel.tileRows <= 64 && kernel.dim % 64 == 0 && latent % 128 == 0 &&
         latent / 2 <= 256 && kernel.blockTokens % 16 == 0 &&
         kernel.blockTokens >= 16 && kernel.blockTokens <= 64;
}

/// Whether the wgmma kernel can load its KV tiles with TMA from a cache of
/// `pageSize`-token pages: a tile is one box of whole rows per 64-element
/// atom and page it touches, so either a page holds whole tiles (pageSize a
/// multiple of blockTokens) or a tile whole pages of at least the swizzle's
/// 8-row period (blockTokens a multiple of pageSize, pageSize a multiple
/// of 8).
static bool supportsTmaLoads(const DecodeKernelShape &kernel,
                             int64_t pageSize) {
  if (!kernel.warpgroup() || pageSize < 1)
    return false;
  if (pageSize % kernel.blockTokens == 0)
    return true;
  return kernel.blockTokens % pageSize == 0 && pageSize % 8 == 0;
}

DecodeKernelPlan mla::sizeDecodeKernels(const DecodeProblem &problem,
                                        DecodeTilingAttr tiling) {
  DecodeKernelPlan plan;
  static_cast<DecodeProblem &>(plan) = problem;
  plan.splits = tiling.getSplits();
  plan.blockTokens = tiling.getBlockTokens();
  plan.stages = std::max<int64_t>(tiling.getStages(), 2);
  plan.tileRows = std::min<int64_t>(
      64, ((tiling.getHeadsPerBlock() * std::max<int64_t>(plan.queries, 1) +
            15) /
           16) *
              16);
  plan.dim = plan.latent + plan.rope;
  plan.elementBytes = 2;
  plan.mma = tiling.getMma();
  plan.schedule = tiling.getSchedule();
  plan.loads = tiling.getLoads();
  return plan;
}

FailureOr<DecodeKernelPlan>
mla::planDecodeKernels(const DecodeProblem &problem, DecodeTilingAttr tiling,
                       const TargetDescription &target, std::string &reason) {
  auto fail = [&](const Twine &why) {
    reason = why.str();
    return failure();
  };
  DecodeKernelPlan plan = sizeDecodeKernels(problem, tiling);
  if (!plan.elementType || (!plan.elementType.isBF16() &&
                            !plan.elementType.isF16())) {
    std::string name = "an unknown type";
    if (plan.elementType) {
      name.clear();
      llvm::raw_string_ostream(name) << plan.elementType;
    }
    return fail("the tensor cores take bf16 or f16, not " + name);
  }
  if (plan.queries == 0)
    return fail("the query count is dynamic");
  if (plan.pageSize == 0)
    return fail("the page size is dynamic");
  // A tile row must fit shared memory (and no size below can overflow).
  constexpr int64_t kMaxDim = int64_t(1) << 16;
  if (plan.dim > kMaxDim || plan.nope > kMaxDim || plan.value > kMaxDim)
    return fail("kv_lora_rank + qk_rope_dim (" + Twine(plan.dim) +
                "), qk_nope_dim (" + Twine(plan.nope) + ") and v_head_dim (" +
                Twine(plan.value) + ") must be at most " + Twine(kMaxDim));
  // The split combine is unrolled over the splits.
  constexpr int64_t kMaxKernelSplits = 256;
  if (plan.splits > kMaxKernelSplits)
    return fail("the kernels combine at most " + Twine(kMaxKernelSplits) +
                " splits, not " + Twine(plan.splits));
  const ChipDescription &chip = target.chip;
  if (plan.warpgroup() && !chip.warpgroupMMA)
    return fail("mma = warpgroup needs wgmma (chip sm_90a), not " +
                chip.name);
  if (plan.warpgroup() && !supportsWarpgroupKernel(plan, plan.latent))
    return fail("mma = warpgroup needs kv_lora_rank a multiple of 128 up "
                "to 512, L + R a multiple of 64 and 16 to 64 tokens per "
                "tile");
  if (plan.tma() && !supportsTmaLoads(plan, plan.pageSize))
    return fail("loads = tma needs pages of whole tiles or tiles of whole "
                "pages of a multiple of 8 tokens (page size " +
                Twine(plan.pageSize) + ", block_tokens " +
                Twine(plan.blockTokens) + ")");
  if (plan.blockTokens % 16 != 0)
    return fail("block_tokens (" + Twine(plan.blockTokens) +
                ") is not a multiple of 16");
  if (plan.latent % (16 * plan.colSplits()) != 0 ||
      plan.dim % (16 * plan.colSplits()) != 0 || plan.rope % 8 != 0)
    return fail("kv_lora_rank (" + Twine(plan.latent) + ") and qk_rope_dim (" +
                Twine(plan.rope) + ") do not cut into 16-wide MMA steps for " +
                Twine(plan.colSplits()) + " warps");
  if (plan.nope % 64 != 0 || plan.value % 64 != 0 || plan.latent % 64 != 0)
    return fail("qk_nope_dim (" + Twine(plan.nope) + "), v_head_dim (" +
                Twine(plan.value) + ") and kv_lora_rank (" +
                Twine(plan.latent) +
                ") are not all multiples of the per-head products' 64-wide "
                "tiles");
  int64_t sharedLimit = chip.sharedMemoryPerBlock;
  if (plan.attentionSharedBytes() > sharedLimit)
    return fail("the tiles need " + Twine(plan.attentionSharedBytes()) +
                " bytes of shared memory, more than the target's " +
                Twine(sharedLimit));
  // The per-head products' CTAs: q_lat's, and o's (with the combined tile
  // when it combines the splits).
  int64_t productBytes =
      std::max(plan.productSharedBytes(plan.nope, false),
               plan.productSharedBytes(plan.latent, plan.combinesInProduct()));
  if (productBytes > sharedLimit)
    return fail("the weight products need " + Twine(productBytes) +
                " bytes of shared memory, more than the target's " +
                Twine(sharedLimit));
  return plan;
}
