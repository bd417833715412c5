#include "lake/event_file_reader.h"

#include <simdjson.h>

#include <string>

#include "lake/events_schema.h"
#include "lake/storage_input_source.h"

namespace swell::lake {

namespace od = simdjson::ondemand;

namespace {

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

Status JsonError(std::string_view what, simdjson::error_code e) {
  return Status::Corruption(std::string(what) + ": " + simdjson::error_message(e));
}

// Parses JSON texts one after another, reusing the parser's buffers (a file
// has several JSON cells per row).
class JsonReader {
 public:
  Status Object(std::string_view json, std::vector<Property>* props) {
    if (json.size() <= 2) {  // "{}": most user_properties, many event_properties
      if (json == "{}") return Status::OK();
    }
    // One allocation per list rather than a doubling series: every member
    // has a `":` after its key (nested ones and `":` inside strings only
    // overestimate).
    size_t members = 0;
    for (size_t at = json.find("\":"); at != std::string_view::npos && members < 256; at = json.find("\":", at + 2))
      ++members;
    props->reserve(props->size() + members);
    od::document doc;
    SWELL_RETURN_IF_ERROR(Start(json, &doc));
    od::object obj;
    if (auto e = doc.get_object().get(obj)) return JsonError("not a JSON object", e);
    for (auto member : obj) {
      od::field field;
      if (auto e = std::move(member).get(field)) return JsonError("bad JSON object", e);
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return JsonError("bad JSON key", e);
      Property& p = props->emplace_back();
      p.key.assign(key);  // key points into the parser: copy before the value is read
      SWELL_RETURN_IF_ERROR(Value(field.value(), &p.value));
    }
    return End(&doc);
  }

  Status OneValue(std::string_view json, PropertyValue* value) {
    // Wrapped in an array: ondemand handles scalars best inside a container.
    wrapped_.assign("[");
    wrapped_.append(json);
    wrapped_.append("]");
    od::document doc;
    SWELL_RETURN_IF_ERROR(Start(wrapped_, &doc));
    od::array arr;
    if (auto e = doc.get_array().get(arr)) return JsonError("bad JSON value", e);
    int n = 0;
    for (auto element : arr) {
      od::value v;
      if (auto e = std::move(element).get(v)) return JsonError("bad JSON value", e);
      if (++n > 1) return Status::Corruption("more than one JSON value");
      SWELL_RETURN_IF_ERROR(Value(v, value));
    }
    if (n != 1) return Status::Corruption("empty JSON value");
    return End(&doc);
  }

 private:
  Status Start(std::string_view json, od::document* doc) {
    // simdjson reads up to SIMDJSON_PADDING bytes past the end.
    buffer_.reserve(json.size() + simdjson::SIMDJSON_PADDING);
    buffer_.assign(json);
    simdjson::padded_string_view padded(buffer_.data(), buffer_.size(), buffer_.capacity());
    if (auto e = parser_.iterate(padded).get(*doc)) return JsonError("bad JSON", e);
    return Status::OK();
  }

  // Ondemand parsing checks only what it visits: make sure nothing follows.
  static Status End(od::document* doc) {
    const char* at = nullptr;
    if (doc->current_location().get(at) == simdjson::SUCCESS) return Status::Corruption("JSON followed by more text");
    return Status::OK();
  }

  Status Value(od::value v, PropertyValue* out) {
    od::json_type type;
    if (auto e = v.type().get(type)) return JsonError("bad JSON value", e);
    switch (type) {
      case od::json_type::object: {
        od::object o;
        std::string_view raw;
        if (auto e = v.get_object().get(o)) return JsonError("bad JSON object", e);
        if (auto e = o.raw_json().get(raw)) return JsonError("bad JSON object", e);
        SWELL_RETURN_IF_ERROR(CheckNested(raw));
        *out = PropertyValue::Json(std::string(TrimRight(raw)));
        return Status::OK();
      }
      case od::json_type::array: {
        od::array a;
        std::string_view raw;
        if (auto e = v.get_array().get(a)) return JsonError("bad JSON array", e);
        if (auto e = a.raw_json().get(raw)) return JsonError("bad JSON array", e);
        SWELL_RETURN_IF_ERROR(CheckNested(raw));
        *out = PropertyValue::Json(std::string(TrimRight(raw)));
        return Status::OK();
      }
      case od::json_type::string: {
        std::string_view s;
        if (auto e = v.get_string().get(s)) return JsonError("bad JSON string", e);
        *out = PropertyValue::String(std::string(s));
        return Status::OK();
      }
      case od::json_type::number: {
        // The writer marks doubles with a fraction or an exponent; plain
        // digits are an integer unless too large for int64 (collect keeps
        // those as doubles too).
        std::string_view token = v.raw_json_token();
        if (token.find_first_of(".eE") == std::string_view::npos) {
          int64_t i;
          if (v.get_int64().get(i) == simdjson::SUCCESS) {
            *out = PropertyValue::Int(i);
            return Status::OK();
          }
        }
        double d;
        if (auto e = v.get_double().get(d)) return JsonError("bad JSON number", e);
        *out = PropertyValue::Double(d);
        return Status::OK();
      }
      case od::json_type::boolean: {
        bool b;
        if (auto e = v.get_bool().get(b)) return JsonError("bad JSON boolean", e);
        *out = PropertyValue::Bool(b);
        return Status::OK();
      }
      case od::json_type::null: {
        bool is_null = false;
        if (auto e = v.is_null().get(is_null); e || !is_null) return Status::Corruption("bad JSON null");
        *out = PropertyValue::Null();
        return Status::OK();
      }
    }
    return Status::Corruption("unknown JSON value");
  }

