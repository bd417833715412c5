#include "lake/sets_file.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <set>
#include <tuple>

#include "lake/lake_test_util.h"
#include "lake/layout.h"
#include "lake/local_storage.h"
#include "parquet/file_reader.h"
#include "parquet/file_writer.h"
#include "sketch/theta_hash.h"
#include "sketch/theta_update_sketch.h"
#include "util/file_util.h"

namespace swell::lake {
namespace {

// ---- an independent, brute-force computation of the rows

struct Expected {
  std::string event_type, scope, property;
  std::optional<std::string> value;
  std::set<uint32_t> users;
  uint64_t event_count = 0;
};

std::string Text(const PropertyValue& v) {
  switch (v.kind) {
    case PropertyValue::Kind::kNull: return "";
    case PropertyValue::Kind::kBool: return v.b ? "true" : "false";
    case PropertyValue::Kind::kInt: return std::to_string(v.i);
    case PropertyValue::Kind::kDouble: return v.ToText();  // shortest round trip: not re-derived here
    default: return v.s;
  }
}

std::vector<Expected> BruteForce(const std::vector<Event>& events, const std::vector<uint32_t>& users) {
  // (name, scope, key) -> value -> (users, events); name -> (users, events)
  std::map<std::string, std::pair<std::set<uint32_t>, uint64_t>> all;
  std::map<std::tuple<std::string, std::string, std::string>, std::map<std::string, std::pair<std::set<uint32_t>, uint64_t>>> sets;
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t> key_events;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    all[e.event_type].first.insert(users[i]);
    all[e.event_type].second++;
    // std::map::insert keeps the first value of a key.
    std::map<std::string, std::string> ev, up;
    for (const Property& p : e.fields) ev.insert({p.key, Text(p.value)});
    for (const Property& p : e.event_properties) ev.insert({p.key, Text(p.value)});
    for (const Property& p : e.user_properties) up.insert({p.key, Text(p.value)});
    for (auto& [scope, props] : {std::pair{std::string("event"), ev}, std::pair{std::string("user"), up}}) {
      for (auto& [k, v] : props) {
        auto& s = sets[{e.event_type, scope, k}][v];
        s.first.insert(users[i]);
        s.second++;
        key_events[{e.event_type, scope, k}]++;
      }
    }
  }
  std::vector<Expected> out;
  for (auto& [name, a] : all) {
    out.push_back({name, "", "", std::string(), a.first, a.second});
    for (auto& [k, values] : sets) {
      if (std::get<0>(k) != name) continue;
      size_t v = values.size();
      bool marker = v > 1024 || (v > 16 && 2 * v > a.second);
      if (marker) {
        out.push_back({name, std::get<1>(k), std::get<2>(k), std::nullopt, {}, key_events[k]});
        continue;
      }
      for (auto& [value, s] : values) out.push_back({name, std::get<1>(k), std::get<2>(k), value, s.first, s.second});
    }
  }
  return out;
}

::testing::AssertionResult Same(const std::vector<SetsRow>& got, const std::vector<Expected>& want) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << got.size() << " rows, want " << want.size();
  for (size_t i = 0; i < got.size(); ++i) {
    const SetsRow& g = got[i];
    const Expected& w = want[i];
    std::set<uint32_t> users;
    for (uint32_t u : g.users) users.insert(u);
    if (g.event_type != w.event_type || g.scope != w.scope || g.property != w.property || g.value != w.value ||
        users != w.users || g.event_count != w.event_count)
      return ::testing::AssertionFailure()
             << "row " << i << ": got (" << g.event_type << ", " << g.scope << ", " << g.property << ", "
             << g.value.value_or("<null>") << ", " << users.size() << " users, " << g.event_count << " events), want ("
             << w.event_type << ", " << w.scope << ", " << w.property << ", " << w.value.value_or("<null>") << ", "
             << w.users.size() << " users, " << w.event_count << " events)";
  }
  return ::testing::AssertionSuccess();
}

// A sketch for hand-built rows: each user number hashed as a uint64.
CompactThetaSketch SketchOfNumbers(const Roaring& users) {
  std::vector<uint64_t> hashes;
  for (uint32_t u : users) hashes.push_back(ThetaHashUint64(u, kSetsSketchSeed));
  return SetsSketchOfHashes(std::move(hashes), !users.isEmpty());
}

// What Swell's update sketch (proven equal to DataSketches' QuickSelect
// sketch in theta_compat_test) holds for these items, trimmed to k and
// compacted: the bytes a row's sketch must have.
std::string UpdateSketchBytes(const std::vector<std::string>& items) {
  ThetaUpdateSketch u;
  for (const std::string& item : items) u.Update(item);
  u.Trim();
  return u.Compact().Serialize();
}

// Generated events exercising every rule: low- and high-cardinality keys,
// keys on both sides of each threshold, a field shadowing an event property,
// repeated keys, unicode, empty strings and null values.
struct Gen {
  std::mt19937_64 rng{7};
  uint64_t Next(uint64_t n) { return rng() % n; }

