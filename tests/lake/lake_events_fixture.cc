// Writes a small lake the way a seal will: adversarial events, sorted, one
// events/ Parquet file per (date, app) through EventFileWriter, each event
// with its user's number in the app's user dictionary (numbered in order of
// first appearance, as the speed layer does), the dictionary as two users/
// parts per app, put into a LocalStorage, committed in a manifest. Also
// writes expected.json: the events as generated (before sorting), for
// duckdb_events.mjs to compare.
//
// Usage: lake_events_fixture OUTPUT_DIR   (the lake is OUTPUT_DIR/lake)
#include <cmath>
#include <cstdio>
#include <map>
#include <random>

#include "lake/event_file_writer.h"
#include "lake/layout.h"
#include "lake/local_storage.h"
#include "lake/manifest.h"
#include "lake/users_file.h"
#include "util/file_util.h"
#include "util/json_writer.h"

using namespace swell;
using namespace swell::lake;

namespace {

const char* KindName(PropertyValue::Kind k) {
  switch (k) {
    case PropertyValue::Kind::kNull: return "null";
    case PropertyValue::Kind::kBool: return "bool";
    case PropertyValue::Kind::kInt: return "int";
    case PropertyValue::Kind::kDouble: return "double";
    case PropertyValue::Kind::kString: return "string";
    case PropertyValue::Kind::kJson: return "json";
  }
  return "?";
}

struct Gen {
  std::mt19937_64 rng{20240501};
  uint64_t Next(uint64_t n) { return rng() % n; }
  template <typename T, size_t N>
  const T& Pick(const T (&a)[N]) { return a[Next(N)]; }

  PropertyValue Value() {
    static const char* kStrings[] = {"", "plain", "café", "日本語", "🚀 rocket", "quote\"back\\slash", "tab\tnl\n",
                                     "comma,semi;", "4.5", "-17", "true", "null", "x'y"};
    switch (Next(7)) {
      case 0: return PropertyValue::Null();
      case 1: return PropertyValue::Bool(Next(2) == 1);
      case 2: return PropertyValue::Int(static_cast<int64_t>(Next(2000000)) - 1000000);
      case 3: return PropertyValue::Double((static_cast<double>(Next(2000001)) - 1e6) / 64.0 + (Next(5) == 0 ? 1e-9 : 0));
      case 4: return PropertyValue::Json(Next(2) ? "{\"a\":[1,2,{\"b\":\"c\"}],\"d\":null}" : "[\"x\",1.5,true]");
      default: return PropertyValue::String(Pick(kStrings));
    }
  }
};

void WriteProps(JsonWriter* w, const std::vector<Property>& props) {
  w->BeginArray();
  for (const Property& p : props) {
    w->BeginArray().String(p.key).String(KindName(p.value.kind)).String(p.value.ToText()).EndArray();
  }
  w->EndArray();
}

int Fail(const Status& s) {
  std::fprintf(stderr, "lake_events_fixture: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: lake_events_fixture OUTPUT_DIR\n");
    return 2;
  }
  const std::string out = argv[1];
  Status s = CreateDirectories(out + "/staging");
  if (!s.ok()) return Fail(s);

  Gen g;
  const char* kApps[] = {"web", "a/b c", "ünï=%"};
  const char* kTypes[] = {"Sign Up", "click", "view", "Purchase ✓", "a", "zzz"};
  const char* kUsers[] = {"", "alice", "bob", "Ω-user", "user 10", "user 9", "u:x"};
  const char* kDevices[] = {"dev-1", "dev-2", "dévice", "d"};
  const char* kEpKeys[] = {"plan", "amount", "flag", "n", "nested", "empty key?", "ünicode"};
  const char* kUpKeys[] = {"tier", "age", "beta"};
  const char* kStringFields[] = {"platform", "os_name", "country", "app_version", "city", "language", "ip"};
  const int64_t kDay0 = 1714521600000;  // 2024-05-01T00:00:00Z

  std::vector<PromotedColumn> promoted = {
      {PromotedColumn::Source::kEventProperty, "plan", PromotedColumn::Type::kString},
      {PromotedColumn::Source::kEventProperty, "amount", PromotedColumn::Type::kDouble},
      {PromotedColumn::Source::kEventProperty, "flag", PromotedColumn::Type::kBool},
      {PromotedColumn::Source::kEventProperty, "n", PromotedColumn::Type::kInt64},
      {PromotedColumn::Source::kUserProperty, "tier", PromotedColumn::Type::kString},
      {PromotedColumn::Source::kUserProperty, "age", PromotedColumn::Type::kInt64},
  };
  EventsSchema schema;
  s = EventsSchema::Make(promoted, &schema);
  if (!s.ok()) return Fail(s);

