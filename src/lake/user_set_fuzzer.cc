// libFuzzer target: any byte string as the `users` cell of a sets/ file
// (DecodeUserSet, the only place Swell reads portable roaring bytes from
// disk). A refusal must be a Corruption; a bitmap it accepts must be one
// CRoaring can use safely: it iterates in ascending order to its
// cardinality, answers the operations a query runs on it, and re-encodes to
// bytes that decode to the same set.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lake/sets_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swell;
  Roaring users;
  Status s = lake::DecodeUserSet(std::string_view(reinterpret_cast<const char*>(data), size), &users);
  if (!s.ok()) {
    if (!s.IsCorruption()) std::abort();
    return 0;
  }
  uint64_t n = 0;
  int64_t prev = -1;
  for (uint32_t u : users) {
    if (int64_t{u} <= prev) std::abort();
    if (!users.contains(u)) std::abort();
    prev = u;
    n++;
  }
  if (n != users.cardinality()) std::abort();
  if (n > 0 && (users.minimum() != *users.begin() || users.maximum() != static_cast<uint32_t>(prev))) std::abort();
  if (n > 0 && users.rank(users.maximum()) != n) std::abort();

  Roaring other;
  other.addRange(1000, 70000);
  other.add(3);
  const Roaring both = users & other;
  const Roaring either = users | other;
  const Roaring only = users - other;
  if (both.cardinality() + either.cardinality() != users.cardinality() + other.cardinality()) std::abort();
  if (only.cardinality() + both.cardinality() != users.cardinality()) std::abort();
  if (users.and_cardinality(other) != both.cardinality()) std::abort();

  Roaring again;
  if (!lake::DecodeUserSet(lake::EncodeUserSet(users), &again).ok() || !(again == users)) std::abort();
  Roaring optimized = users;
  optimized.runOptimize();
  if (!(optimized == users)) std::abort();
  return 0;
}
