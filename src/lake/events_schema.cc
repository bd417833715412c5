#include "lake/events_schema.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "util/json_writer.h"

namespace swell::lake {

using parquet::ColumnType;
using parquet::Repetition;
using parquet::Value;

namespace {

using FieldType = KnownFieldType;

// The top-level fields of an Amplitude event beyond the ones Event has
// members for (the keys collect accepts), in column order.
constexpr KnownField kKnownFields[] = {
    {"app_version", FieldType::kString},      {"version_name", FieldType::kString},
    {"library", FieldType::kString},          {"platform", FieldType::kString},
    {"os_name", FieldType::kString},          {"os_version", FieldType::kString},
    {"device_brand", FieldType::kString},     {"device_manufacturer", FieldType::kString},
    {"device_model", FieldType::kString},     {"carrier", FieldType::kString},
    {"country", FieldType::kString},          {"region", FieldType::kString},
    {"city", FieldType::kString},             {"dma", FieldType::kString},
    {"language", FieldType::kString},         {"ip", FieldType::kString},
    {"idfa", FieldType::kString},             {"idfv", FieldType::kString},
    {"adid", FieldType::kString},             {"android_id", FieldType::kString},
    {"android_app_set_id", FieldType::kString}, {"partner_id", FieldType::kString},
    {"user_agent", FieldType::kString},       {"productId", FieldType::kString},
    {"revenueType", FieldType::kString},      {"currency", FieldType::kString},
    {"receipt", FieldType::kString},          {"receiptSig", FieldType::kString},
    {"price", FieldType::kDouble},            {"revenue", FieldType::kDouble},
    {"location_lat", FieldType::kDouble},     {"location_lng", FieldType::kDouble},
    {"quantity", FieldType::kInt64},          {"event_id", FieldType::kInt64},
    {"plan", FieldType::kJson},               {"ingestion_metadata", FieldType::kJson},
    {"groups", FieldType::kJson},             {"group_properties", FieldType::kJson},
    {"extra", FieldType::kJson},
};
constexpr size_t kNumKnown = std::size(kKnownFields);

int KnownIndex(std::string_view name) {
  for (size_t i = 0; i < kNumKnown; ++i)
    if (kKnownFields[i].name == name) return static_cast<int>(i);
  return -1;
}

Value StringOrNull(std::string_view s) { return s.empty() ? Value() : Value(s); }

}  // namespace

std::span<const KnownField> KnownFields() { return kKnownFields; }

std::vector<std::string> FixedColumnNames() {
  EventsSchema s;
  (void)EventsSchema::Make({}, &s);
  std::vector<std::string> names;
  for (const auto& c : s.parquet_schema().columns()) names.push_back(c.name);
  return names;
}

void AppendJsonValue(const PropertyValue& v, std::string* out) {
  switch (v.kind) {
    case PropertyValue::Kind::kNull: *out += "null"; break;
    case PropertyValue::Kind::kBool: *out += v.b ? "true" : "false"; break;
    case PropertyValue::Kind::kInt: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, v.i);
      out->append(buf, r.ptr);
      break;
    }
    case PropertyValue::Kind::kDouble: {
      // JSON has no NaN or infinity (and collect never produces them).
      if (!std::isfinite(v.d)) {
        *out += "null";
        break;
      }
      // Shortest round-trip text, plus ".0" when that looks like an integer
      // ("3", "-0", "18446744073709552000"): the kind must survive a re-parse,
      // or a double 3.0 would come back as the integer 3.
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, v.d);
      std::string_view t(buf, static_cast<size_t>(r.ptr - buf));
      out->append(t);
      if (t.find_first_of(".eE") == std::string_view::npos) *out += ".0";
      break;
    }
    case PropertyValue::Kind::kString: JsonWriter::AppendQuoted(out, v.s); break;
    case PropertyValue::Kind::kJson: *out += v.s; break;
  }
}

std::string PromotedColumn::ColumnName() const {
  return (source == Source::kEventProperty ? "ep_" : "up_") + key;
}

Status EventsSchema::Make(std::vector<PromotedColumn> promoted, EventsSchema* out) {
  EventsSchema s;
  s.schema_.Add("event_type", ColumnType::kString, Repetition::kRequired)
      .Add("user_id", ColumnType::kString)
      .Add("device_id", ColumnType::kString)
      .Add("user_number", ColumnType::kInt32, Repetition::kRequired)
      .Add("insert_id", ColumnType::kString)
      .Add("time", ColumnType::kTimestampMillis, Repetition::kRequired)
      .Add("arrival", ColumnType::kTimestampMillis, Repetition::kRequired)
      .Add("session_id", ColumnType::kInt64);
  for (const KnownField& f : kKnownFields) {
    ColumnType t = f.type == FieldType::kDouble  ? ColumnType::kDouble
                   : f.type == FieldType::kInt64 ? ColumnType::kInt64
                                                 : ColumnType::kString;
    s.schema_.Add(std::string(f.name), t);
  }
  s.schema_.Add("other_fields", ColumnType::kString)
      .Add("event_properties", ColumnType::kString, Repetition::kRequired)
      .Add("user_properties", ColumnType::kString, Repetition::kRequired);
  std::set<std::string> names;
  for (const PromotedColumn& p : promoted) {
    if (p.key.empty()) return Status::InvalidArgument("promoted column with an empty key");
    std::string name = p.ColumnName();
    if (!names.insert(name).second) return Status::InvalidArgument("column promoted twice: " + name);
    ColumnType t = p.type == PromotedColumn::Type::kBool    ? ColumnType::kBoolean
                   : p.type == PromotedColumn::Type::kInt64  ? ColumnType::kInt64
                   : p.type == PromotedColumn::Type::kDouble ? ColumnType::kDouble
                                                             : ColumnType::kString;
    s.schema_.Add(std::move(name), t);
  }
  SWELL_RETURN_IF_ERROR(s.schema_.Validate());
  s.promoted_ = std::move(promoted);
  *out = std::move(s);
  return Status::OK();
}

