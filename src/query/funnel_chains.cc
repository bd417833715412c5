#include "query/funnel_chains.h"

#include <algorithm>
#include <bit>
#include <limits>

namespace swell::query {

namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
constexpr uint32_t kNoHold = 0xFFFFFFFFu;

// Bits lo..hi of a count set.
uint32_t Range(int lo, int hi) {
  if (lo > hi) return 0;
  const uint32_t upto = hi >= 31 ? 0xFFFFFFFFu : (1u << (hi + 1)) - 1;
  return upto & ~((1u << lo) - 1);
}

}  // namespace

FunnelChains::FunnelChains(const FunnelShape& shape)
    : shape_(shape), step_mask_(shape.steps >= 32 ? 0xFFFFFFFFu : (1u << shape.steps) - 1) {
  const int k = shape_.steps;
  for (int s = 0; s <= k; ++s) {
    for (int s2 = s + 1; s2 <= k; ++s2) {
      // Count s2 replaces count s unless an exclusion opened by a step in
      // (s, s2] is still open at s2: that step is placed earlier at s2, so
      // the excluded span is longer there.
      bool dominated = true;
      for (const FunnelShape::Exclusion& x : shape_.exclusions)
        if (s < x.first && x.first <= s2 && s2 < x.last) dominated = false;
      if (dominated) dominates_[s] |= 1u << s2;
    }
  }
}

bool FunnelChains::InEntry(int64_t t) const {
  const auto& e = shape_.entry;
  if (e.size() == 1) return t >= e[0].first && t < e[0].second;
  auto it = std::upper_bound(e.begin(), e.end(), t, [](int64_t v, const auto& iv) { return v < iv.first; });
  if (it == e.begin()) return false;
  --it;
  return t < it->second;
}

GroupReach* FunnelChains::Slot(uint32_t group, std::vector<GroupReach>* out) {
  for (GroupReach& g : *out)
    if (g.group == group) return &g;
  GroupReach& g = out->emplace_back();
  g.group = group;
  std::fill(std::begin(g.best_ms), std::end(g.best_ms), kNever);
  return &g;
}

