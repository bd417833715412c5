#include "lake/event_json.h"

#include <charconv>
#include <cmath>

#include <simdjson.h>

#include "util/json_writer.h"

namespace swell::lake {

namespace {

using simdjson::ondemand::json_type;

// The members, in the order AppendEventJson writes them.
enum Member { kEventType, kUserId, kDeviceId, kInsertId, kTime, kSessionId, kArrival, kEventProps, kUserProps,
              kNumMembers };
constexpr std::string_view kMemberNames[kNumMembers] = {
    "event_type", "user_id", "device_id", "insert_id", "time", "session_id", "arrival", "event_properties",
    "user_properties"};

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

// Empty ids are null, as in the events/ files and Amplitude's exports.
void AppendId(std::string_view s, std::string* out) {
  if (s.empty()) {
    out->append("null");
  } else {
    JsonWriter::AppendQuoted(out, s);
  }
}

// Whether text can be inlined as a nested value and read back byte for byte:
// one complete JSON object or array with nothing around it.
bool IsInlineJson(std::string_view text) {
  if (text.size() < 2) return false;
  char first = text.front(), last = text.back();
  if (!((first == '{' && last == '}') || (first == '[' && last == ']'))) return false;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  return parser.parse(text.data(), text.size()).get(root) == simdjson::SUCCESS;
}

void AppendValue(const PropertyValue& v, std::string* out) {
  switch (v.kind) {
    case PropertyValue::Kind::kNull:
      out->append("null");
      return;
    case PropertyValue::Kind::kBool:
      out->append(v.b ? "true" : "false");
      return;
    case PropertyValue::Kind::kInt:
      AppendInt(v.i, out);
      return;
    case PropertyValue::Kind::kDouble: {
      if (!std::isfinite(v.d)) {
        out->append("null");  // JSON has no NaN or infinity
        return;
      }
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, v.d);  // shortest text that round-trips
      std::string_view t(buf, static_cast<size_t>(r.ptr - buf));
      out->append(t);
      // "3" would read back as an integer.
      if (t.find_first_of(".eE") == std::string_view::npos) out->append(".0");
      return;
    }
    case PropertyValue::Kind::kString:
      JsonWriter::AppendQuoted(out, v.s);
      return;
    case PropertyValue::Kind::kJson:
      if (IsInlineJson(v.s)) {
        out->append(v.s);
      } else {
        JsonWriter::AppendQuoted(out, v.s);
      }
      return;
  }
}

void AppendMember(std::string_view key, const PropertyValue& v, bool* first, std::string* out) {
  if (!*first) out->push_back(',');
  *first = false;
  JsonWriter::AppendQuoted(out, key);
  out->push_back(':');
  AppendValue(v, out);
}

void AppendObject(const std::vector<Property>& props, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const Property& p : props) AppendMember(p.key, p.value, &first, out);
  out->push_back('}');
}

Status Bad(std::string_view what) { return Status::InvalidArgument(std::string("event JSON: ") + std::string(what)); }

std::string_view TrimTrailingSpace(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

Status ToPropertyValue(simdjson::ondemand::value v, PropertyValue* out) {
  json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return Bad("malformed value");
  switch (t) {
    case json_type::null: {
      bool is_null = false;
      if (v.is_null().get(is_null) != simdjson::SUCCESS || !is_null) return Bad("malformed null");
      *out = PropertyValue::Null();
      return Status::OK();
    }
    case json_type::boolean: {
      bool b = false;
      if (v.get_bool().get(b) != simdjson::SUCCESS) return Bad("malformed boolean");
      *out = PropertyValue::Bool(b);
      return Status::OK();
    }
    case json_type::number: {
      // Classified by the token's text: this simdjson's get_number()
      // misreads numbers of 19 digits or more (123456789012345680.0 as 0),
      // get_double() and from_chars do not.
      std::string_view token = TrimTrailingSpace(v.raw_json_token());
      double d = 0;
      if (v.get_double().get(d) != simdjson::SUCCESS) return Bad("malformed or out-of-range number");
      int64_t i = 0;
      if (token.find_first_of(".eE") == std::string_view::npos) {
        auto r = std::from_chars(token.data(), token.data() + token.size(), i);
        if (r.ec == std::errc() && r.ptr == token.data() + token.size()) {
          *out = PropertyValue::Int(i);
          return Status::OK();
        }
      }
      // A fraction or exponent, or an integer beyond int64: the nearest
      // double, as collect keeps it.
      *out = PropertyValue::Double(d);
      return Status::OK();
    }
    case json_type::string: {
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) return Bad("malformed string");
      *out = PropertyValue::String(std::string(s));
      return Status::OK();
    }
    case json_type::object: {
      simdjson::ondemand::object o;
      std::string_view raw;
      if (v.get_object().get(o) != simdjson::SUCCESS || o.raw_json().get(raw) != simdjson::SUCCESS)
        return Bad("malformed object");
      *out = PropertyValue::Json(std::string(TrimTrailingSpace(raw)));
      return Status::OK();
    }
    case json_type::array: {
      simdjson::ondemand::array a;
      std::string_view raw;
      if (v.get_array().get(a) != simdjson::SUCCESS || a.raw_json().get(raw) != simdjson::SUCCESS)
        return Bad("malformed array");
      *out = PropertyValue::Json(std::string(TrimTrailingSpace(raw)));
      return Status::OK();
    }
  }
  return Bad("unknown value type");
}

