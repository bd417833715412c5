// EventStream: the per-user, time-ordered events a behavioral query walks
// (funnels, retention). Only the events some matcher (a funnel step, an
// exclusion, a retention start or return event) accepts are read, from every
// source — the speed layer and the lake's sealed days — so a funnel over
// three events of a busy app touches those three events only.
//
// Each kept event becomes a StreamRow: its user number (the app's one user
// dictionary numbers users in memory and in the lake alike), its time, and
// a mask with bit i set when matcher i accepts it. One event may set several
// bits (one event can match two steps). The values of the request's
// properties (hold_constant, group_by) ride along as ids into the stream's
// own table of texts, since every source numbers its values differently.
//
// Building: a StreamBuilder takes sources concurrently (AddSource on the
// speed layer under the app's shared lock, AddLake for the sealed days, which
// loads partitions in parallel), then Finish() orders the rows by user and
// time (a two-pass radix sort by user, then each user's run by time, on
// several threads).
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "lake/manifest.h"
#include "query/filter_request.h"
#include "query/partition_cache.h"
#include "speed/app_state.h"
#include "util/status.h"

namespace swell::query {

inline constexpr int64_t kNoTimeBound = std::numeric_limits<int64_t>::max();

struct StreamMatcher {
  EventMatcher match;
  // Event time range [begin_ms, end_ms) this matcher accepts events in.
  int64_t begin_ms = std::numeric_limits<int64_t>::min();
  int64_t end_ms = kNoTimeBound;
};

struct StreamSpec {
  std::vector<StreamMatcher> matchers;  // at most 32 (bit i of the mask)
  // Also keep events no matcher accepts (mask 0) whose time lies in
  // [other_begin_ms, other_end_ms): what an exact-order funnel needs to see
  // that nothing happened between two steps.
  bool keep_other_events = false;
  int64_t other_begin_ms = 0, other_end_ms = 0;
  // Properties whose value texts each row carries (in this order).
  std::vector<PropertyRef> properties;
};

struct StreamRow {
  // Left uninitialized: streams of millions of rows are written once.
  StreamRow() {}
  StreamRow(int64_t t, uint32_t u, uint32_t m, uint32_t v) : time_ms(t), user(u), mask(m), values(v) {}
  int64_t time_ms;
  uint32_t user;
  uint32_t mask;
  uint32_t values;  // index of the row's first value in EventStream::values
};

// A property value id meaning "the event lacks the property".
inline constexpr uint32_t kNoValue = 0xFFFFFFFFu;

struct EventStream {
  size_t property_count = 0;
  // Ordered by user, then time; events of one user in the same millisecond
  // in no particular order.
  std::vector<StreamRow> rows;
  // property_count ids per row (at StreamRow::values): kNoValue or an index
  // into texts.
  std::vector<uint32_t> values;
  std::vector<std::string> texts;

  uint32_t ValueOf(const StreamRow& r, size_t property) const { return values[r.values + property]; }
  // [begin, end) of each user's run of rows, in row order.
  std::vector<std::pair<size_t, size_t>> UserRuns() const;
  // UserRuns() cut into about `parts` slices of similar row counts, never
  // splitting a user, for evaluating users in parallel.
  std::vector<std::span<const std::pair<size_t, size_t>>> SplitRuns(
      const std::vector<std::pair<size_t, size_t>>& runs, size_t parts) const;
};

struct StreamStats {
  uint64_t partitions_scanned = 0;
  uint64_t rows_scanned = 0;
  uint64_t rows_kept = 0;
};

class StreamBuilder {
 public:
  // REQUIRES: spec.matchers.size() <= 32.
  explicit StreamBuilder(StreamSpec spec);

  // Adds the rows of a source (the speed layer's AppState, or a lake
  // partition loaded by PartitionCache). Safe to call from several threads.
  // REQUIRES: app.mu held shared, or app not shared.
  void AddSource(const speed::AppState& app);
  // Adds the sealed days of the app overlapping the spec's time ranges,
  // partitions in parallel.
  Status AddLake(const std::string& app_id, const lake::Snapshot& snapshot, PartitionCache* cache);

  // The ordered stream. REQUIRES: no Add* running; call once.
  EventStream Finish();

  StreamStats stats() const;

  // The smallest and largest event time any matcher (or the other-events
  // range) accepts: the span of days a query must read.
  int64_t scan_begin_ms() const { return scan_begin_; }
  int64_t scan_end_ms() const { return scan_end_; }

 private:
  struct Chunk {
    std::vector<StreamRow> rows;
    std::vector<uint32_t> values;  // already translated to the stream's ids
  };
  // REQUIRES: mu_ held.
  uint32_t InternText(std::string_view text);

  StreamSpec spec_;
  int64_t scan_begin_ = 0, scan_end_ = 0;
  mutable std::mutex mu_;
  std::vector<Chunk> chunks_;
  std::deque<std::string> texts_;  // a deque never moves them: text_ids_ keys view them
  std::unordered_map<std::string_view, uint32_t> text_ids_;
  StreamStats stats_;
};

}  // namespace swell::query
