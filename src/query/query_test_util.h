// What the query tests share: a fixed day and a compact event maker.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "event/event.h"

namespace swell::query::testing {

constexpr int64_t kDay1 = 1790812800000;  // 2026-10-01T00:00:00Z
constexpr int64_t kH = 3'600'000;

inline Event E(std::string type, std::string user, int64_t t, std::vector<Property> fields = {},
               std::vector<Property> user_props = {}, std::string device = "") {
  Event e;
  e.event_type = std::move(type);
  e.user_id = std::move(user);
  e.device_id = std::move(device);
  e.time_ms = t;
  e.arrival_ms = t;
  e.fields = std::move(fields);
  e.user_properties = std::move(user_props);
  return e;
}

}  // namespace swell::query::testing
