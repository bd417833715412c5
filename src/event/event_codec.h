// Binary encoding of event batches: the payload of a write-ahead log record.
// Format (docs/formats.md, "Event batch"): a version byte, the app id, an
// event count, then each event's fields in a fixed order.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "event/event.h"
#include "util/status.h"

namespace swell {

struct EventBatch {
  std::string app_id;
  std::vector<Event> events;
};

void EncodeEventBatch(const EventBatch& batch, std::string* out);
// Returns Corruption on truncated or malformed input; never reads past it.
Status DecodeEventBatch(std::string_view in, EventBatch* batch);

void EncodeEvent(const Event& e, std::string* out);
Status DecodeEvent(std::string_view* in, Event* e);

}  // namespace swell
