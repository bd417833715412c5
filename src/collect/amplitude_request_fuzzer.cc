// libFuzzer target: any byte string given as a request body is either
// accepted as well-formed events or refused with a parseable Amplitude error.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <simdjson.h>

#include "collect/amplitude_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace swell::collect;
  IngestLimits limits;
  limits.max_events = 50;
  limits.max_property_value_bytes = 256;
  ParsedRequest req;
  IngestError err;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  if (ParseAmplitudeRequest(body, 1764000000000, limits, &req, &err)) {
    if (req.api_key.empty() || req.events.empty() || req.events.size() > limits.max_events) std::abort();
    for (const swell::Event& e : req.events) {
      if (e.event_type.empty() || (e.user_id.empty() && e.device_id.empty())) std::abort();
      if (e.arrival_ms != 1764000000000 || e.time_ms < 0) std::abort();
    }
    return 0;
  }
  if (err.http_status != 400 && err.http_status != 413) std::abort();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  int64_t code = 0;
  if (parser.parse(err.body_json).get(doc) != simdjson::SUCCESS) std::abort();
  if (doc["code"].get(code) != simdjson::SUCCESS || code != err.http_status) std::abort();
  std::string_view text;
  if (doc["error"].get(text) != simdjson::SUCCESS || text.empty()) std::abort();
  return 0;
}
