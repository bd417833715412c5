#include "query/time_buckets.h"

#include <algorithm>
#include <cstdio>

#include "query/civil_time.h"

namespace swell::query {

namespace {

// Every zone offset in the database lies within +-26 hours; used to widen
// local bounds into UTC scan bounds.
constexpr int64_t kMaxOffsetMs = 26 * kMsPerHour;

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Parses the text into ms (local or UTC) and whether it was a plain date.
Status ParseTime(std::string_view s, TimeBound* out, bool* date_only) {
  auto bad = [&] { return Status::InvalidArgument("not a date (YYYY-MM-DD) or ISO-8601 timestamp: " + std::string(s)); };
  int y, mo, d;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &mo) || s[7] != '-' ||
      !Digits(s, 8, 2, &d))
    return bad();
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return bad();
  int64_t ms = DaysFromCivil(y, mo, d) * kMsPerDay;
  *date_only = s.size() == 10;
  out->utc = false;
  if (*date_only) {
    out->ms = ms;
    return Status::OK();
  }
  if (s[10] != 'T' && s[10] != ' ') return bad();
  int h, mi, sec = 0, frac = 0;
  size_t i = 11;
  if (!Digits(s, i, 2, &h) || s.size() < i + 5 || s[i + 2] != ':' || !Digits(s, i + 3, 2, &mi)) return bad();
  i += 5;
  if (i < s.size() && s[i] == ':') {
    if (!Digits(s, i + 1, 2, &sec)) return bad();
    i += 3;
    if (i < s.size() && s[i] == '.') {
      size_t start = ++i;
      int digits = 0;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (digits < 3) frac = frac * 10 + (s[i] - '0'), digits++;
        ++i;
      }
      if (i == start) return bad();
      while (digits < 3) frac *= 10, digits++;
    }
  }
  if (h > 23 || mi > 59 || sec > 59) return bad();
  ms += h * kMsPerHour + mi * 60'000 + sec * 1000 + frac;
  if (i == s.size()) {
    out->ms = ms;
    return Status::OK();
  }
  if (s[i] == 'Z' && i + 1 == s.size()) {
    out->utc = true;
    out->ms = ms;
    return Status::OK();
  }
  if (s[i] == '+' || s[i] == '-') {
    int oh, om = 0;
    if (!Digits(s, i + 1, 2, &oh)) return bad();
    size_t j = i + 3;
    if (j < s.size() && s[j] == ':') ++j;
    if (j < s.size()) {
      if (!Digits(s, j, 2, &om)) return bad();
      j += 2;
    }
    if (j != s.size() || oh > 23 || om > 59) return bad();
    int64_t offset = (oh * 60 + om) * 60'000;
    out->utc = true;
    out->ms = s[i] == '+' ? ms - offset : ms + offset;
    return Status::OK();
  }
  return bad();
}

}  // namespace

Status ParseInterval(std::string_view text, Interval* out) {
  if (text == "hour") *out = Interval::kHour;
  else if (text == "day") *out = Interval::kDay;
  else if (text == "week") *out = Interval::kWeek;
  else if (text == "month") *out = Interval::kMonth;
  else return Status::InvalidArgument("interval: must be one of hour, day, week, month");
  return Status::OK();
}

Status ParseFromBound(std::string_view text, TimeBound* out) {
  bool date_only;
  return ParseTime(text, out, &date_only);
}

Status ParseToBound(std::string_view text, TimeBound* exclusive_end) {
  bool date_only;
  SWELL_RETURN_IF_ERROR(ParseTime(text, exclusive_end, &date_only));
  exclusive_end->ms += date_only ? kMsPerDay : 1;
  return Status::OK();
}