  // Ondemand skips a nested value it is not asked to visit, checking little
  // more than its brackets; a nested value is kept as text, so it is checked
  // in full here. REQUIRES: raw lies inside buffer_ (whose padding covers
  // what simdjson reads past its end).
  Status CheckNested(std::string_view raw) {
    simdjson::dom::element unused;
    if (auto e = dom_.parse(reinterpret_cast<const uint8_t*>(raw.data()), raw.size(), false).get(unused))
      return JsonError("bad nested JSON value", e);
    return Status::OK();
  }

  od::parser parser_;
  simdjson::dom::parser dom_;
  std::string buffer_;
  std::string wrapped_;
};

// The columns read, located by name so that the reader does not depend on
// column positions; the promoted columns are never fetched.
struct ColumnPlan {
  std::vector<std::string> names;  // the projection
  // Index into names of each fixed column.
  int event_type, user_id, device_id, user_number, insert_id, time, arrival, session_id;
  int first_known;  // KnownFields() follow in order
  int other_fields, event_properties, user_properties;
};

Status PlanColumns(const parquet::FileReader& reader, ColumnPlan* plan) {
  EventsSchema fixed;
  SWELL_RETURN_IF_ERROR(EventsSchema::Make({}, &fixed));
  for (const parquet::ColumnDescriptor& want : fixed.parquet_schema().columns()) {
    int i = reader.FindColumn(want.name);
    if (i < 0) return Status::InvalidArgument("not an events file: no column " + want.name);
    const parquet::LeafColumn& have = reader.schema()[static_cast<size_t>(i)];
    if (have.physical_type != want.physical_type() || have.max_repetition_level != 0)
      return Status::InvalidArgument("not an events file: column " + want.name + " is " +
                                     parquet::ToString(have.physical_type) +
                                     (have.max_repetition_level != 0 ? " (repeated)" : "") + ", expected " +
                                     parquet::ToString(want.physical_type()));
    if (want.type == parquet::ColumnType::kTimestampMillis && have.logical_type &&
        have.logical_type->kind == parquet::LogicalType::Kind::TIMESTAMP &&
        have.logical_type->unit != parquet::TimeUnit::MILLIS)
      return Status::InvalidArgument("not an events file: column " + want.name + " is not in milliseconds");
    plan->names.push_back(want.name);
  }
  // Positions in the projection are the fixed schema's positions.
  plan->event_type = EventsSchema::kEventTypeColumn;
  plan->user_id = EventsSchema::kUserIdColumn;
  plan->device_id = EventsSchema::kDeviceIdColumn;
  plan->user_number = EventsSchema::kUserNumberColumn;
  plan->insert_id = EventsSchema::kInsertIdColumn;
  plan->time = EventsSchema::kTimeColumn;
  plan->arrival = EventsSchema::kArrivalColumn;
  plan->session_id = EventsSchema::kSessionIdColumn;
  plan->first_known = EventsSchema::kFirstKnownFieldColumn;
  int next = plan->first_known + static_cast<int>(KnownFields().size());
  plan->other_fields = next;
  plan->event_properties = next + 1;
  plan->user_properties = next + 2;
  if (plan->names.size() != static_cast<size_t>(next + 3) || plan->names[static_cast<size_t>(next)] != "other_fields")
    return Status::InvalidArgument("events schema and reader disagree on the fixed columns");  // a bug, not data
  return Status::OK();
}

// The plan's columns that hold a value in row group g: most known fields
// are null in every row of most files, and decoding a column of nulls costs
// an allocation per row. A chunk whose statistics count as many nulls as
// values is not read; *read lists the others, *slot maps each plan column to
// its place in the data read (-1: null throughout).
void ColumnsWithValues(const parquet::FileReader& reader, int g, const ColumnPlan& plan,
                       std::vector<std::string>* read, std::vector<int>* slot) {
  read->clear();
  slot->assign(plan.names.size(), -1);
  const parquet::RowGroup& group = reader.metadata().row_groups[static_cast<size_t>(g)];
  for (size_t c = 0; c < plan.names.size(); ++c) {
    int leaf = reader.FindColumn(plan.names[c]);
    bool all_null = false;
    if (leaf >= 0 && static_cast<size_t>(leaf) < group.columns.size()) {
      const auto& md = group.columns[static_cast<size_t>(leaf)].meta_data;
      all_null = md && md->statistics && md->statistics->null_count &&
                 *md->statistics->null_count == md->num_values && md->num_values == group.num_rows;
    }
    if (all_null) continue;
    (*slot)[c] = static_cast<int>(read->size());
    read->push_back(plan.names[c]);
  }
}

class RowGroupDecoder {
 public:
  RowGroupDecoder(const ColumnPlan& plan, const std::vector<int>& slot, const parquet::RowGroupData& data)
      : plan_(plan), slot_(slot), data_(data) {}

