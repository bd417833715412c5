#include "event/event.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "util/json_writer.h"

namespace swell {

std::string PropertyValue::ToText() const {
  switch (kind) {
    case Kind::kNull: return "";
    case Kind::kBool: return b ? "true" : "false";
    case Kind::kInt: return std::to_string(i);
    case Kind::kDouble: {
      if (!std::isfinite(d)) return "";
      std::string text;
      AppendDouble(&text, d);
      return text;
    }
    case Kind::kString:
    case Kind::kJson: return s;
  }
  return "";
}

bool PropertyValue::ToNumber(double* out) const {
  switch (kind) {
    case Kind::kInt: *out = static_cast<double>(i); return true;
    case Kind::kDouble: *out = d; return std::isfinite(d);
    case Kind::kString: {
      if (s.empty()) return false;
      const char* first = s.data();
      const char* last = s.data() + s.size();
      auto r = std::from_chars(first, last, *out);
      return r.ec == std::errc() && r.ptr == last && std::isfinite(*out);
    }
    default: return false;
  }
}

std::string Event::UserKey() const {
  if (!user_id.empty()) return "u:" + user_id;
  return "d:" + device_id;
}

namespace {
const PropertyValue* Find(const std::vector<Property>& props, std::string_view key) {
  for (const auto& p : props)
    if (p.key == key) return &p.value;
  return nullptr;
}
}  // namespace

const PropertyValue* Event::FindField(std::string_view key) const { return Find(fields, key); }
const PropertyValue* Event::FindEventProperty(std::string_view key) const { return Find(event_properties, key); }
const PropertyValue* Event::FindUserProperty(std::string_view key) const { return Find(user_properties, key); }

}  // namespace swell
