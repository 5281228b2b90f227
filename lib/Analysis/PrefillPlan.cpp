//===- PrefillPlan.cpp - Every size of the prefill kernels ------*- C++ -*-===//
//
// planPrefillKernels: the legality of a tiling for a fused prefill on a
// target and every size derived from it, in one place for the cost model,
// convert-mla-to-gpu and the kernel emitter.
//
//===----------------------------------------------------------------------===//

#include "mla/Analysis/PrefillPlan.h"

#include "llvm/ADT/Twine.h"

using namespace mlir;
using namespace mlir::mla;

PrefillProblem PrefillProblem::get(ConfigAttr config, ShapedType query,
                                   ShapedType cache, bool causal) {
  PrefillProblem problem;
  problem.elementType = cache.getElementType();
  problem.heads = config.getHeads();
  problem.queries =
      ShapedType::isDynamic(query.getDimSize(1)) ? 0 : query.getDimSize(1);
  problem.latent = config.getKvLoraRank();
  problem.rope = config.getQkRopeDim();
  problem.nope = config.getQkNopeDim();
  problem.value = config.getVHeadDim();
  problem.causal = causal;
  problem.softmaxScale = config.getEffectiveSoftmaxScale();
  return problem;
}

PrefillKernelPlan mla::sizePrefillKernels(const PrefillProblem &problem,
                                          int64_t blockQueries,
                                          int64_t blockKeys) {
  PrefillKernelPlan plan;
  static_cast<PrefillProblem &>(plan) = problem;
  plan.blockQueries = blockQueries;
  plan.blockKeys = blockKeys;
  plan.stages = 2;
  plan.queryDim = problem.nope + problem.rope;
  plan.valueDim = problem.value;
  plan.elementBytes = 2;
  return plan;
}

FailureOr<PrefillKernelPlan>
mla::planPrefillKernels(const PrefillProblem &problem,
                        PrefillTilingAttr tiling,
                        const TargetDescription &target, std::string &reason) {
  auto fail = [&](const Twine &why) {
    reason = why.str();
    return failure();
  };
  PrefillKernelPlan plan = sizePrefillKernels(
      problem, tiling.getBlockQueries(), tiling.getBlockKeys());
  plan.loads = tiling.getLoads();
  plan.producer = tiling.getProducer();
  plan.mma = tiling.getMma();
  if (!plan.elementType ||
      (!plan.elementType.isBF16() && !plan.elementType.isF16())) {
    std::string name = "an unknown type";
    if (plan.elementType) {
      name.clear();
      llvm::raw_string_ostream(name) << plan.elementType;
    }
    return fail("the tensor cores take bf16 or f16, not " + name);
  }
  if (!plan.mmaSync() && !target.chip.warpgroupMMA)
    return fail("the prefill kernel with mma = warpgroup needs wgmma (chip "
                "sm_90a), not " +
                target.chip.name);
  constexpr int64_t kMaxDim = int64_t(1) << 16;
  if (plan.nope % 64 != 0 || plan.rope % 64 != 0 || plan.value % 64 != 0 ||
      plan.value > 256 || plan.latent % 8 != 0 || plan.latent > kMaxDim ||
      plan.queryDim > kMaxDim)
    return fail("the prefill kernel needs qk_nope_dim (" + Twine(plan.nope) +
                "), qk_rope_dim (" + Twine(plan.rope) + ") and v_head_dim (" +
                Twine(plan.value) +
                ") in 64-element atoms, v_head_dim at most 256 and "
                "kv_lora_rank a multiple of 8");
  if ((plan.blockQueries != 64 && plan.blockQueries != 128) ||
      (plan.blockKeys != 64 && plan.blockKeys != 128))
    return fail("the prefill kernel takes block_queries and block_keys of 64 "
                "or 128, not " +
                Twine(plan.blockQueries) + " and " + Twine(plan.blockKeys));
  // The consumers take turns: two of them.
  if (plan.producer && plan.blockQueries != 128)
    return fail("the warp-specialised prefill kernel takes block_queries "
                "128 (two consumer warpgroups), not " +
                Twine(plan.blockQueries));
  if (plan.sharedBytes() > target.chip.sharedMemoryPerBlock)
    return fail("the prefill tiles need " + Twine(plan.sharedBytes()) +
                " bytes of shared memory, more than the target's " +
                Twine(target.chip.sharedMemoryPerBlock));
  // A third stage where it fits: the kernel then overlaps a tile's softmax
  // with the next tile's Q·Kᵀ, which needs that tile resident while the one
  // after loads (docs/prefill-kernel.md). mma.sync has no asynchronous
  // product to overlap: two stages.
  if (plan.mmaSync())
    return plan;
  PrefillKernelPlan deeper = plan;
  deeper.stages = 3;
  if (deeper.sharedBytes() <= target.chip.sharedMemoryPerBlock)
    return deeper;
  return plan;
}
