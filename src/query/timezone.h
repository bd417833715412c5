// TimeZone: IANA time zones read from the system's compiled TZif files
// (RFC 8536; /usr/share/zoneinfo), because the standard library here has no
// time zone database. Uses the 64-bit (version 2+) section, and the POSIX TZ
// rule in the file's footer for instants after the last listed transition.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swell::query {

class TimeZone {
 public:
  // A span of UTC seconds [begin_s, end_s) with one UTC offset.
  struct Period {
    int32_t offset_s = 0;  // local = UTC + offset
    int64_t begin_s = INT64_MIN;
    int64_t end_s = INT64_MAX;
  };

  // Loads the zone named by an IANA name such as "America/New_York" from
  // zoneinfo_dir. InvalidArgument for a malformed or unknown name,
  // Corruption for an unreadable file.
  static Status Load(std::string_view name, std::shared_ptr<const TimeZone>* out,
                     const std::string& zoneinfo_dir = "/usr/share/zoneinfo");
  // Parses TZif bytes.
  static Status FromTzif(std::string name, std::string_view data, std::shared_ptr<const TimeZone>* out);
  static std::shared_ptr<const TimeZone> Utc();

  Period Lookup(int64_t unix_s) const;
  int32_t OffsetAt(int64_t unix_s) const { return Lookup(unix_s).offset_s; }
  const std::string& name() const { return name_; }

 private:
  struct Rule;  // a POSIX TZ footer rule
  TimeZone() = default;
  Period LookupRule(int64_t unix_s) const;

  std::string name_;
  std::vector<int64_t> transitions_;  // UTC seconds, ascending
  std::vector<int32_t> offsets_;      // offset in force from transitions_[i]
  int32_t initial_offset_ = 0;        // before the first transition
  std::shared_ptr<const Rule> rule_;  // null: the last offset holds forever
};

// Converts UTC milliseconds to local milliseconds, remembering the period of
// the last instant so that runs of nearby instants skip the lookup.
class LocalTimeCache {
 public:
  explicit LocalTimeCache(const TimeZone* tz) : tz_(tz) {}
  int64_t ToLocalMs(int64_t utc_ms) {
    if (utc_ms < begin_ms_ || utc_ms >= end_ms_) Refill(utc_ms);
    return utc_ms + offset_ms_;
  }
  // The UTC ms at which the current offset stops applying.
  int64_t period_end_ms() const { return end_ms_; }

 private:
  void Refill(int64_t utc_ms);
  const TimeZone* tz_;
  int64_t begin_ms_ = 0, end_ms_ = 0, offset_ms_ = 0;
};

// Resolves a zone name, as a query meets it in a request (QueryService
// keeps the loaded zones cached).
using ZoneResolver = std::function<Status(const std::string& name, std::shared_ptr<const TimeZone>* out)>;

}  // namespace swell::query