  void Make(std::vector<Event>* events, std::vector<uint32_t>* users) {
    static const char* kNames[] = {"view", "Purchase ✓", "日本", "", "z"};
    static const char* kStrings[] = {"", "a", "b", "café", "日本語", "🚀", "null", "A", "a "};
    for (int i = 0; i < 6000; ++i) {
      Event e;
      e.event_type = kNames[Next(std::size(kNames))];
      uint32_t user = static_cast<uint32_t>(Next(300)) + (Next(10) == 0 ? 1000000 : 0);
      // One identity per user number, as the dictionary gives: a user id,
      // or only a device id.
      if (user % 5 == 0) {
        e.device_id = "dev-" + std::to_string(user);
      } else {
        e.user_id = "user-" + std::to_string(user);
        if (Next(2)) e.device_id = "dev-x" + std::to_string(Next(1000));  // ignored beside a user id
      }
      e.fields.push_back({"platform", PropertyValue::String(Next(2) ? "iOS" : "Android")});
      // "plan" as a field wins over the event property "plan".
      if (Next(3) == 0) e.fields.push_back({"plan", PropertyValue::String("field-" + std::to_string(Next(3)))});
      if (Next(2)) e.event_properties.push_back({"plan", PropertyValue::String("prop-" + std::to_string(Next(3)))});
      if (Next(2)) e.event_properties.push_back({"s", PropertyValue::String(kStrings[Next(std::size(kStrings))])});
      // Repeated key within a list: the first wins.
      if (Next(4) == 0) {
        e.event_properties.push_back({"rep", PropertyValue::Int(1)});
        e.event_properties.push_back({"rep", PropertyValue::Int(2)});
      }
      if (Next(3) == 0) e.event_properties.push_back({"kinds", Next(2) ? PropertyValue::Null() : PropertyValue::Double(3.0)});
      if (Next(5) == 0) e.event_properties.push_back({"kinds", PropertyValue::Int(3)});  // "3" like 3.0
      // Unique per event: always a marker.
      e.event_properties.push_back({"id", PropertyValue::String("id-" + std::to_string(i))});
      // 2000 values over ~1200 events per name: over kMaxValueSets.
      if (Next(2)) e.event_properties.push_back({"many", PropertyValue::Int(static_cast<int64_t>(Next(2000)))});
      // 20 values, plenty of events per value: sets kept.
      e.event_properties.push_back({"twenty", PropertyValue::Int(static_cast<int64_t>(Next(20)))});
      e.event_properties.push_back({"json", PropertyValue::Json(Next(2) ? R"({"a":1})" : "[]")});
      e.event_properties.push_back({"", PropertyValue::String("empty key")});
      e.user_properties.push_back({"plan", PropertyValue::String(Next(2) ? "gold" : "silver")});
      if (Next(2)) e.user_properties.push_back({"ünï", PropertyValue::Bool(Next(2) == 1)});
      events->push_back(std::move(e));
      users->push_back(user);
    }
    // A small name where keys sit on the thresholds: 16 values in 17 events
    // (kept: not more than kMinValueSets), 17 values in 33 events (marker:
    // 17 * 2 > 33), 17 values in 34 events (kept).
    auto add = [&](const std::string& name, int n, int values, const std::string& key) {
      for (int i = 0; i < n; ++i) {
        Event e;
        e.event_type = name;
        e.event_properties.push_back({key, PropertyValue::Int(i % values)});
        if (i % 5 == 0) {
          e.device_id = "dev-" + std::to_string(i);
        } else {
          e.user_id = "user-" + std::to_string(i);
        }
        events->push_back(std::move(e));
        users->push_back(static_cast<uint32_t>(i));
      }
    };
    add("t16", 17, 16, "k");
    add("t17a", 33, 17, "k");
    add("t17b", 34, 17, "k");
    // Over kMaxValueSets with plenty of events per value (marker), and at it
    // (kept).
    add("tmax", 3000, 1100, "k");
    add("tmax_ok", 2100, 1024, "k");
  }
};

TEST(SetsFileTest, BuildMatchesBruteForce) {
  std::vector<Event> events;
  std::vector<uint32_t> users;
  Gen().Make(&events, &users);
  std::vector<SetsRow> rows = BuildSetsRows(events, users);
  ASSERT_TRUE(Same(rows, BruteForce(events, users)));
  for (size_t i = 1; i < rows.size(); ++i) ASSERT_TRUE(SetsRowLess(rows[i - 1], rows[i])) << i;

  auto find = [&](std::string_view name, std::string_view scope, std::string_view key,
                  std::optional<std::string> value) -> const SetsRow* {
    for (const SetsRow& r : rows)
      if (r.event_type == name && r.scope == scope && r.property == key && r.value == value) return &r;
    return nullptr;
  };
  // The cases the generator means to cover are really there.
  EXPECT_NE(find("view", "event", "id", std::nullopt), nullptr);
  EXPECT_NE(find("tmax", "event", "k", std::nullopt), nullptr);
  EXPECT_NE(find("tmax_ok", "event", "k", "1023"), nullptr);
  EXPECT_NE(find("view", "event", "twenty", "19"), nullptr);
  EXPECT_NE(find("view", "event", "plan", "field-0"), nullptr);
  EXPECT_NE(find("view", "event", "plan", "prop-0"), nullptr);
  EXPECT_NE(find("view", "event", "rep", "1"), nullptr);
  EXPECT_EQ(find("view", "event", "rep", "2"), nullptr);
  EXPECT_NE(find("view", "event", "kinds", ""), nullptr);
  EXPECT_NE(find("view", "event", "kinds", "3"), nullptr);
  EXPECT_NE(find("view", "event", "s", "café"), nullptr);
  EXPECT_NE(find("view", "event", "s", ""), nullptr);
  EXPECT_NE(find("view", "event", "", "empty key"), nullptr);
  EXPECT_NE(find("view", "user", "plan", "gold"), nullptr);
  EXPECT_NE(find("日本", "user", "ünï", "true"), nullptr);
  EXPECT_NE(find("", "", "", ""), nullptr);
  EXPECT_NE(find("t16", "event", "k", "15"), nullptr);
  EXPECT_NE(find("t17a", "event", "k", std::nullopt), nullptr);
  EXPECT_NE(find("t17b", "event", "k", "16"), nullptr);
  const SetsRow* marker = find("view", "event", "id", std::nullopt);
  const SetsRow* all = find("view", "", "", "");
  ASSERT_TRUE(marker && all);
  EXPECT_EQ(marker->event_count, all->event_count);
  EXPECT_TRUE(marker->users.isEmpty());
}

