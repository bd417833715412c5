#include "collect/amplitude_request.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace swell::collect {
namespace {

constexpr int64_t kNow = 1764000000123;  // 2025-11-24T16:00:00.123Z

std::string Body(std::initializer_list<std::string> events, std::string extra = "") {
  std::string b = "{\"api_key\":\"key-1\",\"events\":[";
  bool first = true;
  for (const std::string& e : events) {
    if (!first) b += ',';
    first = false;
    b += e;
  }
  b += "]";
  b += extra;
  b += "}";
  return b;
}

// A valid event with extra members appended: Ev(R"("platform":"iOS")").
std::string Ev(const std::string& extra = "") {
  std::string e = R"({"event_type":"play","user_id":"user-1")";
  if (!extra.empty()) e += "," + extra;
  return e + "}";
}

class AmplitudeRequestTest : public ::testing::Test {
 protected:
  bool Parse(const std::string& body) {
    req_ = ParsedRequest();
    err_ = IngestError();
    return ParseAmplitudeRequest(body, kNow, limits_, &req_, &err_);
  }

  // Parses the refusal body; fails the test if it is not JSON.
  simdjson::dom::element Error() {
    simdjson::dom::element e;
    EXPECT_EQ(parser_.parse(err_.body_json).get(e), simdjson::SUCCESS) << err_.body_json;
    return e;
  }
  std::string ErrorText() {
    std::string_view s;
    EXPECT_EQ(Error()["error"].get(s), simdjson::SUCCESS) << err_.body_json;
    return std::string(s);
  }
  int64_t ErrorCode() {
    int64_t c = 0;
    EXPECT_EQ(Error()["code"].get(c), simdjson::SUCCESS) << err_.body_json;
    return c;
  }
  std::string StringMember(const char* key) {
    std::string_view s;
    if (Error()[key].get(s) != simdjson::SUCCESS) return "<absent>";
    return std::string(s);
  }
  // events_with_...[field] as a list, or {-1} when absent.
  std::vector<int64_t> Indexes(const char* map, const std::string& field) {
    simdjson::dom::array a;
    if (Error()[map][field].get(a) != simdjson::SUCCESS) return {-1};
    std::vector<int64_t> out;
    for (auto v : a) out.push_back(v.get_int64().value());
    return out;
  }
  size_t MapSize(const char* map) {
    simdjson::dom::object o;
    if (Error()[map].get(o) != simdjson::SUCCESS) return 0;
    return o.size();
  }

  const Property* EventProp(size_t i, const std::string& key) {
    for (const Property& p : req_.events.at(i).event_properties)
      if (p.key == key) return &p;
    return nullptr;
  }

