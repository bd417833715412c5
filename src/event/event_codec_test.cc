#include "event/event_codec.h"

#include <gtest/gtest.h>

namespace swell {
namespace {

Event SampleEvent() {
  Event e;
  e.event_type = "purchase \xf0\x9f\x9b\x92";
  e.user_id = "user-1";
  e.device_id = "dev-9";
  e.insert_id = "ins-1";
  e.time_ms = 1790000000123;
  e.arrival_ms = 1790000000456;
  e.session_id = 1790000000000;
  e.fields = {{"platform", PropertyValue::String("iOS")}, {"revenue", PropertyValue::Double(9.99)}};
  e.event_properties = {{"n", PropertyValue::Int(-42)},
                        {"ok", PropertyValue::Bool(true)},
                        {"none", PropertyValue::Null()},
                        {"nested", PropertyValue::Json(R"({"a":[1,2]})")}};
  e.user_properties = {{"plan", PropertyValue::String(std::string(100000, 'x'))}};
  return e;
}

}  // namespace

TEST(EventCodec, BatchRoundTrips) {
  EventBatch batch{"app-1", {SampleEvent(), Event{}}};
  batch.events[1].event_type = "open";
  batch.events[1].device_id = "d";
  std::string buf;
  EncodeEventBatch(batch, &buf);
  EventBatch out;
  ASSERT_TRUE(DecodeEventBatch(buf, &out).ok());
  EXPECT_EQ(out.app_id, "app-1");
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_EQ(out.events[0], batch.events[0]);
  EXPECT_EQ(out.events[1], batch.events[1]);
}

TEST(EventCodec, EveryTruncationIsCorruption) {
  EventBatch batch{"app", {SampleEvent()}};
  batch.events[0].user_properties.clear();  // keep the loop short
  std::string buf;
  EncodeEventBatch(batch, &buf);
  for (size_t len = 0; len < buf.size(); ++len) {
    EventBatch out;
    EXPECT_TRUE(DecodeEventBatch(std::string_view(buf.data(), len), &out).IsCorruption()) << len;
  }
}

TEST(EventCodec, HugeCountIsRefusedWithoutAllocating) {
  std::string buf = "\x01\x03" "app" "\xff\xff\xff\xff\x0f";
  EventBatch out;
  EXPECT_TRUE(DecodeEventBatch(buf, &out).IsCorruption());
}

TEST(PropertyValue, CanonicalText) {
  EXPECT_EQ(PropertyValue::Int(-3).ToText(), "-3");
  EXPECT_EQ(PropertyValue::Double(2.5).ToText(), "2.5");
  EXPECT_EQ(PropertyValue::Double(3.0).ToText(), "3");
  // Fixed notation from 1e-4 up to 1e16, scientific outside, as SQL prints.
  EXPECT_EQ(PropertyValue::Double(300000.0).ToText(), "300000");
  EXPECT_EQ(PropertyValue::Double(-123456789012345.0).ToText(), "-123456789012345");
  EXPECT_EQ(PropertyValue::Double(1e16).ToText(), "1e+16");
  EXPECT_EQ(PropertyValue::Double(0.0001).ToText(), "0.0001");
  EXPECT_EQ(PropertyValue::Double(1.25e-5).ToText(), "1.25e-05");
  EXPECT_EQ(PropertyValue::Bool(false).ToText(), "false");
  EXPECT_EQ(PropertyValue::Null().ToText(), "");
  double d;
  EXPECT_TRUE(PropertyValue::String("4.5").ToNumber(&d));
  EXPECT_EQ(d, 4.5);
  EXPECT_FALSE(PropertyValue::String("4.5x").ToNumber(&d));
}

}  // namespace swell
