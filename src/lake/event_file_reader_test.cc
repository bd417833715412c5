#include "lake/event_file_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <random>

#include "lake/event_file_writer.h"
#include "lake/events_schema.h"
#include "lake/lake_test_util.h"
#include "lake/local_storage.h"
#include "lake/users_file.h"
#include "parquet/file_writer.h"
#include "parquet/output_file.h"

namespace swell::lake {
namespace {

using K = PropertyValue::Kind;

class MemoryInput : public parquet::InputSource {
 public:
  explicit MemoryInput(std::string data) : data_(std::move(data)) {}
  uint64_t size() const override { return data_.size(); }
  Status ReadAt(uint64_t offset, size_t n, std::string* out) override {
    out->assign(data_, offset, n);
    return Status::OK();
  }

 private:
  std::string data_;
};

// Events of the shapes collect produces: the known fields with collect's
// kinds, properties of every kind, ids and keys in several scripts.
class EventGen {
 public:
  explicit EventGen(uint64_t seed) : rng_(seed) {}

  PropertyValue Value() {
    static const char* kStrings[] = {"", "plain", "café", "日本語", "🚀 rocket", "quote\"back\\slash",
                                     "tab\tnl\n\r\b\f", "ctl\x01\x1f", "4.5", "-17", "true", "null",
                                     "\xe2\x80\xa8 line sep", "emoji 👩‍👩‍👧"};
    static const char* kJson[] = {"{}", "[]", "{\"a\":[1,2,{\"b\":\"c\"}],\"d\":null}", "[\"x\",1.5,true]",
                                  "[[{\"k\":[\"v\"]}]]", "{\"q\":\"a\\\"b\\\\c\\n\\u0001é/\",\"d\":[2.0,-0.5,1e+300,18446744073709551615]}",
                                  "{\"ü\":{\"\":[]}}"};
    static const double kDoubles[] = {3.0, -0.0, 0.0, 1e300, -1e300, 5e-324, 2.5, 0.1, 1.0 / 3, 1e21, 1e-7,
                                      18446744073709551616.0, 9223372036854775808.0, -123456789.0,
                                      std::numeric_limits<double>::max(), std::numeric_limits<double>::min()};
    static const int64_t kInts[] = {0, 1, -1, INT64_MIN, INT64_MAX, 9007199254740993, -42};
    switch (rng_() % 8) {
      case 0: return PropertyValue::Null();
      case 1: return PropertyValue::Bool(rng_() % 2 == 1);
      case 2: return PropertyValue::Int(kInts[rng_() % std::size(kInts)]);
      case 3: return PropertyValue::Int(static_cast<int64_t>(rng_()));
      case 4: return PropertyValue::Double(kDoubles[rng_() % std::size(kDoubles)]);
      case 5: {
        double d;
        do {
          uint64_t bits = rng_();
          std::memcpy(&d, &bits, sizeof d);
        } while (!std::isfinite(d));
        return PropertyValue::Double(d);
      }
      case 6: return PropertyValue::Json(kJson[rng_() % std::size(kJson)]);
      default: return PropertyValue::String(kStrings[rng_() % std::size(kStrings)]);
    }
  }

  std::vector<Property> Props(size_t max) {
    static const char* kKeys[] = {"plan", "amount", "", "ünï", "with space", "a.b", "quote\"", "n", "flag",
                                  "日本", "k\\", "ctl\x02"};
    std::vector<Property> out;
    size_t n = rng_() % (max + 1);
    for (size_t i = 0; i < n; ++i) {
      std::string key = kKeys[rng_() % std::size(kKeys)];
      bool dup = false;
      for (const Property& p : out) dup |= p.key == key;
      if (dup) key += "#" + std::to_string(i);
      out.push_back({key, Value()});
    }
    return out;
  }

