// A realistic demo product: users in sessions that browse, search, add to
// cart and buy (funnels that convert), with churn, properties of different
// cardinalities, unicode values and a few late events. Used by `swell demo`.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "event/event.h"
#include "util/status.h"

namespace swell::demo {

struct DemoOptions {
  uint64_t users = 3000;
  int days = 14;           // days of history ending at end_ms
  int64_t end_ms = 0;      // 0 = now
  uint64_t seed = 42;
  size_t batch_events = 5000;
};

// Calls sink with batches of generated events, oldest first.
Status GenerateDemoEvents(const DemoOptions& options,
                          const std::function<Status(std::vector<Event>&& batch)>& sink,
                          uint64_t* events_generated);

}  // namespace swell::demo
