// The per-user half of a funnel (docs/queries.md "Funnels"): given one
// user's time-ordered stream rows, which groups the user reaches which step
// in, and the shortest time to convert to each step there.
//
// Orders `this` and `exact` walk forward from each entry event x1. The
// state of a partial chain is just the number of steps s placed so far:
// times only grow, so an exclusion [i, j] only needs to know, at each later
// millisecond holding an excluded event, whether step i is already placed
// (before it) and step j is not (after it) — then the chain dies. A step
// placed in the same millisecond as an excluded event is neither before nor
// after it. Several counts can be alive at once (placing a step later may
// avoid an exclusion); one count dominates another when it reaches every
// later step at the same time or earlier, and dominated counts are dropped
// (without exclusions only the largest count is kept: the greedy earliest
// choice). Events of one millisecond are assigned to steps by bipartite
// matching, so one event fills at most one step. The walk jumps between
// the milliseconds that can change a count (an event of the next step, or
// an excluded event of an open exclusion), found by binary search, so a
// user costs O(entries x steps x log events) in the common case.
//
// Order `any` tries each millisecond holding a step's event as the chain's
// earliest time, and grows the span up to the window while matching the
// steps 1..k to distinct events (step 1 to an entry in the range).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "query/event_stream.h"
#include "query/funnel_request.h"

namespace swell::query {

inline constexpr int kMaxFunnelSteps = 20;

struct FunnelShape {
  int steps = 0;  // K: mask bits 0..K-1
  FunnelOrder order = FunnelOrder::kThis;
  int64_t window_ms = 0;
  struct Exclusion {
    int bit = 0;                   // mask bit of the excluded event
    int first = 0, last = 0;       // 1-based steps: between step first and step last
  };
  std::vector<Exclusion> exclusions;
  // Stream properties 0..hold_count-1 are the hold_constant ones; property
  // hold_count, when group is set, the group_by one.
  size_t hold_count = 0;
  bool group = false;
  // The stream's id of the text "(none)" (kNoValue when absent): that text
  // and the absent property form one group.
  uint32_t none_text = kNoValue;
  // The entry range as sorted, disjoint UTC intervals [begin, end).
  std::vector<std::pair<int64_t, int64_t>> entry;
};

// What one user reached in one group.
struct GroupReach {
  uint32_t group = kNoValue;  // a stream text id, kNoValue for "(none)"
  // Bit k - 1 set when the user has a valid chain of length k. For orders
  // `this` and `exact` the bits are 1..n (a valid chain's prefixes are
  // valid); for `any` a chain's earliest event may fill a late step only,
  // so a length can be reached without a shorter one.
  uint32_t reached = 0;
  // best_ms[k]: the shortest time to convert to step k + 1 (k >= 1).
  int64_t best_ms[kMaxFunnelSteps] = {};
};

class FunnelChains {
 public:
  // REQUIRES: 1 <= shape.steps <= kMaxFunnelSteps; shape outlives this.
  explicit FunnelChains(const FunnelShape& shape);

  // Evaluates the user whose rows are stream.rows[begin, end) into *out
  // (cleared first; one entry per group the user reached step 1 in).
  // Not thread-safe: one FunnelChains per thread (it keeps scratch space).
  void Run(const EventStream& stream, size_t begin, size_t end, std::vector<GroupReach>* out);

 private:
  struct Key {
    uint32_t group;
    uint32_t hold;
  };
  // Order `this` without exclusions or hold_constant, for a user whose
  // events all lie in distinct milliseconds and who has few of them: from
  // each entry, the earliest event of each next step. False (nothing done)
  // when the user does not qualify.
  bool RunSimple(const EventStream& stream, size_t begin, size_t end, std::vector<GroupReach>* out);
  void Prepare(const EventStream& stream, size_t begin, size_t end);
  bool InEntry(int64_t t) const;
  GroupReach* Slot(uint32_t group, std::vector<GroupReach>* out);
  // Steps placed in block b from step s on (0-based), one event each, by
  // events of hold value `hold`; step 0 only by an entry event of group
  // `group`. Returns the count of steps placed then (>= s).
  int MaxPrefix(size_t block, int s, uint32_t hold, uint32_t group, bool first_block);
  bool Augment(int step, uint32_t group, bool first_block);
  void WalkOrdered(size_t b1, Key key, std::vector<GroupReach>* out);
  void WalkAny(Key key, std::vector<GroupReach>* out);
  size_t NextBlock(const std::vector<uint32_t>& list, size_t lo, size_t hi, size_t after) const;

  const FunnelShape& shape_;
  const uint32_t step_mask_;
  // dominates_[s] bit s2: count s2 > s makes count s redundant.
  uint32_t dominates_[kMaxFunnelSteps + 1] = {};

  // Per user, reused across users.
  size_t n_ = 0;
  std::vector<int64_t> time_;
  std::vector<uint32_t> mask_, hold_, group_;
  std::vector<uint32_t> block_of_;
  std::vector<uint32_t> block_begin_;  // blocks + 1 entries: event ranges of each millisecond
  std::vector<uint32_t> block_excl_;   // exclusion bits (shifted to bit 0) present in each block
  size_t holds_ = 1;
  // Blocks holding an event of (hold h, step s), at lists_[list_begin_[h*K+s] ..
  // list_begin_[h*K+s+1]); blocks holding an excluded event of exclusion x
  // at excl_lists_[excl_begin_[x] .. excl_begin_[x+1]).
  std::vector<uint32_t> list_begin_, lists_;
  std::vector<uint32_t> excl_begin_, excl_lists_;
  std::vector<uint32_t> hold_events_begin_, hold_events_;  // per hold value, its step events in time order
  std::vector<std::pair<uint64_t, uint32_t>> scratch_;
  std::vector<uint32_t> fill_;
  std::vector<Key> keys_;
  bool simple_ = false;  // RunSimple may apply
  // Matching scratch.
  std::vector<uint32_t> cand_;        // candidate events
  std::vector<int> match_of_cand_;    // step matched to cand_[i], or -1
  std::vector<int> cand_of_step_;     // cand index holding each step, or -1
  std::vector<uint32_t> seen_;
  uint32_t seen_epoch_ = 0;
};

}  // namespace swell::query
