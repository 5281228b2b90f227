//===- MLAOps.cpp - Operations of the mla dialect ---------------*- C++ -*-===//
//
// Verifiers of the mla operations. Each op states its shape signature in the
// letters of MLAOps.td (B, S, H, N, ...) through ShapeSignatureOpInterface
// (mla-insert-shape-checks reads the same signatures to check dynamic sizes
// at run time); a ShapeChecker walks the signature:
// config letters have their sizes up front, data letters (batch, tokens,
// pages, ...) take the first static size they meet and every later use must
// agree. Dynamic sizes match anything. All floating-point tensors of one op
// share one element type.
//
//===----------------------------------------------------------------------===//

#include "mla/Dialect/MLA/IR/MLA.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::mla;

StringRef mla::describeLetter(StringRef letter) {
  return llvm::StringSwitch<StringRef>(letter)
      .Case("B", "batch")
      .Case("S", "new tokens")
      .Case("T", "cache positions")
      .Case("X", "new tokens of all requests")
      .Case("B+1", "batch + 1")
      .Case("P", "pages")
      .Case("G", "page size")
      .Case("M", "pages per request")
      .Case("C", "normalised dim")
      .Default("");
}

bool mla::isNonZeroLetter(StringRef letter) {
  return llvm::is_contained({"B", "S", "X", "B+1", "P", "G", "M"}, letter);
}

std::optional<ConfigSize> mla::getConfigSize(ConfigAttr config,
                                             StringRef letter) {
  if (!config)
    return std::nullopt;
  return llvm::StringSwitch<std::optional<ConfigSize>>(letter)
      .Case("D", ConfigSize{config.getHidden(), "hidden"})
      .Case("H", ConfigSize{config.getHeads(), "heads"})
      .Case("Q", ConfigSize{config.getQLoraRank(), "q_lora_rank"})
      .Case("L", ConfigSize{config.getKvLoraRank(), "kv_lora_rank"})
      .Case("N", ConfigSize{config.getQkNopeDim(), "qk_nope_dim"})
      .Case("R", ConfigSize{config.getQkRopeDim(), "qk_rope_dim"})
      .Case("V", ConfigSize{config.getVHeadDim(), "v_head_dim"})
      .Case("H*(N+R)", ConfigSize{config.getHeads() * config.getQkHeadDim(),
                                  "heads * (qk_nope_dim + qk_rope_dim)"})
      .Case("L+R", ConfigSize{config.getLatentCacheDim(),
                              "kv_lora_rank + qk_rope_dim"})
      .Case("H*V", ConfigSize{config.getHeads() * config.getVHeadDim(),
                              "heads * v_head_dim"})
      .Default(std::nullopt);
}

namespace {

/// Checks values against shape signatures such as {"B", "S", "H", "R"}.
class ShapeChecker {
public:
  /// Binds the config's letters: D, H, Q, L, N, R, V and the compound sizes
  /// `H*(N+R)`, `L+R` and `H*V`.
  ShapeChecker(Operation *op, ConfigAttr config) : op(op) {
    for (StringRef letter :
         {"D", "H", "Q", "L", "N", "R", "V", "H*(N+R)", "L+R", "H*V"})
      if (std::optional<ConfigSize> known = getConfigSize(config, letter))
        bindings[letter] =
            Binding{known->size, known->parameter.str(), /*fromConfig=*/true};
  }

  /// Checks that `value` (called `name` in messages) has one dim per letter of
  /// `signature`, each agreeing with what is known of that letter.
  LogicalResult check(StringRef name, Value value,
                      ArrayRef<StringRef> signature,
                      bool sharesElementType = true) {
    auto type = cast<ShapedType>(value.getType());
    if (type.getRank() != static_cast<int64_t>(signature.size()))
      return op->emitOpError("expects ")
             << name << " to be a rank-" << signature.size()
             << (isa<MemRefType>(type) ? " memref [" : " tensor [")
             << llvm::join(signature, ", ") << "], found rank "
             << type.getRank();
    for (auto [dim, letter] : llvm::enumerate(signature)) {
      if (failed(checkDim(name, type, dim, letter)))
        return failure();
    }
    return sharesElementType ? checkElementType(name, type) : success();
  }

  /// The size bound to `letter`, if any static one was seen.
  std::optional<int64_t> lookup(StringRef letter) const {
    auto it = bindings.find(letter);
    if (it == bindings.end())
      return std::nullopt;
    return it->second.size;
  }

private:
  struct Binding {
    int64_t size;
    /// Where the size came from: a config parameter or "as in <value>".
    std::string origin;
    bool fromConfig;
  };