  Status Check(size_t rows) const {
    for (size_t c = 0; c < data_.columns.size(); ++c) {
      const parquet::ColumnVector& v = data_.columns[c];
      if (v.size() != rows || parquet::ValueCount(v.values) != rows)
        return Status::Corruption("a column holds " + std::to_string(v.size()) + " rows, expected " +
                                  std::to_string(rows));
    }
    return Status::OK();
  }

  Status Row(size_t r, JsonReader* json, Event* ev, uint32_t* user_number) const {
    SWELL_RETURN_IF_ERROR(RequiredString(plan_.event_type, r, &ev->event_type));
    SWELL_RETURN_IF_ERROR(OptionalString(plan_.user_id, r, &ev->user_id));
    SWELL_RETURN_IF_ERROR(OptionalString(plan_.device_id, r, &ev->device_id));
    SWELL_RETURN_IF_ERROR(OptionalString(plan_.insert_id, r, &ev->insert_id));
    int32_t number = 0;
    SWELL_RETURN_IF_ERROR(Required<int32_t>(plan_.user_number, r, &number));
    if (number < 0) return Bad(plan_.user_number, r, "negative user number");
    *user_number = static_cast<uint32_t>(number);
    SWELL_RETURN_IF_ERROR(Required<int64_t>(plan_.time, r, &ev->time_ms));
    SWELL_RETURN_IF_ERROR(Required<int64_t>(plan_.arrival, r, &ev->arrival_ms));
    ev->session_id = -1;
    if (!IsNull(plan_.session_id, r)) SWELL_RETURN_IF_ERROR(Required<int64_t>(plan_.session_id, r, &ev->session_id));

    std::span<const KnownField> known = KnownFields();
    size_t present = 0;
    for (size_t k = 0; k < known.size(); ++k) present += !IsNull(plan_.first_known + static_cast<int>(k), r);
    ev->fields.reserve(present + (IsNull(plan_.other_fields, r) ? 0 : 4));
    for (size_t k = 0; k < known.size(); ++k) {
      int c = plan_.first_known + static_cast<int>(k);
      if (IsNull(c, r)) continue;
      PropertyValue v;
      switch (known[k].type) {
        case KnownFieldType::kString: {
          std::string s;
          SWELL_RETURN_IF_ERROR(RequiredString(c, r, &s));
          v = PropertyValue::String(std::move(s));
          break;
        }
        case KnownFieldType::kDouble: {
          double d = 0;
          SWELL_RETURN_IF_ERROR(Required<double>(c, r, &d));
          v = PropertyValue::Double(d);
          break;
        }
        case KnownFieldType::kInt64: {
          int64_t i = 0;
          SWELL_RETURN_IF_ERROR(Required<int64_t>(c, r, &i));
          v = PropertyValue::Int(i);
          break;
        }
        case KnownFieldType::kJson: {
          const std::string* text = nullptr;
          SWELL_RETURN_IF_ERROR(Text(c, r, &text));
          Status s = json->OneValue(*text, &v);
          if (!s.ok()) return Bad(c, r, s.message());
          break;
        }
      }
      ev->fields.push_back({std::string(known[k].name), std::move(v)});
    }
    if (!IsNull(plan_.other_fields, r)) SWELL_RETURN_IF_ERROR(Object(plan_.other_fields, r, json, &ev->fields));
    SWELL_RETURN_IF_ERROR(Object(plan_.event_properties, r, json, &ev->event_properties));
    SWELL_RETURN_IF_ERROR(Object(plan_.user_properties, r, json, &ev->user_properties));
    return Status::OK();
  }

 private:
  // Null throughout the row group (not read), or null in row r.
  bool IsNull(int c, size_t r) const {
    int s = slot_[static_cast<size_t>(c)];
    return s < 0 || data_.columns[static_cast<size_t>(s)].IsNull(r);
  }
  const parquet::ColumnVector& Column(int c) const {
    return data_.columns[static_cast<size_t>(slot_[static_cast<size_t>(c)])];
  }

