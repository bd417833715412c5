#include "collect/event_parser.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <unordered_map>

namespace swell::collect {

namespace dom = simdjson::dom;

namespace {

// How a top-level key is handled. The first group fills Event members; the
// rest go to Event::fields with the named type.
enum class Handler : uint8_t {
  kEventType,
  kUserId,
  kDeviceId,
  kInsertId,
  kTime,
  kSessionId,
  kEventProperties,
  kUserProperties,
  kStringField,
  kObjectField,
  kNumberField,   // stored as a double
  kIntegerField,  // stored as an int64
  kLatitude,
  kLongitude,
};

struct FieldSpec {
  std::string_view name;
  Handler handler;
};

// Every key an Amplitude event may carry (HTTP V2 API and the TypeScript SDK's
// EventOptions). Anything else is refused rather than silently dropped.
constexpr FieldSpec kFieldSpecs[] = {
    {"event_type", Handler::kEventType},
    {"user_id", Handler::kUserId},
    {"device_id", Handler::kDeviceId},
    {"insert_id", Handler::kInsertId},
    {"time", Handler::kTime},
    {"session_id", Handler::kSessionId},
    {"event_properties", Handler::kEventProperties},
    {"user_properties", Handler::kUserProperties},
    {"app_version", Handler::kStringField},
    {"version_name", Handler::kStringField},
    {"library", Handler::kStringField},
    {"platform", Handler::kStringField},
    {"os_name", Handler::kStringField},
    {"os_version", Handler::kStringField},
    {"device_brand", Handler::kStringField},
    {"device_manufacturer", Handler::kStringField},
    {"device_model", Handler::kStringField},
    {"carrier", Handler::kStringField},
    {"country", Handler::kStringField},
    {"region", Handler::kStringField},
    {"city", Handler::kStringField},
    {"dma", Handler::kStringField},
    {"language", Handler::kStringField},
    {"ip", Handler::kStringField},
    {"idfa", Handler::kStringField},
    {"idfv", Handler::kStringField},
    {"adid", Handler::kStringField},
    {"android_id", Handler::kStringField},
    {"android_app_set_id", Handler::kStringField},
    {"partner_id", Handler::kStringField},
    {"user_agent", Handler::kStringField},
    {"productId", Handler::kStringField},
    {"revenueType", Handler::kStringField},
    {"currency", Handler::kStringField},
    {"receipt", Handler::kStringField},
    {"receiptSig", Handler::kStringField},
    {"plan", Handler::kObjectField},
    {"ingestion_metadata", Handler::kObjectField},
    {"groups", Handler::kObjectField},
    {"group_properties", Handler::kObjectField},
    {"extra", Handler::kObjectField},
    {"price", Handler::kNumberField},
    {"revenue", Handler::kNumberField},
    {"quantity", Handler::kIntegerField},
    {"event_id", Handler::kIntegerField},
    {"location_lat", Handler::kLatitude},
    {"location_lng", Handler::kLongitude},
};
constexpr size_t kNumFields = sizeof(kFieldSpecs) / sizeof(kFieldSpecs[0]);
static_assert(kNumFields <= 64, "seen-field mask is 64 bits");

// Open-addressing table over kFieldSpecs: a key lookup costs one short hash
// and usually one comparison, which matters at a million events a second.
class FieldTable {
 public:
  static constexpr size_t kSlots = 256;
  FieldTable() {
    slots_.fill(kEmpty);
    for (size_t i = 0; i < kNumFields; i++) {
      size_t h = Hash(kFieldSpecs[i].name);
      while (slots_[h] != kEmpty) h = (h + 1) % kSlots;
      slots_[h] = static_cast<uint8_t>(i);
    }
  }
  // Index into kFieldSpecs, or -1.
  int Find(std::string_view key) const {
    if (key.empty()) return -1;
    for (size_t h = Hash(key);; h = (h + 1) % kSlots) {
      uint8_t s = slots_[h];
      if (s == kEmpty) return -1;
      if (kFieldSpecs[s].name == key) return s;
    }
  }

