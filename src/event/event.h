// The one event model every layer shares: what collect produces, the log
// stores, the speed layer indexes and the lake writes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace swell {

// A property value as sent by the client. Nested objects and arrays are kept
// as their compact JSON text (kind kJson) rather than flattened.
struct PropertyValue {
  enum class Kind : uint8_t { kNull = 0, kBool = 1, kInt = 2, kDouble = 3, kString = 4, kJson = 5 };
  Kind kind = Kind::kNull;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string s;  // kString: the text; kJson: compact JSON

  static PropertyValue Null() { return {}; }
  static PropertyValue Bool(bool v) { PropertyValue p; p.kind = Kind::kBool; p.b = v; return p; }
  static PropertyValue Int(int64_t v) { PropertyValue p; p.kind = Kind::kInt; p.i = v; return p; }
  static PropertyValue Double(double v) { PropertyValue p; p.kind = Kind::kDouble; p.d = v; return p; }
  static PropertyValue String(std::string v) { PropertyValue p; p.kind = Kind::kString; p.s = std::move(v); return p; }
  static PropertyValue Json(std::string v) { PropertyValue p; p.kind = Kind::kJson; p.s = std::move(v); return p; }

  // The canonical text that filters and group-by compare: strings as they are,
  // integers in decimal, doubles as AppendDouble (util/json_writer.h) writes
  // them (3.0 -> "3", 300000.0 -> "300000", 2e16 -> "2e+16"), booleans "true"/"false", JSON as compact
  // text, null as "" (docs/queries.md).
  std::string ToText() const;
  // The numeric value for sum/avg/gt/lt; false if not a number (numeric
  // strings such as "4.5" count as numbers, as in Amplitude).
  bool ToNumber(double* out) const;

  bool operator==(const PropertyValue& o) const {
    return kind == o.kind && b == o.b && i == o.i && (d == o.d || (d != d && o.d != o.d)) && s == o.s;
  }
};

struct Property {
  std::string key;
  PropertyValue value;
  bool operator==(const Property& o) const { return key == o.key && value == o.value; }
};

struct Event {
  std::string event_type;
  std::string user_id;    // may be empty when device_id is set
  std::string device_id;  // may be empty when user_id is set
  std::string insert_id;  // dedup key; empty = no dedup
  int64_t time_ms = 0;     // event time (client clock), ms since the Unix epoch, UTC
  int64_t arrival_ms = 0;  // server arrival time, ms since the Unix epoch, UTC
  int64_t session_id = -1; // -1 = none (Amplitude's convention)
  // Other top-level fields the client sent (platform, os_name, country,
  // app_version, revenue, groups, ...), by their Amplitude names.
  std::vector<Property> fields;
  std::vector<Property> event_properties;
  std::vector<Property> user_properties;

  // The identity uniques count: "u:" + user_id when a user id is known,
  // otherwise "d:" + device_id (docs/queries.md).
  std::string UserKey() const;
  // The field, event property or user property named key, or nullptr.
  const PropertyValue* FindField(std::string_view key) const;
  const PropertyValue* FindEventProperty(std::string_view key) const;
  const PropertyValue* FindUserProperty(std::string_view key) const;

  bool operator==(const Event& o) const = default;
};

}  // namespace swell