int64_t TimeBuckets::KeyOf(int64_t local_ms) const {
  switch (interval_) {
    case Interval::kHour: return FloorDiv(local_ms, kMsPerHour);
    case Interval::kDay: return FloorDiv(local_ms, kMsPerDay);
    // Day 0 (1970-01-01) was a Thursday; day -3 a Monday.
    case Interval::kWeek: return FloorDiv(FloorDiv(local_ms, kMsPerDay) + 3, 7);
    case Interval::kMonth: {
      CivilDate c = CivilFromDays(FloorDiv(local_ms, kMsPerDay));
      return c.year * 12 + (c.month - 1);
    }
  }
  return 0;
}

Status TimeBuckets::Make(Interval interval, std::shared_ptr<const TimeZone> tz, TimeBound from, TimeBound to_exclusive,
                         TimeBuckets* out) {
  TimeBuckets b;
  b.interval_ = interval;
  b.tz_ = std::move(tz);
  b.from_ = from;
  b.to_ = to_exclusive;
  auto local = [&](const TimeBound& t) {
    return t.utc ? t.ms + int64_t{b.tz_->OffsetAt(FloorDiv(t.ms, 1000))} * 1000 : t.ms;
  };
  int64_t local_from = local(from);
  int64_t local_last = local(TimeBound{to_exclusive.utc, to_exclusive.ms - 1});
  if (local_last < local_from || (from.utc == to_exclusive.utc && to_exclusive.ms <= from.ms))
    return Status::InvalidArgument("to: the range ends before it starts");
  b.first_key_ = b.KeyOf(local_from);
  b.count_ = b.KeyOf(local_last) - b.first_key_ + 1;
  if (b.count_ > kMaxBuckets)
    return Status::InvalidArgument("interval: the range has too many buckets (at most " +
                                   std::to_string(kMaxBuckets) + ")");
  // An instant u is at local time u + offset(u), and |offset| < 26 h, so
  // the instants of a local bound L lie within 26 h of L; the offsets in
  // force there (zones change offset at most once in 13 hours) bound them.
  auto offsets_near = [&](int64_t local_ms, int64_t* lo, int64_t* hi) {
    *lo = INT64_MAX;
    *hi = INT64_MIN;
    for (int64_t probe = local_ms - kMaxOffsetMs; probe <= local_ms + kMaxOffsetMs; probe += kMaxOffsetMs / 2) {
      const int64_t off = int64_t{b.tz_->OffsetAt(FloorDiv(probe, 1000))} * 1000;
      *lo = std::min(*lo, off);
      *hi = std::max(*hi, off);
    }
  };
  int64_t lo = 0, hi = 0;
  offsets_near(from.ms, &lo, &hi);
  b.scan_begin_ms_ = from.utc ? from.ms : from.ms - hi;
  b.inner_begin_ms_ = from.utc ? from.ms : from.ms - lo;
  offsets_near(to_exclusive.ms, &lo, &hi);
  b.scan_end_ms_ = to_exclusive.utc ? to_exclusive.ms : to_exclusive.ms - lo;
  b.inner_end_ms_ = to_exclusive.utc ? to_exclusive.ms : to_exclusive.ms - hi;
  *out = std::move(b);
  return Status::OK();
}

std::string TimeBuckets::Label(int64_t index) const {
  int64_t key = first_key_ + index;
  char buf[40];
  auto date = [&](int64_t days) {
    CivilDate c = CivilFromDays(days);
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(c.year), c.month, c.day);
    return std::string(buf);
  };
  switch (interval_) {
    case Interval::kHour: {
      std::string d = date(FloorDiv(key, 24));
      std::snprintf(buf, sizeof buf, "T%02d:00", static_cast<int>(key - FloorDiv(key, 24) * 24));
      return d + buf;
    }
    case Interval::kDay: return date(key);
    case Interval::kWeek: return date(key * 7 - 3);
    case Interval::kMonth: {
      int64_t y = FloorDiv(key, 12);
      std::snprintf(buf, sizeof buf, "%04lld-%02d-01", static_cast<long long>(y), static_cast<int>(key - y * 12 + 1));
      return buf;
    }
  }
  return "";
}

}  // namespace swell::query
