#include "query/event_stream.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <bit>

#include "lake/layout.h"
#include "query/civil_time.h"
#include "query/filter.h"
#include "util/parallel.h"

namespace swell::query {

using speed::HourBuffer;
using speed::Interner;

namespace {

// A matcher bound to one source. BoundFilters memoize, so each AddSource
// call (one thread) binds its own.
struct SourceMatcher {
  uint32_t bit = 0;
  bool any_name = false;
  uint32_t name = Interner::kMissing;
  BoundFilters filters;
  int64_t begin_ms = 0, end_ms = 0;
};

// Fresh memory costs a page fault per 4 KiB on first touch; a stream of
// tens of MB is written once, so ask for huge pages (a hint: THP in madvise
// mode) before writing it.
void AdviseHugePages(void* p, size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  if (bytes < 2 * kHuge) return;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#endif
}

// Source id -> a number, kNoValue until set: a flat array when the id space
// is small enough (a lake day's interner), a hash map otherwise (the speed
// layer's, which may number millions of values).
class IdMap {
 public:
  void Init(size_t ids) {
    if (ids <= kMaxDense) dense_.assign(ids, kNoValue);
    else sparse_ = true;
  }
  uint32_t& At(uint32_t id) { return sparse_ ? map_.try_emplace(id, kNoValue).first->second : dense_[id]; }