  Event Next() {
    static const char* kTypes[] = {"Sign Up", "click", "Purchase ✓", "a", "日本"};
    static const char* kUsers[] = {"", "alice", "bob", "Ω-user", "user 10", "u:x"};
    static const char* kDevices[] = {"dev-1", "dévice", "d"};
    Event ev;
    ev.event_type = kTypes[rng_() % std::size(kTypes)];
    ev.user_id = kUsers[rng_() % std::size(kUsers)];
    ev.device_id = ev.user_id.empty() || rng_() % 2 ? kDevices[rng_() % std::size(kDevices)] : "";
    ev.insert_id = rng_() % 3 ? "ins-" + std::to_string(rng_() % 1000) : "";
    ev.time_ms = static_cast<int64_t>(rng_() % 253402300799999);
    ev.arrival_ms = static_cast<int64_t>(rng_() % 253402300799999);
    ev.session_id = rng_() % 4 == 0 ? -1 : static_cast<int64_t>(rng_() >> 1);
    // Top-level fields, in an order unlike the columns'.
    if (rng_() % 2) ev.fields.push_back({"quantity", PropertyValue::Int(static_cast<int64_t>(rng_()))});
    if (rng_() % 2) ev.fields.push_back({"platform", PropertyValue::String("iOS ✓")});
    if (rng_() % 3 == 0) ev.fields.push_back({"country", PropertyValue::String("")});
    if (rng_() % 2) ev.fields.push_back({"price", PropertyValue::Double(rng_() % 2 ? 3.0 : 9.99)});
    if (rng_() % 4 == 0) ev.fields.push_back({"revenue", PropertyValue::Double(-0.0)});
    if (rng_() % 3 == 0) ev.fields.push_back({"location_lat", PropertyValue::Double(37.77)});
    if (rng_() % 3 == 0) ev.fields.push_back({"groups", PropertyValue::Json("{\"company\":[\"a\",\"b\"]}")});
    if (rng_() % 4 == 0) ev.fields.push_back({"plan", PropertyValue::Json("{}")});
    if (rng_() % 5 == 0) ev.fields.push_back({"event_id", PropertyValue::Int(INT64_MIN)});
    if (rng_() % 6 == 0) ev.fields.push_back({"custom_top", Value()});  // not a known field
    ev.event_properties = Props(8);
    ev.user_properties = Props(3);
    return ev;
  }

 private:
  std::mt19937_64 rng_;
};

// The fields as the reader returns them: known fields in column order, then
// the others in their original order.
std::vector<Property> InColumnOrder(const std::vector<Property>& fields) {
  std::vector<Property> out;
  for (const KnownField& k : KnownFields())
    for (const Property& p : fields)
      if (p.key == k.name) out.push_back(p);
  for (const Property& p : fields) {
    bool known = false;
    for (const KnownField& k : KnownFields()) known |= p.key == k.name;
    if (!known) out.push_back(p);
  }
  return out;
}

// Same keys in the same order, values of the same kind and canonical text
// (and, for doubles, the same bits: -0.0 stays -0.0).
::testing::AssertionResult SameProps(const std::vector<Property>& want, const std::vector<Property>& got) {
  if (want.size() != got.size())
    return ::testing::AssertionFailure() << want.size() << " properties, got " << got.size();
  for (size_t i = 0; i < want.size(); ++i) {
    const Property& w = want[i];
    const Property& g = got[i];
    if (w.key != g.key) return ::testing::AssertionFailure() << "key " << i << ": " << w.key << " vs " << g.key;
    if (w.value.kind != g.value.kind)
      return ::testing::AssertionFailure() << w.key << ": kind " << int(w.value.kind) << " came back as "
                                           << int(g.value.kind) << " (" << g.value.ToText() << ")";
    if (w.value.ToText() != g.value.ToText())
      return ::testing::AssertionFailure() << w.key << ": " << w.value.ToText() << " came back as " << g.value.ToText();
    if (w.value.kind == K::kDouble && std::memcmp(&w.value.d, &g.value.d, sizeof(double)) != 0)
      return ::testing::AssertionFailure() << w.key << ": double bits differ";
  }
  return ::testing::AssertionSuccess();
}

void ExpectSameEvent(const Event& want, const Event& got, size_t row) {
  SCOPED_TRACE("row " + std::to_string(row));
  EXPECT_EQ(want.event_type, got.event_type);
  EXPECT_EQ(want.user_id, got.user_id);
  EXPECT_EQ(want.device_id, got.device_id);
  EXPECT_EQ(want.insert_id, got.insert_id);
  EXPECT_EQ(want.time_ms, got.time_ms);
  EXPECT_EQ(want.arrival_ms, got.arrival_ms);
  EXPECT_EQ(want.session_id, got.session_id);
  EXPECT_TRUE(SameProps(InColumnOrder(want.fields), got.fields));
  EXPECT_TRUE(SameProps(want.event_properties, got.event_properties));
  EXPECT_TRUE(SameProps(want.user_properties, got.user_properties));
}

// Numbers users in order of first appearance, as the speed layer does.
std::vector<uint32_t> NumberUsers(const std::vector<Event>& events) {
  std::map<std::string, uint32_t> dict;
  std::vector<uint32_t> out;
  for (const Event& ev : events) out.push_back(dict.emplace(ev.UserKey(), static_cast<uint32_t>(dict.size())).first->second);
  return out;
}

class EventFileReaderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(LocalStorage::Open(dir_.path() + "/lake", &store_).ok()); }

