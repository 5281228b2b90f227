//===- Npy.cpp - .npy files for mla-run -------------------------*- C++ -*-===//
//
// The .npy format: magic "\x93NUMPY", a version byte pair, a little-endian
// header length (2 bytes in 1.0, 4 in 2.0/3.0), then a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with
// spaces to a multiple of 64 bytes, then the raw data.
//
//===----------------------------------------------------------------------===//

#include "Npy.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <cstring>

using namespace npy;
using llvm::StringRef;

size_t npy::byteWidth(ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
  case ElementKind::I32:
    return 4;
  case ElementKind::F16:
  case ElementKind::BF16:
    return 2;
  }
  llvm_unreachable("unknown element kind");
}

StringRef npy::kindName(ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
    return "f32";
  case ElementKind::F16:
    return "f16";
  case ElementKind::BF16:
    return "bf16";
  case ElementKind::I32:
    return "i32";
  }
  llvm_unreachable("unknown element kind");
}

/// The .npy type string of each kind.
static StringRef descrOf(ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
    return "<f4";
  case ElementKind::F16:
    return "<f2";
  case ElementKind::BF16:
    return "<V2";
  case ElementKind::I32:
    return "<i4";
  }
  llvm_unreachable("unknown element kind");
}

int64_t HostArray::numElements() const {
  int64_t count = 1;
  for (int64_t size : shape)
    count *= size;
  return count;
}

llvm::Expected<HostArray> HostArray::allocate(ElementKind kind,
                                              std::vector<int64_t> shape) {
  std::optional<int64_t> bytes = static_cast<int64_t>(byteWidth(kind));
  for (int64_t size : shape)
    if (bytes)
      bytes = llvm::checkedMul(*bytes, size);
  std::string shapeText = "[" + llvm::join(llvm::map_range(shape, [](int64_t s) {
                                             return std::to_string(s);
                                           }),
                                           ", ") +
                          "]";
  if (!bytes || *bytes < 0)
    return llvm::createStringError(
        "an array of shape " + shapeText + " (" + kindName(kind).str() +
        ") has more bytes than a 64-bit size can count");
  // Not std::vector: its allocation failure ends the tool in LLVM's
  // out-of-memory handler instead of an error naming the array.
  void *memory = nullptr;
  size_t size = std::max<int64_t>(*bytes, 1);
  if (posix_memalign(&memory, 64, (size + 63) / 64 * 64) != 0 || !memory)
    return llvm::createStringError("cannot allocate " + std::to_string(*bytes) +
                                   " bytes for an array of shape " + shapeText +
                                   " (" + kindName(kind).str() + ")");
  std::memset(memory, 0, size);
  HostArray array;
  array.kind = kind;
  array.shape = std::move(shape);
  array.storage.reset(static_cast<uint8_t *>(memory));
  return array;
}

llvm::Expected<HostArray> HostArray::clone() const {
  llvm::Expected<HostArray> copy = allocate(kind, shape);
  if (copy)
    std::memcpy(copy->data(), data(), numBytes());
  return copy;
}

double HostArray::get(int64_t i) const {
  const uint8_t *p = data() + i * byteWidth(kind);
  switch (kind) {
  case ElementKind::F32: {
    float value;
    std::memcpy(&value, p, 4);
    return value;
  }
  case ElementKind::I32: {
    int32_t value;
    std::memcpy(&value, p, 4);
    return value;
  }
  case ElementKind::F16: {
    uint16_t bits;
    std::memcpy(&bits, p, 2);
    return llvm::APFloat(llvm::APFloat::IEEEhalf(), llvm::APInt(16, bits))
        .convertToDouble();
  }
  case ElementKind::BF16: {
    uint16_t bits;
    std::memcpy(&bits, p, 2);
    uint32_t wide = static_cast<uint32_t>(bits) << 16;
    float value;
    std::memcpy(&value, &wide, 4);
    return value;
  }
  }
  llvm_unreachable("unknown element kind");
}

