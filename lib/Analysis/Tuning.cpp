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

#include <functional>

using namespace mlir;
using namespace mlir::mla;

namespace {

/// An entry's reader: integers, the dtype and optional keywords, each
/// problem an error naming the entry.
struct EntryReader {
  const llvm::json::Object &entry;
  std::string where;
  std::function<LogicalResult(const Twine &)> fail;

  LogicalResult positive(llvm::StringRef key, int64_t &field) {
    std::optional<int64_t> number = entry.getInteger(key);
    if (!number || *number < 1)
      return fail(where + " expects a positive integer '" + key + "'");
    field = *number;
    return success();
  }
  LogicalResult elementBytes(int64_t &field) {
    std::optional<llvm::StringRef> dtype = entry.getString("dtype");
    if (!dtype || (*dtype != "bf16" && *dtype != "f16" && *dtype != "f32"))
      return fail(where + " expects 'dtype' bf16, f16 or f32");
    field = *dtype == "f32" ? 4 : 2;
    return success();
  }
  /// An optional keyword: absent keeps the default; present must name a
  /// case of `Enum`.
  template <typename Enum>
  LogicalResult keyword(llvm::StringRef key, Enum &field,
                        llvm::StringRef cases) {
    const llvm::json::Value *value = entry.get(key);
    if (!value)
      return success();
    std::optional<llvm::StringRef> name = value->getAsString();
    std::optional<Enum> kind = name ? symbolizeEnum<Enum>(*name) : std::nullopt;
    if (!kind)
      return fail(where + " expects '" + key + "' " + cases);
    field = *kind;
    return success();
  }
};

} // namespace

bool TuningTable::Key::matches(const AttentionShape &shape) const {
  return heads == shape.config.getHeads() && queries == shape.queries &&
         batch == shape.batch && cacheLength == shape.cacheLength &&
         elementBytes == shape.elementBytes;
}

FailureOr<TuningTable> TuningTable::load(llvm::StringRef path,
                                         Operation *anchor) {
  auto fail = [&](const Twine &why) -> LogicalResult {
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
  TuningTable table;
  std::optional<llvm::StringRef> target = root->getString("target");
  if (!target)
    return fail("expects a string 'target'");
  table.targetName = target->str();
  const llvm::json::Value *decodeValue = root->get("decode");
  const llvm::json::Value *prefillValue = root->get("prefill");
  if (!decodeValue && !prefillValue)
    return fail("expects an array 'decode' or 'prefill'");
  const llvm::json::Array *decode =
      decodeValue ? decodeValue->getAsArray() : nullptr;
  const llvm::json::Array *prefill =
      prefillValue ? prefillValue->getAsArray() : nullptr;
  if ((decodeValue && !decode) || (prefillValue && !prefill))
    return fail(std::string("expects '") +
                (decodeValue && !decode ? "decode" : "prefill") +
                "' to be an array");
  // The entry's shape: the keys both kinds share.
  auto readKey = [](EntryReader &read, Key &key) {
    return success(succeeded(read.positive("heads", key.heads)) &&
                   succeeded(read.positive("queries", key.queries)) &&
                   succeeded(read.positive("batch", key.batch)) &&
                   succeeded(read.positive("cache", key.cacheLength)) &&
                   succeeded(read.elementBytes(key.elementBytes)));
  };
  auto inTable = [&](const Twine &where) {
    return [&anchor, &path, where = where.str()] {
      return anchor->emitError()
             << "tuning file '" << path << "': " << where << ": ";
    };
  };
  static const llvm::json::Array none;
  for (auto [index, value] : llvm::enumerate(decode ? *decode : none)) {
    std::string where = "decode entry " + std::to_string(index);
    const llvm::json::Object *entry = value.getAsObject();
    if (!entry)
      return fail(where + " is not an object");
    EntryReader read{*entry, where, fail};
    Entry e;
    if (failed(readKey(read, e)) || failed(read.positive("splits", e.splits)) ||
        failed(read.positive("block_tokens", e.blockTokens)) ||
        failed(read.positive("heads_per_block", e.headsPerBlock)) ||
        failed(read.positive("stages", e.stages)) ||
        failed(read.keyword("mma", e.mma, "sync or warpgroup")) ||
        failed(read.keyword("schedule", e.schedule, "even or balanced")) ||
        failed(read.keyword("loads", e.loads, "async_copy or tma")))
      return failure();
    // The tiling the entry names must be a valid #mla.decode_tiling (its
    // bounds), checked here rather than when the attribute is built.
    if (failed(DecodeTilingAttr::verify(inTable(where), e.splits, e.blockTokens,
                                        e.headsPerBlock, e.stages, e.mma,
                                        e.schedule, e.loads)))
      return failure();
    table.entries.push_back(e);
  }
  for (auto [index, value] : llvm::enumerate(prefill ? *prefill : none)) {
    std::string where = "prefill entry " + std::to_string(index);
    const llvm::json::Object *entry = value.getAsObject();
    if (!entry)
      return fail(where + " is not an object");
    EntryReader read{*entry, where, fail};
    PrefillEntry e;
    if (failed(readKey(read, e)) ||
        failed(read.positive("block_queries", e.blockQueries)) ||
        failed(read.positive("block_keys", e.blockKeys)) ||
        failed(read.positive("prefix_chunk", e.prefixChunk)) ||
        failed(read.keyword("loads", e.loads, "async_copy or tma")))
      return failure();
    if (const llvm::json::Value *producer = entry->get("producer")) {
      std::optional<bool> flag = producer->getAsBoolean();
      if (!flag)
        return fail(where + " expects 'producer' true or false");
      e.producer = *flag;
    }
    if (failed(PrefillTilingAttr::verify(inTable(where), e.blockQueries,
                                         e.blockKeys, e.prefixChunk, e.loads,
                                         e.producer, MmaKind::Warpgroup)))
      return failure();
    table.prefillEntries.push_back(e);
  }
  return table;
}

std::optional<DecodeTilingAttr>
TuningTable::lookup(const AttentionShape &shape) const {
  for (const Entry &e : entries)
    if (e.matches(shape))
      return DecodeTilingAttr::get(shape.config.getContext(), e.splits,
                                   e.blockTokens, e.headsPerBlock, e.stages,
                                   e.mma, e.schedule, e.loads);
  return std::nullopt;
}

std::optional<PrefillTilingAttr>
TuningTable::lookupPrefill(const AttentionShape &shape) const {
  for (const PrefillEntry &e : prefillEntries)
    if (e.matches(shape))
      return PrefillTilingAttr::get(shape.config.getContext(), e.blockQueries,
                                    e.blockKeys, e.prefixChunk, e.loads,
                                    e.producer, MmaKind::Warpgroup);
  return std::nullopt;
}
