#include "speed/dedup_index.h"

namespace swell::speed {

namespace {
uint64_t EntryBytes(size_t key_size) { return 64 + (key_size > 15 ? key_size + 1 : 0); }
}  // namespace

bool DedupIndex::CheckAndInsert(std::string_view insert_id, int64_t arrival_ms) {
  if (arrival_ms > max_arrival_ms_) max_arrival_ms_ = arrival_ms;
  auto it = first_arrival_.find(std::string(insert_id));
  if (it != first_arrival_.end()) {
    if (arrival_ms - it->second < window_ms_) return true;
    it->second = arrival_ms;  // the window passed: a fresh first occurrence
    return false;
  }
  first_arrival_.emplace(std::string(insert_id), arrival_ms);
  bytes_ += EntryBytes(insert_id.size());
  // Amortized: expire once the index has grown by a good fraction since the
  // last sweep, so the cost per insert stays constant.
  if (++inserts_since_expire_ >= 4096 && inserts_since_expire_ >= first_arrival_.size() / 2) Expire();
  return false;
}

void DedupIndex::Expire() {
  inserts_since_expire_ = 0;
  for (auto it = first_arrival_.begin(); it != first_arrival_.end();) {
    if (max_arrival_ms_ - it->second >= window_ms_) {
      bytes_ -= EntryBytes(it->first.size());
      it = first_arrival_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace swell::speed
