// HourBuffer: the events of one app whose event time falls in one UTC hour,
// kept two ways:
//  - columnar rows (event name, user number, time, arrival, user_id and
//    device_id, and the row's properties as sorted (key ref, value id) pairs)
//    that any filter or group-by can scan;
//  - pre-aggregated user sets: for each (event name, key ref, value id) the
//    roaring bitmap of user numbers and the event count, plus the entry
//    (event name, kAllKey, 0) holding every user of the event. These are the
//    rows the lake's sets/ files hold; a query whose shape they answer reads
//    them instead of the rows.
// A key whose values rarely repeat within the hour (ids, prices, timestamps)
// would cost a near-empty bitmap per event: once such a key of an event name
// has kMinValueSets values and fewer than kMinEventsPerValue events per value
// on average (or kMaxValueSets values at all), its value sets in the hour are
// dropped for good and queries filtering on it read the rows (HasValueSets).
// All numbers come from the app's interners and user dictionary (AppState).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include <roaring/roaring.hh>

namespace swell::speed {

// A property key as stored: the interned key id with the scope in the top
// bit. Scope kEventScope holds the top-level fields and the event properties
// (a field wins over an event property of the same name); kUserScope holds
// the user properties.
constexpr uint32_t kUserScopeBit = 0x80000000u;
inline uint32_t EventKeyRef(uint32_t key_id) { return key_id; }
inline uint32_t UserKeyRef(uint32_t key_id) { return key_id | kUserScopeBit; }
// The key of the all-users entry of an event name.
constexpr uint32_t kAllKey = 0xFFFFFFFFu;

struct PropRef {
  uint32_t key;    // key ref
  uint32_t value;  // value id
};

struct UserSet {
  Roaring users;
  uint64_t events = 0;
};

struct SetKey {
  uint32_t name;
  uint32_t key;
  uint32_t value;
  bool operator==(const SetKey&) const = default;
};

struct SetKeyHash {
  size_t operator()(const SetKey& k) const {
    uint64_t h = (uint64_t{k.name} << 32) ^ k.key;
    h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull;
    h ^= uint64_t{k.value} * 0x94d049bb133111ebull;
    return static_cast<size_t>(h ^ (h >> 31));
  }
};

struct RowInput {
  uint32_t name;
  uint32_t user;
  uint32_t user_id;    // value id, Interner::kMissing when empty
  uint32_t device_id;  // value id, Interner::kMissing when empty
  int64_t time_ms;
  int64_t arrival_ms;
  // Where the event is in the write-ahead log: a seal reads it back from
  // there (record lsn, position in the record's batch). 0 for rows that do
  // not come from the log (tests, lake partitions loaded for queries).
  uint64_t lsn = 0;
  uint32_t batch_index = 0;
  // REQUIRES: sorted by key, keys unique.
  std::span<const PropRef> props;
};

class HourBuffer {
 public:
  // hour: floor(time_ms / 3600000) of every row.
  explicit HourBuffer(int64_t hour) : hour_(hour) { prop_begin_.push_back(0); }
  HourBuffer(const HourBuffer&) = delete;
  HourBuffer& operator=(const HourBuffer&) = delete;

  void Append(const RowInput& row);

  int64_t hour() const { return hour_; }
  int64_t begin_ms() const { return hour_ * 3600000; }
  size_t rows() const { return name_.size(); }

  uint32_t name(size_t r) const { return name_[r]; }
  uint32_t user(size_t r) const { return user_[r]; }
  uint32_t user_id(size_t r) const { return user_id_[r]; }
  uint32_t device_id(size_t r) const { return device_id_[r]; }
  int64_t time_ms(size_t r) const { return time_[r]; }
  int64_t arrival_ms(size_t r) const { return arrival_[r]; }
  uint64_t lsn(size_t r) const { return lsn_[r]; }
  uint32_t batch_index(size_t r) const { return batch_index_[r]; }
  // The largest lsn of any row (0 when empty): rows are appended in log order.
  uint64_t max_lsn() const { return lsn_.empty() ? 0 : lsn_.back(); }
  uint64_t min_lsn() const { return lsn_.empty() ? 0 : lsn_.front(); }

  // A new buffer holding the rows with lsn > lsn, with their sets rebuilt:
  // what stays in memory after a seal took the rows up to lsn.
  std::unique_ptr<HourBuffer> RowsAfter(uint64_t lsn) const;
  std::span<const PropRef> props(size_t r) const {
    return {props_.data() + prop_begin_[r], props_.data() + prop_begin_[r + 1]};
  }
  // The value id of key_ref in row r, or Interner::kMissing.
  uint32_t Value(size_t r, uint32_t key_ref) const;

  static constexpr size_t kMinValueSets = 16;
  static constexpr size_t kMinEventsPerValue = 2;
  static constexpr size_t kMaxValueSets = 1024;

  // nullptr when no event of the hour has that (name, key, value).
  const UserSet* FindSet(uint32_t name, uint32_t key_ref, uint32_t value) const;
  // False when (name, key_ref) had too many values for sets: FindSet then
  // misses values that rows hold.
  bool HasValueSets(uint32_t name, uint32_t key_ref) const {
    auto it = key_values_.find(NameKey(name, key_ref));
    return it == key_values_.end() || !it->second.overflow;
  }
  const std::unordered_map<SetKey, UserSet, SetKeyHash>& sets() const { return sets_; }

  // Estimated bytes held: column capacities, hash tables and user sets.
  uint64_t MemoryBytes() const;

 private:
  struct KeyValues {
    bool overflow = false;
    std::vector<uint32_t> values;  // value ids with a set, until overflow
  };
  static uint64_t NameKey(uint32_t name, uint32_t key_ref) { return (uint64_t{name} << 32) | key_ref; }
  UserSet* AddToSet(const SetKey& key, uint32_t user);
  // name_events: events of the name in the hour, this one included.
  void AddToValueSet(const SetKey& key, uint32_t user, uint64_t name_events);

  int64_t hour_;
  std::vector<uint32_t> name_, user_, user_id_, device_id_;
  std::vector<int64_t> time_, arrival_;
  std::vector<uint64_t> lsn_;
  std::vector<uint32_t> batch_index_;
  std::vector<uint32_t> prop_begin_;  // rows() + 1 offsets into props_
  std::vector<PropRef> props_;
  std::unordered_map<SetKey, UserSet, SetKeyHash> sets_;
  std::unordered_map<uint64_t, KeyValues> key_values_;
  uint64_t bytes_ = 0;  // user sets and key bookkeeping; columns are counted from their capacities
};

}  // namespace swell::speed
