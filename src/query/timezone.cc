#include "query/timezone.h"

#include <algorithm>
#include <mutex>

#include "query/civil_time.h"
#include "util/file_util.h"

namespace swell::query {

namespace {

uint32_t BigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
int64_t BigEndian64(const unsigned char* p) {
  return static_cast<int64_t>((uint64_t{BigEndian32(p)} << 32) | BigEndian32(p + 4));
}

bool ValidZoneName(std::string_view name) {
  if (name.empty() || name.size() > 100 || name.front() == '/' || name.back() == '/') return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    std::string_view part = name.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    for (char c : part) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                c == '-' || c == '+' || c == '.';
      if (!ok) return false;
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

// Cursor over the POSIX TZ string.
struct TzCursor {
  std::string_view s;
  size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  bool Eat(char c) {
    if (peek() != c) return false;
    ++i;
    return true;
  }
  bool Number(int* out) {
    size_t start = i;
    int v = 0;
    while (!done() && s[i] >= '0' && s[i] <= '9' && i - start < 6) v = v * 10 + (s[i++] - '0');
    *out = v;
    return i > start;
  }
  bool Name() {
    if (Eat('<')) {
      while (!done() && s[i] != '>') ++i;
      return Eat('>');
    }
    size_t start = i;
    while (!done() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
    return i - start >= 3;
  }
  // [+-]hh[:mm[:ss]] in seconds.
  bool Duration(int* out) {
    int sign = 1;
    if (Eat('-')) sign = -1;
    else Eat('+');
    int h = 0, m = 0, sec = 0;
    if (!Number(&h)) return false;
    if (Eat(':')) {
      if (!Number(&m)) return false;
      if (Eat(':') && !Number(&sec)) return false;
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    return true;
  }
};

}  // namespace

// A POSIX TZ rule: std offset, and optionally a dst offset with the local
// dates and times DST starts and ends each year.
struct TimeZone::Rule {
  struct When {
    char kind = 'M';  // 'J': Julian day 1..365 without Feb 29; 'D': day 0..365; 'M': month.week.weekday
    int day = 0, month = 0, week = 0, weekday = 0;
    int time_s = 7200;  // local time of day, may be negative or past 24h
  };
  int32_t std_offset = 0;
  bool has_dst = false;
  int32_t dst_offset = 0;
  When start, end;

  static bool Parse(std::string_view text, Rule* r) {
    TzCursor c{text};
    int v;
    if (!c.Name() || !c.Duration(&v)) return false;
    r->std_offset = -v;  // POSIX offsets count west of Greenwich as positive
    if (c.done()) return true;
    if (!c.Name()) return false;
    r->has_dst = true;
    r->dst_offset = r->std_offset + 3600;
    if (c.peek() != ',') {
      if (!c.Duration(&v)) return false;
      r->dst_offset = -v;
    }
    if (!c.Eat(',') || !ParseWhen(&c, &r->start) || !c.Eat(',') || !ParseWhen(&c, &r->end)) return false;
    return c.done();
  }

  static bool ParseWhen(TzCursor* c, When* w) {
    if (c->Eat('M')) {
      w->kind = 'M';
      if (!c->Number(&w->month) || !c->Eat('.') || !c->Number(&w->week) || !c->Eat('.') || !c->Number(&w->weekday))
        return false;
      if (w->month < 1 || w->month > 12 || w->week < 1 || w->week > 5 || w->weekday > 6) return false;
    } else if (c->Eat('J')) {
      w->kind = 'J';
      if (!c->Number(&w->day) || w->day < 1 || w->day > 365) return false;
    } else {
      w->kind = 'D';
      if (!c->Number(&w->day) || w->day > 365) return false;
    }
    if (c->Eat('/')) return c->Duration(&w->time_s);
    return true;
  }

  // Local seconds since the epoch (in the offset in force before the change)
  // at which w happens in year y.
  static int64_t LocalInstant(const When& w, int64_t y) {
    int64_t days;
    if (w.kind == 'J') {
      // Day 60 is always March 1: February 29 is never counted.
      days = DaysFromCivil(y, 1, 1) + w.day - 1;
      if (IsLeapYear(y) && w.day >= 60) days += 1;
    } else if (w.kind == 'D') {
      days = DaysFromCivil(y, 1, 1) + w.day;
    } else {
      int64_t first = DaysFromCivil(y, w.month, 1);
      int day = 1 + (w.weekday - WeekdayFromDays(first) + 7) % 7 + (w.week - 1) * 7;
      if (day > DaysInMonth(y, w.month)) day -= 7;
      days = first + day - 1;
    }
    return days * 86400 + w.time_s;
  }
};

std::shared_ptr<const TimeZone> TimeZone::Utc() {
  static const std::shared_ptr<const TimeZone> utc = [] {
    std::shared_ptr<TimeZone> tz(new TimeZone());
    tz->name_ = "UTC";
    return tz;
  }();
  return utc;
}

Status TimeZone::Load(std::string_view name, std::shared_ptr<const TimeZone>* out, const std::string& zoneinfo_dir) {
  if (!ValidZoneName(name)) return Status::InvalidArgument("timezone: not an IANA zone name: " + std::string(name));
  std::string data;
  Status st = ReadFileToString(zoneinfo_dir + "/" + std::string(name), &data);
  if (!st.ok()) {
    if (name == "UTC" || name == "Etc/UTC") {
      *out = Utc();
      return Status::OK();
    }
    return Status::InvalidArgument("timezone: unknown zone: " + std::string(name));
  }
  st = FromTzif(std::string(name), data, out);
  if (st.IsCorruption() && data.compare(0, 4, "TZif") != 0)
    return Status::InvalidArgument("timezone: unknown zone: " + std::string(name));
  return st;
}

Status TimeZone::FromTzif(std::string name, std::string_view data, std::shared_ptr<const TimeZone>* out) {
  auto bad = [&](const char* why) { return Status::Corruption("timezone " + name + ": " + why); };
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  if (n < 44 || data.substr(0, 4) != "TZif") return bad("not a TZif file");
  if (p[4] < '2') return bad("version 1 files (32-bit only) are not supported");
  auto counts = [&](size_t at, uint32_t c[6]) {
    for (int k = 0; k < 6; ++k) c[k] = BigEndian32(p + at + 20 + 4 * k);
  };
  uint32_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  counts(0, c);
  uint64_t v1 = uint64_t{c[3]} * 5 + uint64_t{c[4]} * 6 + c[5] + uint64_t{c[2]} * 8 + c[1] + c[0];
  size_t h2 = 44 + v1;
  if (h2 + 44 > n || data.substr(h2, 4) != "TZif") return bad("truncated before the 64-bit header");
  counts(h2, c);
  uint32_t isutcnt = c[0], isstdcnt = c[1], leapcnt = c[2], timecnt = c[3], typecnt = c[4], charcnt = c[5];
  if (typecnt == 0) return bad("no local time types");
  size_t at = h2 + 44;
  uint64_t need = uint64_t{timecnt} * 9 + uint64_t{typecnt} * 6 + charcnt + uint64_t{leapcnt} * 12 + isstdcnt + isutcnt;
  if (at + need > n) return bad("truncated data block");

  std::shared_ptr<TimeZone> tz(new TimeZone());
  tz->name_ = std::move(name);
  const unsigned char* times = p + at;
  const unsigned char* idx = times + uint64_t{timecnt} * 8;
  const unsigned char* types = idx + timecnt;
  std::vector<int32_t> type_offsets(typecnt);
  for (uint32_t k = 0; k < typecnt; ++k)
    type_offsets[k] = static_cast<int32_t>(BigEndian32(types + 6 * k));
  tz->initial_offset_ = type_offsets[0];
  for (uint32_t k = 0; k < timecnt; ++k) {
    if (idx[k] >= typecnt) return bad("transition names a missing type");
    int64_t t = BigEndian64(times + 8 * k);
    if (!tz->transitions_.empty() && t <= tz->transitions_.back()) return bad("transitions out of order");
    tz->transitions_.push_back(t);
    tz->offsets_.push_back(type_offsets[idx[k]]);
  }

  // Footer: "\n" TZ-string "\n".
  size_t footer = at + need;
  if (footer < n && data[footer] == '\n') {
    size_t end = data.find('\n', footer + 1);
    if (end == std::string_view::npos) return bad("unterminated footer");
    std::string_view text = data.substr(footer + 1, end - footer - 1);
    if (!text.empty()) {
      auto rule = std::make_shared<Rule>();
      if (!Rule::Parse(text, rule.get())) return bad("unparseable TZ footer rule");
      tz->rule_ = std::move(rule);
    }
  }
  *out = std::move(tz);
  return Status::OK();
}

TimeZone::Period TimeZone::Lookup(int64_t unix_s) const {
  Period period;
  if (transitions_.empty()) {
    if (rule_) return LookupRule(unix_s);
    period.offset_s = initial_offset_;
    return period;
  }
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), unix_s);
  if (it == transitions_.begin()) {
    period.offset_s = initial_offset_;
    period.end_s = transitions_.front();
    return period;
  }
  size_t k = static_cast<size_t>(it - transitions_.begin()) - 1;
  if (it == transitions_.end()) {
    if (rule_) {
      Period r = LookupRule(unix_s);
      r.begin_s = std::max(r.begin_s, transitions_.back());
      return r;
    }
    period.offset_s = offsets_[k];
    period.begin_s = transitions_[k];
    return period;
  }
  period.offset_s = offsets_[k];
  period.begin_s = transitions_[k];
  period.end_s = *it;
  return period;
}

TimeZone::Period TimeZone::LookupRule(int64_t unix_s) const {
  Period period;
  const Rule& r = *rule_;
  if (!r.has_dst) {
    period.offset_s = r.std_offset;
    return period;
  }
  struct Change {
    int64_t at;
    int32_t offset;
  };
  std::vector<Change> changes;
  int64_t year = CivilFromDays(FloorDiv(unix_s + r.std_offset, 86400)).year;
  for (int64_t y = year - 1; y <= year + 1; ++y) {
    // DST starts at a local time read in standard time and ends at one read
    // in daylight time.
    changes.push_back({Rule::LocalInstant(r.start, y) - r.std_offset, r.dst_offset});
    changes.push_back({Rule::LocalInstant(r.end, y) - r.dst_offset, r.std_offset});
  }
  std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.at < b.at; });
  size_t k = 0;
  while (k + 1 < changes.size() && changes[k + 1].at <= unix_s) ++k;
  if (changes[k].at > unix_s) {
    // Before every computed change (cannot happen for sane rules): the
    // offset of the year's end holds.
    period.offset_s = changes[k].offset == r.dst_offset ? r.std_offset : r.dst_offset;
    period.end_s = changes[k].at;
    return period;
  }
  period.offset_s = changes[k].offset;
  period.begin_s = changes[k].at;
  if (k + 1 < changes.size()) period.end_s = changes[k + 1].at;
  return period;
}

void LocalTimeCache::Refill(int64_t utc_ms) {
  TimeZone::Period p = tz_->Lookup(FloorDiv(utc_ms, 1000));
  offset_ms_ = int64_t{p.offset_s} * 1000;
  begin_ms_ = p.begin_s <= INT64_MIN / 1000 ? INT64_MIN : p.begin_s * 1000;
  end_ms_ = p.end_s >= INT64_MAX / 1000 ? INT64_MAX : p.end_s * 1000;
}

}  // namespace swell::query
