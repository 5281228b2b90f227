//===- Npy.h - .npy files for mla-run ---------------------------*- C++ -*-===//
//
// Reading and writing NumPy .npy files (format versions 1.0-3.0, C order,
// little endian) holding f32, f16, bf16 (as ml_dtypes writes it: a 2-byte
// void type, "<V2") or i32 arrays, and the element conversions mla-run needs
// to fill, summarise and compare them.
//
//===----------------------------------------------------------------------===//

#ifndef MLA_TOOLS_MLA_RUN_NPY_H
#define MLA_TOOLS_MLA_RUN_NPY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace npy {

/// The element types mla-run exchanges with the outside world.
enum class ElementKind { F32, F16, BF16, I32 };

/// Bytes per element.
size_t byteWidth(ElementKind kind);
/// "f32", "f16", "bf16", "i32".
llvm::StringRef kindName(ElementKind kind);

/// A dense row-major array, owning its bytes (64-byte aligned). Moved, not
/// copied: a copy is `clone()`, which can fail.
struct HostArray {
  ElementKind kind = ElementKind::F32;
  std::vector<int64_t> shape;

  HostArray() = default;
  HostArray(HostArray &&) = default;
  HostArray &operator=(HostArray &&) = default;

  int64_t numElements() const;
  size_t numBytes() const { return numElements() * byteWidth(kind); }
  uint8_t *data() { return storage.get(); }
  const uint8_t *data() const { return storage.get(); }

  /// Allocates zeroed, 64-byte aligned storage for `shape`; an error naming
  /// the byte count where the shape's bytes overflow or memory runs out.
  static llvm::Expected<HostArray> allocate(ElementKind kind,
                                            std::vector<int64_t> shape);
  /// A copy in storage of its own.
  llvm::Expected<HostArray> clone() const;

  /// Element `i` as a double (any kind).
  double get(int64_t i) const;
  /// Sets element `i` from a double (rounded to nearest even).
  void set(int64_t i, double value);

private:
  struct Free {
    void operator()(uint8_t *p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, Free> storage;
};

/// Reads an .npy file; errors name the file and what is wrong with it.
/// Fortran-order data is reordered and int64 read as int32 where every value
/// fits (exact conversions); `note`, when given, then says which.
llvm::Expected<HostArray> readNpy(llvm::StringRef path,
                                  std::string *note = nullptr);

/// Writes `array` as an .npy file (bf16 as "<V2", as ml_dtypes does).
llvm::Error writeNpy(llvm::StringRef path, const HostArray &array);

} // namespace npy

#endif // MLA_TOOLS_MLA_RUN_NPY_H