void FunnelChains::Prepare(const EventStream& stream, size_t begin, size_t end) {
  const int k = shape_.steps;
  n_ = end - begin;
  time_.resize(n_);
  mask_.resize(n_);
  hold_.assign(n_, 0);
  group_.assign(n_, kNoValue);
  block_of_.resize(n_);
  block_begin_.clear();
  block_excl_.clear();
  for (size_t i = 0; i < n_; ++i) {
    const StreamRow& r = stream.rows[begin + i];
    time_[i] = r.time_ms;
    mask_[i] = r.mask;
    if (shape_.group) {
      uint32_t g = stream.ValueOf(r, shape_.hold_count);
      group_[i] = g == shape_.none_text ? kNoValue : g;
    }
    if (i == 0 || r.time_ms != time_[i - 1]) {
      block_begin_.push_back(static_cast<uint32_t>(i));
      block_excl_.push_back(0);
    }
    block_of_[i] = static_cast<uint32_t>(block_begin_.size() - 1);
    block_excl_.back() |= r.mask >> k;
  }
  block_begin_.push_back(static_cast<uint32_t>(n_));

  // Hold values: number the distinct tuples among step events.
  holds_ = 1;
  if (shape_.hold_count > 0) {
    scratch_.clear();
    for (size_t i = 0; i < n_; ++i) {
      if ((mask_[i] & step_mask_) == 0) {
        hold_[i] = kNoHold;
        continue;
      }
      scratch_.emplace_back(0, static_cast<uint32_t>(i));
    }
    const size_t hc = shape_.hold_count;
    auto tuple_less = [&](uint32_t a, uint32_t b) {
      const StreamRow& ra = stream.rows[begin + a];
      const StreamRow& rb = stream.rows[begin + b];
      for (size_t p = 0; p < hc; ++p) {
        uint32_t va = stream.ValueOf(ra, p), vb = stream.ValueOf(rb, p);
        if (va != vb) return va < vb;
      }
      return false;
    };
    std::sort(scratch_.begin(), scratch_.end(),
              [&](const auto& a, const auto& b) { return tuple_less(a.second, b.second); });
    uint32_t id = 0;
    for (size_t j = 0; j < scratch_.size(); ++j) {
      if (j > 0 && tuple_less(scratch_[j - 1].second, scratch_[j].second)) ++id;
      hold_[scratch_[j].second] = id;
    }
    holds_ = scratch_.empty() ? 1 : id + 1;
  } else {
    for (size_t i = 0; i < n_; ++i)
      if ((mask_[i] & step_mask_) == 0) hold_[i] = kNoHold;
  }

  if (shape_.order == FunnelOrder::kAny) {
    // Each hold value's step events, in time order.
    hold_events_begin_.assign(holds_ + 1, 0);
    for (size_t i = 0; i < n_; ++i)
      if (hold_[i] != kNoHold) hold_events_begin_[hold_[i] + 1]++;
    for (size_t h = 0; h < holds_; ++h) hold_events_begin_[h + 1] += hold_events_begin_[h];
    hold_events_.resize(hold_events_begin_[holds_]);
    std::vector<uint32_t>& fill = cand_;  // scratch: next slot per hold value
    fill.assign(hold_events_begin_.begin(), hold_events_begin_.end() - 1);
    for (size_t i = 0; i < n_; ++i)
      if (hold_[i] != kNoHold) hold_events_[fill[hold_[i]]++] = static_cast<uint32_t>(i);
    return;
  }
  if (shape_.order != FunnelOrder::kThis) return;

  // Blocks holding each (hold value, step), and each exclusion's blocks.
  const size_t lists = holds_ * static_cast<size_t>(k);
  list_begin_.assign(lists + 1, 0);
  std::vector<uint32_t>& last = cand_;  // scratch: last block counted per list
  last.assign(lists, kNoHold);
  auto for_each_list = [&](auto&& fn) {
    for (size_t i = 0; i < n_; ++i) {
      if (hold_[i] == kNoHold) continue;
      for (uint32_t bits = mask_[i] & step_mask_; bits; bits &= bits - 1) {
        const size_t l = hold_[i] * static_cast<size_t>(k) + std::countr_zero(bits);
        if (last[l] == block_of_[i]) continue;
        last[l] = block_of_[i];
        fn(l, block_of_[i]);
      }
    }
  };
  for_each_list([&](size_t l, uint32_t) { list_begin_[l + 1]++; });
  for (size_t l = 0; l < lists; ++l) list_begin_[l + 1] += list_begin_[l];
  lists_.resize(list_begin_[lists]);
  fill_.assign(list_begin_.begin(), list_begin_.end() - 1);
  last.assign(lists, kNoHold);
  for_each_list([&](size_t l, uint32_t b) { lists_[fill_[l]++] = b; });

  const size_t nx = shape_.exclusions.size();
  excl_begin_.assign(nx + 1, 0);
  excl_lists_.clear();
  for (size_t x = 0; x < nx; ++x) {
    const uint32_t bit = 1u << (shape_.exclusions[x].bit - k);
    for (size_t b = 0; b + 1 < block_begin_.size(); ++b)
      if (block_excl_[b] & bit) excl_lists_.push_back(static_cast<uint32_t>(b));
    excl_begin_[x + 1] = static_cast<uint32_t>(excl_lists_.size());
  }
}

size_t FunnelChains::NextBlock(const std::vector<uint32_t>& list, size_t lo, size_t hi, size_t after) const {
  auto it = std::upper_bound(list.begin() + lo, list.begin() + hi, static_cast<uint32_t>(after));
  return it == list.begin() + hi ? SIZE_MAX : *it;
}