  IngestLimits limits_;
  ParsedRequest req_;
  IngestError err_;
  simdjson::dom::parser parser_;
};

TEST_F(AmplitudeRequestTest, AcceptsMinimalEventWithDefaults) {
  ASSERT_TRUE(Parse(Body({Ev()}))) << err_.body_json;
  EXPECT_EQ(req_.api_key, "key-1");
  ASSERT_EQ(req_.events.size(), 1u);
  const Event& e = req_.events[0];
  EXPECT_EQ(e.event_type, "play");
  EXPECT_EQ(e.user_id, "user-1");
  EXPECT_EQ(e.device_id, "");
  EXPECT_EQ(e.insert_id, "");
  EXPECT_EQ(e.session_id, -1);
  EXPECT_TRUE(e.fields.empty());
  EXPECT_TRUE(e.event_properties.empty());
}

TEST_F(AmplitudeRequestTest, TimeDefaultsToArrivalAndArrivalIsAlwaysStamped) {
  ASSERT_TRUE(Parse(Body({Ev(), Ev(R"("time":1700000000000)")}))) << err_.body_json;
  EXPECT_EQ(req_.events[0].time_ms, kNow);
  EXPECT_EQ(req_.events[0].arrival_ms, kNow);
  EXPECT_EQ(req_.events[1].time_ms, 1700000000000);
  EXPECT_EQ(req_.events[1].arrival_ms, kNow);
}

TEST_F(AmplitudeRequestTest, AcceptsEveryKnownFieldWithItsType) {
  std::string e = R"({"event_type":"purchase","user_id":"user-42","device_id":"device-42","insert_id":"ins-1",
    "time":1700000000000,"session_id":1699999999000,"app_version":"2.1.0","version_name":"v2","library":"amplitude-node-ts/1.0",
    "platform":"iOS","os_name":"ios","os_version":"17.1","device_brand":"Apple","device_manufacturer":"Apple",
    "device_model":"iPhone15,2","carrier":"T-Mobile","country":"US","region":"CA","city":"San Francisco","dma":"SF",
    "language":"en","ip":"127.0.0.1","idfa":"a","idfv":"b","adid":"c","android_id":"d","android_app_set_id":"e",
    "partner_id":"p","user_agent":"ua","productId":"sku-1","revenueType":"purchase","currency":"USD",
    "receipt":"r","receiptSig":"s","plan":{"branch":"main","version":"1"},"ingestion_metadata":{"source_name":"x"},
    "groups":{"company":["a","b"]},"group_properties":{"size":10},"extra":{"k":"v"},"price":9.99,"revenue":19,
    "quantity":2,"event_id":7,"location_lat":37.77,"location_lng":-122.41,
    "event_properties":{"a":1},"user_properties":{"$set":{"tier":"gold"}}})";
  ASSERT_TRUE(Parse(Body({e}))) << err_.body_json;
  const Event& ev = req_.events[0];
  EXPECT_EQ(ev.device_id, "device-42");
  EXPECT_EQ(ev.insert_id, "ins-1");
  EXPECT_EQ(ev.time_ms, 1700000000000);
  EXPECT_EQ(ev.session_id, 1699999999000);
  EXPECT_EQ(ev.fields.size(), 39u);  // every key but the 8 with Event members
  ASSERT_NE(ev.FindField("platform"), nullptr);
  EXPECT_EQ(*ev.FindField("platform"), PropertyValue::String("iOS"));
  EXPECT_EQ(*ev.FindField("city"), PropertyValue::String("San Francisco"));
  EXPECT_EQ(*ev.FindField("plan"), PropertyValue::Json(R"({"branch":"main","version":"1"})"));
  EXPECT_EQ(*ev.FindField("groups"), PropertyValue::Json(R"({"company":["a","b"]})"));
  EXPECT_EQ(*ev.FindField("price"), PropertyValue::Double(9.99));
  EXPECT_EQ(*ev.FindField("revenue"), PropertyValue::Double(19));
  EXPECT_EQ(*ev.FindField("quantity"), PropertyValue::Int(2));
  EXPECT_EQ(*ev.FindField("event_id"), PropertyValue::Int(7));
  EXPECT_EQ(*ev.FindField("location_lat"), PropertyValue::Double(37.77));
  EXPECT_EQ(*ev.FindField("location_lng"), PropertyValue::Double(-122.41));
  ASSERT_EQ(ev.user_properties.size(), 1u);
  EXPECT_EQ(ev.user_properties[0].key, "$set");
  EXPECT_EQ(ev.user_properties[0].value, PropertyValue::Json(R"({"tier":"gold"})"));
}

TEST_F(AmplitudeRequestTest, AcceptsTheAmplitudeNodeSdkPayload) {
  // The shape @amplitude/analytics-node posts: options with an undefined
  // min_id_length dropped by JSON.stringify, and client_upload_time.
  std::string body = R"({"api_key":"abc","events":[{"device_id":"7c0fd5d2-1b0f-4c2e-a8a5-3f2d7a9f0b11",
    "user_id":"user@example.com","time":1764000000000,"platform":"Node.js","os_name":"darwin","os_version":"v20.11.0",
    "library":"amplitude-node-ts/1.3.6","insert_id":"8d4e9b2c-1111-4222-8333-944455556666","event_type":"Button Clicked",
    "event_properties":{"button":"signup"},"event_id":0}],"options":{},"client_upload_time":"2026-11-24T23:00:00.000Z",
    "request_metadata":{"sdk":{"metrics":{"histogram":{}}}}})";
  ASSERT_TRUE(Parse(body)) << err_.body_json;
  EXPECT_EQ(req_.events[0].user_id, "user@example.com");
}

TEST_F(AmplitudeRequestTest, MissingApiKey) {
  for (const std::string& body : {std::string(R"({"events":[)" + Ev() + "]}"),
                                  std::string(R"({"api_key":null,"events":[)" + Ev() + "]}"),
                                  std::string(R"({"api_key":"","events":[)" + Ev() + "]}")}) {
    ASSERT_FALSE(Parse(body)) << body;
    EXPECT_EQ(err_.http_status, 400);
    EXPECT_EQ(ErrorCode(), 400);
    EXPECT_EQ(ErrorText(), "Request missing required field");
    EXPECT_EQ(StringMember("missing_field"), "api_key");
  }
}

TEST_F(AmplitudeRequestTest, ApiKeyOfWrongType) {
  ASSERT_FALSE(Parse(R"({"api_key":12345,"events":[)" + Ev() + "]}"));
  EXPECT_EQ(err_.http_status, 400);
  EXPECT_EQ(StringMember("invalid_field"), "api_key");
  EXPECT_EQ(StringMember("missing_field"), "<absent>");
  EXPECT_NE(ErrorText().find("must be a string"), std::string::npos);
}