 private:
  static constexpr uint8_t kEmpty = 0xff;
  static size_t Hash(std::string_view k) {
    size_t n = k.size();
    if (n == 0) return 0;
    return (n * 131 + static_cast<uint8_t>(k[0]) * 31 + static_cast<uint8_t>(k[n / 2]) * 7 +
            static_cast<uint8_t>(k[n - 1])) %
           kSlots;
  }
  std::array<uint8_t, kSlots> slots_;
};

const FieldTable& Fields() {
  static const FieldTable table;
  return table;
}

const char* TypeName(dom::element e) {
  switch (e.type()) {
    case dom::element_type::ARRAY: return "an array";
    case dom::element_type::OBJECT: return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64: return "an integer";
    case dom::element_type::DOUBLE: return "a fractional number";
    case dom::element_type::STRING: return "a string";
    case dom::element_type::BOOL: return "a boolean";
    case dom::element_type::NULL_VALUE: return "null";
  }
  return "an unknown value";
}

// Code points, not bytes: Amplitude's min_id_length counts characters.
size_t CountCodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Keys can be arbitrarily long; errors show at most max bytes of one.
std::string ShortKey(std::string_view key, size_t max) {
  if (key.size() <= max) return std::string(key);
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(key[cut]) & 0xC0) == 0x80) cut--;  // whole code points
  return std::string(key.substr(0, cut)) + "...";
}

std::string QuoteKey(std::string_view key) { return "\"" + ShortKey(key, 64) + "\""; }

// Appends s as a JSON string. simdjson has validated the UTF-8, so only
// quotes, backslashes and control characters need escaping.
void AppendJsonString(std::string_view s, std::string* out) {
  static const char* kHex = "0123456789abcdef";
  out->push_back('"');
  size_t start = 0;
  for (size_t i = 0; i < s.size(); i++) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out->append(esc, 6);
      }
    }
  }
  out->append(s.data() + start, s.size() - start);
  out->push_back('"');
}

// Compact JSON text of a nested value, written straight into *out.
void AppendCompactJson(dom::element e, std::string* out) {
  char buf[32];
  switch (e.type()) {
    case dom::element_type::OBJECT: {
      out->push_back('{');
      bool first = true;
      const dom::object obj = e.get_object().value_unsafe();
      for (dom::key_value_pair kv : obj) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(kv.key, out);
        out->push_back(':');
        AppendCompactJson(kv.value, out);
      }
      out->push_back('}');
      return;
    }
    case dom::element_type::ARRAY: {
      out->push_back('[');
      bool first = true;
      const dom::array arr = e.get_array().value_unsafe();
      for (dom::element v : arr) {
        if (!first) out->push_back(',');
        first = false;
        AppendCompactJson(v, out);
      }
      out->push_back(']');
      return;
    }
    case dom::element_type::STRING:
      AppendJsonString(e.get_string().value_unsafe(), out);
      return;
    case dom::element_type::INT64: {
      auto r = std::to_chars(buf, buf + sizeof buf, e.get_int64().value_unsafe());
      out->append(buf, r.ptr);
      return;
    }
    case dom::element_type::UINT64: {
      auto r = std::to_chars(buf, buf + sizeof buf, e.get_uint64().value_unsafe());
      out->append(buf, r.ptr);
      return;
    }
    case dom::element_type::DOUBLE: {
      // Shortest round-trip text; a double stays recognisably fractional
      // or exponential, so 2.0 keeps its ".0" and reads back as a double.
      const double d = e.get_double().value_unsafe();
      auto r = std::to_chars(buf, buf + sizeof buf, d);
      std::string_view t(buf, static_cast<size_t>(r.ptr - buf));
      out->append(t);
      if (t.find_first_of(".eEn") == std::string_view::npos) out->append(".0");
      return;
    }
    case dom::element_type::BOOL:
      out->append(e.get_bool().value_unsafe() ? "true" : "false");
      return;
    case dom::element_type::NULL_VALUE:
      out->append("null");
      return;
  }
}

std::string CompactJson(dom::element e) {
  std::string out;
  AppendCompactJson(e, &out);
  return out;
}

class Parser {
 public:
  Parser(const EventParseOptions& options, Event* out, std::vector<EventProblem>* problems)
      : opt_(options), lim_(*options.limits), out_(out), problems_(problems) {}