  LogicalResult checkDim(StringRef name, ShapedType type, unsigned dim,
                         StringRef letter) {
    int64_t size = type.getDimSize(dim);
    if (ShapedType::isDynamic(size) || isFreeLetter(letter))
      return success();
    // No request, no new token, no page or an empty page: nothing any
    // kernel or the reference lowering can run on (a dynamic size of 0 is
    // refused at run time: mla-insert-shape-checks).
    if (size == 0 && isNonZeroLetter(letter))
      return op->emitOpError("expects ")
             << name << " dim " << dim << " (" << letter << ": "
             << describeLetter(letter) << ") to be non-zero";
    auto it = bindings.find(letter);
    if (it == bindings.end()) {
      bindings[letter] = Binding{size, name.str(), /*fromConfig=*/false};
      return success();
    }
    const Binding &known = it->second;
    if (known.size == size)
      return success();
    InFlightDiagnostic diag = op->emitOpError("expects ")
                              << name << " dim " << dim << " (" << letter;
    if (StringRef what = describeLetter(letter); !what.empty())
      diag << ": " << what;
    diag << ") to be " << known.size;
    if (known.fromConfig)
      diag << " (" << known.origin << ")";
    else
      diag << " as in " << known.origin;
    return diag << ", found " << size;
  }

  LogicalResult checkElementType(StringRef name, ShapedType type) {
    Type elementType = type.getElementType();
    if (!isa<FloatType>(elementType))
      return success();
    if (!floatType) {
      floatType = elementType;
      floatOrigin = name.str();
      return success();
    }
    if (floatType == elementType)
      return success();
    return op->emitOpError("expects ")
           << name << " element type to be " << floatType << " as in "
           << floatOrigin << ", found " << elementType;
  }