TEST(SetsFileTest, NoEventsNoRows) { EXPECT_TRUE(BuildSetsRows({}, {}).empty()); }

class SetsFileIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(LocalStorage::Open(dir_.path() + "/lake", &store_).ok());
    ASSERT_TRUE(SetsFileKey("2024-05-01", "web", PartFileName(NewPartId()), &key_).ok());
  }
  void Store(std::span<const SetsRow> rows) {
    std::string local = dir_.path() + "/staged.parquet";
    uint64_t size = 0;
    Status s = WriteSetsFile(local, rows, &size);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(store_->PutFile(key_, local).ok());
    uint64_t stored = 0;
    ASSERT_TRUE(store_->Size(key_, &stored).ok());
    EXPECT_EQ(stored, size);
  }
  // Stores a Parquet file written directly, for files WriteSetsFile would
  // never produce.
  void StoreRaw(const parquet::Schema& schema, const std::vector<std::vector<parquet::Value>>& rows) {
    std::string bytes;
    std::unique_ptr<parquet::FileWriter> w;
    ASSERT_TRUE(parquet::FileWriter::Open(std::make_unique<parquet::StringOutputFile>(&bytes), schema, {}, &w).ok());
    for (const auto& r : rows) ASSERT_TRUE(w->AppendRow(r).ok());
    ASSERT_TRUE(w->Close().ok());
    ASSERT_TRUE(store_->Put(key_, bytes).ok());
  }
  Status ReadWithSketches(std::string_view event, std::vector<SetsRow>* rows) {
    SetsReadOptions o;
    o.sketches = true;
    return ReadSetsRows(store_.get(), key_, event, o, rows);
  }
  Status Read(std::string_view event, std::vector<SetsRow>* rows) {
    return ReadSetsRows(store_.get(), key_, event, rows);
  }

  testing::ScratchDir dir_;
  std::unique_ptr<LocalStorage> store_;
  std::string key_;
};