  bool Run(dom::element e) {
    dom::object obj;
    if (e.get_object().get(obj) != simdjson::SUCCESS) {
      Invalid("event", std::string("each event must be a JSON object, got ") + TypeName(e));
      return false;
    }
    Reset();
    // Most top-level keys become fields; reserving avoids regrowth. At most
    // 11 (968 bytes): larger blocks miss glibc's per-thread cache and cost
    // several times more to allocate.
    out_->fields.reserve(std::min<size_t>(obj.size(), 11));
    for (dom::key_value_pair kv : obj) {
      int idx = Fields().Find(kv.key);
      if (idx < 0) {
        Invalid(ShortKey(kv.key, 128), "unknown field (not an Amplitude event field; put custom data in event_properties)");
        continue;
      }
      const FieldSpec& spec = kFieldSpecs[idx];
      const bool repeated = (seen_ & (uint64_t{1} << idx)) != 0;
      seen_ |= uint64_t{1} << idx;
      Handle(spec, repeated, kv.value);
    }
    if (!has_event_type_ && !event_type_refused_) Missing("event_type", "required");
    if (out_->user_id.empty() && out_->device_id.empty() && !id_refused_) {
      Missing("user_id", "an event needs a non-empty user_id or device_id");
      Missing("device_id", "an event needs a non-empty user_id or device_id");
    }
    CheckIdLength("user_id", out_->user_id);
    CheckIdLength("device_id", out_->device_id);
    if (lim_.max_event_age_ms > 0 && out_->time_ms < opt_.now_ms - lim_.max_event_age_ms) {
      Invalid("time", "is more than " + std::to_string(lim_.max_event_age_ms / 86'400'000) +
                          " days before its arrival: older events are refused (max_event_age_days in the [lake] "
                          "section of the server's config)");
    }
    return ok_;
  }

 private:
  void Reset() {
    Event& ev = *out_;
    ev.event_type.clear();
    ev.user_id.clear();
    ev.device_id.clear();
    ev.insert_id.clear();
    ev.time_ms = opt_.now_ms;
    ev.arrival_ms = opt_.now_ms;
    ev.session_id = -1;
    ev.fields.clear();
    ev.event_properties.clear();
    ev.user_properties.clear();
  }

  void Add(EventProblem::Kind kind, std::string_view field, std::string reason) {
    ok_ = false;
    problems_->push_back(EventProblem{kind, std::string(field), std::move(reason)});
  }
  void Invalid(std::string_view field, std::string reason) { Add(EventProblem::Kind::kInvalid, field, std::move(reason)); }
  void Missing(std::string_view field, std::string reason) { Add(EventProblem::Kind::kMissing, field, std::move(reason)); }

  void CheckIdLength(std::string_view field, const std::string& id) {
    if (id.empty() || opt_.min_id_length <= 0) return;
    if (CountCodePoints(id) < static_cast<size_t>(opt_.min_id_length))
      Add(EventProblem::Kind::kIdLength, field,
          "shorter than min_id_length (" + std::to_string(opt_.min_id_length) + " characters)");
  }