TEST_F(AmplitudeRequestTest, MissingOrEmptyEvents) {
  for (const char* body : {R"({"api_key":"k"})", R"({"api_key":"k","events":[]})", R"({"api_key":"k","events":null})"}) {
    ASSERT_FALSE(Parse(body)) << body;
    EXPECT_EQ(err_.http_status, 400);
    EXPECT_EQ(ErrorText(), "Request missing required field");
    EXPECT_EQ(StringMember("missing_field"), "events");
  }
}

TEST_F(AmplitudeRequestTest, EventsThatAreNotAnArray) {
  for (const std::string& body : {std::string(R"({"api_key":"k","events":)") + Ev() + "}",
                                  std::string(R"({"api_key":"k","events":"play"})"),
                                  std::string(R"({"api_key":"k","events":3})")}) {
    ASSERT_FALSE(Parse(body)) << body;
    EXPECT_EQ(err_.http_status, 400);
    EXPECT_EQ(StringMember("invalid_field"), "events");
    EXPECT_NE(ErrorText().find("must be a JSON array"), std::string::npos) << ErrorText();
  }
}

TEST_F(AmplitudeRequestTest, BodyThatIsNotAnObject) {
  for (const char* body : {"[]", R"(["api_key"])", R"("text")", "42", "null", "true"}) {
    ASSERT_FALSE(Parse(body)) << body;
    EXPECT_EQ(err_.http_status, 400);
    EXPECT_EQ(ErrorText(), "Invalid request body: expected a JSON object with api_key and events") << body;
  }
}

TEST_F(AmplitudeRequestTest, MalformedJsonOfSeveralKinds) {
  const std::string bad[] = {
      "",                                              // empty body
      "   ",                                           // only whitespace
      "{",                                             // unterminated object
      R"({"api_key":"k",})",                           // trailing comma
      R"({"api_key" "k"})",                            // missing colon
      R"({"api_key":"k"} {"x":1})",                    // two documents
      R"({"api_key":"k","events":[{"event_type":"a)",  // unterminated string
      R"({"api_key":'k'})",                            // single quotes
      R"({"api_key":"k","events":[NaN]})",             // not a JSON literal
      R"({"api_key":"k","events":[01]})",              // leading zero
      std::string("{\"api_key\":\"k\xff\xfe\"}"),      // invalid UTF-8
      std::string("{\"api_key\":\"a\x01\"}"),          // raw control character in a string
      R"({"api_key":"\x41"})",                         // invalid escape
      R"({"api_key":"k","events":[{"event_type":"a","user_id":"user-1","event_properties":{"x":123456789012345678901234567890}}]})",
      R"({"api_key":"k","events":[{"event_type":"a","user_id":"user-1","event_properties":{"x":1e400}}]})",
  };
  for (const std::string& body : bad) {
    ASSERT_FALSE(Parse(body)) << body;
    EXPECT_EQ(err_.http_status, 400) << body;
    EXPECT_EQ(ErrorCode(), 400);
    const std::string text = ErrorText();
    EXPECT_EQ(text.rfind("Invalid JSON request body: ", 0), 0u) << text;
    EXPECT_GT(text.size(), std::string("Invalid JSON request body: ").size()) << "reason missing";
  }
}

TEST_F(AmplitudeRequestTest, UnknownRequestAndOptionKeysAreRefused) {
  ASSERT_FALSE(Parse(Body({Ev()}, R"(,"evnets":[])")));
  EXPECT_EQ(err_.http_status, 400);
  EXPECT_EQ(StringMember("invalid_field"), "evnets");
  ASSERT_FALSE(Parse(Body({Ev()}, R"(,"options":{"min_id_lenght":3})")));
  EXPECT_EQ(StringMember("invalid_field"), "options.min_id_lenght");
  ASSERT_FALSE(Parse(Body({Ev()}, R"(,"options":[1])")));
  EXPECT_EQ(StringMember("invalid_field"), "options");
  for (const char* bad : {R"(,"options":{"min_id_length":"5"})", R"(,"options":{"min_id_length":-1})",
                          R"(,"options":{"min_id_length":2.5})"}) {
    ASSERT_FALSE(Parse(Body({Ev()}, bad))) << bad;
    EXPECT_EQ(StringMember("invalid_field"), "options.min_id_length") << bad;
  }
}