  Operation *op;
  llvm::StringMap<Binding> bindings;
  Type floatType;
  std::string floatOrigin;
};

/// Checks a list of (name, value, signature) in order, stopping at the first
/// error.
LogicalResult checkShapes(ShapeChecker &checker, ArrayRef<ShapeSpec> specs) {
  for (const ShapeSpec &spec : specs) {
    if (failed(checker.check(spec.name, spec.value, spec.signature,
                             spec.sharesElementType)))
      return failure();
  }
  return success();
}

/// Query compression weights are present exactly when the config says so;
/// returns the letter of W_UQ's input dim (Q with compression, D without).
FailureOr<StringRef> checkQueryCompression(Operation *op, ConfigAttr config,
                                           Value wDq, Value qNorm) {
  if (config.hasQueryCompression()) {
    if (!wDq || !qNorm)
      return op->emitOpError("expects query down-projection and norm weights "
                             "because q_lora_rank is ")
             << config.getQLoraRank();
    return StringRef("Q");
  }
  if (wDq || qNorm)
    return op->emitOpError("expects no query down-projection or norm weights "
                           "because q_lora_rank is 0");
  return StringRef("D");
}

/// The signature checks of an op with a config.
template <typename OpTy>
LogicalResult verifyShapes(OpTy op) {
  ShapeChecker checker(op, op.getConfig());
  if (failed(checkShapes(checker, op.getShapeSignature())))
    return failure();
  // Varlen: B + 1 starts. The letter B+1 is bound on its own; it must
  // follow B.
  std::optional<int64_t> batch = checker.lookup("B");
  std::optional<int64_t> starts = checker.lookup("B+1");
  if (batch && starts && *starts != *batch + 1)
    return op.emitOpError("expects query_starts dim 0 (B+1: batch + 1) to be ")
           << *batch + 1 << ", found " << *starts;
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// AttentionBlockOp
//===----------------------------------------------------------------------===//

SmallVector<ShapeSpec> AttentionBlockOp::getShapeSignature() {
  // Varlen: the new tokens of all requests packed in X rows, request b's
  // being rows query_starts[b] .. query_starts[b + 1].
  bool varlen = isVarlen();
  SmallVector<StringRef> rows =
      varlen ? SmallVector<StringRef>{"X"} : SmallVector<StringRef>{"B", "S"};
  auto withRows = [&](ArrayRef<StringRef> trailing) {
    SmallVector<StringRef> letters(rows);
    letters.append(trailing.begin(), trailing.end());
    return letters;
  };
  SmallVector<ShapeSpec> specs = {
      {"hidden", getHidden(), withRows({"D"})},
      {"positions", getPositions(), withRows({})},
      {"block_table", getBlockTable(), {"B", "M"}},
      {"seq_lens", getSeqLens(), {"B"}},
  };
  if (varlen)
    specs.push_back({"query_starts", getQueryStarts(), {"B+1"}});
  if (getWDq()) {
    specs.push_back({"q_down", getWDq(), {"D", "Q"}});
    specs.push_back({"q_norm", getQNorm(), {"Q"}});
  }
  specs.append({
      {"q_up", getWUq(), {getWDq() ? "Q" : "D", "H*(N+R)"}},
      {"kv_down", getWDkv(), {"D", "L+R"}},
      {"kv_norm", getKvNorm(), {"L"}},
      {"k_up", getWUk(), {"H", "L", "N"}},
      {"v_up", getWUv(), {"H", "L", "V"}},
      {"out", getWO(), {"H*V", "D"}},
      {"cache", getCache(), {"P", "G", "L+R"}},
      {"output", getOutput(), withRows({"D"})},
      {"new_cache", getNewCache(), {"P", "G", "L+R"}},
  });
  return specs;
}

LogicalResult AttentionBlockOp::verify() {
  if (failed(checkQueryCompression(*this, getConfig(), getWDq(), getQNorm())))
    return failure();
  return verifyShapes(*this);
}

//===----------------------------------------------------------------------===//
// Projections and normalisation
//===----------------------------------------------------------------------===//

SmallVector<ShapeSpec> RMSNormOp::getShapeSignature() {
  // Leading dims are the input's own (a letter each, shared with the
  // result only); the last (C) must match the weight.
  static constexpr StringLiteral leading[] = {"d0", "d1", "d2", "d3",
                                              "d4", "d5", "d6", "d7"};
  int64_t rank = cast<RankedTensorType>(getInput().getType()).getRank();
  SmallVector<StringRef> input;
  for (int64_t d = 0; d + 1 < rank; ++d)
    input.push_back(d < static_cast<int64_t>(std::size(leading)) ? leading[d]
                                                                  : "_");
  input.push_back("C");
  return {{"input", getInput(), input},
          {"weight", getWeight(), {"C"}},
          {"result", getResult(), input}};
}

LogicalResult RMSNormOp::verify() {
  if (!(getEpsilon().convertToDouble() > 0.0))
    return emitOpError("expects epsilon to be positive, found ")
           << getEpsilon().convertToDouble();
  auto inputType = cast<RankedTensorType>(getInput().getType());
  if (inputType.getRank() == 0)
    return emitOpError("expects input to have at least one dimension");
  ShapeChecker checker(*this, /*config=*/nullptr);
  return checkShapes(checker, getShapeSignature());
}

SmallVector<ShapeSpec> QueryProjOp::getShapeSignature() {
  SmallVector<ShapeSpec> specs = {{"hidden", getHidden(), {"B", "S", "D"}}};
  if (getWDq()) {
    specs.push_back({"down", getWDq(), {"D", "Q"}});
    specs.push_back({"norm", getQNorm(), {"Q"}});
  }
  specs.append({
      {"up", getWUq(), {getWDq() ? "Q" : "D", "H*(N+R)"}},
      {"q_nope", getQNope(), {"B", "S", "H", "N"}},
      {"q_pe", getQPe(), {"B", "S", "H", "R"}},
  });
  return specs;
}

LogicalResult QueryProjOp::verify() {
  if (failed(checkQueryCompression(*this, getConfig(), getWDq(), getQNorm())))
    return failure();
  return verifyShapes(*this);
}

SmallVector<ShapeSpec> KVCompressOp::getShapeSignature() {
  return {
      {"hidden", getHidden(), {"B", "S", "D"}},
      {"down", getWDkv(), {"D", "L+R"}},
      {"norm", getKvNorm(), {"L"}},
      {"c_kv", getCKv(), {"B", "S", "L"}},
      {"k_pe", getKPe(), {"B", "S", "R"}},
  };
}

LogicalResult KVCompressOp::verify() { return verifyShapes(*this); }

/// The shape signature of a RoPE input, [B, S, R] or [B, S, H, R]: the
/// rank says which.
static SmallVector<StringRef> ropeLetters(Value input) {
  if (cast<ShapedType>(input.getType()).getRank() == 3)
    return {"B", "S", "R"};
  return {"B", "S", "H", "R"};
}

/// A RoPE input has rank 3 or 4, or an error naming `kind` (tensor, memref).
static LogicalResult checkRopeRank(Operation *op, Value input,
                                   StringRef kind) {
  int64_t rank = cast<ShapedType>(input.getType()).getRank();
  if (rank == 3 || rank == 4)
    return success();
  return op->emitOpError("expects input to be a rank-3 [B, S, R] or rank-4 "
                         "[B, S, H, R] ")
         << kind << ", found rank " << rank;
}

SmallVector<ShapeSpec> RopeOp::getShapeSignature() {
  return {{"input", getInput(), ropeLetters(getInput())},
          {"positions", getPositions(), {"B", "S"}},
          {"result", getResult(), ropeLetters(getInput())}};
}

LogicalResult RopeOp::verify() {
  if (failed(checkRopeRank(*this, getInput(), "tensor")))
    return failure();
  return verifyShapes(*this);
}

SmallVector<ShapeSpec> OutputProjOp::getShapeSignature() {
  return {
      {"input", getInput(), {"B", "S", "H", "V"}},
      {"w_o", getWO(), {"H*V", "D"}},
      {"result", getResult(), {"B", "S", "D"}},
  };
}

LogicalResult OutputProjOp::verify() { return verifyShapes(*this); }

//===----------------------------------------------------------------------===//
// Paged latent cache
//===----------------------------------------------------------------------===//

SmallVector<ShapeSpec> CacheAppendOp::getShapeSignature() {
  return {
      {"c_kv", getCKv(), {"B", "S", "L"}},
      {"k_pe", getKPe(), {"B", "S", "R"}},
      {"cache", getCache(), {"P", "G", "L+R"}},
      {"block_table", getBlockTable(), {"B", "M"}},
      {"seq_lens", getSeqLens(), {"B"}},
      {"result", getResult(), {"P", "G", "L+R"}},
  };
}

LogicalResult CacheAppendOp::verify() { return verifyShapes(*this); }

SmallVector<ShapeSpec> CacheGatherOp::getShapeSignature() {
  return {
      {"cache", getCache(), {"P", "G", "L+R"}},
      {"block_table", getBlockTable(), {"B", "M"}},
      {"seq_lens", getSeqLens(), {"B"}},
      {"c_kv", getCKv(), {"B", "T", "L"}},
      {"k_pe", getKPe(), {"B", "T", "R"}},
  };
}

LogicalResult CacheGatherOp::verify() {
  ShapeChecker checker(*this, getConfig());
  if (failed(checkShapes(checker, getShapeSignature())))
    return failure();
  std::optional<int64_t> pages = checker.lookup("M");
  std::optional<int64_t> pageSize = checker.lookup("G");
  std::optional<int64_t> positions = checker.lookup("T");
  if (pages && pageSize && positions && *pages * *pageSize != *positions) {
    // Name the result whose static size bound T.
    StringRef holder = ShapedType::isDynamic(getCKv().getType().getDimSize(1))
                           ? "k_pe"
                           : "c_kv";
    return emitOpError("expects ")
           << holder << " dim 1 (T: cache positions) to be "
           << *pages * *pageSize << " (pages per request " << *pages
           << " * page size " << *pageSize << "), found " << *positions;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Decompression and absorption
//===----------------------------------------------------------------------===//

SmallVector<ShapeSpec> DecompressOp::getShapeSignature() {
  StringRef out = getProjection() == Projection::Key ? "N" : "V";
  return {
      {"c_kv", getCKv(), {"B", "T", "L"}},
      {"weight", getWeight(), {"H", "L", out}},
      {"result", getResult(), {"B", "T", "H", out}},
  };
}

LogicalResult DecompressOp::verify() { return verifyShapes(*this); }

SmallVector<ShapeSpec> QueryToLatentOp::getShapeSignature() {
  return {
      {"q_nope", getQNope(), {"B", "S", "H", "N"}},
      {"w_uk", getWUk(), {"H", "L", "N"}},
      {"result", getResult(), {"B", "S", "H", "L"}},
  };
}

LogicalResult QueryToLatentOp::verify() { return verifyShapes(*this); }

SmallVector<ShapeSpec> LatentToValueOp::getShapeSignature() {
  return {
      {"o_lat", getOLat(), {"B", "S", "H", "L"}},
      {"w_uv", getWUv(), {"H", "L", "V"}},
      {"result", getResult(), {"B", "S", "H", "V"}},
  };
}

LogicalResult LatentToValueOp::verify() { return verifyShapes(*this); }

SmallVector<ShapeSpec> FoldQueryWeightsOp::getShapeSignature() {
  StringRef input = getConfig().hasQueryCompression() ? "Q" : "D";
  return {{"w_uq", getWUq(), {input, "H*(N+R)"}},
          {"w_uk", getWUk(), {"H", "L", "N"}},
          {"result", getResult(), {input, "_"}}};
}

LogicalResult FoldQueryWeightsOp::verify() {
  ConfigAttr config = getConfig();
  ShapeChecker checker(*this, config);
  StringRef input = config.hasQueryCompression() ? "Q" : "D";
  int64_t heads = config.getHeads(), latent = config.getKvLoraRank();
  SmallVector<ShapeSpec> specs = getShapeSignature();
  // The operands first, then the result's H*(L+R) columns, then its rows.
  if (failed(checkShapes(checker, ArrayRef(specs).take_front(2))))
    return failure();
  auto type = cast<RankedTensorType>(getResult().getType());
  int64_t expected = heads * (latent + config.getQkRopeDim());
  if (type.getRank() != 2 ||
      (!type.isDynamicDim(1) && type.getDimSize(1) != expected))
    return emitOpError("expects result to be [")
           << input << ", H*(L+R) = " << expected << "], found " << type;
  return checkShapes(checker, ArrayRef(specs).drop_front(2));
}

SmallVector<ShapeSpec> FoldOutputWeightsOp::getShapeSignature() {
  return {{"w_uv", getWUv(), {"H", "L", "V"}},
          {"w_o", getWO(), {"H*V", "D"}},
          {"result", getResult(), {"_", "D"}}};
}

LogicalResult FoldOutputWeightsOp::verify() {
  ConfigAttr config = getConfig();
  ShapeChecker checker(*this, config);
  SmallVector<ShapeSpec> specs = getShapeSignature();
  // The operands first, then the result's H*L rows, then its columns.
  if (failed(checkShapes(checker, ArrayRef(specs).take_front(2))))
    return failure();
  auto type = cast<RankedTensorType>(getResult().getType());
  int64_t expected = config.getHeads() * config.getKvLoraRank();
  if (type.getRank() != 2 ||
      (!type.isDynamicDim(0) && type.getDimSize(0) != expected))
    return emitOpError("expects result to be [H*L = ")
           << expected << ", D], found " << type;
  return checkShapes(checker, ArrayRef(specs).drop_front(2));
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

SmallVector<ShapeSpec> DecompressedAttentionOp::getShapeSignature() {
  return {
      {"q_nope", getQNope(), {"B", "S", "H", "N"}},
      {"q_pe", getQPe(), {"B", "S", "H", "R"}},
      {"k_nope", getKNope(), {"B", "T", "H", "N"}},
      {"k_pe", getKPe(), {"B", "T", "R"}},
      {"v", getV(), {"B", "T", "H", "V"}},
      {"kv_lens", getKvLens(), {"B"}},
      {"result", getResult(), {"B", "S", "H", "V"}},
  };
}

LogicalResult DecompressedAttentionOp::verify() { return verifyShapes(*this); }

SmallVector<ShapeSpec> LatentAttentionOp::getShapeSignature() {
  return {
      {"q_lat", getQLat(), {"B", "S", "H", "L"}},
      {"q_pe", getQPe(), {"B", "S", "H", "R"}},
      {"cache", getCache(), {"P", "G", "L+R"}},
      {"block_table", getBlockTable(), {"B", "M"}},
      {"kv_lens", getKvLens(), {"B"}},
      {"result", getResult(), {"B", "S", "H", "L"}},
  };
}

LogicalResult LatentAttentionOp::verify() { return verifyShapes(*this); }

/// The operand shapes of the attention ops on the cache (fused and kernel,
/// decode and prefill): q_nope, q_pe and the output [B, S, H, ·], or with
/// `queryStarts` (a varlen prefill) [X, H, ·] and the starts [B + 1].
static SmallVector<ShapeSpec>
attentionSignature(Value queryNope, Value queryRope, Value keyWeight,
                   Value valueWeight, Value cache, Value blockTable,
                   Value lengths, Value queryStarts, StringRef outputName,
                   Value output) {
  SmallVector<StringRef> rows = queryStarts ? SmallVector<StringRef>{"X"}
                                            : SmallVector<StringRef>{"B", "S"};
  auto withRows = [&](StringRef last) {
    SmallVector<StringRef> letters(rows);
    letters.append({"H", last});
    return letters;
  };
  SmallVector<ShapeSpec> specs = {
      {"q_nope", queryNope, withRows("N")},
      {"q_pe", queryRope, withRows("R")},
      {"w_uk", keyWeight, {"H", "L", "N"}},
      {"w_uv", valueWeight, {"H", "L", "V"}},
      {"cache", cache, {"P", "G", "L+R"}},
      {"block_table", blockTable, {"B", "M"}},
      {"kv_lens", lengths, {"B"}},
  };
  if (queryStarts)
    specs.push_back({"query_starts", queryStarts, {"B+1"}});
  specs.push_back({outputName, output, withRows("V")});
  return specs;
}

SmallVector<ShapeSpec> DecodeKernelOp::getShapeSignature() {
  return attentionSignature(getQNope(), getQPe(), getWUk(), getWUv(),
                            getCache(), getBlockTable(), getKvLens(), Value(),
                            "output", getOutput());
}

LogicalResult DecodeKernelOp::verify() { return verifyShapes(*this); }

SmallVector<ShapeSpec> PrefillKernelOp::getShapeSignature() {
  return attentionSignature(getQNope(), getQPe(), getWUk(), getWUv(),
                            getCache(), getBlockTable(), getKvLens(),
                            getQueryStarts(), "output", getOutput());
}

LogicalResult PrefillKernelOp::verify() { return verifyShapes(*this); }

/// Kernels read rows with unit stride: `name`'s last dimension is contiguous.
static LogicalResult checkContiguousRows(Operation *op, StringRef name,
                                         Value buffer) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(cast<MemRefType>(buffer.getType())
                 .getStridesAndOffset(strides, offset)) ||
      strides.back() != 1)
    return op->emitOpError("expects the last dimension of ")
           << name << " to be contiguous (stride 1)";
  return success();
}

SmallVector<ShapeSpec> RopeKernelOp::getShapeSignature() {
  return {{"input", getInput(), ropeLetters(getInput()), false},
          {"positions", getPositions(), {"B", "S"}},
          {"result", getResult(), ropeLetters(getInput())}};
}

LogicalResult RopeKernelOp::verify() {
  if (failed(checkRopeRank(*this, getInput(), "memref")) ||
      failed(verifyShapes(*this)))
    return failure();
  if (failed(checkContiguousRows(*this, "input", getInput())))
    return failure();
  return checkContiguousRows(*this, "result", getResult());
}

SmallVector<ShapeSpec> KVAppendKernelOp::getShapeSignature() {
  return {{"kv", getKv(), {"B", "S", "L+R"}, false},
          {"norm", getNorm(), {"L"}, false},
          {"positions", getPositions(), {"B", "S"}},
          {"cache", getCache(), {"P", "G", "L+R"}},
          {"block_table", getBlockTable(), {"B", "M"}},
          {"seq_lens", getSeqLens(), {"B"}}};
}

LogicalResult KVAppendKernelOp::verify() {
  if (!(getEpsilon().convertToDouble() > 0.0))
    return emitOpError("expects epsilon to be positive, found ")
           << getEpsilon().convertToDouble();
  if (failed(verifyShapes(*this)))
    return failure();
  return checkContiguousRows(*this, "kv", getKv());
}

//===----------------------------------------------------------------------===//
// Fused ops
//===----------------------------------------------------------------------===//

SmallVector<ShapeSpec> FusedDecodeOp::getShapeSignature() {
  return attentionSignature(getQNope(), getQPe(), getWUk(), getWUv(),
                            getCache(), getBlockTable(), getKvLens(), Value(),
                            "result", getResult());
}

SmallVector<ShapeSpec> FusedPrefillOp::getShapeSignature() {
  return attentionSignature(getQNope(), getQPe(), getWUk(), getWUv(),
                            getCache(), getBlockTable(), getKvLens(),
                            getQueryStarts(), "result", getResult());
}

LogicalResult FusedDecodeOp::verify() {
  if (getTiling().getHeadsPerBlock() > getConfig().getHeads())
    return emitOpError("expects tiling heads_per_block (")
           << getTiling().getHeadsPerBlock() << ") to be at most heads ("
           << getConfig().getHeads() << ")";
  return verifyShapes(*this);
}

LogicalResult FusedPrefillOp::verify() { return verifyShapes(*this); }

#include "mla/Dialect/MLA/IR/MLAInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "mla/Dialect/MLA/IR/MLAOps.cpp.inc"