  // A string member; null leaves it unset. Returns false if refused.
  bool GetString(std::string_view field, dom::element v, size_t max_bytes, std::string* dst) {
    if (v.is_null()) return true;
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) {
      Invalid(field, std::string("must be a string, got ") + TypeName(v));
      return false;
    }
    if (s.size() > max_bytes) {
      Invalid(field, "longer than " + std::to_string(max_bytes) + " bytes (" + std::to_string(s.size()) + ")");
      return false;
    }
    dst->assign(s.data(), s.size());
    return true;
  }

  // An integer member; null leaves *dst unchanged.
  bool GetInteger(std::string_view field, dom::element v, int64_t lo, int64_t hi, const char* what, int64_t* dst) {
    if (v.is_null()) return true;
    int64_t i = 0;
    if (v.type() == dom::element_type::INT64) {
      i = v.get_int64().value_unsafe();
      if (i >= lo && i <= hi) {
        *dst = i;
        return true;
      }
    }
    std::string reason = std::string("must be ") + what;
    if (v.type() == dom::element_type::INT64 || v.type() == dom::element_type::UINT64) {
      reason += ", got an integer out of range";
    } else {
      reason += ", got ";
      reason += TypeName(v);
    }
    Invalid(field, std::move(reason));
    return false;
  }

  void SetField(bool repeated, std::string_view name, PropertyValue value) {
    if (repeated) {  // a repeated key: the last value wins
      for (Property& p : out_->fields) {
        if (p.key == name) {
          p.value = std::move(value);
          return;
        }
      }
    }
    Property& p = out_->fields.emplace_back();
    p.key.assign(name.data(), name.size());
    p.value = std::move(value);
  }

  void Handle(const FieldSpec& spec, bool repeated, dom::element v) {
    Event& ev = *out_;
    const std::string_view name = spec.name;
    switch (spec.handler) {
      case Handler::kEventType: {
        if (v.is_null()) return;
        if (!GetString(name, v, lim_.max_event_type_bytes, &ev.event_type)) {
          event_type_refused_ = true;
          return;
        }
        if (ev.event_type.empty()) {
          Invalid(name, "must not be empty");
          event_type_refused_ = true;
          return;
        }
        has_event_type_ = true;
        return;
      }
      case Handler::kUserId:
        if (!GetString(name, v, lim_.max_id_bytes, &ev.user_id)) id_refused_ = true;
        return;
      case Handler::kDeviceId:
        if (!GetString(name, v, lim_.max_id_bytes, &ev.device_id)) id_refused_ = true;
        return;
      case Handler::kInsertId:
        GetString(name, v, lim_.max_id_bytes, &ev.insert_id);
        return;
      case Handler::kTime:
        GetInteger(name, v, 0, kMaxEventTimeMs, "an integer number of milliseconds since the Unix epoch, from 0 to 253402300799999 (year 9999)", &ev.time_ms);
        return;
      case Handler::kSessionId:
        GetInteger(name, v, -1, INT64_MAX, "an integer (the session start in milliseconds, or -1 for none)", &ev.session_id);
        return;
      case Handler::kEventProperties:
        ParseProperties(name, v, &ev.event_properties);
        return;
      case Handler::kUserProperties:
        ParseProperties(name, v, &ev.user_properties);
        return;
      case Handler::kStringField: {
        if (v.is_null()) return;
        std::string s;
        if (GetString(name, v, lim_.max_string_field_bytes, &s)) SetField(repeated, name, PropertyValue::String(std::move(s)));
        return;
      }
      case Handler::kObjectField: {
        if (v.is_null()) return;
        if (v.type() != dom::element_type::OBJECT) {
          Invalid(name, std::string("must be a JSON object, got ") + TypeName(v));
          return;
        }
        std::string json = CompactJson(v);
        if (json.size() > lim_.max_property_value_bytes) {
          Invalid(name, "larger than " + std::to_string(lim_.max_property_value_bytes) + " bytes as compact JSON");
          return;
        }
        SetField(repeated, name, PropertyValue::Json(std::move(json)));
        return;
      }
      case Handler::kNumberField:
      case Handler::kLatitude:
      case Handler::kLongitude: {
        if (v.is_null()) return;
        double d = 0;
        switch (v.type()) {
          case dom::element_type::INT64: d = static_cast<double>(v.get_int64().value_unsafe()); break;
          case dom::element_type::UINT64: d = static_cast<double>(v.get_uint64().value_unsafe()); break;
          case dom::element_type::DOUBLE: d = v.get_double().value_unsafe(); break;
          default:
            Invalid(name, std::string("must be a number, got ") + TypeName(v));
            return;
        }
        const double limit = spec.handler == Handler::kLatitude ? 90 : 180;
        if (spec.handler != Handler::kNumberField && !(d >= -limit && d <= limit)) {
          Invalid(name, "must be a number from " + std::to_string(static_cast<int>(-limit)) + " to " +
                            std::to_string(static_cast<int>(limit)));
          return;
        }
        SetField(repeated, name, PropertyValue::Double(d));
        return;
      }
      case Handler::kIntegerField: {
        if (v.is_null()) return;
        int64_t i = 0;
        if (GetInteger(name, v, INT64_MIN, INT64_MAX, "an integer", &i)) SetField(repeated, name, PropertyValue::Int(i));
        return;
      }
    }
  }

  // Converts a property value. Returns false with *reason set if refused.
  bool ConvertValue(dom::element v, PropertyValue* out, std::string* reason) {
    switch (v.type()) {
      case dom::element_type::STRING: {
        std::string_view s = v.get_string().value_unsafe();
        if (s.size() > lim_.max_property_value_bytes) {
          *reason = "larger than " + std::to_string(lim_.max_property_value_bytes) + " bytes";
          return false;
        }
        out->kind = PropertyValue::Kind::kString;
        out->s.assign(s.data(), s.size());
        return true;
      }
      case dom::element_type::INT64:
        *out = PropertyValue::Int(v.get_int64().value_unsafe());
        return true;
      case dom::element_type::UINT64:  // above INT64_MAX: kept as the nearest double
        *out = PropertyValue::Double(static_cast<double>(v.get_uint64().value_unsafe()));
        return true;
      case dom::element_type::DOUBLE:
        *out = PropertyValue::Double(v.get_double().value_unsafe());
        return true;
      case dom::element_type::BOOL:
        *out = PropertyValue::Bool(v.get_bool().value_unsafe());
        return true;
      case dom::element_type::NULL_VALUE:
        *out = PropertyValue::Null();
        return true;
      case dom::element_type::ARRAY:
      case dom::element_type::OBJECT: {
        std::string json = CompactJson(v);
        if (json.size() > lim_.max_property_value_bytes) {
          *reason = "larger than " + std::to_string(lim_.max_property_value_bytes) + " bytes as compact JSON";
          return false;
        }
        *out = PropertyValue::Json(std::move(json));
        return true;
      }
    }
    *reason = "unsupported value";
    return false;
  }

  void ParseProperties(std::string_view field, dom::element v, std::vector<Property>* props) {
    if (v.is_null()) return;
    dom::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) {
      Invalid(field, std::string("must be a JSON object, got ") + TypeName(v));
      return;
    }
    props->clear();  // a repeated map replaces the earlier one: the last wins
    const size_t n = obj.size();
    if (n > lim_.max_properties) {
      Invalid(field, "has " + std::to_string(n) + " properties, more than the limit of " + std::to_string(lim_.max_properties));
      return;
    }
    props->reserve(n);
    // Duplicate keys are rare; they are found by a linear scan in small maps
    // and through an index in large ones. Keys point into the parser's
    // buffers, which outlive this call.
    constexpr size_t kLinearMax = 16;
    std::unordered_map<std::string_view, size_t>& index_ = scratch_.index;
    std::vector<std::string_view>& keys = scratch_.keys;
    index_.clear();
    keys.clear();
    for (dom::key_value_pair kv : obj) {
      std::string_view key = kv.key;
      if (key.empty()) {
        Invalid(field, "has an empty property key");
        continue;
      }
      if (key.size() > lim_.max_property_key_bytes) {
        Invalid(field, "property key " + QuoteKey(key) + " is longer than " + std::to_string(lim_.max_property_key_bytes) + " bytes");
        continue;
      }
      // Converted in place; taken back out if refused or repeated.
      Property& slot = props->emplace_back();
      std::string reason;
      if (!ConvertValue(kv.value, &slot.value, &reason)) {
        props->pop_back();
        Invalid(field, "property " + QuoteKey(key) + " is " + reason);
        continue;
      }
      size_t existing = SIZE_MAX;
      if (keys.size() < kLinearMax) {
        for (size_t i = 0; i < keys.size(); i++) {
          if (keys[i] == key) {
            existing = i;
            break;
          }
        }
      } else {
        if (index_.empty())
          for (size_t i = 0; i < keys.size(); i++) index_.emplace(keys[i], i);
        auto it = index_.find(key);
        if (it != index_.end()) existing = it->second;
      }
      if (existing != SIZE_MAX) {
        (*props)[existing].value = std::move(props->back().value);
        props->pop_back();
        continue;
      }
      if (keys.size() >= kLinearMax) index_.emplace(key, keys.size());
      keys.push_back(key);
      props->back().key.assign(key.data(), key.size());
    }
  }

  const EventParseOptions& opt_;
  const IngestLimits& lim_;
  Event* out_;
  std::vector<EventProblem>* problems_;
  bool ok_ = true;
  bool has_event_type_ = false;
  bool id_refused_ = false;  // an id was present but invalid: "missing" would mislead
  bool event_type_refused_ = false;  // likewise for event_type
  uint64_t seen_ = 0;
  // Reused across events: a fresh allocation per event would cost more than
  // the scan itself.
  struct Scratch {
    std::vector<std::string_view> keys;
    std::unordered_map<std::string_view, size_t> index;
  };
  static thread_local Scratch scratch_;
};

thread_local Parser::Scratch Parser::scratch_;

}  // namespace

bool ParseEvent(dom::element e, const EventParseOptions& options, Event* out, std::vector<EventProblem>* problems) {
  Parser parser(options, out, problems);
  return parser.Run(e);
}

std::string DescribeProblems(const std::vector<EventProblem>& problems) {
  std::string out;
  for (const EventProblem& p : problems) {
    if (!out.empty()) out += "; ";
    out += p.field;
    out += ": ";
    if (p.kind == EventProblem::Kind::kMissing && p.reason == "required") {
      out += "missing (required)";
    } else {
      if (p.kind == EventProblem::Kind::kMissing) out += "missing: ";
      out += p.reason;
    }
  }
  return out;
}

}  // namespace swell::collect