bool FunnelChains::Augment(int step, uint32_t group, bool restrict_first) {
  for (size_t j = 0; j < cand_.size(); ++j) {
    const uint32_t ev = cand_[j];
    if (!((mask_[ev] >> step) & 1)) continue;
    // Step 1 takes an entry: an event of the group, in the range.
    if (step == 0 && restrict_first && (group_[ev] != group || !InEntry(time_[ev]))) continue;
    if (seen_[j] == seen_epoch_) continue;
    seen_[j] = seen_epoch_;
    if (match_of_cand_[j] < 0 || Augment(match_of_cand_[j], group, restrict_first)) {
      match_of_cand_[j] = step;
      return true;
    }
  }
  return false;
}

int FunnelChains::MaxPrefix(size_t block, int s, uint32_t hold, uint32_t group, bool first_block) {
  const int k = shape_.steps;
  if (s >= k) return s;
  const uint32_t bs = block_begin_[block], be = block_begin_[block + 1];
  if (be - bs == 1) {
    if (hold_[bs] != hold || !((mask_[bs] >> s) & 1)) return s;
    if (s == 0 && first_block && group_[bs] != group) return s;
    return s + 1;
  }
  cand_.clear();
  for (uint32_t i = bs; i < be; ++i)
    if (hold_[i] == hold && (mask_[i] & step_mask_)) cand_.push_back(i);
  match_of_cand_.assign(cand_.size(), -1);
  if (seen_.size() < cand_.size()) seen_.resize(cand_.size(), 0);
  int t = s;
  for (; t < k; ++t) {
    if (++seen_epoch_ == 0) std::fill(seen_.begin(), seen_.end(), 0), seen_epoch_ = 1;
    if (!Augment(t, group, first_block)) break;
  }
  return t;
}

