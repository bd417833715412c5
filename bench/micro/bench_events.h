// Realistic Amplitude events for the micro-benchmarks (the shape of
// bench/gen/generate.cc's output), as JSON text and as swell::Event.
#pragma once

#include <cstdint>
#include <string>

namespace swell_bench {

inline const char* kNames[] = {"page_view", "session_start", "screen_view", "view_item",
                                "click_button", "add_to_cart", "purchase", "search"};
inline const char* kPlatforms[] = {"iOS", "Android", "Web"};
inline const char* kCountries[] = {"US", "IN", "BR", "DE", "GB", "FR", "JP", "ID", "MX", "CA"};

// One event object as JSON, i-th of a batch.
inline std::string EventJson(uint64_t i) {
  uint64_t u = (i * 7919) % 1000000;
  std::string s = "{\"event_type\":\"";
  s += kNames[i % 8];
  s += "\",\"user_id\":\"user_" + std::to_string(u) + "\",\"device_id\":\"device-" + std::to_string(u * 31) +
       "\",\"time\":" + std::to_string(1790812800000ULL + i * 1000) + ",\"insert_id\":\"ins-" + std::to_string(i) +
       "\",\"platform\":\"" + kPlatforms[u % 3] + "\",\"country\":\"" + kCountries[u % 10] +
       "\",\"app_version\":\"4.3." + std::to_string(u % 5) + "\",\"event_properties\":{\"item_id\":\"item_" +
       std::to_string(i * 13 % 100000) + "\",\"price\":19.99},\"user_properties\":{\"plan\":\"free\"}}";
  return s;
}

// An HTTP V2 body {"api_key", "events": [n events]}.
inline std::string AmplitudeBody(size_t n) {
  std::string s = "{\"api_key\":\"bench-ingest-key-0123456789\",\"events\":[";
  for (size_t i = 0; i < n; ++i) {
    if (i) s += ',';
    s += EventJson(i);
  }
  s += "]}";
  return s;
}

}  // namespace swell_bench
