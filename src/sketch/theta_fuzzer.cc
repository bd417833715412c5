// libFuzzer target: arbitrary bytes into CompactThetaSketch::Deserialize and,
// when they parse, through serialization and every set operation.
// Build with -DSWELL_FUZZ=ON (clang) and run ./theta_fuzzer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sketch/theta_compact_sketch.h"
#include "sketch/theta_set_ops.h"
#include "sketch/theta_update_sketch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swell;
  CompactThetaSketch s;
  if (!CompactThetaSketch::Deserialize(
           std::string_view(reinterpret_cast<const char*>(data), size), &s)
           .ok()) {
    return 0;
  }
  for (uint64_t h : s.entries()) {
    if (h == 0 || h >= s.theta64()) std::abort();  // Deserialize promised otherwise
  }
  CompactThetaSketch again;
  if (!CompactThetaSketch::Deserialize(s.Serialize(), &again).ok()) std::abort();
  if (again.entries().size() != s.entries().size()) std::abort();
  (void)s.Estimate();
  if (s.NumRetained() < 1000000) {
    (void)s.LowerBound(2);
    (void)s.UpperBound(2);
  }

  ThetaUpdateSketch other;
  for (uint64_t i = 0; i < 100; ++i) other.Update(i);
  const CompactThetaSketch o = other.Compact();
  ThetaUnion u;
  (void)u.Update(s);
  (void)u.Update(o);
  (void)u.Result();
  ThetaIntersection in;
  (void)in.Update(o);
  (void)in.Update(s);
  if (in.HasResult()) (void)in.Result();
  CompactThetaSketch d;
  (void)ThetaANotB::Compute(s, o, &d);
  (void)ThetaANotB::Compute(o, s, &d);
  return 0;
}