void FunnelChains::WalkOrdered(size_t b1, Key key, std::vector<GroupReach>* out) {
  const int k = shape_.steps;
  const bool exact = shape_.order == FunnelOrder::kExact;
  const size_t blocks = block_begin_.size() - 1;
  const int64_t t1 = time_[block_begin_[b1]];
  const int64_t deadline = shape_.window_ms > kNever - t1 ? kNever : t1 + shape_.window_ms;
  int top = MaxPrefix(b1, 0, key.hold, key.group, true);
  if (top == 0) return;
  GroupReach* g = Slot(key.group, out);
  for (int j = 2; j <= top; ++j) g->best_ms[j - 1] = 0;
  g->reached |= Range(0, top - 1);
  if (top == k) return;

  // states[cap] bit s: a partial chain with s steps placed that can still
  // become valid chains up to length cap (an excluded event met while an
  // exclusion [i, j] was open rules out lengths j and more).
  uint32_t states[kMaxFunnelSteps + 1] = {};
  states[k] = Range(1, top);
  auto prune = [&]() {
    if (exact) return;
    // (s2, cap2) makes (s, cap) redundant when s2 >= s, cap2 >= cap and s2
    // dominates s (see dominates_).
    uint32_t above = 0;  // counts alive with a cap >= the current one
    for (int cap = k; cap >= 1; --cap) {
      uint32_t kept = states[cap];
      for (uint32_t bits = states[cap]; bits; bits &= bits - 1) {
        const int s = std::countr_zero(bits);
        const uint32_t better = (above | states[cap]) & ~(1u << s);
        if ((better & dominates_[s]) || ((above >> s) & 1)) kept &= ~(1u << s);
      }
      above |= states[cap];
      states[cap] = kept;
    }
  };
  prune();
  size_t c = b1;
  for (;;) {
    if (exact) {
      if (++c >= blocks) break;
    } else {
      // The next block that can change a state: an event of its next step,
      // or an excluded event of an exclusion open at it that its cap allows.
      size_t next = SIZE_MAX;
      uint32_t open = 0, need = 0;
      for (int cap = 1; cap <= k; ++cap) {
        for (uint32_t bits = states[cap]; bits; bits &= bits - 1) {
          const int s = std::countr_zero(bits);
          need |= 1u << s;
          for (size_t x = 0; x < shape_.exclusions.size(); ++x) {
            const FunnelShape::Exclusion& e = shape_.exclusions[x];
            if (e.first <= s && s < e.last && e.last <= cap) open |= 1u << x;
          }
        }
      }
      for (uint32_t bits = need; bits; bits &= bits - 1) {
        const size_t l = key.hold * static_cast<size_t>(k) + std::countr_zero(bits);
        next = std::min(next, NextBlock(lists_, list_begin_[l], list_begin_[l + 1], c));
      }
      for (uint32_t bits = open; bits; bits &= bits - 1) {
        const int x = std::countr_zero(bits);
        next = std::min(next, NextBlock(excl_lists_, excl_begin_[x], excl_begin_[x + 1], c));
      }
      if (next == SIZE_MAX) break;
      c = next;
    }
    const int64_t t = time_[block_begin_[c]];
    if (t > deadline) break;
    const uint32_t excl = block_excl_[c];
    uint32_t next_states[kMaxFunnelSteps + 1] = {};
    bool alive = false;
    int high = top;
    for (int cap = 1; cap <= k; ++cap) {
      for (uint32_t bits = states[cap]; bits; bits &= bits - 1) {
        const int s = std::countr_zero(bits);
        // Every count up to `placed` is a valid chain of that length here.
        const int placed = std::min(cap, MaxPrefix(c, s, key.hold, key.group, false));
        high = std::max(high, placed);
        for (int s2 = exact ? s + 1 : s; s2 <= placed; ++s2) {
          // An excluded event here lies strictly after the exclusion's first
          // step (placed in an earlier block) and before its last step
          // unless that one is placed here too.
          int cap2 = cap;
          if (excl)
            for (const FunnelShape::Exclusion& x : shape_.exclusions)
              if (((excl >> (x.bit - k)) & 1) && x.first <= s && s2 < x.last) cap2 = std::min(cap2, x.last - 1);
          if (cap2 > s2) {
            next_states[cap2] |= 1u << s2;
            alive = true;
          }
        }
      }
    }
    for (int j = top + 1; j <= high; ++j) g->best_ms[j - 1] = std::min(g->best_ms[j - 1], t - t1);
    if (high > top) {
      top = high;
      g->reached |= Range(0, top - 1);
    }
    if (top == k || !alive) break;
    std::copy(std::begin(next_states), std::end(next_states), std::begin(states));
    prune();
  }
}

void FunnelChains::WalkAny(Key key, std::vector<GroupReach>* out) {
  const int k = shape_.steps;
  const uint32_t lo_ev = hold_events_begin_[key.hold], hi_ev = hold_events_begin_[key.hold + 1];
  GroupReach* g = nullptr;
  for (uint32_t a = lo_ev; a < hi_ev;) {
    const int64_t tb = time_[hold_events_[a]];
    uint32_t a_end = a;
    while (a_end < hi_ev && time_[hold_events_[a_end]] == tb) ++a_end;
    // The chain's earliest time is tb (the step 1 event may come later):
    // some step must be filled here, by the lowest step an event of this
    // millisecond can take (any chain of the window can swap that event in).
    int lowest = k;
    for (uint32_t j = a; j < a_end; ++j) {
      const uint32_t ev = hold_events_[j];
      uint32_t bits = mask_[ev] & step_mask_;
      if (group_[ev] != key.group || !InEntry(time_[ev])) bits &= ~1u;
      if (bits) lowest = std::min(lowest, std::countr_zero(bits));
    }
    if (lowest == k) {
      a = a_end;
      continue;
    }
    const int64_t deadline = shape_.window_ms > kNever - tb ? kNever : tb + shape_.window_ms;
    cand_.clear();
    match_of_cand_.clear();
    int placed = 0;
    for (uint32_t j = a; j < hi_ev && placed < k;) {
      const int64_t tc = time_[hold_events_[j]];
      if (tc > deadline) break;
      while (j < hi_ev && time_[hold_events_[j]] == tc) {
        cand_.push_back(hold_events_[j++]);
        match_of_cand_.push_back(-1);
      }
      if (seen_.size() < cand_.size()) seen_.resize(cand_.size(), 0);
      while (placed < k) {
        if (++seen_epoch_ == 0) std::fill(seen_.begin(), seen_.end(), 0), seen_epoch_ = 1;
        if (!Augment(placed, key.group, true)) break;
        ++placed;
        if (placed > lowest) {
          if (!g) g = Slot(key.group, out);
          g->reached |= 1u << (placed - 1);
          if (placed >= 2) g->best_ms[placed - 1] = std::min(g->best_ms[placed - 1], tc - tb);
        }
      }
    }
    a = a_end;
  }
}

