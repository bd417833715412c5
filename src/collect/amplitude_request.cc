#include "collect/amplitude_request.h"

#include <map>
#include <memory>

#include <simdjson.h>

#include "collect/event_parser.h"
#include "util/json_writer.h"

namespace swell::collect {

namespace dom = simdjson::dom;

namespace {

// The error body lists at most this many human-readable details; the index
// maps are always complete.
constexpr size_t kMaxDetails = 100;

// A parser is expensive to create and grows to the largest body it has seen,
// so each thread keeps one for ordinary bodies and large ones get their own.
constexpr size_t kKeepParserForBytes = 8 << 20;

void SetError(IngestError* error, int status, std::string body) {
  if (error == nullptr) return;
  error->http_status = status;
  error->body_json = std::move(body);
}

// {"code":400,"error":message[,extra_key:extra_value]}
void Refuse(IngestError* error, int status, std::string_view message, std::string_view extra_key = {},
            std::string_view extra_value = {}) {
  JsonWriter w;
  w.BeginObject().Key("code").Int(status).Key("error").String(message);
  if (!extra_key.empty()) w.Key(extra_key).String(extra_value);
  w.EndObject();
  SetError(error, status, w.Take());
}

void RefuseField(IngestError* error, std::string_view field, std::string_view detail) {
  std::string message = "Invalid request field: ";
  message += field;
  message += ' ';
  message += detail;
  Refuse(error, 400, message, "invalid_field", field);
}

// Collects per-event problems into Amplitude's index maps.
class EventReport {
 public:
  void Add(size_t index, const EventProblem& p) {
    Map& m = p.kind == EventProblem::Kind::kMissing   ? missing_
             : p.kind == EventProblem::Kind::kIdLength ? id_lengths_
                                                       : invalid_;
    std::vector<size_t>& list = m[p.field];
    if (list.empty() || list.back() != index) list.push_back(index);
    if (details_.size() < kMaxDetails) details_.push_back({index, p});
  }
  void AddAll(size_t index, const std::vector<EventProblem>& problems, size_t from) {
    for (size_t i = from; i < problems.size(); i++) Add(index, problems[i]);
  }

  std::string Body() const {
    const char* message = "Invalid field values on some events";
    if (invalid_.empty() && id_lengths_.empty()) message = "Request missing required field";
    if (invalid_.empty() && missing_.empty()) message = "Invalid id length for user_id or device_id";
    JsonWriter w;
    w.BeginObject().Key("code").Int(400).Key("error").String(message);
    WriteMap(&w, "events_with_invalid_fields", invalid_);
    WriteMap(&w, "events_with_missing_fields", missing_);
    WriteMap(&w, "events_with_invalid_id_lengths", id_lengths_);
    w.Key("details").BeginArray();
    for (const Detail& d : details_) {
      const char* kind = d.problem.kind == EventProblem::Kind::kMissing    ? "missing"
                         : d.problem.kind == EventProblem::Kind::kIdLength ? "invalid_id_length"
                                                                            : "invalid";
      w.BeginObject()
          .Key("event")
          .Uint(d.index)
          .Key("field")
          .String(d.problem.field)
          .Key("problem")
          .String(kind)
          .Key("reason")
          .String(d.problem.reason)
          .EndObject();
    }
    w.EndArray();
    w.EndObject();
    return w.Take();
  }

