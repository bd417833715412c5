// Validation of one Amplitude event object into a Swell Event: the rules
// shared by HTTP ingest and NDJSON import (docs/ingest.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "collect/amplitude_request.h"
#include "event/event.h"

namespace swell::collect {

// Why an event was refused, named by the Amplitude field it concerns so that
// the HTTP error can list it under events_with_missing_fields,
// events_with_invalid_fields or events_with_invalid_id_lengths.
struct EventProblem {
  enum class Kind : uint8_t { kMissing, kInvalid, kIdLength };
  Kind kind = Kind::kInvalid;
  std::string field;   // "event_type", "time", "event_properties", an unknown key, ...
  std::string reason;  // human text, e.g. "must be a JSON object"
};

// The latest time an event may carry: 9999-12-31T23:59:59.999Z.
inline constexpr int64_t kMaxEventTimeMs = 253402300799999;

struct EventParseOptions {
  const IngestLimits* limits = nullptr;
  int min_id_length = 5;
  int64_t now_ms = 0;  // arrival time; also the event time when `time` is absent
};

// Converts e into *out. Returns true when the event is valid. Otherwise
// appends every problem found (at least one) to *problems and returns false;
// *out is then unspecified. Does not clear *problems.
// REQUIRES: options.limits != nullptr; e stays valid for the call.
bool ParseEvent(simdjson::dom::element e, const EventParseOptions& options, Event* out,
                std::vector<EventProblem>* problems);

// "time: must be an integer ...; event_type: missing" — one line of text for
// import reports and logs.
std::string DescribeProblems(const std::vector<EventProblem>& problems);

}  // namespace swell::collect