  // Writes events (sorted) with their user numbers to key; returns the sorted events.
  void Write(std::vector<Event>* events, std::vector<uint32_t>* numbers, const std::string& key,
             std::vector<PromotedColumn> promoted = {}, EventFileOptions options = {}) {
    SortEventsForLake(events);
    *numbers = NumberUsers(*events);
    EventsSchema schema;
    ASSERT_TRUE(EventsSchema::Make(std::move(promoted), &schema).ok());
    std::string staged = dir_.path() + "/staged.parquet";
    EventFileInfo info;
    Status s = WriteEventFile(staged, schema, *events, *numbers, options, &info);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(store_->PutFile(key, staged).ok());
  }

  Status Read(const std::string& key) { return ReadEventFile(store_.get(), key, &got_, &got_numbers_); }

  void ExpectRoundTrip(const std::vector<Event>& events, const std::vector<uint32_t>& numbers) {
    ASSERT_EQ(got_.size(), events.size());
    EXPECT_EQ(got_numbers_, numbers);
    for (size_t i = 0; i < events.size(); ++i) ExpectSameEvent(events[i], got_[i], i);
  }

  testing::ScratchDir dir_;
  std::unique_ptr<LocalStorage> store_;
  std::vector<Event> got_;
  std::vector<uint32_t> got_numbers_;
};

TEST_F(EventFileReaderTest, RoundTripsManyGeneratedEvents) {
  EventGen gen(42);
  std::vector<Event> events;
  for (int i = 0; i < 3000; ++i) events.push_back(gen.Next());
  std::vector<uint32_t> numbers;
  EventFileOptions options;
  options.parquet.row_group_rows = 700;  // several row groups and pages
  options.parquet.page_rows = 90;
  Write(&events, &numbers, "events/a.parquet",
        {{PromotedColumn::Source::kEventProperty, "plan", PromotedColumn::Type::kString},
         {PromotedColumn::Source::kEventProperty, "amount", PromotedColumn::Type::kDouble},
         {PromotedColumn::Source::kUserProperty, "flag", PromotedColumn::Type::kBool}},
        options);
  Status s = Read("events/a.parquet");
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectRoundTrip(events, numbers);
  // Several users, so user numbers really vary.
  EXPECT_GT(*std::max_element(numbers.begin(), numbers.end()), 5u);
}

TEST_F(EventFileReaderTest, RoundTripsEdgeValues) {
  Event a;
  a.event_type = "edge";
  a.user_id = "ü";
  a.time_ms = 0;
  a.arrival_ms = 253402300799999;
  a.session_id = INT64_MAX;
  a.event_properties = {{"d3", PropertyValue::Double(3.0)},
                        {"negzero", PropertyValue::Double(-0.0)},
                        {"big", PropertyValue::Double(1e300)},
                        {"tiny", PropertyValue::Double(5e-324)},
                        {"u64", PropertyValue::Double(18446744073709551615.0)},
                        {"min", PropertyValue::Int(INT64_MIN)},
                        {"max", PropertyValue::Int(INT64_MAX)},
                        {"null", PropertyValue::Null()},
                        {"", PropertyValue::String("")},
                        {"nested", PropertyValue::Json("{\"a\":[1,2.0,{\"b\":null}],\"c\":\"\\u0000\"}")},
                        {"arr", PropertyValue::Json("[]")},
                        {"nul", PropertyValue::String(std::string("a\0b", 3))},
                        {"huge", PropertyValue::String(std::string(1 << 20, 'x') + "é")},
                        {"hugejson", PropertyValue::Json("[\"" + std::string(1 << 20, 'y') + "\"]")}};
  Event b;  // empty property lists, device only
  b.event_type = "edge";
  b.device_id = "d";
  b.time_ms = 5;
  std::vector<Event> events = {a, b};
  std::vector<uint32_t> numbers;
  Write(&events, &numbers, "events/edge.parquet");
  Status s = Read("events/edge.parquet");
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectRoundTrip(events, numbers);
  ASSERT_EQ(got_.size(), 2u);
  const Event& ga = got_[1].user_id == "ü" ? got_[1] : got_[0];
  EXPECT_TRUE(std::signbit(ga.FindEventProperty("negzero")->d));
  EXPECT_EQ(ga.FindEventProperty("nested")->s, "{\"a\":[1,2.0,{\"b\":null}],\"c\":\"\\u0000\"}");
  EXPECT_EQ(ga.FindEventProperty("huge")->s.size(), (1u << 20) + 2);
}

