//===- ShapeSignature.h - Shape letters of the mla ops ----------*- C++ -*-===//
//
// The pieces of an mla op's shape signature (ShapeSignatureOpInterface):
// one named value's letters, and what each letter means — its description,
// the config size it stands for, whether it may be zero.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_DIALECT_MLA_IR_SHAPESIGNATURE_H
#define MLA_DIALECT_MLA_IR_SHAPESIGNATURE_H

#include "mlir/IR/Value.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace mlir::mla {

class ConfigAttr;

/// One operand's or result's signature, e.g. {"block_table", %bt, {"B", "M"}}.
struct ShapeSpec {
  /// The name in messages (the operand's name in the op's syntax).
  StringRef name;
  Value value;
  /// A letter per dimension; letters are string literals.
  SmallVector<StringRef> signature;
  /// False for an operand whose element type is its own (an f32 product read
  /// by a kernel writing bf16).
  bool sharesElementType = true;
};

/// Whether `letter` constrains nothing (it starts with `_`).
inline bool isFreeLetter(StringRef letter) { return letter.starts_with("_"); }

/// What a letter stands for ("batch", "new tokens", ...), for messages; empty
/// for the config's letters, which messages name by their parameter.
StringRef describeLetter(StringRef letter);

/// Whether a size of `letter` must be non-zero: no request, no new token, no
/// page or an empty page is nothing a kernel or the reference lowering can
/// run on (B, S, X, B+1, P, G, M).
bool isNonZeroLetter(StringRef letter);

/// The size `config` gives `letter` and the parameter(s) it comes from, for
/// D, H, Q, L, N, R, V, H*(N+R), L+R and H*V; none for the others.
struct ConfigSize {
  int64_t size;
  StringRef parameter;
};
std::optional<ConfigSize> getConfigSize(ConfigAttr config, StringRef letter);

} // namespace mlir::mla

#endif // MLA_DIALECT_MLA_IR_SHAPESIGNATURE_H