TEST_F(SetsFileIoTest, RoundTripAndLookupByEvent) {
  std::vector<Event> events;
  std::vector<uint32_t> users;
  Gen().Make(&events, &users);
  std::vector<SetsRow> rows = BuildSetsRows(events, users);
  Store(rows);
  std::vector<SetsRow> back;
  Status s = ReadWithSketches("", &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(back == rows);  // sketches too, by their bytes
  for (const SetsRow& r : back) EXPECT_EQ(r.sketch.has_value(), !r.is_marker());

  // Without asking for sketches: the same rows, no sketch decoded.
  std::vector<SetsRow> plain;
  ASSERT_TRUE(Read("", &plain).ok());
  ASSERT_EQ(plain.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_FALSE(plain[i].sketch.has_value());
    SetsRow r = rows[i];
    r.sketch.reset();
    EXPECT_TRUE(plain[i] == r) << i;
  }

  for (std::string name : {"view", "Purchase ✓", "t17a", "z"}) {
    std::vector<SetsRow> want;
    for (const SetsRow& r : rows)
      if (r.event_type == name) want.push_back(r);
    ASSERT_FALSE(want.empty());
    std::vector<SetsRow> got;
    ASSERT_TRUE(ReadWithSketches(name, &got).ok());
    EXPECT_TRUE(got == want) << name;
  }
  std::vector<SetsRow> none;
  ASSERT_TRUE(Read("no such event", &none).ok());
  EXPECT_TRUE(none.empty());
}

// Many event names over several row groups: a lookup reads one of them.
TEST_F(SetsFileIoTest, LookupSkipsOtherRowGroups) {
  std::vector<SetsRow> rows;
  for (int n = 0; n < 200; ++n) {
    char name[16];
    std::snprintf(name, sizeof name, "e%04d", n);
    for (int v = 0; v < 1000; ++v) {
      SetsRow r;
      r.event_type = name;
      r.scope = v == 0 ? "" : "event";
      r.property = v == 0 ? "" : "k";
      char value[16];
      std::snprintf(value, sizeof value, "%05d", v);
      r.value = v == 0 ? std::string() : std::string(value);
      r.users.add(static_cast<uint32_t>(n * 1000 + v));
      r.users.add(7);
      r.event_count = 3;
      r.sketch = SketchOfNumbers(r.users);
      rows.push_back(std::move(r));
    }
  }
  Store(rows);
  std::vector<SetsRow> got;
  ASSERT_TRUE(ReadWithSketches("e0123", &got).ok());
  ASSERT_EQ(got.size(), 1000u);
  EXPECT_TRUE(std::equal(got.begin(), got.end(), rows.begin() + 123000));

  std::unique_ptr<parquet::FileReader> reader;
  ASSERT_TRUE(parquet::FileReader::Open(dir_.path() + "/staged.parquet", &reader).ok());
  EXPECT_EQ(reader->num_row_groups(), 4);  // 200,000 rows / 65,536
  parquet::RowGroupFilter filter;
  filter.predicates.push_back({"event_type", parquet::CompareOp::kEq, std::string("e0123")});
  int may_match = 0;
  for (int g = 0; g < reader->num_row_groups(); ++g) may_match += reader->RowGroupMayMatch(g, filter);
  EXPECT_EQ(may_match, 1);
  EXPECT_EQ(reader->metadata().row_groups[0].sorting_columns.size(), 4u);
}

TEST_F(SetsFileIoTest, WriteRefusesUnsortedRows) {
  std::vector<SetsRow> rows(2);
  rows[0].event_type = "b";
  rows[0].value = "";
  rows[0].sketch = CompactThetaSketch();
  rows[1].event_type = "a";
  rows[1].value = "";
  rows[1].sketch = CompactThetaSketch();
  uint64_t size = 0;
  EXPECT_TRUE(WriteSetsFile(dir_.path() + "/x.parquet", rows, &size).IsInvalidArgument());
  rows[1].event_type = "b";  // a duplicate is out of order too
  EXPECT_TRUE(WriteSetsFile(dir_.path() + "/x.parquet", rows, &size).IsInvalidArgument());
  // Rows the reader would refuse.
  std::vector<SetsRow> one(1);
  one[0].event_type = "e";
  one[0].scope = "other";
  one[0].value = "";
  one[0].sketch = SketchOfNumbers(Roaring::bitmapOf(1, 1));
  EXPECT_TRUE(WriteSetsFile(dir_.path() + "/x.parquet", one, &size).IsInvalidArgument());
  one[0].scope = "";
  one[0].value.reset();  // a marker in the all-users scope
  one[0].sketch.reset();
  EXPECT_TRUE(WriteSetsFile(dir_.path() + "/x.parquet", one, &size).IsInvalidArgument());
  one[0].value = "v";  // an all-users row with a value
  one[0].sketch = SketchOfNumbers(Roaring::bitmapOf(1, 1));
  EXPECT_TRUE(WriteSetsFile(dir_.path() + "/x.parquet", one, &size).IsInvalidArgument());
  one[0].value = "";
  one[0].users.add(1);  // a user with no event
  EXPECT_TRUE(WriteSetsFile(dir_.path() + "/x.parquet", one, &size).IsInvalidArgument());
  one[0].event_count = 1;
  one[0].sketch.reset();  // a row without its sketch
  EXPECT_TRUE(WriteSetsFile(dir_.path() + "/x.parquet", one, &size).IsInvalidArgument());
  one[0].sketch = CompactThetaSketch(false, true, 0x1234, kThetaMax, {42});  // another seed
  EXPECT_TRUE(WriteSetsFile(dir_.path() + "/x.parquet", one, &size).IsInvalidArgument());
  one[0].sketch = SketchOfNumbers(one[0].users);
  EXPECT_TRUE(WriteSetsFile(dir_.path() + "/x.parquet", one, &size).ok());
  EXPECT_FALSE(FileExists(dir_.path() + "/x.parquet.inprogress"));
  one[0].scope = "event";
  one[0].property = "k";
  one[0].value.reset();  // a marker with a sketch
  one[0].users = Roaring();
  EXPECT_TRUE(WriteSetsFile(dir_.path() + "/x.parquet", one, &size).IsInvalidArgument());
  one[0].sketch.reset();
  EXPECT_TRUE(WriteSetsFile(dir_.path() + "/x.parquet", one, &size).ok());
}

parquet::Schema Schema() {
  using parquet::ColumnType;
  using parquet::Repetition;
  parquet::Schema s;
  s.Add("event_type", ColumnType::kString, Repetition::kRequired)
      .Add("scope", ColumnType::kString, Repetition::kRequired)
      .Add("property", ColumnType::kString, Repetition::kRequired)
      .Add("value", ColumnType::kString)
      .Add("users", ColumnType::kBinary)
      .Add("event_count", ColumnType::kInt64, Repetition::kRequired)
      .Add("user_count", ColumnType::kInt64, Repetition::kRequired);
  return s;
}

TEST_F(SetsFileIoTest, CorruptBitmapIsCorruption) {
  Roaring r = Roaring::bitmapOf(3, 1, 2, 70000);
  std::string good = EncodeUserSet(r);
  std::string truncated = good.substr(0, good.size() - 1);
  std::string trailing = good + "x";
  std::vector<std::string> bad = {"", "garbage", truncated, trailing};
  // Every single-byte change of a valid bitmap: refused, or a valid bitmap.
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string b = good;
      b[i] ^= static_cast<char>(1 << bit);
      Roaring out;
      Status s = DecodeUserSet(b, &out);
      if (s.ok()) {
        uint64_t n = 0;
        int64_t prev = -1;
        for (uint32_t v : out) {
          EXPECT_GT(int64_t{v}, prev);
          prev = v;
          ++n;
        }
        EXPECT_EQ(n, out.cardinality());
      } else {
        EXPECT_TRUE(s.IsCorruption());
      }
    }
  }
  for (const std::string& b : bad) {
    StoreRaw(Schema(), {{std::string_view("e"), std::string_view(""), std::string_view(""), std::string_view(""),
                         std::string_view(b), int64_t{1}, int64_t{1}}});
    std::vector<SetsRow> rows;
    Status s = Read("", &rows);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.message().find(key_), std::string::npos) << s.ToString();
    EXPECT_TRUE(rows.empty());
  }
  // A valid bitmap with a user_count that disagrees.
  StoreRaw(Schema(), {{std::string_view("e"), std::string_view(""), std::string_view(""), std::string_view(""),
                       std::string_view(good), int64_t{9}, int64_t{2}}});
  std::vector<SetsRow> rows;
  EXPECT_TRUE(Read("", &rows).IsCorruption());
}

