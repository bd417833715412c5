// Audience, estimate mode: the pieces that answer an audience tree
// (audience_request.h) with theta sketches instead of user sets
// (docs/queries.md "Audiences", docs/api.md "POST /api/v1/audience").
//
// Every sketch here is the one the lake's sets/ files carry
// (lake/sets_file.h): lg_k 12, seed 9001, each user's item (its user id,
// else its device id) hashed as DataSketches' update(std::string), trimmed
// to k = 4096 hashes. So a leaf's sketch is the theta union of the sketches
// of the sets rows and of the speed layer's user sets it covers, in any
// app: sketches of different apps merge, which user numbers cannot.
//
// Sets of fewer than k distinct items give exact sketches (theta 1, every
// hash), and so does any tree over them: the estimate is then the exact
// count and both bounds equal it.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <roaring/roaring.hh>

#include "query/audience_request.h"
#include "sketch/theta_compact_sketch.h"
#include "speed/user_dictionary.h"
#include "util/status.h"

namespace swell::query {

// The compact sketch (lg_k 12, seed 9001, ordered, trimmed to k) of the
// items of the users numbered in users. Numbers >= dict.size() and users
// without an item (ItemHash 0) are skipped; empty (IsEmpty()) when no user
// has an item. REQUIRES: the caller holds the dictionary's app shared (or
// owns the dictionary).
CompactThetaSketch SketchOfUsers(const Roaring& users, const speed::UserDictionary& dict);

// Adds per-user event counts (AudiencePartial::counts of a min_count > 1
// leaf) to *by_hash, keyed by the users' item hashes, so that counts of
// the same item from several apps (or a "u:x" and a "d:x" user of one app,
// which a sketch cannot tell apart either) add up. Numbers >= dict.size()
// and users without an item are skipped; sums saturate at UINT32_MAX.
// REQUIRES: as SketchOfUsers.
void AddHashCounts(const std::unordered_map<uint32_t, uint32_t>& counts, const speed::UserDictionary& dict,
                   std::unordered_map<uint64_t, uint32_t>* by_hash);

// The sketch (as SketchOfUsers) of the item hashes whose count is at least
// min_count; empty when none is.
CompactThetaSketch SketchOfHashCounts(const std::unordered_map<uint64_t, uint32_t>& by_hash, uint32_t min_count);

// The audience tree over sketches: a leaf is leaf_sketches[leaf], and is a
// theta intersection of its children, or a theta union (lg_k 12), not is
// universe A-not-B its child. DataSketches' semantics: an empty sketch (no
// item) empties an and and adds nothing to an or; an intersection keeps the
// smallest theta of its inputs (so an and with an estimating child
// estimates, even when the result holds few hashes). InvalidArgument when
// the tree is malformed (a leaf index out of range, a not without exactly
// one child, an and / or without children), when it holds a not and
// universe is null, or when a sketch has another seed than 9001.
Status EvaluateAudienceSketch(const AudienceNode& root, const std::vector<CompactThetaSketch>& leaf_sketches,
                              const CompactThetaSketch* universe, CompactThetaSketch* out);

// {"count":C,"lower_bound":L,"upper_bound":U,"mode":"estimate"}: C the
// estimate rounded to the nearest integer, L and U the binomial bounds at
// std_devs standard deviations rounded outwards (L <= C <= U). All three
// equal the exact count when the sketch is exact. std_devs is clamped to
// [1, 3].
std::string RenderAudienceEstimate(const CompactThetaSketch& result, int std_devs);

}  // namespace swell::query
