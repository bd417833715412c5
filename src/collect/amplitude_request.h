// Parsing and validation of Amplitude HTTP V2 (`POST /2/httpapi`) and Batch
// (`POST /batch`) request bodies into Swell events, with Amplitude's error
// responses for bad input (docs/api.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "event/event.h"

namespace swell::collect {

struct IngestLimits {
  size_t max_events = 2000;             // per request (Amplitude: 2000 for /2/httpapi)
  size_t max_event_type_bytes = 1024;
  size_t max_id_bytes = 1024;           // user_id, device_id, insert_id
  size_t max_property_value_bytes = 1 << 20;
  size_t max_properties = 2000;         // per event, per property map
  size_t max_property_key_bytes = 1024;
  size_t max_string_field_bytes = 4096; // string fields: platform, os_name, country, ...
  int default_min_id_length = 5;        // overridden by options.min_id_length
  // Events whose time is more than this before their arrival are refused
  // (the late-event horizon, [lake] max_event_age_days); 0 = any age.
  int64_t max_event_age_ms = 0;
};

struct ParsedRequest {
  std::string api_key;
  std::vector<Event> events;
};

// The HTTP status and JSON body to send back when a request is refused, in
// Amplitude's shape: {"code":400,"error":"...","missing_field":"api_key"} or
// {"code":400,"error":"...","events_with_invalid_fields":{"time":[3]},
//  "events_with_missing_fields":{"event_type":[0]}}; 413 when there are more
// than max_events events. Every message is listed in docs/ingest.md.
struct IngestError {
  int http_status = 400;
  std::string body_json;
  size_t events_in_request = 0;  // events the body held, when it could be told
};

// Parses body. now_ms is the arrival time stamped on every event (and the
// event time of events without `time`). On success returns true and fills
// *out; otherwise returns false and fills *error. A request is accepted or
// refused whole, as Amplitude does: the SDKs drop the events named in the
// error and resend the rest.
bool ParseAmplitudeRequest(std::string_view body, int64_t now_ms, const IngestLimits& limits,
                           ParsedRequest* out, IngestError* error);

}  // namespace swell::collect