TEST(SetsFileBitmapTest, RefusesStructurallyInvalidBitmaps) {
  auto le16 = [](std::string* s, uint16_t v) {
    s->push_back(static_cast<char>(v & 0xff));
    s->push_back(static_cast<char>(v >> 8));
  };
  auto le32 = [&](std::string* s, uint32_t v) {
    le16(s, static_cast<uint16_t>(v));
    le16(s, static_cast<uint16_t>(v >> 16));
  };
  // No-run format, one array container.
  auto array = [&](std::vector<uint16_t> values) {
    std::string s;
    le32(&s, 12346);
    le32(&s, 1);
    le16(&s, 0);
    le16(&s, static_cast<uint16_t>(values.size() - 1));
    le32(&s, 16);  // offset
    for (uint16_t v : values) le16(&s, v);
    return s;
  };
  Roaring out;
  ASSERT_TRUE(DecodeUserSet(array({1, 2, 3}), &out).ok());
  EXPECT_EQ(out, Roaring::bitmapOf(3, 1, 2, 3));
  EXPECT_TRUE(DecodeUserSet(array({3, 2, 1}), &out).IsCorruption());
  EXPECT_TRUE(DecodeUserSet(array({1, 1}), &out).IsCorruption());
  // Run format, one run container whose run passes 65535.
  std::string run;
  le32(&run, 12347);  // one container
  run.push_back(1);   // it is a run container
  le16(&run, 0);
  le16(&run, 9);
  le16(&run, 1);      // one run
  le16(&run, 65530);
  le16(&run, 9);
  EXPECT_TRUE(DecodeUserSet(run, &out).IsCorruption());
  // Keys out of order.
  std::string keys;
  le32(&keys, 12346);
  le32(&keys, 2);
  le16(&keys, 5); le16(&keys, 0);
  le16(&keys, 4); le16(&keys, 0);
  le32(&keys, 0); le32(&keys, 0);
  le16(&keys, 1); le16(&keys, 1);
  EXPECT_TRUE(DecodeUserSet(keys, &out).IsCorruption());
  // A bitset container whose cardinality lies.
  std::string bitset;
  le32(&bitset, 12346);
  le32(&bitset, 1);
  le16(&bitset, 0);
  le16(&bitset, 5000 - 1);
  le32(&bitset, 16);
  bitset.append(8192, '\0');
  EXPECT_TRUE(DecodeUserSet(bitset, &out).IsCorruption());
  // Round trips of real bitmaps: empty, array, bitset and run containers.
  Roaring big;
  big.addRange(100, 200000);
  for (uint32_t v = 300000; v < 400000; v += 3) big.add(v);
  big.add(4000000000u);
  for (const Roaring& r : {Roaring(), Roaring::bitmapOf(2, 0u, 4294967295u), big}) {
    Roaring back;
    ASSERT_TRUE(DecodeUserSet(EncodeUserSet(r), &back).ok());
    EXPECT_EQ(back, r);
  }
}