TEST_F(AmplitudeRequestTest, UnknownEventKeyIsAnInvalidFieldUnderItsOwnName) {
  ASSERT_FALSE(Parse(Body({Ev(), Ev(R"("colour":"red")")})));
  EXPECT_EQ(err_.http_status, 400);
  EXPECT_EQ(ErrorText(), "Invalid field values on some events");
  EXPECT_EQ(Indexes("events_with_invalid_fields", "colour"), (std::vector<int64_t>{1}));
  EXPECT_EQ(MapSize("events_with_invalid_fields"), 1u);
  EXPECT_TRUE(req_.events.empty()) << "a refused request yields no events";
  // The details name the event, the field and why.
  simdjson::dom::array details;
  ASSERT_EQ(Error()["details"].get(details), simdjson::SUCCESS);
  ASSERT_EQ(details.size(), 1u);
  EXPECT_EQ(details.at(0)["event"].get_int64().value(), 1);
  EXPECT_EQ(details.at(0)["field"].get_string().value(), "colour");
  EXPECT_EQ(details.at(0)["problem"].get_string().value(), "invalid");
  EXPECT_NE(std::string(details.at(0)["reason"].get_string().value()).find("unknown field"), std::string::npos);
}

TEST_F(AmplitudeRequestTest, LongUnknownKeysAreShortenedInTheError) {
  const std::string key(5000, 'z');
  ASSERT_FALSE(Parse(Body({Ev("\"" + key + "\":1")})));
  EXPECT_EQ(Indexes("events_with_invalid_fields", std::string(128, 'z') + "..."), (std::vector<int64_t>{0}));
  EXPECT_LT(err_.body_json.size(), 1000u);
}

TEST_F(AmplitudeRequestTest, WrongTypesForEveryTypedField) {
  struct Case {
    const char* field;
    const char* member;  // the bad member as JSON
  };
  const Case cases[] = {
      {"event_type", R"("event_type":5)"},
      {"event_type", R"("event_type":"")"},
      {"event_type", R"("event_type":["a"])"},
      {"user_id", R"("user_id":12345678)"},
      {"device_id", R"("device_id":true)"},
      {"insert_id", R"("insert_id":1)"},
      {"time", R"("time":"1700000000000")"},
      {"time", R"("time":1700000000000.5)"},
      {"time", R"("time":1.7e12)"},
      {"time", R"("time":-1)"},
      {"time", R"("time":253402300800000)"},
      {"time", R"("time":18446744073709551615)"},
      {"session_id", R"("session_id":"s")"},
      {"session_id", R"("session_id":1.5)"},
      {"session_id", R"("session_id":-2)"},
      {"event_properties", R"("event_properties":[1,2])"},
      {"event_properties", R"("event_properties":"a=b")"},
      {"user_properties", R"("user_properties":7)"},
      {"platform", R"("platform":3)"},
      {"app_version", R"("app_version":{"major":1})"},
      {"os_name", R"("os_name":false)"},
      {"country", R"("country":["US"])"},
      {"plan", R"("plan":"main")"},
      {"groups", R"("groups":["a"])"},
      {"ingestion_metadata", R"("ingestion_metadata":1)"},
      {"group_properties", R"("group_properties":[])"},
      {"extra", R"("extra":"x")"},
      {"price", R"("price":"9.99")"},
      {"revenue", R"("revenue":true)"},
      {"quantity", R"("quantity":1.5)"},
      {"quantity", R"("quantity":"2")"},
      {"event_id", R"("event_id":"7")"},
      {"location_lat", R"("location_lat":91)"},
      {"location_lat", R"("location_lat":"37.7")"},
      {"location_lng", R"("location_lng":-180.5)"},
  };
  for (const Case& c : cases) {
    // A valid event first: only the bad one (index 1) may be named.
    std::string bad = R"({"user_id":"user-1","event_type":"play",)" + std::string(c.member) + "}";
    std::string body = Body({Ev(), bad});
    ASSERT_FALSE(Parse(body)) << body;
    EXPECT_EQ(err_.http_status, 400);
    EXPECT_EQ(ErrorText(), "Invalid field values on some events") << c.member;
    EXPECT_EQ(Indexes("events_with_invalid_fields", c.field), (std::vector<int64_t>{1})) << c.member << " -> "
                                                                                         << err_.body_json;
    EXPECT_EQ(MapSize("events_with_invalid_fields"), 1u) << err_.body_json;
  }
}

TEST_F(AmplitudeRequestTest, BoundaryValuesThatAreValid) {
  ASSERT_TRUE(Parse(Body({Ev(R"("time":0)"), Ev(R"("time":253402300799999)"), Ev(R"("session_id":-1)"),
                          Ev(R"("location_lat":-90,"location_lng":180)"), Ev(R"("price":3)")})))
      << err_.body_json;
  EXPECT_EQ(req_.events[0].time_ms, 0);
  EXPECT_EQ(req_.events[1].time_ms, 253402300799999);
  EXPECT_EQ(*req_.events[4].FindField("price"), PropertyValue::Double(3));
}