void HostArray::set(int64_t i, double value) {
  uint8_t *p = data() + i * byteWidth(kind);
  if (kind == ElementKind::I32) {
    int32_t v = static_cast<int32_t>(value);
    std::memcpy(p, &v, 4);
    return;
  }
  if (kind == ElementKind::F32) {
    float v = static_cast<float>(value);
    std::memcpy(p, &v, 4);
    return;
  }
  if (kind == ElementKind::BF16 && std::isfinite(value)) {
    // Round to nearest even on the float's bits (fast: random fills of
    // gigabyte caches go through here).
    float f = static_cast<float>(value);
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    bits += 0x7fff + ((bits >> 16) & 1);
    uint16_t half = static_cast<uint16_t>(bits >> 16);
    std::memcpy(p, &half, 2);
    return;
  }
  llvm::APFloat converted(value);
  bool losesInfo;
  converted.convert(kind == ElementKind::F16 ? llvm::APFloat::IEEEhalf()
                                             : llvm::APFloat::BFloat(),
                    llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  uint16_t bits =
      static_cast<uint16_t>(converted.bitcastToAPInt().getZExtValue());
  std::memcpy(p, &bits, 2);
}

/// The value of `key` in the header dict: the text after "'key':" up to the
/// next top-level comma.
static std::optional<StringRef> headerField(StringRef header, StringRef key) {
  size_t at = header.find(("'" + key + "'").str());
  if (at == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(at + key.size() + 2).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  rest = rest.ltrim();
  if (rest.starts_with("(")) {
    size_t close = rest.find(')');
    if (close == StringRef::npos)
      return std::nullopt;
    return rest.take_front(close + 1);
  }
  return rest.take_until([](char c) { return c == ',' || c == '}'; }).rtrim();
}

static llvm::Error npyError(StringRef path, const llvm::Twine &what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": " + what);
}

llvm::Expected<HostArray> npy::readNpy(StringRef path, std::string *note) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return npyError(path, "cannot read: " + buffer.getError().message());
  StringRef bytes = (*buffer)->getBuffer();
  if (!bytes.consume_front("\x93NUMPY") || bytes.size() < 4)
    return npyError(path, "not an .npy file (no \\x93NUMPY magic)");
  uint8_t major = bytes[0];
  bytes = bytes.drop_front(2);
  size_t headerLength;
  if (major == 1) {
    headerLength =
        static_cast<uint8_t>(bytes[0]) | (static_cast<uint8_t>(bytes[1]) << 8);
    bytes = bytes.drop_front(2);
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 4)
      return npyError(path, "truncated header");
    headerLength = 0;
    for (int i = 3; i >= 0; --i)
      headerLength = (headerLength << 8) | static_cast<uint8_t>(bytes[i]);
    bytes = bytes.drop_front(4);
  } else {
    return npyError(path, "unsupported .npy version " + llvm::Twine(major));
  }
  if (bytes.size() < headerLength)
    return npyError(path, "truncated header");
  StringRef header = bytes.take_front(headerLength);
  bytes = bytes.drop_front(headerLength);

  std::optional<StringRef> descr = headerField(header, "descr");
  std::optional<StringRef> fortran = headerField(header, "fortran_order");
  std::optional<StringRef> shapeText = headerField(header, "shape");
  if (!descr || !fortran || !shapeText)
    return npyError(path, "malformed header: " + header.trim());
  if (*fortran != "False" && *fortran != "True")
    return npyError(path, "malformed header: fortran_order is " + *fortran);
  // Column-major data (np.save of a transposed view) is reordered; int64
  // (np.arange's default) narrowed to int32 where every value fits: both
  // exact, each said in a note.
  bool columnMajor = *fortran == "True";
  StringRef type = descr->trim("'\"");
  ElementKind kind;
  size_t fileWidth = 0;
  if (type == "<i8") {
    kind = ElementKind::I32;
    fileWidth = 8;
  } else if (type == "<f4")
    kind = ElementKind::F32;
  else if (type == "<f2")
    kind = ElementKind::F16;
  else if (type == "<V2" || type == "|V2" || type == "bfloat16")
    kind = ElementKind::BF16;
  else if (type == "<i4")
    kind = ElementKind::I32;
  else
    return npyError(path, "unsupported element type '" + type +
                              "' (expected <f4, <f2, <V2 for bf16, <i4, or "
                              "<i8 whose values fit 32 bits)");
  if (!fileWidth)
    fileWidth = byteWidth(kind);

  std::vector<int64_t> shape;
  llvm::SmallVector<StringRef> parts;
  shapeText->trim("()").split(parts, ',', -1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    int64_t size;
    if (part.trim().getAsInteger(10, size) || size < 0)
      return npyError(path, "malformed shape " + *shapeText);
    shape.push_back(size);
  }
  // The header's byte count, computed without overflow and compared with
  // the file before anything is allocated: a shape whose product overflows
  // or exceeds the data is a malformed file, not an allocation.
  std::optional<int64_t> expected = static_cast<int64_t>(fileWidth);
  for (int64_t size : shape)
    if (expected)
      expected = llvm::checkedMul(*expected, size);
  if (!expected)
    return npyError(path, "shape " + *shapeText +
                              " has more bytes than a 64-bit size can count");
  if (static_cast<uint64_t>(*expected) != bytes.size())
    return npyError(path, "holds " + llvm::Twine(bytes.size()) +
                              " data bytes, its header says " +
                              llvm::Twine(*expected));
  llvm::Expected<HostArray> array = HostArray::allocate(kind, std::move(shape));
  if (!array)
    return npyError(path, llvm::toString(array.takeError()));
  if (!columnMajor && fileWidth == byteWidth(kind)) {
    std::memcpy(array->data(), bytes.data(), array->numBytes());
    return array;
  }
  // Element by element, in row-major order: its place in the file (strides
  // of a column-major array where it is one) and, for int64, its value.
  const std::vector<int64_t> &sizes = array->shape;
  int64_t rank = sizes.size(), count = array->numElements();
  std::vector<int64_t> strides(rank, 1), index(rank, 0);
  for (int64_t d = 1; d < rank; ++d)
    strides[d] = strides[d - 1] * sizes[d - 1];
  for (int64_t linear = 0; linear < count; ++linear) {
    int64_t from = linear;
    if (columnMajor) {
      from = 0;
      for (int64_t d = 0; d < rank; ++d)
        from += index[d] * strides[d];
      for (int64_t d = rank - 1; d >= 0; --d) {
        if (++index[d] < sizes[d])
          break;
        index[d] = 0;
      }
    }
    const char *source = bytes.data() + from * fileWidth;
    uint8_t *target = array->data() + linear * byteWidth(kind);
    if (fileWidth == 8) {
      int64_t value;
      std::memcpy(&value, source, 8);
      if (value < INT32_MIN || value > INT32_MAX)
        return npyError(path, "int64 element " + llvm::Twine(linear) + " (" +
                                  llvm::Twine(value) +
                                  ") does not fit the int32 it is used as");
      int32_t narrow = static_cast<int32_t>(value);
      std::memcpy(target, &narrow, 4);
    } else {
      std::memcpy(target, source, fileWidth);
    }
  }
  if (note)
    *note = (llvm::Twine(columnMajor ? "Fortran-order data reordered" : "") +
             (columnMajor && fileWidth == 8 ? "; " : "") +
             (fileWidth == 8 ? "int64 read as int32 (every value fits)" : ""))
                .str();
  return array;
}