// Random damage to bitmaps of every container kind: refused, or a bitmap
// every operation can use (run under the sanitizers by SWELL_SANITIZE).
TEST(SetsFileBitmapTest, RandomDamageNeverYieldsABrokenBitmap) {
  Roaring runs;
  runs.addRange(10, 5000);
  runs.addRange(70000, 70100);
  Roaring bitset;
  for (uint32_t v = 0; v < 60000; v += 7) bitset.add(v);
  Roaring mixed = runs | bitset | Roaring::bitmapOf(3, 1u << 20, (1u << 20) + 5, 4000000000u);
  std::mt19937_64 rng(99);
  int refused = 0;
  for (const Roaring* r : {&runs, &bitset, &mixed}) {
    const std::string good = EncodeUserSet(*r);
    for (int trial = 0; trial < 3000; ++trial) {
      std::string b = good;
      for (int k = 1 + static_cast<int>(rng() % 4); k > 0; --k) {
        // Mostly the header, where the structure is.
        size_t at = rng() % 2 ? rng() % std::min<size_t>(b.size(), 64) : rng() % b.size();
        b[at] = static_cast<char>(rng());
      }
      if (rng() % 8 == 0) b.resize(rng() % b.size());
      Roaring out;
      Status s = DecodeUserSet(b, &out);
      if (!s.ok()) {
        ASSERT_TRUE(s.IsCorruption());
        ++refused;
        continue;
      }
      uint64_t n = 0;
      int64_t prev = -1;
      for (uint32_t v : out) {
        ASSERT_GT(int64_t{v}, prev);
        prev = v;
        ++n;
      }
      ASSERT_EQ(n, out.cardinality());
      Roaring u = out | *r;
      Roaring x = out & *r;
      ASSERT_EQ(u.cardinality() + x.cardinality(), out.cardinality() + r->cardinality());
      out.runOptimize();
      ASSERT_EQ(out.cardinality(), n);
    }
  }
  EXPECT_GT(refused, 0);
}

TEST_F(SetsFileIoTest, WrongSchemaIsCorruption) {
  parquet::Schema other;
  other.Add("event_type", parquet::ColumnType::kString, parquet::Repetition::kRequired);
  StoreRaw(other, {{std::string_view("e")}});
  std::vector<SetsRow> rows;
  Status s = Read("", &rows);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(key_), std::string::npos) << s.ToString();

  parquet::Schema swapped;
  swapped.Add("event_type", parquet::ColumnType::kString, parquet::Repetition::kRequired)
      .Add("scope", parquet::ColumnType::kString, parquet::Repetition::kRequired)
      .Add("property", parquet::ColumnType::kString, parquet::Repetition::kRequired)
      .Add("value", parquet::ColumnType::kString)
      .Add("users", parquet::ColumnType::kBinary)
      .Add("event_count", parquet::ColumnType::kDouble, parquet::Repetition::kRequired)
      .Add("user_count", parquet::ColumnType::kInt64, parquet::Repetition::kRequired);
  StoreRaw(swapped, {});
  EXPECT_TRUE(Read("", &rows).IsCorruption());

  ASSERT_TRUE(store_->Put(key_, "not parquet").ok());
  EXPECT_FALSE(Read("", &rows).ok());
  EXPECT_TRUE(rows.empty());
  std::vector<SetsRow> missing;
  EXPECT_TRUE(ReadSetsRows(store_.get(), "sets/date=2024-05-01/app_id=web/part-x.parquet", "", &missing).IsNotFound());
}

TEST_F(SetsFileIoTest, MalformedMarkerRowsAreCorruption) {
  // value null but users present.
  StoreRaw(Schema(), {{std::string_view("e"), std::string_view("event"), std::string_view("k"), std::monostate(),
                       std::string_view(EncodeUserSet(Roaring::bitmapOf(1, 1))), int64_t{1}, int64_t{1}}});
  std::vector<SetsRow> rows;
  EXPECT_TRUE(Read("", &rows).IsCorruption());
  // A marker with a user count.
  StoreRaw(Schema(), {{std::string_view("e"), std::string_view("event"), std::string_view("k"), std::monostate(),
                       std::monostate(), int64_t{1}, int64_t{1}}});
  EXPECT_TRUE(Read("", &rows).IsCorruption());
  // An all-users row with a property.
  StoreRaw(Schema(), {{std::string_view("e"), std::string_view(""), std::string_view("k"), std::string_view(""),
                       std::string_view(EncodeUserSet(Roaring::bitmapOf(1, 1))), int64_t{1}, int64_t{1}}});
  EXPECT_TRUE(Read("", &rows).IsCorruption());
  // A well-formed marker.
  StoreRaw(Schema(), {{std::string_view("e"), std::string_view("event"), std::string_view("k"), std::monostate(),
                       std::monostate(), int64_t{4}, int64_t{0}}});
  ASSERT_TRUE(Read("", &rows).ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].is_marker());
  EXPECT_EQ(rows[0].event_count, 4u);
}

// ---- sketches

// The item of each user number in events (its user id, else its device id).
std::map<uint32_t, std::string> ItemsOf(const std::vector<Event>& events, const std::vector<uint32_t>& users) {
  std::map<uint32_t, std::string> items;
  for (size_t i = 0; i < events.size(); ++i)
    items.emplace(users[i], events[i].user_id.empty() ? events[i].device_id : events[i].user_id);
  return items;
}

TEST(SetsFileSketchTest, SmallRowsAreExactAndEqualTheUpdateSketch) {
  std::vector<Event> events;
  std::vector<uint32_t> users;
  Gen().Make(&events, &users);
  std::map<uint32_t, std::string> items = ItemsOf(events, users);
  std::vector<SetsRow> rows = BuildSetsRows(events, users);
  size_t checked = 0;
  for (const SetsRow& r : rows) {
    if (r.is_marker()) {
      EXPECT_FALSE(r.sketch.has_value());
      continue;
    }
    ASSERT_TRUE(r.sketch.has_value());
    ASSERT_LE(r.users.cardinality(), 4096u);
    // Distinct identities, distinct items: exact.
    EXPECT_FALSE(r.sketch->IsEstimationMode());
    EXPECT_TRUE(r.sketch->IsOrdered());
    EXPECT_EQ(r.sketch->seed_hash(), 0x93cc);
    EXPECT_EQ(r.sketch->Estimate(), static_cast<double>(r.users.cardinality()));
    EXPECT_EQ(r.sketch->NumRetained(), r.users.cardinality());
    std::vector<std::string> row_items;
    for (uint32_t u : r.users) row_items.push_back(items.at(u));
    ASSERT_EQ(r.sketch->Serialize(), UpdateSketchBytes(row_items)) << r.event_type << " " << r.property;
    ++checked;
  }
  EXPECT_GT(checked, 100u);
}