TEST_F(AmplitudeRequestTest, NullOptionalFieldsAreAbsent) {
  ASSERT_TRUE(Parse(Body({Ev(R"("device_id":null,"time":null,"platform":null,"event_properties":null,"price":null)")})))
      << err_.body_json;
  EXPECT_EQ(req_.events[0].time_ms, kNow);
  EXPECT_TRUE(req_.events[0].fields.empty());
}

TEST_F(AmplitudeRequestTest, MissingRequiredEventFields) {
  ASSERT_FALSE(Parse(Body({Ev(), R"({"user_id":"user-1"})", R"({"event_type":"x"})",
                           R"({"event_type":null,"device_id":"device-1"})", R"({"event_type":"x","user_id":""})"})));
  EXPECT_EQ(err_.http_status, 400);
  EXPECT_EQ(ErrorText(), "Request missing required field");
  EXPECT_EQ(StringMember("missing_field"), "<absent>") << "missing_field is for request-level fields only";
  EXPECT_EQ(Indexes("events_with_missing_fields", "event_type"), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(Indexes("events_with_missing_fields", "user_id"), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(Indexes("events_with_missing_fields", "device_id"), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(MapSize("events_with_invalid_fields"), 0u);
}

// An event_type that is there but refused (too long, empty, not a string)
// is invalid, not also missing: the SDKs act on each list differently.
TEST_F(AmplitudeRequestTest, RefusedEventTypeIsInvalidNotMissing) {
  const std::string too_long(1025, 'x');
  ASSERT_FALSE(Parse(Body({R"({"event_type":")" + too_long + R"(","user_id":"user-1"})",
                           R"({"event_type":"","user_id":"user-1"})", R"({"event_type":7,"user_id":"user-1"})"})));
  EXPECT_EQ(err_.http_status, 400);
  EXPECT_EQ(Indexes("events_with_invalid_fields", "event_type"), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(Indexes("events_with_missing_fields", "event_type"), (std::vector<int64_t>{-1})) << "not listed";
}

TEST_F(AmplitudeRequestTest, DeviceIdAloneIsEnough) {
  ASSERT_TRUE(Parse(Body({R"({"event_type":"x","device_id":"device-1"})"}))) << err_.body_json;
  EXPECT_EQ(req_.events[0].user_id, "");
  EXPECT_EQ(req_.events[0].UserKey(), "d:device-1");
}

TEST_F(AmplitudeRequestTest, TooShortIdsWithDefaultMinIdLength) {
  ASSERT_FALSE(Parse(Body({Ev(), R"({"event_type":"x","user_id":"abcd"})", R"({"event_type":"x","device_id":"abc"})",
                           R"({"event_type":"x","user_id":"abcde","device_id":"ab"})"})));
  EXPECT_EQ(err_.http_status, 400);
  EXPECT_EQ(ErrorText(), "Invalid id length for user_id or device_id");
  EXPECT_EQ(Indexes("events_with_invalid_id_lengths", "user_id"), (std::vector<int64_t>{1}));
  EXPECT_EQ(Indexes("events_with_invalid_id_lengths", "device_id"), (std::vector<int64_t>{2, 3}));
  // Five characters is enough, and characters are counted, not bytes.
  ASSERT_TRUE(Parse(Body({R"({"event_type":"x","user_id":"abcde"})", R"({"event_type":"x","user_id":"日本語の人"})"})))
      << err_.body_json;
  ASSERT_FALSE(Parse(Body({R"({"event_type":"x","user_id":"日本"})"})));  // 6 bytes, 2 characters
  EXPECT_EQ(Indexes("events_with_invalid_id_lengths", "user_id"), (std::vector<int64_t>{0}));
}

TEST_F(AmplitudeRequestTest, EventsOlderThanTheHorizonAreRefused) {
  const int64_t day = 86'400'000;
  limits_.max_event_age_ms = 30 * day;
  const std::string at_edge = Ev(R"("time":)" + std::to_string(kNow - 30 * day));
  const std::string too_old = Ev(R"("time":)" + std::to_string(kNow - 30 * day - 1));
  ASSERT_TRUE(Parse(Body({at_edge, Ev(R"("time":)" + std::to_string(kNow + day))}))) << err_.body_json;
  ASSERT_FALSE(Parse(Body({at_edge, too_old})));
  EXPECT_EQ(err_.http_status, 400);
  EXPECT_EQ(Indexes("events_with_invalid_fields", "time"), (std::vector<int64_t>{1}));
  EXPECT_NE(err_.body_json.find("more than 30 days before its arrival"), std::string::npos) << err_.body_json;
  limits_.max_event_age_ms = 0;  // no horizon: any age
  ASSERT_TRUE(Parse(Body({too_old, Ev(R"("time":0)")}))) << err_.body_json;
}

TEST_F(AmplitudeRequestTest, TooShortIdsWithCustomMinIdLength) {
  const std::string two = R"(,"options":{"min_id_length":2})";
  ASSERT_TRUE(Parse(Body({R"({"event_type":"x","user_id":"ab"})"}, two))) << err_.body_json;
  ASSERT_FALSE(Parse(Body({R"({"event_type":"x","user_id":"ab"})", R"({"event_type":"x","device_id":"a"})"}, two)));
  EXPECT_EQ(Indexes("events_with_invalid_id_lengths", "device_id"), (std::vector<int64_t>{1}));
  EXPECT_EQ(Indexes("events_with_invalid_id_lengths", "user_id"), (std::vector<int64_t>{-1}));
  ASSERT_TRUE(Parse(Body({R"({"event_type":"x","user_id":"a"})"}, R"(,"options":{"min_id_length":0})")))
      << err_.body_json;
  ASSERT_FALSE(Parse(Body({R"({"event_type":"x","user_id":"abcdefgh"})"}, R"(,"options":{"min_id_length":9})")));
  // A server-wide default applies when the request names none.
  limits_.default_min_id_length = 1;
  ASSERT_TRUE(Parse(Body({R"({"event_type":"x","user_id":"a"})"}))) << err_.body_json;
}

TEST_F(AmplitudeRequestTest, NestedPropertiesAreKeptAsCompactJson) {
  ASSERT_TRUE(Parse(Body({Ev(R"("event_properties":{"cart": { "items" : [1, 2.5, "x"], "meta": {"a": null, "b": true} },
      "tags": [ ], "empty": {}, "deep": [[{"k": [ "v" ]}]]})")})))
      << err_.body_json;
  EXPECT_EQ(EventProp(0, "cart")->value, PropertyValue::Json(R"({"items":[1,2.5,"x"],"meta":{"a":null,"b":true}})"));
  EXPECT_EQ(EventProp(0, "tags")->value, PropertyValue::Json("[]"));
  EXPECT_EQ(EventProp(0, "empty")->value, PropertyValue::Json("{}"));
  EXPECT_EQ(EventProp(0, "deep")->value, PropertyValue::Json(R"([[{"k":["v"]}]])"));
  ASSERT_TRUE(Parse(Body({Ev(R"("event_properties":{"n":{"q":"a\"b\\c\n\u0001\u00e9/","d":[2.0,-0.5,1e300,18446744073709551615]}})")})))
      << err_.body_json;
  EXPECT_EQ(EventProp(0, "n")->value,
            PropertyValue::Json(R"({"q":"a\"b\\c\n\u0001é/","d":[2.0,-0.5,1e+300,18446744073709551615]})"));
  ASSERT_TRUE(Parse(Body({Ev(R"("event_properties":{"cart": { "items" : [1, 2.5, "x"], "meta": {"a": null, "b": true} },
      "tags": [ ], "empty": {}, "deep": [[{"k": [ "v" ]}]]})")})));
  // Properties keep the client's order.
  ASSERT_EQ(req_.events[0].event_properties.size(), 4u);
  EXPECT_EQ(req_.events[0].event_properties[0].key, "cart");
  EXPECT_EQ(req_.events[0].event_properties[3].key, "deep");
}

TEST_F(AmplitudeRequestTest, IntegersVersusDoubles) {
  ASSERT_TRUE(Parse(Body({Ev(R"("event_properties":{"i":42,"neg":-7,"d":42.0,"f":1.5,"e":1e3,
      "max":9223372036854775807,"min":-9223372036854775808,"big":9223372036854775808,"t":true,"n":null,"s":"42"})")})))
      << err_.body_json;
  EXPECT_EQ(EventProp(0, "i")->value, PropertyValue::Int(42));
  EXPECT_EQ(EventProp(0, "neg")->value, PropertyValue::Int(-7));
  EXPECT_EQ(EventProp(0, "d")->value, PropertyValue::Double(42.0));
  EXPECT_EQ(EventProp(0, "f")->value, PropertyValue::Double(1.5));
  EXPECT_EQ(EventProp(0, "e")->value, PropertyValue::Double(1000.0));
  EXPECT_EQ(EventProp(0, "max")->value, PropertyValue::Int(INT64_MAX));
  EXPECT_EQ(EventProp(0, "min")->value, PropertyValue::Int(INT64_MIN));
  EXPECT_EQ(EventProp(0, "big")->value, PropertyValue::Double(9223372036854775808.0));
  EXPECT_EQ(EventProp(0, "t")->value, PropertyValue::Bool(true));
  EXPECT_EQ(EventProp(0, "n")->value, PropertyValue::Null());
  EXPECT_EQ(EventProp(0, "s")->value, PropertyValue::String("42"));
}

TEST_F(AmplitudeRequestTest, UnicodeNamesKeysAndValues) {
  ASSERT_TRUE(Parse(Body({R"({"event_type":"購入 🛒","user_id":"ユーザー123","event_properties":{
      "emoji":"🎉👩‍👩‍👧","escaped":"\ud83d\ude00 \u00e9","arabic":"مرحبا بالعالم","hebrew":"שלום","cjk":"中文字符",
      "ключ":"значение","nul":"a\u0000b"}})"})))
      << err_.body_json;
  const Event& e = req_.events[0];
  EXPECT_EQ(e.event_type, "購入 🛒");
  EXPECT_EQ(e.user_id, "ユーザー123");
  EXPECT_EQ(EventProp(0, "emoji")->value.s, "🎉👩‍👩‍👧");
  EXPECT_EQ(EventProp(0, "escaped")->value.s, "😀 é");
  EXPECT_EQ(EventProp(0, "arabic")->value.s, "مرحبا بالعالم");
  EXPECT_EQ(EventProp(0, "hebrew")->value.s, "שלום");
  EXPECT_EQ(EventProp(0, "cjk")->value.s, "中文字符");
  EXPECT_EQ(EventProp(0, "ключ")->value.s, "значение");
  EXPECT_EQ(EventProp(0, "nul")->value.s, std::string("a\0b", 3));
}

TEST_F(AmplitudeRequestTest, PropertyValueAtAndOverTheSizeLimit) {
  const size_t limit = limits_.max_property_value_bytes;  // the default, 1 MiB
  const std::string at(limit, 'x');
  ASSERT_TRUE(Parse(Body({Ev(R"("event_properties":{"blob":")" + at + R"("})")}))) << err_.body_json.substr(0, 200);
  EXPECT_EQ(EventProp(0, "blob")->value.s.size(), limit);
  const std::string over(limit + 1, 'x');
  ASSERT_FALSE(Parse(Body({Ev(), Ev(R"("user_properties":{"blob":")" + over + R"("})")})));
  EXPECT_EQ(Indexes("events_with_invalid_fields", "user_properties"), (std::vector<int64_t>{1}));
  EXPECT_NE(err_.body_json.find("\\\"blob\\\" is larger than 1048576 bytes"), std::string::npos) << err_.body_json;
  // Nested values count their compact JSON size.
  limits_.max_property_value_bytes = 11;
  ASSERT_TRUE(Parse(Body({Ev(R"("event_properties":{"a":[1, 2, 3,  4, 5]})")}))) << err_.body_json;  // [1,2,3,4,5]
  ASSERT_FALSE(Parse(Body({Ev(R"("event_properties":{"a":[1,2,3,4,5,6]})")})));
  EXPECT_EQ(Indexes("events_with_invalid_fields", "event_properties"), (std::vector<int64_t>{0}));
}

TEST_F(AmplitudeRequestTest, PropertyKeysMustBeNonEmptyAndAtMost1024Bytes) {
  const std::string k1024(1024, 'k');
  ASSERT_TRUE(Parse(Body({Ev(R"("event_properties":{")" + k1024 + R"(":1})")}))) << err_.body_json;
  ASSERT_FALSE(Parse(Body({Ev(R"("event_properties":{")" + k1024 + R"(k":1})"), Ev(R"("user_properties":{"":1})")})));
  EXPECT_EQ(Indexes("events_with_invalid_fields", "event_properties"), (std::vector<int64_t>{0}));
  EXPECT_EQ(Indexes("events_with_invalid_fields", "user_properties"), (std::vector<int64_t>{1}));
  EXPECT_NE(err_.body_json.find("empty property key"), std::string::npos);
}

TEST_F(AmplitudeRequestTest, PathLikeKeysAndValuesAreJustData) {
  ASSERT_TRUE(Parse(Body({Ev(R"("event_properties":{"../../etc/passwd":"/root/.ssh","a/b":"..\\..\\x"})")})))
      << err_.body_json;
  EXPECT_EQ(EventProp(0, "../../etc/passwd")->value.s, "/root/.ssh");
  EXPECT_EQ(EventProp(0, "a/b")->value.s, "..\\..\\x");
}

TEST_F(AmplitudeRequestTest, TooManyPropertiesInOneMap) {
  limits_.max_properties = 3;
  ASSERT_TRUE(Parse(Body({Ev(R"("event_properties":{"a":1,"b":2,"c":3})")}))) << err_.body_json;
  ASSERT_FALSE(Parse(Body({Ev(R"("event_properties":{"a":1,"b":2,"c":3,"d":4})")})));
  EXPECT_EQ(Indexes("events_with_invalid_fields", "event_properties"), (std::vector<int64_t>{0}));
}

TEST_F(AmplitudeRequestTest, TooManyEvents) {
  limits_.max_events = 3;
  ASSERT_TRUE(Parse(Body({Ev(), Ev(), Ev()}))) << err_.body_json;
  ASSERT_FALSE(Parse(Body({Ev(), Ev(), Ev(), Ev()})));
  EXPECT_EQ(err_.http_status, 413);
  EXPECT_EQ(ErrorCode(), 413);
  EXPECT_EQ(ErrorText(), "Too many events in request: 4 (the limit is 3 per request)");
}

TEST_F(AmplitudeRequestTest, EventsThatAreNotObjects) {
  ASSERT_FALSE(Parse(Body({Ev(), "1", R"("play")", "null", "[]"})));
  EXPECT_EQ(Indexes("events_with_invalid_fields", "event"), (std::vector<int64_t>{1, 2, 3, 4}));
}

TEST_F(AmplitudeRequestTest, OversizedIdsAndStrings) {
  const std::string id(limits_.max_id_bytes + 1, 'u');
  const std::string type(limits_.max_event_type_bytes + 1, 't');
  const std::string platform(limits_.max_string_field_bytes + 1, 'p');
  ASSERT_FALSE(Parse(Body({Ev(R"("insert_id":")" + id + "\""), R"({"event_type":")" + type + R"(","user_id":"user-1"})",
                           Ev(R"("platform":")" + platform + "\"")})));
  EXPECT_EQ(Indexes("events_with_invalid_fields", "insert_id"), (std::vector<int64_t>{0}));
  EXPECT_EQ(Indexes("events_with_invalid_fields", "event_type"), (std::vector<int64_t>{1}));
  EXPECT_EQ(Indexes("events_with_invalid_fields", "platform"), (std::vector<int64_t>{2}));
}

TEST_F(AmplitudeRequestTest, RepeatedKeysLastWins) {
  ASSERT_TRUE(Parse(Body({R"({"event_type":"a","event_type":"b","user_id":"user-1","platform":"iOS","platform":"Web",
      "event_properties":{"k":1,"j":2,"k":3},"time":1,"time":2})"})))
      << err_.body_json;
  const Event& e = req_.events[0];
  EXPECT_EQ(e.event_type, "b");
  EXPECT_EQ(e.time_ms, 2);
  ASSERT_EQ(e.fields.size(), 1u);
  EXPECT_EQ(*e.FindField("platform"), PropertyValue::String("Web"));
  ASSERT_EQ(e.event_properties.size(), 2u);
  EXPECT_EQ(e.event_properties[0], (Property{"k", PropertyValue::Int(3)}));
  EXPECT_EQ(e.event_properties[1], (Property{"j", PropertyValue::Int(2)}));
}

TEST_F(AmplitudeRequestTest, RepeatedKeysInLargeMapsLastWins) {
  std::string props;
  for (int i = 0; i < 40; i++) props += "\"p" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  props += R"("p3":"again","p39":"last")";
  ASSERT_TRUE(Parse(Body({Ev(R"("event_properties":{)" + props + "}")}))) << err_.body_json;
  ASSERT_EQ(req_.events[0].event_properties.size(), 40u);
  EXPECT_EQ(EventProp(0, "p3")->value, PropertyValue::String("again"));
  EXPECT_EQ(EventProp(0, "p39")->value, PropertyValue::String("last"));
  EXPECT_EQ(EventProp(0, "p38")->value, PropertyValue::Int(38));
}

TEST_F(AmplitudeRequestTest, EveryProblemOfEveryEventIsReported) {
  ASSERT_FALSE(Parse(Body({R"({"time":"x","colour":1})", Ev(), R"({"event_type":"e","user_id":"ab","price":"1"})"})));
  EXPECT_EQ(ErrorText(), "Invalid field values on some events");
  EXPECT_EQ(Indexes("events_with_invalid_fields", "time"), (std::vector<int64_t>{0}));
  EXPECT_EQ(Indexes("events_with_invalid_fields", "colour"), (std::vector<int64_t>{0}));
  EXPECT_EQ(Indexes("events_with_invalid_fields", "price"), (std::vector<int64_t>{2}));
  EXPECT_EQ(Indexes("events_with_missing_fields", "event_type"), (std::vector<int64_t>{0}));
  EXPECT_EQ(Indexes("events_with_missing_fields", "user_id"), (std::vector<int64_t>{0}));
  EXPECT_EQ(Indexes("events_with_invalid_id_lengths", "user_id"), (std::vector<int64_t>{2}));
}

}  // namespace
}  // namespace swell::collect
