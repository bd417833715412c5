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

Status AppState::Apply(const std::vector<Event>& events, uint64_t lsn, ApplyResult* result) {
  if (lsn > last_lsn_) last_lsn_ = lsn;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    if (!e.insert_id.empty() && dedup_.CheckAndInsert(e.insert_id, e.arrival_ms)) {
      result->duplicates++;
      continue;
    }
    // Only a replay meets records at or below a watermark: live records
    // come after every seal's cut, so they skip the lookup.
    if (lsn <= max_watermark_) {
      auto it = sealed_watermark_.find(static_cast<int32_t>(FloorDiv(e.time_ms, 86'400'000)));
      if (it != sealed_watermark_.end() && lsn <= it->second) {
        result->sealed++;
        continue;
      }
    }
    AddRow(e, users_->GetOrAdd(e.UserKey()), lsn, static_cast<uint32_t>(i));
    result->applied++;
  }
  // The batch is durable in the log and its rows are queryable, so a failed
  // dictionary write must not fail it: the records stay pending for the next
  // flush, replaying the log would re-create them anyway, and Sync (before
  // the log is trimmed) reports the error.
  (void)users_->Flush();
  return Status::OK();
}

void AppState::AddSealedRow(const Event& e, uint32_t user_number) { AddRow(e, user_number, 0, 0); }

void AppState::SetSealedWatermark(int32_t day, uint64_t lsn) {
  uint64_t& w = sealed_watermark_[day];
  if (lsn > w) w = lsn;
  if (lsn > max_watermark_) max_watermark_ = lsn;
}

void AppState::CollectRows(int64_t first_hour, int64_t end_hour, uint64_t max_lsn,
                           std::vector<RowLocator>* rows) const {
  for (auto it = hours_.lower_bound(first_hour); it != hours_.end() && it->first < end_hour; ++it) {
    const HourBuffer& buf = *it->second;
    for (size_t r = 0; r < buf.rows(); ++r)
      if (buf.lsn(r) <= max_lsn) rows->push_back({buf.lsn(r), buf.batch_index(r), buf.user(r)});
  }
}

uint64_t AppState::EvictSealed(int64_t first_hour, int64_t end_hour, uint64_t max_lsn) {
  uint64_t dropped = 0;
  auto it = hours_.lower_bound(first_hour);
  while (it != hours_.end() && it->first < end_hour) {
    HourBuffer& buf = *it->second;
    const uint64_t bytes = buf.MemoryBytes();
    const size_t rows = buf.rows();
    if (buf.max_lsn() <= max_lsn) {
      dropped += rows;
      hour_bytes_ -= bytes;
      it = hours_.erase(it);
      continue;
    }
    if (buf.min_lsn() <= max_lsn) {
      // Late rows arrived after the seal's cut: keep just those.
      std::unique_ptr<HourBuffer> rest = buf.RowsAfter(max_lsn);
      dropped += rows - rest->rows();
      hour_bytes_ = hour_bytes_ - bytes + rest->MemoryBytes();
      it->second = std::move(rest);
    }
    ++it;
  }
  events_ -= dropped;
  return dropped;
}

uint64_t AppState::MinRowLsn() const {
  uint64_t min = 0;
  for (const auto& [hour, buf] : hours_)
    if (buf->rows() > 0 && (min == 0 || buf->min_lsn() < min)) min = buf->min_lsn();
  return min;
}

void AppState::AddRow(const Event& e, uint32_t user, uint64_t lsn, uint32_t batch_index) {
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
  row.user = user;
  row.lsn = lsn;
  row.batch_index = batch_index;
  row.user_id = e.user_id.empty() ? Interner::kMissing : values_.Intern(e.user_id);
  row.device_id = e.device_id.empty() ? Interner::kMissing : values_.Intern(e.device_id);
  row.time_ms = e.time_ms;
  row.arrival_ms = e.arrival_ms;
  row.props = scratch_;
  buf->Append(row);
  hour_bytes_ += buf->MemoryBytes() - before;
  events_++;
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
