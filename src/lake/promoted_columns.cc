#include "lake/promoted_columns.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "util/utf8.h"

namespace swell::lake {

namespace {

constexpr size_t kMaxKeyBytes = 64;

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// What was seen of one key.
struct KeyStats {
  size_t events = 0;
  bool all_bool = true, all_int = true, all_number = true;
  bool any_value = false;  // a non-null value

  void Add(const PropertyValue& v) {
    using K = PropertyValue::Kind;
    if (v.kind == K::kNull) return;
    any_value = true;
    all_bool &= v.kind == K::kBool;
    all_int &= v.kind == K::kInt;
    all_number &= v.kind == K::kInt || v.kind == K::kDouble;
  }
  PromotedColumn::Type Type() const {
    if (!any_value) return PromotedColumn::Type::kString;
    if (all_bool) return PromotedColumn::Type::kBool;
    if (all_int) return PromotedColumn::Type::kInt64;
    if (all_number) return PromotedColumn::Type::kDouble;
    return PromotedColumn::Type::kString;
  }
};

using Source = PromotedColumn::Source;

void Count(Source source, const std::vector<Property>& props, std::map<std::pair<std::string, Source>, KeyStats>* stats,
           std::set<std::string_view>* seen) {
  seen->clear();
  for (const Property& p : props) {
    KeyStats& s = (*stats)[{p.key, source}];
    // A key repeated within one event counts that event once.
    if (seen->insert(p.key).second) ++s.events;
    s.Add(p.value);
  }
}

}  // namespace

bool IsPromotableKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyBytes) return false;
  for (size_t i = 0; i < key.size();) {
    auto c = static_cast<unsigned char>(key[i]);
    if (c >= 0x80) {
      size_t len = Utf8SequenceLength(key, i);
      if (len == 0) return false;
      i += len;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '$';
    if (!ok) return false;
    ++i;
  }
  return true;
}

std::vector<PromotedColumn> ChoosePromotedColumns(std::span<const Event> events, size_t max_columns) {
  std::map<std::pair<std::string, Source>, KeyStats> stats;
  std::set<std::string_view> seen;
  for (const Event& ev : events) {
    Count(Source::kEventProperty, ev.event_properties, &stats, &seen);
    Count(Source::kUserProperty, ev.user_properties, &stats, &seen);
  }

  struct Candidate {
    const std::string* key;
    Source source;
    const KeyStats* stats;
  };
  std::vector<Candidate> candidates;
  for (const auto& [k, s] : stats)
    if (IsPromotableKey(k.first)) candidates.push_back({&k.first, k.second, &s});
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return std::make_tuple(-static_cast<int64_t>(a.stats->events), std::string_view(*a.key), a.source) <
           std::make_tuple(-static_cast<int64_t>(b.stats->events), std::string_view(*b.key), b.source);
  });

  std::set<std::string> taken;  // lower-cased column names in use
  for (const std::string& name : FixedColumnNames()) taken.insert(AsciiLower(name));
  std::vector<PromotedColumn> out;
  for (const Candidate& c : candidates) {
    if (out.size() >= max_columns) break;
    PromotedColumn p{c.source, *c.key, c.stats->Type()};
    if (!taken.insert(AsciiLower(p.ColumnName())).second) continue;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace swell::lake
