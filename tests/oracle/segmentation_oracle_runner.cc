// Feeds canonical NDJSON events into a SpeedLayer and prints the answers of
// the QueryService to a list of requests, for the DuckDB oracle
// (segmentation.mjs) to check.
//
// Usage: segmentation_oracle_runner EVENTS.ndjson REQUESTS.json
// Event line: {"seq": n, "user_id": s|null, "device_id": s|null,
//   "event_type": s, "time": ms, "arrival": ms, "insert_id": s|null,
//   "platform": s?, "country": s?, "event_properties": {...}?,
//   "user_properties": {...}?}
// Output: line 1 is the GET /api/v1/events answer, then one line per request:
// {"ok": RESPONSE} or {"error": "message"}. The answers come from a speed
// layer rebuilt by replay after a simulated crash (see Run).
#include <simdjson.h>

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "event/event_codec.h"
#include "oracle_event_json.h"
#include "query/query_service.h"
#include "speed/speed_layer.h"
#include "util/file_util.h"
#include "util/json_writer.h"

namespace swell {
namespace {

using oracle::ParseEvent;

int Run(const char* events_path, const char* requests_path) {
  std::string events_text, requests_text;
  Status st = ReadFileToString(events_path, &events_text);
  if (st.ok()) st = ReadFileToString(requests_path, &requests_text);
  if (!st.ok()) {
    std::cerr << st.ToString() << "\n";
    return 2;
  }
  // Parse once into batches of varying size, as ingest requests would come.
  simdjson::dom::parser parser;
  std::vector<EventBatch> batches;
  size_t next_batch = 1, line_no = 0, pos = 0;
  while (pos < events_text.size()) {
    size_t end = events_text.find('\n', pos);
    if (end == std::string::npos) end = events_text.size();
    std::string_view line(events_text.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    simdjson::dom::element doc;
    Event e;
    if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS || !ParseEvent(doc, &e).ok()) {
      std::cerr << "events line " << line_no << " is malformed\n";
      return 2;
    }
    if (batches.empty() || batches.back().events.size() >= next_batch) {
      batches.push_back({"oracle", {}});
      next_batch = next_batch * 7 % 61 + 1;
    }
    batches.back().events.push_back(std::move(e));
  }

  // Run 1 applies everything, then "crashes": the user dictionary loses a
  // torn tail. Run 2 replays the same batches, as after a restart, and
  // answers the queries: its answers must not show the crash.
  char tmpl[] = "/tmp/swell_oracle_data_XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::cerr << "mkdtemp failed\n";
    return 2;
  }
  speed::SpeedOptions options;
  options.data_dir = tmpl;
  std::unique_ptr<speed::SpeedLayer> speed;
  uint64_t first_run_events = 0;
  for (int run = 0; run < 2; ++run) {
    speed.reset();
    if (run == 1) {
      std::string dict_path = options.data_dir + "/apps/oracle/users.dict";
      std::string dict;
      if (!(st = ReadFileToString(dict_path, &dict)).ok() ||
          !(st = WriteFileAtomic(dict_path, dict.substr(0, dict.size() > 20 ? dict.size() - 5 : dict.size()))).ok()) {
        std::cerr << st.ToString() << "\n";
        return 2;
      }
    }
    if (!(st = speed::SpeedLayer::Open(options, &speed)).ok()) {
      std::cerr << st.ToString() << "\n";
      return 2;
    }
    for (const EventBatch& b : batches) {
      speed::ApplyResult r;
      if (!(st = speed->Apply(b, &r)).ok()) {
        std::cerr << "apply: " << st.ToString() << "\n";
        return 2;
      }
    }
    if (run == 0) first_run_events = speed->stats().events;
  }
  if (speed->stats().events != first_run_events) {
    std::cerr << "replay held " << speed->stats().events << " events, the first run " << first_run_events << "\n";
    return 2;
  }

  auto query = query::QueryService::Create(speed.get());
  std::string out;
  if (!(st = query->EventNames("oracle", &out)).ok()) {
    std::cerr << st.ToString() << "\n";
    return 2;
  }
  std::cout << out << "\n";

  simdjson::dom::parser request_parser;
  simdjson::dom::array requests;
  if (request_parser.parse(requests_text).get_array().get(requests) != simdjson::SUCCESS) {
    std::cerr << "requests file must hold a JSON array\n";
    return 2;
  }
  for (simdjson::dom::element r : requests) {
    std::string body = simdjson::minify(r);
    st = query->Segmentation("oracle", body, &out);
    JsonWriter w;
    w.BeginObject();
    if (st.ok()) w.Key("ok").Raw(out);
    else w.Key("error").String(st.ToString());
    w.EndObject();
    std::cout << w.str() << "\n";
  }
  std::filesystem::remove_all(tmpl);
  return 0;
}

}  // namespace
}  // namespace swell

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s EVENTS.ndjson REQUESTS.json\n", argv[0]);
    return 2;
  }
  return swell::Run(argv[1], argv[2]);
}