  // (app, date) -> events
  std::map<std::pair<std::string, std::string>, std::vector<Event>> parts;
  // app -> user key -> number, and the keys by number
  std::map<std::string, std::map<std::string, uint32_t>> numbers;
  std::map<std::string, std::vector<std::string>> dictionaries;
  JsonWriter exp;
  exp.BeginObject().Key("events").BeginArray();
  for (int i = 0; i < 1500; ++i) {
    Event ev;
    ev.event_type = g.Pick(kTypes);
    ev.user_id = g.Pick(kUsers);
    ev.device_id = ev.user_id.empty() || g.Next(2) ? g.Pick(kDevices) : "";
    ev.insert_id = g.Next(3) ? "ins-" + std::to_string(i) : "";
    int day = static_cast<int>(g.Next(2));
    ev.time_ms = kDay0 + day * 86'400'000LL + static_cast<int64_t>(g.Next(86'400'000));
    ev.arrival_ms = ev.time_ms + static_cast<int64_t>(g.Next(100000));
    ev.session_id = g.Next(4) == 0 ? -1 : kDay0 + static_cast<int64_t>(g.Next(1000));
    for (const char* f : kStringFields)
      if (g.Next(3) == 0) ev.fields.push_back({f, PropertyValue::String(g.Next(4) ? "v-" + std::string(f) : "ß/é")});
    if (g.Next(3) == 0) ev.fields.push_back({"revenue", g.Next(2) ? PropertyValue::Double(9.99) : PropertyValue::Int(3)});
    if (g.Next(4) == 0) ev.fields.push_back({"quantity", PropertyValue::Int(static_cast<int64_t>(g.Next(10)))});
    if (g.Next(5) == 0) ev.fields.push_back({"groups", PropertyValue::Json("{\"company\":[\"acme\",\"x\"]}")});
    if (g.Next(6) == 0) ev.fields.push_back({"country", PropertyValue::Int(44)});  // a string field sent as a number
    for (const char* k : kEpKeys)
      if (g.Next(2)) ev.event_properties.push_back({k, g.Value()});
    for (const char* k : kUpKeys)
      if (g.Next(2)) ev.user_properties.push_back({k, g.Value()});
    // A field collect does not know, to prove nothing is lost.
    if (g.Next(50) == 0) ev.fields.push_back({"custom_top_level", PropertyValue::String("kept")});
    std::string app = g.Pick(kApps);
    std::string date = DateString(DayOfTimeMs(ev.time_ms));
    if (numbers[app].emplace(ev.UserKey(), static_cast<uint32_t>(dictionaries[app].size())).second)
      dictionaries[app].push_back(ev.UserKey());

    exp.BeginObject();
    exp.Key("app_id").String(app).Key("date").String(date);
    exp.Key("event_type").String(ev.event_type).Key("user_id").String(ev.user_id);
    exp.Key("device_id").String(ev.device_id).Key("insert_id").String(ev.insert_id);
    exp.Key("time_ms").Int(ev.time_ms).Key("arrival_ms").Int(ev.arrival_ms).Key("session_id").Int(ev.session_id);
    exp.Key("fields");
    WriteProps(&exp, ev.fields);
    exp.Key("event_properties");
    WriteProps(&exp, ev.event_properties);
    exp.Key("user_properties");
    WriteProps(&exp, ev.user_properties);
    exp.EndObject();
    parts[{app, date}].push_back(std::move(ev));
  }
  exp.EndArray();

  std::unique_ptr<LocalStorage> store;
  s = LocalStorage::Open(out + "/lake", &store);
  if (!s.ok()) return Fail(s);
  EventFileOptions opts;
  opts.parquet.row_group_rows = 97;  // several row groups per file
  opts.parquet.page_rows = 40;
  ManifestEdit edit;
  edit.covered_lsn = 1500;
  exp.Key("promoted").BeginArray();
  for (const PromotedColumn& p : promoted) {
    const char* types[] = {"bool", "int64", "double", "string"};
    exp.BeginObject()
        .Key("column").String(p.ColumnName())
        .Key("source").String(p.source == PromotedColumn::Source::kEventProperty ? "event" : "user")
        .Key("key").String(p.key)
        .Key("type").String(types[static_cast<int>(p.type)])
        .EndObject();
  }
  exp.EndArray();
  for (auto& [part, events] : parts) {
    SortEventsForLake(&events);
    LakeFile f;
    f.kind = FileKind::kEvents;
    f.app_id = part.first;
    f.date = part.second;
    s = EventsFileKey(f.date, f.app_id, PartFileName(NewPartId()), &f.key);
    if (!s.ok()) return Fail(s);
    std::string staged = out + "/staging/" + NewPartId() + ".parquet";
    std::vector<uint32_t> user_numbers;
    for (const Event& ev : events) user_numbers.push_back(numbers[f.app_id].at(ev.UserKey()));
    EventFileInfo info;
    s = WriteEventFile(staged, schema, events, user_numbers, opts, &info);
    if (!s.ok()) return Fail(s);
    s = store->PutFile(f.key, staged);
    if (!s.ok()) return Fail(s);
    f.size = info.size;
    f.rows = info.rows;
    f.min_time_ms = info.min_time_ms;
    f.max_time_ms = info.max_time_ms;
    edit.add.push_back(f);
  }
  // Each app's dictionary in two parts, as two seals would write it.
  for (const auto& [app, keys] : dictionaries) {
    size_t half = keys.size() / 2;
    for (auto [first, last] : {std::pair<size_t, size_t>{0, half}, {half, keys.size()}}) {
      std::vector<std::string_view> part(keys.begin() + static_cast<ptrdiff_t>(first),
                                         keys.begin() + static_cast<ptrdiff_t>(last));
      LakeFile f;
      f.kind = FileKind::kUsers;
      f.app_id = app;
      s = UsersFileKey(app, PartFileName(NewPartId()), &f.key);
      if (!s.ok()) return Fail(s);
      std::string staged = out + "/staging/" + NewPartId() + ".parquet";
      s = WriteUsersFile(staged, static_cast<uint32_t>(first), part, &f.size);
      if (!s.ok()) return Fail(s);
      s = store->PutFile(f.key, staged);
      if (!s.ok()) return Fail(s);
      f.rows = part.size();
      edit.add.push_back(f);
    }
  }
  uint64_t version = 0;
  s = Manifest::Commit(store.get(), 0, edit, &version);
  if (!s.ok()) return Fail(s);
  exp.EndObject();
  s = WriteFileAtomic(out + "/expected.json", exp.str());
  if (!s.ok()) return Fail(s);
  return 0;
}
