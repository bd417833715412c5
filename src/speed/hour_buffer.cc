#include "speed/hour_buffer.h"

#include <algorithm>

#include "speed/interner.h"

namespace swell::speed {

namespace {
// A hash node (key, value, next pointer, cached hash, malloc header) holding
// a roaring bitmap, plus the bitmap's first allocations (container arrays and
// one array container), measured as about 100 bytes with CRoaring 0.2.
constexpr uint64_t kSetEntryBytes = sizeof(SetKey) + sizeof(UserSet) + 32 + 100;
// A user added to a sparse (array) container; dense ones cost less, so this
// overestimates, which is the safe side for a memory bound.
constexpr uint64_t kSetMemberBytes = 2;
}  // namespace

void HourBuffer::Append(const RowInput& row) {
  name_.push_back(row.name);
  user_.push_back(row.user);
  user_id_.push_back(row.user_id);
  device_id_.push_back(row.device_id);
  time_.push_back(row.time_ms);
  arrival_.push_back(row.arrival_ms);
  lsn_.push_back(row.lsn);
  batch_index_.push_back(row.batch_index);
  props_.insert(props_.end(), row.props.begin(), row.props.end());
  prop_begin_.push_back(static_cast<uint32_t>(props_.size()));

  uint64_t name_events = AddToSet({row.name, kAllKey, 0}, row.user)->events;
  for (const PropRef& p : row.props) AddToValueSet({row.name, p.key, p.value}, row.user, name_events);
}

UserSet* HourBuffer::AddToSet(const SetKey& key, uint32_t user) {
  auto [it, inserted] = sets_.try_emplace(key);
  if (inserted) bytes_ += kSetEntryBytes;
  if (it->second.users.addChecked(user)) bytes_ += kSetMemberBytes;
  it->second.events++;
  return &it->second;
}

void HourBuffer::AddToValueSet(const SetKey& key, uint32_t user, uint64_t name_events) {
  auto [kv, inserted] = key_values_.try_emplace(NameKey(key.name, key.key));
  if (inserted) bytes_ += sizeof(KeyValues) + 48;
  KeyValues& k = kv->second;
  if (k.overflow) return;
  auto it = sets_.find(key);
  if (it != sets_.end()) {
    if (it->second.users.addChecked(user)) bytes_ += kSetMemberBytes;
    it->second.events++;
    return;
  }
  size_t n = k.values.size() + 1;  // with the new value
  if (n > kMaxValueSets || (n > kMinValueSets && n * kMinEventsPerValue > name_events)) {
    // Too many values: drop the key's sets, its queries read rows instead.
    for (uint32_t v : k.values) {
      auto old = sets_.find(SetKey{key.name, key.key, v});
      bytes_ -= kSetEntryBytes + old->second.users.cardinality() * kSetMemberBytes;
      sets_.erase(old);
    }
    bytes_ -= k.values.capacity() * sizeof(uint32_t);
    k.values = {};
    k.overflow = true;
    return;
  }
  bytes_ -= k.values.capacity() * sizeof(uint32_t);
  k.values.push_back(key.value);
  bytes_ += k.values.capacity() * sizeof(uint32_t);
  AddToSet(key, user);
}

uint64_t HourBuffer::MemoryBytes() const {
  uint64_t columns = (name_.capacity() + user_.capacity() + user_id_.capacity() + device_id_.capacity() +
                      prop_begin_.capacity() + batch_index_.capacity()) * sizeof(uint32_t) +
                     (time_.capacity() + arrival_.capacity() + lsn_.capacity()) * sizeof(int64_t) +
                     props_.capacity() * sizeof(PropRef);
  uint64_t buckets = (sets_.bucket_count() + key_values_.bucket_count()) * sizeof(void*);
  return bytes_ + columns + buckets;
}

std::unique_ptr<HourBuffer> HourBuffer::RowsAfter(uint64_t lsn) const {
  auto out = std::make_unique<HourBuffer>(hour_);
  for (size_t r = 0; r < rows(); ++r) {
    if (lsn_[r] <= lsn) continue;
    RowInput row{name_[r], user_[r], user_id_[r], device_id_[r], time_[r], arrival_[r], lsn_[r], batch_index_[r], props(r)};
    out->Append(row);
  }
  return out;
}

uint32_t HourBuffer::Value(size_t r, uint32_t key_ref) const {
  auto ps = props(r);
  // Rows carry a handful of properties: a linear scan beats a binary search.
  for (const PropRef& p : ps) {
    if (p.key == key_ref) return p.value;
    if (p.key > key_ref) break;
  }
  return Interner::kMissing;
}

const UserSet* HourBuffer::FindSet(uint32_t name, uint32_t key_ref, uint32_t value) const {
  auto it = sets_.find(SetKey{name, key_ref, value});
  return it == sets_.end() ? nullptr : &it->second;
}

}  // namespace swell::speed
