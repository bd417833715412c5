// DedupIndex: drops repeats of an insert_id within a window of arrival time
// (Amplitude's rule). The first occurrence wins: a repeat arriving less than
// window_ms after the remembered arrival is a duplicate, whatever its payload.
// Once the window has passed, the id is accepted again and its arrival becomes
// the new reference. Events without an insert_id never dedup.
//
// The index is memory only: after a restart, replaying the log in order
// rebuilds it, and with it the same accept/drop decisions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace swell::speed {

class DedupIndex {
 public:
  explicit DedupIndex(int64_t window_ms) : window_ms_(window_ms) {}

  // True when insert_id is a duplicate; otherwise remembers it at arrival_ms.
  // REQUIRES: !insert_id.empty().
  bool CheckAndInsert(std::string_view insert_id, int64_t arrival_ms);

  size_t size() const { return first_arrival_.size(); }
  uint64_t MemoryBytes() const { return bytes_; }

 private:
  // Forgets ids whose window closed before the latest arrival seen: they can
  // no longer cause a drop unless arrivals go back in time by a whole window.
  void Expire();

  int64_t window_ms_;
  int64_t max_arrival_ms_ = INT64_MIN;
  uint64_t inserts_since_expire_ = 0;
  uint64_t bytes_ = 0;
  std::unordered_map<std::string, int64_t> first_arrival_;
};

}  // namespace swell::speed