bool FunnelChains::RunSimple(const EventStream& stream, size_t begin, size_t end, std::vector<GroupReach>* out) {
  // Quadratic in the user's events: larger users take the general walk.
  constexpr size_t kMaxSimpleEvents = 256;
  if (!simple_ || end - begin > kMaxSimpleEvents) return false;
  const StreamRow* rows = stream.rows.data();
  for (size_t i = begin + 1; i < end; ++i)
    if (rows[i].time_ms == rows[i - 1].time_ms) return false;
  const int k = shape_.steps;
  GroupReach* g = nullptr;
  for (size_t i = begin; i < end; ++i) {
    if (!(rows[i].mask & 1) || !InEntry(rows[i].time_ms)) continue;
    const int64_t t1 = rows[i].time_ms;
    const int64_t deadline = shape_.window_ms > kNever - t1 ? kNever : t1 + shape_.window_ms;
    uint32_t group = kNoValue;
    if (shape_.group) {
      group = stream.ValueOf(rows[i], shape_.hold_count);
      if (group == shape_.none_text) group = kNoValue;
    }
    if (!g || g->group != group) g = Slot(group, out);
    g->reached |= 1;
    int s = 1;
    for (size_t j = i + 1; j < end && s < k && rows[j].time_ms <= deadline; ++j) {
      if (!((rows[j].mask >> s) & 1)) continue;
      g->best_ms[s] = std::min(g->best_ms[s], rows[j].time_ms - t1);
      g->reached |= 1u << s;
      ++s;
    }
  }
  return true;
}

void FunnelChains::Run(const EventStream& stream, size_t begin, size_t end, std::vector<GroupReach>* out) {
  out->clear();
  if (begin >= end) return;
  simple_ = shape_.order == FunnelOrder::kThis && shape_.exclusions.empty() && shape_.hold_count == 0;
  if (!RunSimple(stream, begin, end, out)) {
    Prepare(stream, begin, end);
    std::vector<Key>& keys = keys_;
    keys.clear();
    auto add_key = [&](Key key) {
      for (const Key& q : keys)
        if (q.group == key.group && q.hold == key.hold) return;
      keys.push_back(key);
    };
    if (shape_.order == FunnelOrder::kAny) {
      for (size_t i = 0; i < n_; ++i)
        if ((mask_[i] & 1) && InEntry(time_[i])) add_key({group_[i], hold_[i]});
      for (const Key& key : keys) WalkAny(key, out);
    } else {
      const size_t blocks = block_begin_.size() - 1;
      for (size_t b = 0; b < blocks; ++b) {
        keys.clear();
        for (uint32_t i = block_begin_[b]; i < block_begin_[b + 1]; ++i)
          if (mask_[i] & 1) add_key({group_[i], hold_[i]});
        if (keys.empty() || !InEntry(time_[block_begin_[b]])) continue;
        for (const Key& key : keys) WalkOrdered(b, key, out);
      }
    }
  }
  // Groups where no chain was valid at all leave no entry.
  out->erase(std::remove_if(out->begin(), out->end(), [](const GroupReach& g) { return g.reached == 0; }),
             out->end());
}

}  // namespace swell::query