 private:
  static constexpr size_t kMaxDense = size_t{1} << 20;
  bool sparse_ = false;
  std::vector<uint32_t> dense_;
  std::unordered_map<uint32_t, uint32_t> map_;
};

bool Overlaps(int64_t a_begin, int64_t a_end, int64_t b_begin, int64_t b_end) {
  return a_begin < b_end && b_begin < a_end;
}

}  // namespace

StreamBuilder::StreamBuilder(StreamSpec spec) : spec_(std::move(spec)) {
  bool any = false;
  auto widen = [&](int64_t b, int64_t e) {
    if (b >= e) return;
    if (!any) {
      scan_begin_ = b, scan_end_ = e, any = true;
    } else {
      scan_begin_ = std::min(scan_begin_, b);
      scan_end_ = std::max(scan_end_, e);
    }
  };
  for (const StreamMatcher& m : spec_.matchers) widen(m.begin_ms, m.end_ms);
  if (spec_.keep_other_events) widen(spec_.other_begin_ms, spec_.other_end_ms);
}

uint32_t StreamBuilder::InternText(std::string_view text) {
  auto it = text_ids_.find(text);
  if (it != text_ids_.end()) return it->second;
  const uint32_t id = static_cast<uint32_t>(texts_.size());
  text_ids_.emplace(texts_.emplace_back(text), id);
  return id;
}

void StreamBuilder::AddSource(const speed::AppState& app) {
  if (scan_begin_ >= scan_end_) return;
  std::vector<SourceMatcher> matchers;
  for (size_t i = 0; i < spec_.matchers.size(); ++i) {
    const StreamMatcher& sm = spec_.matchers[i];
    if (sm.begin_ms >= sm.end_ms) continue;
    SourceMatcher m;
    m.bit = 1u << i;
    m.any_name = sm.match.event == kAnyEvent;
    if (!m.any_name) {
      m.name = app.names().Find(sm.match.event);
      if (m.name == Interner::kMissing) continue;  // no event of this source has the name
    }
    m.filters = BoundFilters::Bind(sm.match.filters, app);
    m.begin_ms = sm.begin_ms;
    m.end_ms = sm.end_ms;
    matchers.push_back(std::move(m));
  }
  const bool keep_other = spec_.keep_other_events && spec_.other_begin_ms < spec_.other_end_ms;
  if (matchers.empty() && !keep_other) return;

  const size_t nprops = spec_.properties.size();
  std::vector<BoundProperty> props;
  for (const PropertyRef& p : spec_.properties) props.push_back(BoundProperty::Bind(p, app));
  // Source value id -> a number local to this chunk, per property (event_type
  // ids are event-name ids, the others value ids); the local numbers become
  // stream text ids at the end, under one lock.
  std::vector<IdMap> translate(nprops);
  for (size_t p = 0; p < nprops; ++p)
    translate[p].Init(props[p].kind() == BoundProperty::Kind::kEventType ? app.names().size() : app.values().size());
  std::vector<std::pair<size_t, uint32_t>> local_texts;  // (property, source id) by local number

  // The matchers each event name may set (those of `_all` for every name):
  // most rows of a busy app fail this one lookup.
  std::vector<uint32_t> name_bits(app.names().size(), 0);
  uint32_t any_name_bits = 0;
  for (const SourceMatcher& m : matchers) {
    if (m.any_name) any_name_bits |= m.bit;
    else name_bits[m.name] |= m.bit;
  }
  std::vector<const SourceMatcher*> by_bit(32, nullptr);
  for (const SourceMatcher& m : matchers) by_bit[std::countr_zero(m.bit)] = &m;

  // The hours to scan, with the matchers that can accept a row there and
  // those whose range holds the whole hour (no time test per row); their
  // sets' event counts bound the rows kept, so the chunk grows once.
  struct HourPlan {
    const HourBuffer* buf;
    uint32_t active, whole;
    bool other_here;
  };
  std::vector<HourPlan> plan;
  size_t bound = 0;
  const auto& hours = app.hours();
  for (auto it = hours.lower_bound(FloorDiv(scan_begin_, kMsPerHour)); it != hours.end(); ++it) {
    const HourBuffer& buf = *it->second;
    const int64_t hb = buf.begin_ms(), he = hb + kMsPerHour;
    if (hb >= scan_end_) break;
    HourPlan h{&buf, 0, 0, keep_other && Overlaps(hb, he, spec_.other_begin_ms, spec_.other_end_ms)};
    size_t named = 0;
    for (const SourceMatcher& m : matchers) {
      if (!Overlaps(hb, he, m.begin_ms, m.end_ms)) continue;
      if (!m.any_name) {
        // The hour's all-users set of the name exists iff some row has it.
        const speed::UserSet* set = buf.FindSet(m.name, speed::kAllKey, 0);
        if (!set) continue;
        named += set->events;
      }
      h.active |= m.bit;
      if (m.begin_ms <= hb && he <= m.end_ms) h.whole |= m.bit;
    }
    if (h.active == 0 && !h.other_here) continue;
    bound += (h.other_here || (h.active & any_name_bits)) ? buf.rows() : std::min(named, buf.rows());
    plan.push_back(h);
  }

  Chunk chunk;
  chunk.rows.reserve(bound);
  chunk.values.reserve(bound * nprops);
  uint64_t scanned = 0;
  for (const HourPlan& h : plan) {
    const HourBuffer& buf = *h.buf;
    const uint32_t active = h.active, whole = h.whole;
    const bool other_here = h.other_here;
    const uint32_t any_here = any_name_bits & active;
    const size_t n = buf.rows();
    scanned += n;
    for (size_t r = 0; r < n; ++r) {
      const uint32_t candidates = (name_bits[buf.name(r)] & active) | any_here;
      if (candidates == 0 && !other_here) continue;
      const int64_t t = buf.time_ms(r);
      uint32_t mask = 0;
      for (uint32_t bits = candidates; bits; bits &= bits - 1) {
        const SourceMatcher& m = *by_bit[std::countr_zero(bits)];
        if (!(whole & m.bit) && (t < m.begin_ms || t >= m.end_ms)) continue;
        if (!m.filters.empty() && !m.filters.Matches(buf, r)) continue;
        mask |= m.bit;
      }
      if (mask == 0 && !(other_here && t >= spec_.other_begin_ms && t < spec_.other_end_ms)) continue;
      chunk.rows.push_back({t, buf.user(r), mask, static_cast<uint32_t>(chunk.values.size())});
      for (size_t p = 0; p < nprops; ++p) {
        const uint32_t v = props[p].ValueAt(buf, r);
        if (v == Interner::kMissing) {
          chunk.values.push_back(kNoValue);
          continue;
        }
        uint32_t& slot = translate[p].At(v);
        if (slot == kNoValue) {
          slot = static_cast<uint32_t>(local_texts.size());
          local_texts.emplace_back(p, v);
        }
        chunk.values.push_back(slot);
      }
    }
  }

  std::lock_guard lock(mu_);
  if (!local_texts.empty()) {
    std::vector<uint32_t> ids(local_texts.size());
    for (size_t i = 0; i < local_texts.size(); ++i)
      ids[i] = InternText(props[local_texts[i].first].Text(local_texts[i].second));
    for (uint32_t& v : chunk.values)
      if (v != kNoValue) v = ids[v];
  }
  stats_.rows_scanned += scanned;
  stats_.rows_kept += chunk.rows.size();
  if (!chunk.rows.empty()) chunks_.push_back(std::move(chunk));
}

Status StreamBuilder::AddLake(const std::string& app_id, const lake::Snapshot& snapshot, PartitionCache* cache) {
  if (scan_begin_ >= scan_end_) return Status::OK();
  // Clamp to the days the lake's dates can name (0000..9999): dates outside
  // would compare wrongly as text, and open-ended ranges reach past them.
  int32_t min_day = 0, max_day = 0;
  lake::ParseDate("0000-01-01", &min_day);
  lake::ParseDate("9999-12-31", &max_day);
  const int64_t lo_ms = int64_t{min_day} * kMsPerDay, hi_ms = (int64_t{max_day} + 1) * kMsPerDay;
  const int64_t begin = std::max(scan_begin_, lo_ms), end = std::min(scan_end_, hi_ms);
  if (begin >= end) return Status::OK();
  const std::string from = lake::DateString(lake::DayOfTimeMs(begin));
  const std::string to = lake::DateString(lake::DayOfTimeMs(end - 1));
  std::vector<const lake::LakeFile*> files = snapshot.Select(lake::FileKind::kEvents, app_id, from, to);
  if (files.empty()) return Status::OK();

  std::atomic<size_t> next{0};
  std::mutex err_mu;
  Status first_error;
  std::atomic<uint64_t> scanned{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < files.size();) {
      std::shared_ptr<const speed::AppState> state;
      Status st = cache->Get(*files[i], &state);
      if (!st.ok()) {
        std::lock_guard lock(err_mu);
        if (first_error.ok()) first_error = st;
        return;
      }
      AddSource(*state);
      scanned.fetch_add(1, std::memory_order_relaxed);
    }
  };
  RunOnThreads(CpuWorkers(files.size(), 4), work);
  std::lock_guard lock(mu_);
  stats_.partitions_scanned += scanned.load();
  return first_error;
}