 private:
  using Map = std::map<std::string, std::vector<size_t>>;
  struct Detail {
    size_t index;
    EventProblem problem;
  };
  static void WriteMap(JsonWriter* w, std::string_view key, const Map& m) {
    if (m.empty()) return;
    w->Key(key).BeginObject();
    for (const auto& [field, indexes] : m) {
      w->Key(field).BeginArray();
      for (size_t i : indexes) w->Uint(i);
      w->EndArray();
    }
    w->EndObject();
  }
  Map missing_, invalid_, id_lengths_;
  std::vector<Detail> details_;
};

bool ParseWithParser(dom::parser& parser, std::string_view body, int64_t now_ms, const IngestLimits& limits,
                     ParsedRequest* out, IngestError* error) {
  dom::element root;
  // The body is copied into the parser's padded buffer: simdjson reads a
  // little past the end, and the caller's buffer has no padding guarantee.
  simdjson::error_code err = parser.parse(body.data(), body.size(), true).get(root);
  if (err != simdjson::SUCCESS) {
    Refuse(error, 400, std::string("Invalid JSON request body: ") + simdjson::error_message(err));
    return false;
  }
  dom::object request;
  if (root.get_object().get(request) != simdjson::SUCCESS) {
    Refuse(error, 400, "Invalid request body: expected a JSON object with api_key and events");
    return false;
  }

  dom::element api_key, events, options;
  bool has_api_key = false, has_events = false, has_options = false;
  for (dom::key_value_pair kv : request) {  // a repeated key: the last wins
    if (kv.key == "api_key") {
      api_key = kv.value;
      has_api_key = !kv.value.is_null();
    } else if (kv.key == "events") {
      events = kv.value;
      has_events = !kv.value.is_null();
    } else if (kv.key == "options") {
      options = kv.value;
      has_options = !kv.value.is_null();
    } else if (kv.key == "client_upload_time") {
      // Sent by the Amplitude SDKs for clock-skew diagnostics; not stored.
      if (!kv.value.is_null() && !kv.value.is_string()) {
        RefuseField(error, "client_upload_time", "must be a string");
        return false;
      }
    } else if (kv.key == "request_metadata") {
      // SDK diagnostics about the client, not event data; not stored.
      if (!kv.value.is_null() && !kv.value.is_object()) {
        RefuseField(error, "request_metadata", "must be a JSON object");
        return false;
      }
    } else {
      std::string field(kv.key);
      RefuseField(error, field, "is unknown (a request has api_key, events and options)");
      return false;
    }
  }

  std::string_view key;
  if (!has_api_key) {
    Refuse(error, 400, "Request missing required field", "missing_field", "api_key");
    return false;
  }
  if (api_key.get_string().get(key) != simdjson::SUCCESS) {
    RefuseField(error, "api_key", "must be a string");
    return false;
  }
  if (key.empty()) {
    Refuse(error, 400, "Request missing required field", "missing_field", "api_key");
    return false;
  }

  int min_id_length = limits.default_min_id_length;
  if (has_options) {
    dom::object opts;
    if (options.get_object().get(opts) != simdjson::SUCCESS) {
      RefuseField(error, "options", "must be a JSON object");
      return false;
    }
    for (dom::key_value_pair kv : opts) {
      if (kv.key == "min_id_length") {
        if (kv.value.is_null()) continue;
        int64_t v = 0;
        if (kv.value.type() != dom::element_type::INT64 || (v = kv.value.get_int64().value_unsafe()) < 0 ||
            v > static_cast<int64_t>(limits.max_id_bytes)) {
          RefuseField(error, "options.min_id_length",
                      "must be an integer from 0 to " + std::to_string(limits.max_id_bytes));
          return false;
        }
        min_id_length = static_cast<int>(v);
      } else {
        std::string field = "options.";
        field += kv.key;
        RefuseField(error, field, "is unknown (options has min_id_length)");
        return false;
      }
    }
  }

  if (!has_events) {
    Refuse(error, 400, "Request missing required field", "missing_field", "events");
    return false;
  }
  dom::array list;
  if (events.get_array().get(list) != simdjson::SUCCESS) {
    RefuseField(error, "events", "must be a JSON array of event objects");
    return false;
  }
  const size_t n = list.size();
  if (n == 0) {
    Refuse(error, 400, "Request missing required field", "missing_field", "events");
    return false;
  }
  error->events_in_request = n;
  if (n > limits.max_events) {
    // 413, as Amplitude: the SDKs answer it by halving their batch size,
    // where a 400 without event indexes would make them retry the same batch.
    Refuse(error, 413,
           "Too many events in request: " + std::to_string(n) + " (the limit is " + std::to_string(limits.max_events) +
               " per request)");
    return false;
  }

  EventParseOptions eopt;
  eopt.limits = &limits;
  eopt.min_id_length = min_id_length;
  eopt.now_ms = now_ms;
  out->api_key.assign(key.data(), key.size());
  out->events.clear();
  out->events.resize(n);
  std::vector<EventProblem> problems;
  EventReport report;
  size_t index = 0;
  bool all_ok = true;
  for (dom::element e : list) {
    size_t before = problems.size();
    if (!ParseEvent(e, eopt, &out->events[index], &problems)) {
      all_ok = false;
      report.AddAll(index, problems, before);
    }
    index++;
  }
  if (!all_ok) {
    out->events.clear();
    SetError(error, 400, report.Body());
    return false;
  }
  return true;
}

}  // namespace

bool ParseAmplitudeRequest(std::string_view body, int64_t now_ms, const IngestLimits& limits, ParsedRequest* out,
                           IngestError* error) {
  if (body.size() > kKeepParserForBytes) {
    dom::parser parser;
    return ParseWithParser(parser, body, now_ms, limits, out, error);
  }
  thread_local dom::parser parser;
  return ParseWithParser(parser, body, now_ms, limits, out, error);
}

}  // namespace swell::collect
