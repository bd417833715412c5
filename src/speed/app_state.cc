#include "speed/app_state.h"

#include <algorithm>

#include "speed/speed_layer.h"

namespace swell::speed {

namespace {
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}
}  // namespace

Status AppState::Open(const std::string& app_id, const std::string& dict_path, int64_t dedup_window_ms,
                      std::unique_ptr<AppState>* out) {
  std::unique_ptr<AppState> app(new AppState(app_id, dedup_window_ms));
  SWELL_RETURN_IF_ERROR(UserDictionary::Open(dict_path, &app->users_));
  *out = std::move(app);
  return Status::OK();
}

Status AppState::Apply(const std::vector<Event>& events, ApplyResult* result) {
  for (const Event& e : events) {
    if (!e.insert_id.empty() && dedup_.CheckAndInsert(e.insert_id, e.arrival_ms)) {
      result->duplicates++;
      continue;
    }
    AddRow(e);
    result->applied++;
  }
  // The batch is durable in the log and its rows are queryable, so a failed
  // dictionary write must not fail it: the records stay pending for the next
  // flush, replaying the log would re-create them anyway, and Sync (before
  // the log is trimmed) reports the error.
  (void)users_->Flush();
  return Status::OK();
}

void AppState::AddRow(const Event& e) {
  // Event scope: fields first, so a field wins over an event property of the
  // same name; within a list the first occurrence of a key wins.
  scratch_.clear();
  auto add = [&](const std::vector<Property>& props, bool user_scope) {
    size_t begin = scratch_.size();
    for (const Property& p : props) {
      uint32_t kid = keys_.Intern(p.key);
      uint32_t ref = user_scope ? UserKeyRef(kid) : EventKeyRef(kid);
      bool seen = false;
      for (size_t i = user_scope ? begin : 0; i < scratch_.size(); ++i)
        if (scratch_[i].key == ref) { seen = true; break; }
      if (!seen) scratch_.push_back({ref, values_.Intern(p.value.ToText())});
    }
  };
  add(e.fields, false);
  add(e.event_properties, false);
  add(e.user_properties, true);
  std::sort(scratch_.begin(), scratch_.end(), [](const PropRef& a, const PropRef& b) { return a.key < b.key; });

  int64_t hour = FloorDiv(e.time_ms, 3600000);
  auto& buf = hours_[hour];
  if (!buf) buf = std::make_unique<HourBuffer>(hour);
  uint64_t before = buf->MemoryBytes();
  RowInput row;
  row.name = names_.Intern(e.event_type);
  row.user = users_->GetOrAdd(e.UserKey());
  row.user_id = e.user_id.empty() ? Interner::kMissing : values_.Intern(e.user_id);
  row.device_id = e.device_id.empty() ? Interner::kMissing : values_.Intern(e.device_id);
  row.time_ms = e.time_ms;
  row.arrival_ms = e.arrival_ms;
  row.props = scratch_;
  buf->Append(row);
  hour_bytes_ += buf->MemoryBytes() - before;
  events_++;
}

uint64_t AppState::EvictHours(int64_t first_hour, int64_t end_hour) {
  uint64_t dropped = 0;
  auto it = hours_.lower_bound(first_hour);
  while (it != hours_.end() && it->first < end_hour) {
    dropped += it->second->rows();
    hour_bytes_ -= it->second->MemoryBytes();
    it = hours_.erase(it);
  }
  events_ -= dropped;
  return dropped;
}

uint32_t AppState::FindKeyRef(std::string_view name, bool user_scope) const {
  uint32_t kid = keys_.Find(name);
  if (kid == Interner::kMissing) return Interner::kMissing;
  return user_scope ? UserKeyRef(kid) : EventKeyRef(kid);
}

uint64_t AppState::MemoryBytes() const {
  return hour_bytes_ + users_->MemoryBytes() + names_.MemoryBytes() + keys_.MemoryBytes() +
         values_.MemoryBytes() + dedup_.MemoryBytes() + hours_.size() * (sizeof(HourBuffer) + 64);
}

}  // namespace swell::speed