Status ToProperties(simdjson::ondemand::value v, std::string_view member, std::vector<Property>* props) {
  json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return Bad("malformed value");
  if (t == json_type::null) return Status::OK();
  simdjson::ondemand::object obj;
  if (t != json_type::object || v.get_object().get(obj) != simdjson::SUCCESS)
    return Bad(std::string(member) + " is not an object");
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return Bad(std::string("malformed key in ") + std::string(member));
    Property p;
    p.key = std::string(key);
    simdjson::ondemand::value value;
    if (field.value().get(value) != simdjson::SUCCESS) return Bad(std::string("malformed value in ") + std::string(member));
    Status s = ToPropertyValue(value, &p.value);
    if (!s.ok()) return s.WithContext(std::string(member) + "." + p.key);
    props->push_back(std::move(p));
  }
  return Status::OK();
}

Status ToId(simdjson::ondemand::value v, std::string_view member, std::string* out) {
  json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return Bad("malformed value");
  if (t == json_type::null) {
    out->clear();
    return Status::OK();
  }
  std::string_view s;
  if (t != json_type::string || v.get_string().get(s) != simdjson::SUCCESS)
    return Bad(std::string(member) + " is not a string");
  out->assign(s);
  return Status::OK();
}

Status ToInt(simdjson::ondemand::value v, std::string_view member, int64_t* out) {
  if (v.get_int64().get(*out) != simdjson::SUCCESS) return Bad(std::string(member) + " is not a 64-bit integer");
  return Status::OK();
}

}  // namespace

void AppendEventJson(const Event& e, std::string* line) {
  std::string& out = *line;
  out.append("{\"event_type\":");
  JsonWriter::AppendQuoted(&out, e.event_type);
  out.append(",\"user_id\":");
  AppendId(e.user_id, &out);
  out.append(",\"device_id\":");
  AppendId(e.device_id, &out);
  out.append(",\"insert_id\":");
  AppendId(e.insert_id, &out);
  out.append(",\"time\":");
  AppendInt(e.time_ms, &out);
  out.append(",\"session_id\":");
  AppendInt(e.session_id, &out);
  out.append(",\"arrival\":");
  AppendInt(e.arrival_ms, &out);
  out.append(",\"event_properties\":");
  AppendObject(e.event_properties, &out);
  out.append(",\"user_properties\":");
  AppendObject(e.user_properties, &out);
  bool first = false;
  for (const Property& p : e.fields) AppendMember(p.key, p.value, &first, &out);
  out.push_back('}');
}

Status ParseEventJson(std::string_view line, Event* e) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end of its input.
  thread_local std::string buffer;
  thread_local simdjson::ondemand::parser parser;
  buffer.assign(line);
  buffer.append(simdjson::SIMDJSON_PADDING, '\0');
  simdjson::ondemand::document doc;
  if (parser.iterate(buffer.data(), line.size(), buffer.size()).get(doc) != simdjson::SUCCESS)
    return Bad("not JSON");
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return Bad("not a JSON object");

  *e = Event();
  bool seen[kNumMembers] = {};
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return Bad("malformed key");
    simdjson::ondemand::value v;
    if (field.value().get(v) != simdjson::SUCCESS) return Bad("malformed value");
    int m = 0;
    while (m < kNumMembers && (seen[m] || kMemberNames[m] != key)) ++m;
    if (m == kNumMembers) {
      Property p;
      p.key = std::string(key);
      Status s = ToPropertyValue(v, &p.value);
      if (!s.ok()) return s.WithContext(p.key);
      e->fields.push_back(std::move(p));
      continue;
    }
    seen[m] = true;
    Status s;
    switch (static_cast<Member>(m)) {
      case kEventType: {
        std::string_view t;
        if (v.get_string().get(t) != simdjson::SUCCESS) return Bad("event_type is not a string");
        e->event_type.assign(t);
        break;
      }
      case kUserId: s = ToId(v, key, &e->user_id); break;
      case kDeviceId: s = ToId(v, key, &e->device_id); break;
      case kInsertId: s = ToId(v, key, &e->insert_id); break;
      case kTime: s = ToInt(v, key, &e->time_ms); break;
      case kSessionId: s = ToInt(v, key, &e->session_id); break;
      case kArrival: s = ToInt(v, key, &e->arrival_ms); break;
      case kEventProps: s = ToProperties(v, key, &e->event_properties); break;
      case kUserProps: s = ToProperties(v, key, &e->user_properties); break;
      case kNumMembers: break;
    }
    if (!s.ok()) return s;
  }
  // Past the object's '}' only the end may follow (this simdjson has no
  // document::at_end()).
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return Bad("text after the object");
  if (!seen[kEventType]) return Bad("no event_type");
  return Status::OK();
}

}  // namespace swell::lake