TEST(SetsFileSketchTest, LargeRowsKeepTheKSmallestHashes) {
  // 30,000 users of "big", 1..3 events each; "half" = even/odd user; the
  // all-users row of "small" exactly k and k + 1 users.
  std::vector<Event> events;
  std::vector<uint32_t> users;
  std::mt19937_64 rng(11);
  const uint32_t kUsers = 30000;
  auto identify = [](Event* e, uint32_t u) {
    if (u % 7 == 0) {
      e->device_id = "d" + std::to_string(u);
    } else {
      e->user_id = "u" + std::to_string(u);
    }
  };
  for (uint32_t u = 0; u < kUsers; ++u) {
    for (uint64_t n = rng() % 3 + 1; n > 0; --n) {
      Event e;
      e.event_type = "big";
      identify(&e, u);
      e.event_properties.push_back({"half", PropertyValue::Int(u % 2)});
      events.push_back(std::move(e));
      users.push_back(u * 3 + 5);  // sparse user numbers
    }
  }
  for (uint32_t u = 0; u < 4096 + 4096 + 1; ++u) {
    Event e;
    e.event_type = u < 4096 ? "small_k" : "small_k1";
    const uint32_t user = u < 4096 ? u : u - 4096;
    identify(&e, user);
    events.push_back(std::move(e));
    users.push_back(user * 3 + 5);
  }
  // Shuffled: the result must not depend on the events' order.
  std::vector<size_t> order(events.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<Event> shuffled;
  std::vector<uint32_t> shuffled_users;
  for (size_t i : order) {
    shuffled.push_back(events[i]);
    shuffled_users.push_back(users[i]);
  }
  std::map<uint32_t, std::string> items = ItemsOf(shuffled, shuffled_users);
  std::vector<SetsRow> rows = BuildSetsRows(shuffled, shuffled_users);
  std::vector<SetsRow> again = BuildSetsRows(events, users);
  ASSERT_TRUE(rows == again);

  int large = 0;
  for (const SetsRow& r : rows) {
    ASSERT_TRUE(r.sketch.has_value());
    const uint64_t n = r.users.cardinality();
    std::vector<std::string> row_items;
    for (uint32_t u : r.users) row_items.push_back(items.at(u));
    EXPECT_EQ(r.sketch->Serialize(), UpdateSketchBytes(row_items)) << r.event_type << " " << r.property;
    // The k smallest hashes of the row's items; theta the (k+1)-th.
    std::vector<uint64_t> hashes;
    for (const std::string& item : row_items) hashes.push_back(ThetaHashBytes(item.data(), item.size(), 9001));
    std::sort(hashes.begin(), hashes.end());
    if (r.event_type == "small_k") {
      ASSERT_EQ(n, 4096u);
      EXPECT_FALSE(r.sketch->IsEstimationMode());
      EXPECT_EQ(r.sketch->Estimate(), 4096.0);
      EXPECT_EQ(r.sketch->entries(), hashes);
      continue;
    }
    ASSERT_GT(n, 4096u);
    ++large;
    EXPECT_TRUE(r.sketch->IsEstimationMode());
    EXPECT_EQ(r.sketch->NumRetained(), 4096u);
    EXPECT_EQ(r.sketch->theta64(), hashes[4096]);
    EXPECT_TRUE(std::equal(r.sketch->entries().begin(), r.sketch->entries().end(), hashes.begin()));
    if (r.event_type == "small_k1") {
      ASSERT_EQ(n, 4097u);
      continue;
    }
    // Within DataSketches' bounds: the true count inside 3 standard
    // deviations, the estimate within 5% (about 3 RSE at k = 4096).
    EXPECT_LE(r.sketch->LowerBound(3), static_cast<double>(n));
    EXPECT_GE(r.sketch->UpperBound(3), static_cast<double>(n));
    EXPECT_NEAR(r.sketch->Estimate(), static_cast<double>(n), 0.05 * static_cast<double>(n));
  }
  EXPECT_EQ(large, 4);  // big's all-users row, half = 0 and 1, small_k1
}

TEST(SetsFileSketchTest, EqualItemsAreOneItem) {
  // A user id equal to another user's device id: two users, one item.
  std::vector<Event> events(3);
  std::vector<uint32_t> users = {1, 2, 3};
  for (Event& e : events) e.event_type = "e";
  events[0].user_id = "x";
  events[0].device_id = "y";  // ignored: the user id is the item
  events[1].device_id = "x";
  events[2].device_id = "y";
  std::vector<SetsRow> rows = BuildSetsRows(events, users);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].users.cardinality(), 3u);
  ASSERT_TRUE(rows[0].sketch.has_value());
  EXPECT_EQ(rows[0].sketch->Estimate(), 2.0);
  EXPECT_EQ(rows[0].sketch->Serialize(), UpdateSketchBytes({"x", "y"}));

  // Equal hashes among the k + 1 smallest of a large set.
  std::vector<uint64_t> hashes;
  std::vector<std::string> items;
  for (int i = 0; i < 6000; ++i) {
    items.push_back("i" + std::to_string(i));
    uint64_t h = ThetaHashBytes(items.back().data(), items.back().size(), 9001);
    hashes.push_back(h);
    hashes.push_back(h);
  }
  EXPECT_EQ(SetsSketchOfHashes(hashes, true).Serialize(), UpdateSketchBytes(items));
  EXPECT_TRUE(SetsSketchOfHashes({}, false).IsEmpty());
}

