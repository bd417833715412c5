// Writes one app-day the way a seal will: a sets/ file (BuildSetsRows,
// WriteSetsFile) and a raw/ file (WriteRawFile) of the same generated events,
// into a LocalStorage under OUTPUT_DIR/lake. Also writes expected.json: the
// two keys, the events' count per event name, and every sets row's
// (event_type, scope, property, value, event_count, user_count, users
// bytes, sketch bytes), for duckdb_sets.mjs to compare with what DuckDB
// reads.
//
// Usage: lake_sets_raw_fixture OUTPUT_DIR
#include <cstdio>
#include <map>
#include <random>

#include "lake/layout.h"
#include "lake/local_storage.h"
#include "lake/raw_file.h"
#include "lake/sets_file.h"
#include "util/file_util.h"
#include "util/json_writer.h"

using namespace swell;
using namespace swell::lake;

namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "lake_sets_raw_fixture: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: lake_sets_raw_fixture OUTPUT_DIR\n");
    return 2;
  }
  const std::string out = argv[1];
  Status s = CreateDirectories(out + "/staging");
  if (!s.ok()) return Fail(s);

  std::mt19937_64 rng(20240501);
  auto next = [&](uint64_t n) { return rng() % n; };
  const char* kTypes[] = {"Sign Up", "click", "view", "Purchase ✓", "日本"};
  const char* kPlans[] = {"free", "pro", "café", "", "🚀 team"};
  const int64_t kDay0 = 1714521600000;  // 2024-05-01T00:00:00Z

  std::vector<Event> events;
  std::vector<uint32_t> users;
  std::map<std::string, uint32_t> numbers;  // the app's user dictionary, in miniature
  for (int i = 0; i < 5000; ++i) {
    Event e;
    e.event_type = kTypes[next(std::size(kTypes))];
    if (next(4)) {
      e.user_id = "user-" + std::to_string(next(400));
    } else {
      e.device_id = "dev-" + std::to_string(next(100));
    }
    e.insert_id = "ins-" + std::to_string(i);
    e.time_ms = kDay0 + static_cast<int64_t>(next(86'400'000));
    e.arrival_ms = e.time_ms + static_cast<int64_t>(next(5000));
    e.session_id = next(3) ? kDay0 : -1;
    e.fields.push_back({"platform", PropertyValue::String(next(2) ? "iOS" : "Web")});
    if (next(2)) e.event_properties.push_back({"plan", PropertyValue::String(kPlans[next(std::size(kPlans))])});
    e.event_properties.push_back({"price", PropertyValue::Double(static_cast<double>(next(4000)) / 4.0)});
    e.event_properties.push_back({"order_id", PropertyValue::String("o-" + std::to_string(i))});  // a marker
    e.user_properties.push_back({"tier", PropertyValue::Int(static_cast<int64_t>(next(3)))});
    users.push_back(numbers.emplace(e.UserKey(), static_cast<uint32_t>(numbers.size())).first->second);
    events.push_back(std::move(e));
  }

  std::unique_ptr<LocalStorage> store;
  s = LocalStorage::Open(out + "/lake", &store);
  if (!s.ok()) return Fail(s);
  const std::string date = DateString(DayOfTimeMs(kDay0));
  std::string sets_key, raw_key;
  s = SetsFileKey(date, "web", PartFileName(NewPartId()), &sets_key);
  if (!s.ok()) return Fail(s);
  s = RawFileKey("web", date, 0, RawPartFileName(NewPartId()), &raw_key);
  if (!s.ok()) return Fail(s);

  std::vector<SetsRow> rows = BuildSetsRows(events, users);
  uint64_t size = 0;
  std::string staged = out + "/staging/sets.parquet";
  s = WriteSetsFile(staged, rows, &size);
  if (!s.ok()) return Fail(s);
  s = store->PutFile(sets_key, staged);
  if (!s.ok()) return Fail(s);
  staged = out + "/staging/raw.ndjson.zst";
  s = WriteRawFile(staged, events, &size);
  if (!s.ok()) return Fail(s);
  s = store->PutFile(raw_key, staged);
  if (!s.ok()) return Fail(s);

  JsonWriter exp;
  exp.BeginObject();
  exp.Key("sets_key").String(sets_key).Key("raw_key").String(raw_key);
  exp.Key("events").Int(static_cast<int64_t>(events.size()));
  std::map<std::string, int64_t> per_type;
  for (const Event& e : events) per_type[e.event_type]++;
  exp.Key("per_type").BeginObject();
  for (const auto& [t, n] : per_type) exp.Key(t).Int(n);
  exp.EndObject();
  exp.Key("rows").BeginArray();
  for (const SetsRow& r : rows) {
    exp.BeginArray().String(r.event_type).String(r.scope).String(r.property);
    if (r.value) {
      exp.String(*r.value);
    } else {
      exp.Null();
    }
    exp.Uint(r.event_count).Uint(r.value ? r.users.cardinality() : 0);
    exp.Uint(r.value ? EncodeUserSet(r.users).size() : 0);
    exp.Uint(r.sketch ? r.sketch->Serialize().size() : 0);
    exp.EndArray();
  }
  exp.EndArray();
  exp.EndObject();
  s = WriteFileAtomic(out + "/expected.json", exp.str());
  if (!s.ok()) return Fail(s);
  return 0;
}