TEST_F(EventFileReaderTest, EmptyFile) {
  std::vector<Event> events;
  std::vector<uint32_t> numbers;
  Write(&events, &numbers, "events/empty.parquet");
  got_.resize(3);  // replaced, not appended to
  ASSERT_TRUE(Read("events/empty.parquet").ok());
  EXPECT_TRUE(got_.empty());
  EXPECT_TRUE(got_numbers_.empty());
}

TEST_F(EventFileReaderTest, TruncatedOrDamagedFilesGiveAStatus) {
  EventGen gen(7);
  std::vector<Event> events;
  for (int i = 0; i < 200; ++i) events.push_back(gen.Next());
  std::vector<uint32_t> numbers;
  Write(&events, &numbers, "events/good.parquet");
  std::string bytes;
  ASSERT_TRUE(store_->Get("events/good.parquet", &bytes).ok());
  ASSERT_GT(bytes.size(), 100u);

  for (size_t len : {size_t{0}, size_t{3}, size_t{11}, size_t{12}, bytes.size() / 3, bytes.size() / 2,
                     bytes.size() - 9, bytes.size() - 8, bytes.size() - 1}) {
    ASSERT_TRUE(store_->Put("events/cut.parquet", bytes.substr(0, len)).ok());
    EXPECT_FALSE(Read("events/cut.parquet").ok()) << "truncated to " << len;
  }
  // Damage anywhere must give a Status or (where the byte does not matter,
  // e.g. in statistics) the events; never a crash. Pages are checksummed, so
  // damage inside page data is always found.
  size_t found = 0, tried = 0;
  for (size_t pos = 0; pos < bytes.size(); pos += 1 + bytes.size() / 400) {
    std::string bad = bytes;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x5a);
    ASSERT_TRUE(store_->Put("events/bad.parquet", bad).ok());
    ++tried;
    if (!Read("events/bad.parquet").ok()) ++found;
  }
  EXPECT_GT(found, tried / 2);
  // Over memory too.
  EXPECT_FALSE(ReadEventFile(std::make_unique<MemoryInput>(bytes.substr(0, bytes.size() / 2)), &got_, &got_numbers_).ok());
}

TEST_F(EventFileReaderTest, RefusesFilesThatAreNotEventsFiles) {
  // A users file.
  std::string users = dir_.path() + "/users.parquet";
  uint64_t size = 0;
  std::vector<std::string_view> keys = {"u:a"};
  ASSERT_TRUE(WriteUsersFile(users, 0, keys, &size).ok());
  ASSERT_TRUE(store_->PutFile("users/x.parquet", users).ok());
  Status s = Read("users/x.parquet");
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();

  // A Parquet file with the right names but event_type as INT64, no metadata.
  parquet::Schema wrong;
  wrong.Add("event_type", parquet::ColumnType::kInt64, parquet::Repetition::kRequired);
  std::string buf;
  std::unique_ptr<parquet::FileWriter> w;
  ASSERT_TRUE(parquet::FileWriter::Open(std::make_unique<parquet::StringOutputFile>(&buf), wrong, {}, &w).ok());
  ASSERT_TRUE(w->AppendRow({parquet::Value(int64_t{1})}).ok());
  ASSERT_TRUE(w->Close().ok());
  ASSERT_TRUE(store_->Put("events/wrong.parquet", buf).ok());
  s = Read("events/wrong.parquet");
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("event_type"), std::string::npos) << s.ToString();

  // Not Parquet at all; missing.
  ASSERT_TRUE(store_->Put("events/text.parquet", "hello, this is not parquet at all").ok());
  EXPECT_FALSE(Read("events/text.parquet").ok());
  EXPECT_TRUE(Read("events/missing.parquet").IsNotFound());
}