EventStream StreamBuilder::Finish() {
  EventStream out;
  const size_t nprops = spec_.properties.size();
  out.property_count = nprops;
  text_ids_.clear();
  out.texts.reserve(texts_.size());
  for (std::string& t : texts_) out.texts.push_back(std::move(t));
  texts_.clear();
  size_t total = 0;
  uint32_t max_user = 0;
  for (const Chunk& c : chunks_) {
    total += c.rows.size();
    for (const StreamRow& r : c.rows) max_user = std::max(max_user, r.user);
  }
  if (total == 0) {
    chunks_.clear();
    return out;
  }
  // Sources hold disjoint days mostly: taking them in time order leaves most
  // users' runs in time order after the (stable) sort by user.
  std::sort(chunks_.begin(), chunks_.end(),
            [](const Chunk& a, const Chunk& b) { return a.rows.front().time_ms < b.rows.front().time_ms; });

  // One array of values, and each row's index into it.
  std::vector<uint32_t> values;
  if (nprops > 0) {
    values.reserve(total * nprops);
    for (Chunk& c : chunks_) {
      const uint32_t base = static_cast<uint32_t>(values.size());
      for (StreamRow& r : c.rows) r.values += base;
      values.insert(values.end(), c.values.begin(), c.values.end());
      c.values = std::vector<uint32_t>();
    }
  }

  // By user in two passes: rows go to ~512 buckets by the high bits of the
  // user number (few write streams: cache and TLB friendly), then each
  // bucket, small enough for the cache, is counting-sorted by the low bits
  // and each user's run put in time order. Both passes are stable, so the
  // chunks' time order survives, and each runs on several threads: chunks
  // scatter to disjoint slots, buckets sort on their own.
  const int bits = std::max(1, static_cast<int>(std::bit_width(max_user)));
  const int shift = std::max(0, bits - 9);
  const size_t buckets = (size_t{max_user} >> shift) + 1;
  const size_t nchunks = chunks_.size();
  // slot[c * buckets + d]: where chunk c's first row of bucket d goes.
  std::vector<size_t> slot(nchunks * buckets, 0);
  auto for_each_chunk = [&](auto&& fn) {
    std::atomic<size_t> next{0};
    RunOnThreads(CpuWorkers(nchunks, 4), [&] {
      for (size_t c; (c = next.fetch_add(1)) < nchunks;) fn(c);
    });
  };
  for_each_chunk([&](size_t c) {
    size_t* h = &slot[c * buckets];
    for (const StreamRow& r : chunks_[c].rows) h[r.user >> shift]++;
  });
  std::vector<size_t> start(buckets + 1, 0);
  size_t pos = 0;
  for (size_t d = 0; d < buckets; ++d) {
    start[d] = pos;
    for (size_t c = 0; c < nchunks; ++c) {
      const size_t n = slot[c * buckets + d];
      slot[c * buckets + d] = pos;
      pos += n;
    }
  }
  start[buckets] = pos;
  std::vector<StreamRow> a;
  a.reserve(total);
  AdviseHugePages(a.data(), total * sizeof(StreamRow));
  a.resize(total);
  for_each_chunk([&](size_t c) {
    size_t* next = &slot[c * buckets];
    for (const StreamRow& r : chunks_[c].rows) a[next[r.user >> shift]++] = r;
    chunks_[c].rows = std::vector<StreamRow>();
  });
  chunks_.clear();
  if (nprops > 0) out.values.resize(total * nprops);

  auto by_time = [](const StreamRow& x, const StreamRow& y) { return x.time_ms < y.time_ms; };
  auto sort_bucket = [&](size_t d, std::vector<StreamRow>* tmp, std::vector<uint32_t>* count) {
    const size_t s = start[d], e = start[d + 1];
    if (shift > 0 && e - s > 1) {
      const uint32_t low = (uint32_t{1} << shift) - 1;
      tmp->assign(a.begin() + s, a.begin() + e);
      count->assign((size_t{1} << shift) + 1, 0);
      for (const StreamRow& r : *tmp) (*count)[(r.user & low) + 1]++;
      for (size_t u = 1; u < count->size(); ++u) (*count)[u] += (*count)[u - 1];
      for (const StreamRow& r : *tmp) a[s + (*count)[r.user & low]++] = r;
    }
    for (size_t i = s; i < e;) {
      size_t j = i + 1;
      bool sorted = true;
      while (j < e && a[j].user == a[i].user) {
        sorted &= a[j].time_ms >= a[j - 1].time_ms;
        ++j;
      }
      if (!sorted) {
        if (j - i <= 16) {
          for (size_t x = i + 1; x < j; ++x)
            for (size_t y = x; y > i && by_time(a[y], a[y - 1]); --y) std::swap(a[y], a[y - 1]);
        } else {
          std::stable_sort(a.begin() + i, a.begin() + j, by_time);
        }
      }
      i = j;
    }
    for (size_t i = s; i < e; ++i) {
      if (nprops > 0)
        std::copy_n(values.begin() + a[i].values, nprops, out.values.begin() + i * nprops);
      a[i].values = static_cast<uint32_t>(i * nprops);
    }
  };
  constexpr size_t kBucketsPerTask = 16;
  std::atomic<size_t> next_task{0};
  RunOnThreads(CpuWorkers(buckets / kBucketsPerTask + 1, 4), [&] {
    std::vector<StreamRow> tmp;
    std::vector<uint32_t> count;
    for (size_t t; (t = next_task.fetch_add(1)) * kBucketsPerTask < buckets;)
      for (size_t d = t * kBucketsPerTask; d < std::min(buckets, (t + 1) * kBucketsPerTask); ++d)
        sort_bucket(d, &tmp, &count);
  });
  out.rows = std::move(a);
  return out;
}

StreamStats StreamBuilder::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::vector<std::pair<size_t, size_t>> EventStream::UserRuns() const {
  std::vector<std::pair<size_t, size_t>> runs;
  size_t b = 0;
  while (b < rows.size()) {
    size_t e = b + 1;
    while (e < rows.size() && rows[e].user == rows[b].user) ++e;
    runs.emplace_back(b, e);
    b = e;
  }
  return runs;
}

std::vector<std::span<const std::pair<size_t, size_t>>> EventStream::SplitRuns(
    const std::vector<std::pair<size_t, size_t>>& runs, size_t parts) const {
  std::vector<std::span<const std::pair<size_t, size_t>>> out;
  if (runs.empty()) return out;
  parts = std::max<size_t>(1, parts);
  const size_t total = runs.back().second - runs.front().first;
  const size_t target = std::max<size_t>(1, (total + parts - 1) / parts);
  size_t first = 0, rows_in = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    rows_in += runs[i].second - runs[i].first;
    if (rows_in >= target) {
      out.emplace_back(runs.data() + first, i + 1 - first);
      first = i + 1;
      rows_in = 0;
    }
  }
  if (first < runs.size()) out.emplace_back(runs.data() + first, runs.size() - first);
  return out;
}

}  // namespace swell::query
