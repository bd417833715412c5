// Funnels (docs/queries.md "Funnels"): how many users went through a
// sequence of steps within a conversion window, and how fast.
//
// A FunnelQuery is built from the request JSON; it says which events it
// needs (stream_spec(): the steps, the exclusions, and for the exact order
// every other event of the span) and evaluates the ordered EventStream
// built from them, user by user (users in parallel), into the response.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "query/event_stream.h"
#include "query/funnel_request.h"
#include "query/timezone.h"
#include "util/status.h"

namespace swell::query {

class FunnelQuery {
 public:
  // InvalidArgument naming the field for a bad request.
  static Status Create(std::string_view request_json, const ZoneResolver& zones, std::unique_ptr<FunnelQuery>* out);

  const FunnelRequest& request() const { return req_; }
  const StreamSpec& stream_spec() const { return spec_; }
  // The response JSON for the stream built from stream_spec().
  std::string Evaluate(const EventStream& stream) const;

 private:
  FunnelQuery() = default;
  FunnelRequest req_;
  int64_t begin_ms_ = 0, end_ms_ = 0;  // the entry range [begin, end)
  // The instants of [begin, end) an entry may happen at: one interval,
  // unless a wall-clock bound falls in a repeated or skipped hour.
  std::vector<std::pair<int64_t, int64_t>> entry_;
  StreamSpec spec_;
};

}  // namespace swell::query