  Status Bad(int c, size_t r, std::string_view what) const {
    return Status::Corruption("column " + plan_.names[static_cast<size_t>(c)] + ", row " + std::to_string(r) +
                              " of its row group: " + std::string(what));
  }

  template <typename T>
  Status Required(int c, size_t r, T* out) const {
    if (IsNull(c, r)) return Bad(c, r, "null in a required column");
    const auto* values = std::get_if<std::vector<T>>(&Column(c).values);
    if (values == nullptr) return Bad(c, r, "unexpected value type");
    *out = (*values)[r];
    return Status::OK();
  }

  Status Text(int c, size_t r, const std::string** out) const {
    if (IsNull(c, r)) return Bad(c, r, "null in a required column");
    const auto* values = std::get_if<std::vector<std::string>>(&Column(c).values);
    if (values == nullptr) return Bad(c, r, "unexpected value type");
    *out = &(*values)[r];
    return Status::OK();
  }

  Status RequiredString(int c, size_t r, std::string* out) const {
    const std::string* text = nullptr;
    SWELL_RETURN_IF_ERROR(Text(c, r, &text));
    *out = *text;
    return Status::OK();
  }

  Status OptionalString(int c, size_t r, std::string* out) const {
    if (IsNull(c, r)) {
      out->clear();
      return Status::OK();
    }
    return RequiredString(c, r, out);
  }

  Status Object(int c, size_t r, JsonReader* json, std::vector<Property>* props) const {
    const std::string* text = nullptr;
    SWELL_RETURN_IF_ERROR(Text(c, r, &text));
    Status s = json->Object(*text, props);
    if (!s.ok()) return Bad(c, r, s.message());
    return Status::OK();
  }

  const ColumnPlan& plan_;
  const std::vector<int>& slot_;
  const parquet::RowGroupData& data_;
};

}  // namespace

Status ParsePropertiesJson(std::string_view json, std::vector<Property>* props) {
  JsonReader reader;
  props->clear();
  return reader.Object(json, props);
}

Status ParseJsonValue(std::string_view json, PropertyValue* value) {
  JsonReader reader;
  return reader.OneValue(json, value);
}

Status ReadEventFile(std::unique_ptr<parquet::InputSource> source, std::vector<Event>* events,
                     std::vector<uint32_t>* user_numbers) {
  events->clear();
  user_numbers->clear();
  std::unique_ptr<parquet::FileReader> reader;
  SWELL_RETURN_IF_ERROR(parquet::FileReader::OpenSource(std::move(source), &reader));
  for (const parquet::KeyValue& kv : reader->metadata().key_value_metadata) {
    if (kv.key == "swell.kind" && kv.value && *kv.value != "events")
      return Status::InvalidArgument("not an events file: swell.kind is " + *kv.value);
  }
  ColumnPlan plan;
  SWELL_RETURN_IF_ERROR(PlanColumns(*reader, &plan));

  std::vector<Event> out;
  std::vector<uint32_t> numbers;
  JsonReader json;
  parquet::RowGroupData data;
  std::vector<std::string> read;
  std::vector<int> slot;
  for (int g = 0; g < reader->num_row_groups(); ++g) {
    ColumnsWithValues(*reader, g, plan, &read, &slot);
    SWELL_RETURN_IF_ERROR(reader->ReadRowGroup(g, read, &data));
    size_t rows = static_cast<size_t>(reader->metadata().row_groups[static_cast<size_t>(g)].num_rows);
    if (!data.columns.empty() && static_cast<size_t>(data.num_rows()) != rows)
      return Status::Corruption("row group " + std::to_string(g) + " holds " + std::to_string(data.num_rows()) +
                                " rows, its metadata says " + std::to_string(rows));
    RowGroupDecoder decoder(plan, slot, data);
    Status s = decoder.Check(rows);
    out.reserve(out.size() + rows);
    numbers.reserve(numbers.size() + rows);
    for (size_t r = 0; s.ok() && r < rows; ++r) {
      Event& ev = out.emplace_back();
      s = decoder.Row(r, &json, &ev, &numbers.emplace_back());
    }
    if (!s.ok()) return s.WithContext("row group " + std::to_string(g));
  }
  *events = std::move(out);
  *user_numbers = std::move(numbers);
  return Status::OK();
}

Status ReadEventFile(Storage* storage, std::string_view key, std::vector<Event>* events,
                     std::vector<uint32_t>* user_numbers) {
  std::unique_ptr<parquet::InputSource> source;
  SWELL_RETURN_IF_ERROR(StorageInputSource::Open(storage, key, &source));
  Status s = ReadEventFile(std::move(source), events, user_numbers);
  if (!s.ok()) return s.WithContext(key);
  return Status::OK();
}

}  // namespace swell::lake
