//===- Tuning.cpp - Measured tilings that override the cost model -*- C++
//-*-===//
//
// Reads the autotuner's JSON file (mla/Analysis/Tuning.h) with llvm::json;
// every problem is an error naming the file and the entry.
//
//===----------------------------------------------------------------------===//

#include "mla/Analysis/Tuning.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;
using namespace mlir::mla;

FailureOr<DecodeTuningTable> DecodeTuningTable::load(llvm::StringRef path,
                                                     Operation *anchor) {
  auto fail = [&](const Twine &why) {
    anchor->emitError() << "tuning file '" << path << "': " << why;
    return failure();
  };
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path);
  if (!file)
    return fail("cannot be read (" + file.getError().message() + ")");
  llvm::Expected<llvm::json::Value> parsed =
      llvm::json::parse((*file)->getBuffer());
  if (!parsed)
    return fail("is not JSON (" + llvm::toString(parsed.takeError()) + ")");
  const llvm::json::Object *root = parsed->getAsObject();
  if (!root)
    return fail("expects an object at the top");
  DecodeTuningTable table;
  std::optional<llvm::StringRef> target = root->getString("target");
  if (!target)
    return fail("expects a string 'target'");
  table.targetName = target->str();
  const llvm::json::Array *decode = root->getArray("decode");
  if (!decode)
    return fail("expects an array 'decode'");
  for (auto [index, value] : llvm::enumerate(*decode)) {
    const llvm::json::Object *entry = value.getAsObject();
    std::string where = "decode entry " + std::to_string(index);
    if (!entry)
      return fail(where + " is not an object");
    Entry e;
    for (auto [key, field] : {std::pair{"heads", &e.heads},
                              {"queries", &e.queries},
                              {"batch", &e.batch},
                              {"cache", &e.cacheLength},
                              {"splits", &e.splits},
                              {"block_tokens", &e.blockTokens},
                              {"heads_per_block", &e.headsPerBlock},
                              {"stages", &e.stages}}) {
      std::optional<int64_t> number = entry->getInteger(key);
      if (!number || *number < 1)
        return fail(where + " expects a positive integer '" + key + "'");
      *field = *number;
    }
    std::optional<llvm::StringRef> dtype = entry->getString("dtype");
    if (!dtype || (*dtype != "bf16" && *dtype != "f16" && *dtype != "f32"))
      return fail(where + " expects 'dtype' bf16, f16 or f32");
    e.elementBytes = *dtype == "f32" ? 4 : 2;
    // Optional keywords: absent keeps the default; present must name a case.
    auto readKeyword = [&](llvm::StringRef key, auto &field) {
      using Enum = std::decay_t<decltype(field)>;
      const llvm::json::Value *value = entry->get(key);
      if (!value)
        return true;
      std::optional<llvm::StringRef> name = value->getAsString();
      std::optional<Enum> kind =
          name ? symbolizeEnum<Enum>(*name) : std::nullopt;
      if (kind)
        field = *kind;
      return kind.has_value();
    };
    if (!readKeyword("mma", e.mma))
      return fail(where + " expects 'mma' sync or warpgroup");
    if (!readKeyword("schedule", e.schedule))
      return fail(where + " expects 'schedule' even or balanced");
    if (!readKeyword("loads", e.loads))
      return fail(where + " expects 'loads' async_copy or tma");
    // The tiling the entry names must be a valid #mla.decode_tiling (its
    // bounds), checked here rather than when the attribute is built.
    if (failed(DecodeTilingAttr::verify(
            [&] {
              return anchor->emitError()
                     << "tuning file '" << path << "': " << where << ": ";
            },
            e.splits, e.blockTokens, e.headsPerBlock, e.stages, e.mma,
            e.schedule, e.loads)))
      return failure();
    table.entries.push_back(e);
  }
  return table;
}

std::optional<DecodeTilingAttr>
DecodeTuningTable::lookup(const AttentionShape &shape) const {
  for (const Entry &e : entries)
    if (e.heads == shape.config.getHeads() && e.queries == shape.queries &&
        e.batch == shape.batch && e.cacheLength == shape.cacheLength &&
        e.elementBytes == shape.elementBytes)
      return DecodeTilingAttr::get(shape.config.getContext(), e.splits,
                                   e.blockTokens, e.headsPerBlock, e.stages,
                                   e.mma, e.schedule, e.loads);
  return std::nullopt;
}