namespace {
std::string ObjectJson(std::span<const Property* const> props) {
  std::string out = "{";
  for (size_t i = 0; i < props.size(); ++i) {
    if (i > 0) out += ',';
    JsonWriter::AppendQuoted(&out, props[i]->key);
    out += ':';
    AppendJsonValue(props[i]->value, &out);
  }
  out += '}';
  return out;
}
}  // namespace

std::string PropertiesToJson(const std::vector<Property>& props) {
  std::vector<const Property*> ptrs;
  ptrs.reserve(props.size());
  for (const Property& p : props) ptrs.push_back(&p);
  return ObjectJson(ptrs);
}

void EventsSchema::ToRow(const Event& ev, uint32_t user_number, std::deque<std::string>* scratch,
                         std::vector<Value>* row) const {
  row->clear();
  row->reserve(schema_.num_columns());
  scratch->clear();
  auto keep = [&](std::string s) -> std::string_view { return scratch->emplace_back(std::move(s)); };

  row->push_back(Value(std::string_view(ev.event_type)));
  row->push_back(StringOrNull(ev.user_id));
  row->push_back(StringOrNull(ev.device_id));
  row->push_back(Value(static_cast<int32_t>(user_number)));
  row->push_back(StringOrNull(ev.insert_id));
  row->push_back(Value(ev.time_ms));
  row->push_back(Value(ev.arrival_ms));
  row->push_back(ev.session_id == -1 ? Value() : Value(ev.session_id));

  size_t first_known = row->size();
  row->resize(first_known + kNumKnown);
  std::vector<const Property*> others;
  for (const Property& p : ev.fields) {
    int k = KnownIndex(p.key);
    if (k < 0) {
      others.push_back(&p);
      continue;
    }
    const PropertyValue& v = p.value;
    Value& cell = (*row)[first_known + static_cast<size_t>(k)];
    switch (kKnownFields[k].type) {
      case FieldType::kString:
        if (v.kind == PropertyValue::Kind::kString) cell = std::string_view(v.s);
        else if (v.kind != PropertyValue::Kind::kNull) cell = keep(v.ToText());
        break;
      case FieldType::kDouble:
        if (v.kind == PropertyValue::Kind::kDouble) cell = v.d;
        else if (v.kind == PropertyValue::Kind::kInt) cell = static_cast<double>(v.i);
        break;
      case FieldType::kInt64:
        if (v.kind == PropertyValue::Kind::kInt) cell = v.i;
        break;
      case FieldType::kJson:
        if (v.kind == PropertyValue::Kind::kJson) {
          cell = std::string_view(v.s);
        } else if (v.kind != PropertyValue::Kind::kNull) {
          std::string json;
          AppendJsonValue(v, &json);
          cell = keep(std::move(json));
        }
        break;
    }
  }
  if (others.empty()) {
    row->push_back(Value());
  } else {
    row->push_back(keep(ObjectJson(others)));
  }
  row->push_back(keep(PropertiesToJson(ev.event_properties)));
  row->push_back(keep(PropertiesToJson(ev.user_properties)));

  for (const PromotedColumn& p : promoted_) {
    const PropertyValue* v = p.source == PromotedColumn::Source::kEventProperty ? ev.FindEventProperty(p.key)
                                                                                : ev.FindUserProperty(p.key);
    Value cell;
    if (v != nullptr) {
      switch (p.type) {
        case PromotedColumn::Type::kBool:
          if (v->kind == PropertyValue::Kind::kBool) cell = v->b;
          break;
        case PromotedColumn::Type::kInt64:
          if (v->kind == PropertyValue::Kind::kInt) cell = v->i;
          break;
        case PromotedColumn::Type::kDouble: {
          double d;
          if (v->kind == PropertyValue::Kind::kDouble) cell = v->d;
          else if (v->kind == PropertyValue::Kind::kInt) cell = static_cast<double>(v->i);
          else if (v->kind == PropertyValue::Kind::kString && v->ToNumber(&d)) cell = d;
          break;
        }
        case PromotedColumn::Type::kString:
          if (v->kind == PropertyValue::Kind::kString) cell = std::string_view(v->s);
          else if (v->kind != PropertyValue::Kind::kNull) cell = keep(v->ToText());
          break;
      }
    }
    row->push_back(cell);
  }
}

bool EventLess(const Event& a, const Event& b) {
  if (int c = a.event_type.compare(b.event_type); c != 0) return c < 0;
  // UserKey() order ("d:" + device_id before "u:" + user_id) without
  // building the keys: sorting millions of events must not allocate.
  bool au = !a.user_id.empty(), bu = !b.user_id.empty();
  if (au != bu) return bu;
  const std::string& ka = au ? a.user_id : a.device_id;
  const std::string& kb = bu ? b.user_id : b.device_id;
  if (int c = ka.compare(kb); c != 0) return c < 0;
  return a.time_ms < b.time_ms;
}

void SortEventsForLake(std::vector<Event>* events) {
  std::stable_sort(events->begin(), events->end(), EventLess);
}

}  // namespace swell::lake