TEST_F(EventFileReaderTest, BadJsonInAPropertiesColumnIsCorruption) {
  EventsSchema schema;
  ASSERT_TRUE(EventsSchema::Make({}, &schema).ok());
  Event ev;
  ev.event_type = "x";
  ev.user_id = "u";
  for (std::string_view bad : {"not json", "[1,2]", "{\"a\":1} trailing", "{\"a\":", ""}) {
    std::string buf;
    std::unique_ptr<parquet::FileWriter> w;
    ASSERT_TRUE(parquet::FileWriter::Open(std::make_unique<parquet::StringOutputFile>(&buf), schema.parquet_schema(),
                                          {}, &w)
                    .ok());
    std::deque<std::string> scratch;
    std::vector<parquet::Value> row;
    schema.ToRow(ev, 0, &scratch, &row);
    row[schema.parquet_schema().num_columns() - 2] = bad;  // event_properties
    ASSERT_TRUE(w->AppendRow(row).ok());
    ASSERT_TRUE(w->Close().ok());
    ASSERT_TRUE(store_->Put("events/json.parquet", buf).ok());
    Status s = Read("events/json.parquet");
    EXPECT_TRUE(s.IsCorruption()) << bad << ": " << s.ToString();
    EXPECT_NE(s.message().find("event_properties"), std::string::npos) << s.ToString();
  }
}

TEST(ParsePropertiesJson, KindsFollowTheText) {
  std::vector<Property> props;
  ASSERT_TRUE(ParsePropertiesJson(
                  "{\"i\":3,\"d\":3.0,\"e\":1e2,\"big\":18446744073709551615,\"neg\":-0.0,\"s\":\"\\u00e9\\n\","
                  "\"o\":{\"x\":[1, 2]},\"a\":[],\"b\":false,\"n\":null}",
                  &props)
                  .ok());
  ASSERT_EQ(props.size(), 10u);
  EXPECT_EQ(props[0].value, PropertyValue::Int(3));
  EXPECT_EQ(props[1].value, PropertyValue::Double(3.0));
  EXPECT_EQ(props[2].value, PropertyValue::Double(100.0));
  EXPECT_EQ(props[3].value, PropertyValue::Double(18446744073709551615.0));
  EXPECT_TRUE(std::signbit(props[4].value.d));
  EXPECT_EQ(props[5].value, PropertyValue::String("é\n"));
  EXPECT_EQ(props[6].value, PropertyValue::Json("{\"x\":[1, 2]}"));  // the exact text
  EXPECT_EQ(props[7].value, PropertyValue::Json("[]"));
  EXPECT_EQ(props[8].value, PropertyValue::Bool(false));
  EXPECT_EQ(props[9].value, PropertyValue::Null());
  ASSERT_TRUE(ParsePropertiesJson("{}", &props).ok());
  EXPECT_TRUE(props.empty());
  EXPECT_TRUE(ParsePropertiesJson("[]", &props).IsCorruption());
  EXPECT_TRUE(ParsePropertiesJson("{} {}", &props).IsCorruption());
  // Nested values are kept as text, but only valid JSON text.
  for (const char* bad : {"{\"a\":{\"b\":1,,}}", "{\"a\":[1 2]}", "{\"a\":[1,2}", "{\"a\":[tru]}",
                          "{\"a\":[\"\\x\"]}", "{\"a\":{\"b\":01}}", "{\"a\":{\"b\"}}"})
    EXPECT_TRUE(ParsePropertiesJson(bad, &props).IsCorruption()) << bad;
  PropertyValue v;
  ASSERT_TRUE(ParseJsonValue("{\"a\":1}", &v).ok());
  EXPECT_EQ(v, PropertyValue::Json("{\"a\":1}"));
  ASSERT_TRUE(ParseJsonValue("\"s\"", &v).ok());
  EXPECT_EQ(v, PropertyValue::String("s"));
  EXPECT_TRUE(ParseJsonValue("1 2", &v).IsCorruption());
  EXPECT_TRUE(ParseJsonValue("", &v).IsCorruption());
}

}  // namespace
}  // namespace swell::lake
