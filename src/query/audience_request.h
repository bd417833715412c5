// The audience request (POST /api/v1/audience, docs/api.md): a tree of set
// operations (and, or, not) over leaves, each leaf the users who did an
// event (optionally with a property value) at least min_count times in a
// time range. Parsed from JSON and checked field by field, so that a bad
// request is refused with the name of the field at fault.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/query_request.h"
#include "query/time_buckets.h"
#include "util/status.h"

namespace swell::query {

struct AudienceLeaf {
  std::string event_name;          // kAnyEvent: any event
  std::optional<Filter> filter;    // an `is` filter when the leaf names a property
  TimeBound from;
  TimeBound to_exclusive;
  uint32_t min_count = 1;
  std::string app;                 // "app": the app the leaf reads; empty: the request's app
  std::string field;               // where the leaf is in the request, for errors
};

struct AudienceNode {
  enum class Op { kLeaf, kAnd, kOr, kNot };
  Op op = Op::kLeaf;
  int leaf = -1;                   // index into AudienceRequest::leaves for kLeaf
  std::vector<AudienceNode> children;
};

struct AudienceRequest {
  AudienceNode root;
  std::vector<AudienceLeaf> leaves;
  bool estimate = false;           // "mode": "estimate": theta sketches instead of user sets
  int std_devs = 2;                // "std_devs" (1, 2 or 3; only with estimate): the bounds' width
  uint64_t sample = 0;             // user ids to return (0 in estimate mode)
  std::string timezone = "UTC";    // for bounds without an offset
  bool has_not = false;            // the tree holds a `not` (needs the universe)
};

inline constexpr int kMaxAudienceDepth = 32;
inline constexpr size_t kMaxAudienceLeaves = 256;
inline constexpr uint64_t kMaxAudienceSample = 10'000;
inline constexpr uint32_t kMaxMinCount = 1'000'000;
inline constexpr int kDefaultAudienceStdDevs = 2;
// A leaf's "app": 1 to 64 characters of [A-Za-z0-9_-] (config::ValidateAppId).
inline constexpr size_t kMaxAudienceAppIdLength = 64;

// InvalidArgument naming the field for malformed JSON, unknown keys, wrong
// types or bad values; for "std_devs" without "mode": "estimate"; and for
// "sample" > 0 with it (an estimate holds hashes, not users).
Status ParseAudienceRequest(std::string_view json, AudienceRequest* out);

}  // namespace swell::query
