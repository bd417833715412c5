#include "lake/event_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

namespace swell {
// Failures show events as their JSON line, every property with its kind.
void PrintTo(const Event& e, std::ostream* os) {
  std::string line;
  lake::AppendEventJson(e, &line);
  *os << line << " kinds:";
  for (const auto* list : {&e.fields, &e.event_properties, &e.user_properties})
    for (const Property& p : *list) *os << ' ' << static_cast<int>(p.value.kind);
}
}  // namespace swell

namespace swell::lake {
namespace {

Event RoundTrip(const Event& e) {
  std::string line;
  AppendEventJson(e, &line);
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  Event back;
  Status s = ParseEventJson(line, &back);
  EXPECT_TRUE(s.ok()) << s.ToString() << "\n" << line;
  return back;
}

Event Basic() {
  Event e;
  e.event_type = "purchase";
  e.user_id = "u-1";
  e.time_ms = 1714608000000;
  e.arrival_ms = 1714608000123;
  return e;
}

TEST(EventJsonTest, WritesAmplitudeNames) {
  Event e = Basic();
  e.fields.push_back({"platform", PropertyValue::String("iOS")});
  e.event_properties.push_back({"price", PropertyValue::Double(9.99)});
  std::string line;
  AppendEventJson(e, &line);
  EXPECT_EQ(line,
            R"({"event_type":"purchase","user_id":"u-1","device_id":null,"insert_id":null,"time":1714608000000,)"
            R"("session_id":-1,"arrival":1714608000123,"event_properties":{"price":9.99},"user_properties":{},)"
            R"("platform":"iOS"})");
  EXPECT_EQ(RoundTrip(e), e);
}

TEST(EventJsonTest, KeepsPropertyKinds) {
  Event e = Basic();
  const double kDoubles[] = {3.0, -0.0, 0.0, 1e300, -1e-300, 5e-324, 1.7976931348623157e308, 0.1, 123456789012345678.0,
                             9007199254740993.0, -2.5};
  for (double d : kDoubles) e.event_properties.push_back({"d", PropertyValue::Double(d)});
  const int64_t kInts[] = {0, -1, 1, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  for (int64_t i : kInts) e.event_properties.push_back({"i", PropertyValue::Int(i)});
  e.event_properties.push_back({"t", PropertyValue::Bool(true)});
  e.event_properties.push_back({"f", PropertyValue::Bool(false)});
  e.event_properties.push_back({"n", PropertyValue::Null()});
  e.event_properties.push_back({"s", PropertyValue::String("")});
  e.event_properties.push_back({"s3", PropertyValue::String("3.0")});
  e.event_properties.push_back({"snull", PropertyValue::String("null")});
  e.user_properties.push_back({"j", PropertyValue::Json(R"({"a":[1,2.0,{"b":"c\"d"}],"e":null,"a":1})")});
  e.user_properties.push_back({"arr", PropertyValue::Json("[]")});
  e.user_properties.push_back({"obj", PropertyValue::Json("{}")});
  // Not compact: still byte for byte.
  e.user_properties.push_back({"ws", PropertyValue::Json("{ \"a\" : [ 1 , 2 ] }")});
  Event back = RoundTrip(e);
  ASSERT_EQ(back, e);
  for (size_t k = 0; k < back.event_properties.size(); ++k) {
    EXPECT_EQ(back.event_properties[k].value.kind, e.event_properties[k].value.kind) << k;
    if (e.event_properties[k].value.kind == PropertyValue::Kind::kDouble) {
      EXPECT_EQ(std::signbit(back.event_properties[k].value.d), std::signbit(e.event_properties[k].value.d)) << k;
    }
  }
  std::string line;
  AppendEventJson(e, &line);
  EXPECT_NE(line.find(R"("d":3.0,)"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("d":-0.0,)"), std::string::npos) << line;
}

TEST(EventJsonTest, EmptyAndMissingStrings) {
  Event e;  // every member at its default, event_type ""
  EXPECT_EQ(RoundTrip(e), e);
  e.device_id = "d";
  e.session_id = 0;
  e.fields.push_back({"", PropertyValue::String("")});
  e.event_properties.push_back({"", PropertyValue::Null()});
  EXPECT_EQ(RoundTrip(e), e);
}

TEST(EventJsonTest, UnicodeAndEscapes) {
  Event e = Basic();
  e.event_type = "Purchase ✓ 日本語 🚀";
  e.user_id = "Ω\"\\/\b\f\n\r\t\x01\x1f\x7f";
  e.insert_id = std::string("nul\0inside", 10);
  e.fields.push_back({"città", PropertyValue::String("naïve – 𝄞")});
  e.event_properties.push_back({"k\"ey\n", PropertyValue::String("\u2028\u2029")});
  EXPECT_EQ(RoundTrip(e), e);
}

TEST(EventJsonTest, FieldsNamedLikeMembersAndRepeatedKeys) {
  Event e = Basic();
  e.fields.push_back({"time", PropertyValue::String("not the time")});
  e.fields.push_back({"arrival", PropertyValue::Int(7)});
  e.fields.push_back({"event_properties", PropertyValue::Json(R"({"x":1})")});
  e.fields.push_back({"platform", PropertyValue::String("a")});
  e.fields.push_back({"platform", PropertyValue::String("b")});
  e.event_properties.push_back({"k", PropertyValue::Int(1)});
  e.event_properties.push_back({"k", PropertyValue::Int(2)});
  EXPECT_EQ(RoundTrip(e), e);
}

TEST(EventJsonTest, NonFiniteDoublesBecomeNull) {
  Event e = Basic();
  e.event_properties.push_back({"nan", PropertyValue::Double(std::nan(""))});
  e.event_properties.push_back({"inf", PropertyValue::Double(-INFINITY)});
  Event back = RoundTrip(e);
  ASSERT_EQ(back.event_properties.size(), 2u);
  EXPECT_EQ(back.event_properties[0].value, PropertyValue::Null());
  EXPECT_EQ(back.event_properties[1].value, PropertyValue::Null());
}

TEST(EventJsonTest, JsonValuesThatAreNotObjectsOrArraysBecomeStrings) {
  Event e = Basic();
  e.event_properties.push_back({"a", PropertyValue::Json("5")});
  e.event_properties.push_back({"b", PropertyValue::Json("{broken")});
  e.event_properties.push_back({"c", PropertyValue::Json(" {}")});
  Event back = RoundTrip(e);
  ASSERT_EQ(back.event_properties.size(), 3u);
  EXPECT_EQ(back.event_properties[0].value, PropertyValue::String("5"));
  EXPECT_EQ(back.event_properties[1].value, PropertyValue::String("{broken"));
  EXPECT_EQ(back.event_properties[2].value, PropertyValue::String(" {}"));
}

TEST(EventJsonTest, ReadsForeignLines) {
  Event e;
  ASSERT_TRUE(ParseEventJson(R"( {"time": 5, "event_type" : "x", "big": 18446744073709551615, "f": 1e2,
      "user_properties": null, "device_id": "d"} )", &e).ok());
  EXPECT_EQ(e.event_type, "x");
  EXPECT_EQ(e.time_ms, 5);
  EXPECT_EQ(e.device_id, "d");
  EXPECT_EQ(e.session_id, -1);
  ASSERT_EQ(e.fields.size(), 2u);
  EXPECT_EQ(e.fields[0].value, PropertyValue::Double(18446744073709551615.0));
  EXPECT_EQ(e.fields[1].value, PropertyValue::Double(100));
}

TEST(EventJsonTest, RefusesMalformedLines) {
  const char* kBad[] = {
      "",
      "[]",
      "null",
      "{",
      R"({"time":1})",                                  // no event_type
      R"({"event_type":1})",
      R"({"event_type":"e","time":"1"})",
      R"({"event_type":"e","time":1.5})",
      R"({"event_type":"e","time":9223372036854775808})",
      R"({"event_type":"e","user_id":5})",
      R"({"event_type":"e","event_properties":[]})",
      R"({"event_type":"e","event_properties":{"a":tru}})",
      R"({"event_type":"e"} {})",
      R"({"event_type":"e"} x)",
      R"({"event_type":"e","a":1,})",
      "{\"event_type\":\"\xff\"}",                    // invalid UTF-8
      R"({"event_type":"\ud800"})",                      // lone surrogate
  };
  for (const char* line : kBad) {
    Event e;
    Status s = ParseEventJson(line, &e);
    EXPECT_TRUE(s.IsInvalidArgument()) << line << " -> " << s.ToString();
  }
}

// Random events from an adversarial alphabet: every kind, repeated keys,
// member names as fields, escapes, multi-byte UTF-8.
struct Gen {
  std::mt19937_64 rng;
  explicit Gen(uint64_t seed) : rng(seed) {}
  uint64_t Next(uint64_t n) { return rng() % n; }

  std::string Str() {
    static const char* kPieces[] = {"", "a", "é", "日本", "🚀", "\"", "\\", "\n", "\t", "\x01", "/", "\u2028",
                                    "null", "true", "3.0", "{", "]", ",", ":", " ", "\x7f"};
    std::string s;
    for (uint64_t n = Next(6); n > 0; --n) s += kPieces[Next(std::size(kPieces))];
    return s;
  }
  std::string Key() {
    static const char* kKeys[] = {"time", "arrival", "user_id", "event_type", "event_properties", "k", "k2", "",
                                  "ünï", "platform"};
    return Next(3) == 0 ? Str() : kKeys[Next(std::size(kKeys))];
  }
  double Double() {
    switch (Next(5)) {
      case 0: return static_cast<double>(static_cast<int64_t>(rng())) / 1024.0;
      case 1: return std::ldexp(static_cast<double>(rng() >> 11), static_cast<int>(Next(2000)) - 1100);
      case 2: return static_cast<double>(static_cast<int64_t>(Next(100)) - 50);
      case 3: {
        double d;
        uint64_t bits = rng();
        std::memcpy(&d, &bits, 8);
        return std::isfinite(d) ? d : 1.5;
      }
      default: return Next(2) ? -0.0 : 0.0;
    }
  }
  PropertyValue Value() {
    static const char* kJson[] = {R"({"a":[1,2.5,{"b":"c"}],"d":null})", "[]", "{}", R"(["x",1.5,true,-0.0,1e300])",
                                  R"({"k":"\u00e9\n","k":{"deep":[[[]]]}})", R"([18446744073709551615])"};
    switch (Next(7)) {
      case 0: return PropertyValue::Null();
      case 1: return PropertyValue::Bool(Next(2) == 1);
      case 2: {
        int64_t v = static_cast<int64_t>(rng());
        if (Next(4) == 0) v = Next(2) ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
        return PropertyValue::Int(Next(2) ? v : v % 1000);
      }
      case 3: return PropertyValue::Double(Double());
      case 4: return PropertyValue::Json(kJson[Next(std::size(kJson))]);
      default: return PropertyValue::String(Str());
    }
  }
  std::vector<Property> Props() {
    std::vector<Property> out;
    for (uint64_t n = Next(6); n > 0; --n) out.push_back({Key(), Value()});
    return out;
  }
  Event Make() {
    Event e;
    e.event_type = Str();
    e.user_id = Next(3) ? Str() : "";
    e.device_id = Next(2) ? Str() : "";
    e.insert_id = Next(2) ? Str() : "";
    e.time_ms = static_cast<int64_t>(rng());
    e.arrival_ms = Next(2) ? static_cast<int64_t>(rng()) : 0;
    e.session_id = Next(3) ? static_cast<int64_t>(rng()) : -1;
    e.fields = Props();
    e.event_properties = Props();
    e.user_properties = Props();
    return e;
  }
};

TEST(EventJsonTest, RandomEventsRoundTrip) {
  Gen g(42);
  for (int i = 0; i < 20000; ++i) {
    Event e = g.Make();
    Event back = RoundTrip(e);
    ASSERT_EQ(back, e) << "event " << i;
  }
}

}  // namespace
}  // namespace swell::lake