llvm::Error npy::writeNpy(StringRef path, const HostArray &array) {
  llvm::SmallVector<std::string> sizes;
  for (int64_t size : array.shape)
    sizes.push_back(std::to_string(size));
  // A one-element Python tuple keeps its comma: "(4,)".
  std::string shape = "(" + llvm::join(sizes, ", ") +
                      (array.shape.size() == 1 ? "," : "") + ")";
  std::string header = "{'descr': '" + descrOf(array.kind).str() +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Magic (6) + version (2) + length (2) + header + '\n', padded to 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';

  std::error_code error;
  llvm::raw_fd_ostream out(path, error, llvm::sys::fs::OF_None);
  if (error)
    return npyError(path, "cannot write: " + error.message());
  out << "\x93NUMPY" << '\x01' << '\x00';
  out << static_cast<char>(header.size() & 0xff)
      << static_cast<char>(header.size() >> 8);
  out << header;
  out.write(reinterpret_cast<const char *>(array.data()), array.numBytes());
  out.close();
  if (out.has_error()) {
    std::string message = out.error().message();
    // Reported here, with the file's name: the stream would otherwise end
    // the tool with a fatal error naming none.
    out.clear_error();
    return npyError(path, "write failed: " + message);
  }
  return llvm::Error::success();
}
