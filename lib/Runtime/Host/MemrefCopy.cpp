//===- MemrefCopy.cpp - memrefCopy for lowered host code --------*- C++ -*-===//
//
// A strided element-by-element copy (MemrefCopy.h).
//
//===----------------------------------------------------------------------===//

#include "mla/Runtime/MemrefCopy.h"

#include <cstring>
#include <vector>

extern "C" void mlaMemrefCopy(int64_t elementSize, int64_t *source,
                              int64_t *target) {
  int64_t rank = source[0];
  auto *from = reinterpret_cast<int64_t *>(source[1]);
  auto *to = reinterpret_cast<int64_t *>(target[1]);
  auto *fromData = reinterpret_cast<uint8_t *>(from[1]);
  auto *toData = reinterpret_cast<uint8_t *>(to[1]);
  int64_t *sizes = from + 3;
  int64_t *fromStrides = from + 3 + rank;
  int64_t *toStrides = to + 3 + rank;
  for (int64_t d = 0; d < rank; ++d)
    if (sizes[d] == 0)
      return;
  std::vector<int64_t> index(rank, 0);
  while (true) {
    int64_t fromOffset = from[2], toOffset = to[2];
    for (int64_t d = 0; d < rank; ++d) {
      fromOffset += index[d] * fromStrides[d];
      toOffset += index[d] * toStrides[d];
    }
    std::memcpy(toData + toOffset * elementSize,
                fromData + fromOffset * elementSize, elementSize);
    int64_t d = rank - 1;
    for (; d >= 0; --d) {
      if (++index[d] < sizes[d])
        break;
      index[d] = 0;
    }
    if (d < 0)
      return;
  }
}