TEST_F(SetsFileIoTest, FilesWithoutTheSketchColumnHaveNoSketches) {
  // A sets file of schema 1, as older lakes hold.
  StoreRaw(Schema(), {{std::string_view("e"), std::string_view(""), std::string_view(""), std::string_view(""),
                       std::string_view(EncodeUserSet(Roaring::bitmapOf(2, 1, 2))), int64_t{3}, int64_t{2}},
                      {std::string_view("e"), std::string_view("event"), std::string_view("k"), std::monostate(),
                       std::monostate(), int64_t{4}, int64_t{0}}});
  std::vector<SetsRow> rows;
  Status s = ReadWithSketches("", &rows);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_FALSE(rows[0].sketch.has_value());
  EXPECT_FALSE(rows[1].sketch.has_value());
  EXPECT_EQ(rows[0].users.cardinality(), 2u);
  rows.clear();
  ASSERT_TRUE(Read("e", &rows).ok());
  EXPECT_EQ(rows.size(), 2u);
}

TEST_F(SetsFileIoTest, WrittenFileRecordsItsSchema) {
  std::vector<Event> events;
  std::vector<uint32_t> users;
  Gen().Make(&events, &users);
  Store(BuildSetsRows(events, users));
  std::unique_ptr<parquet::FileReader> reader;
  ASSERT_TRUE(parquet::FileReader::Open(dir_.path() + "/staged.parquet", &reader).ok());
  ASSERT_EQ(reader->schema().size(), 8u);
  EXPECT_EQ(reader->schema()[7].name, "sketch");
  std::map<std::string, std::string> kv;
  for (const auto& m : reader->metadata().key_value_metadata) kv[m.key] = m.value.value_or("");
  EXPECT_EQ(kv["swell.sets_schema"], "2");
  EXPECT_EQ(kv["swell.sets_sketch_lg_k"], "12");
  EXPECT_EQ(kv["swell.sets_sketch_seed"], "9001");
}

TEST_F(SetsFileIoTest, BadSketchesAreCorruption) {
  parquet::Schema schema = Schema();
  schema.Add("sketch", parquet::ColumnType::kBinary);
  const std::string users = EncodeUserSet(Roaring::bitmapOf(2, 1, 2));
  const std::string good = SketchOfNumbers(Roaring::bitmapOf(2, 1, 2)).Serialize();
  auto row = [&](parquet::Value sketch) {
    return std::vector<parquet::Value>{std::string_view("e"), std::string_view(""), std::string_view(""),
                                       std::string_view(""), std::string_view(users), int64_t{3}, int64_t{2}, sketch};
  };
  std::vector<SetsRow> rows;
  StoreRaw(schema, {row(std::string_view(good))});
  ASSERT_TRUE(ReadWithSketches("", &rows).ok());
  ASSERT_TRUE(rows.at(0).sketch.has_value());
  EXPECT_EQ(rows[0].sketch->Estimate(), 2.0);

  const std::string three = SketchOfNumbers(Roaring::bitmapOf(3, 1, 2, 3)).Serialize();
  ThetaSketchOptions other_seed;
  other_seed.seed = 1234;
  ThetaUpdateSketch other;
  ASSERT_TRUE(ThetaUpdateSketch::Make(other_seed, &other).ok());
  other.Update(uint64_t{1});
  other.Update(uint64_t{2});
  const std::string foreign = other.Compact().Serialize();
  for (const std::string& bad : {std::string("garbage"), good.substr(0, good.size() - 1), three, foreign}) {
    StoreRaw(schema, {row(std::string_view(bad))});
    rows.clear();
    Status s = ReadWithSketches("", &rows);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.message().find(key_), std::string::npos);
    EXPECT_TRUE(rows.empty());
    // Readers that do not ask never look at the column.
    EXPECT_TRUE(Read("", &rows).ok());
  }
  // Null beside a bitmap; present in a marker.
  StoreRaw(schema, {row(std::monostate())});
  EXPECT_TRUE(ReadWithSketches("", &rows).IsCorruption());
  StoreRaw(schema, {{std::string_view("e"), std::string_view("event"), std::string_view("k"), std::monostate(),
                     std::monostate(), int64_t{4}, int64_t{0}, std::string_view(good)}});
  EXPECT_TRUE(ReadWithSketches("", &rows).IsCorruption());
}

}  // namespace
}  // namespace swell::lake
