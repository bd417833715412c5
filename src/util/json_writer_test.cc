#include "util/json_writer.h"

#include <gtest/gtest.h>

namespace swell {

TEST(JsonWriter, NestedContainers) {
  JsonWriter w;
  w.BeginObject().Key("a").Int(1).Key("b").BeginArray().String("x").Null().Bool(true).EndArray();
  w.Key("c").Double(0.5).EndObject();
  EXPECT_EQ(w.str(), R"({"a":1,"b":["x",null,true],"c":0.5})");
}

TEST(JsonWriter, EscapesControlAndQuotes) {
  std::string out;
  JsonWriter::AppendQuoted(&out, std::string("a\"b\\c\n\x01", 7));
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
}

TEST(JsonWriter, KeepsValidUtf8AndReplacesInvalid) {
  std::string out;
  JsonWriter::AppendQuoted(&out, "caf\xc3\xa9 \xf0\x9f\x8e\x89 \xff");
  EXPECT_EQ(out, "\"caf\xc3\xa9 \xf0\x9f\x8e\x89 \xef\xbf\xbd\"");
}

TEST(JsonWriter, DoublesInFixedNotationWhereSqlPrintsThem) {
  JsonWriter w;
  w.BeginArray().Double(300000).Double(0.5).Double(1e16).Double(1e-5).Double(-0.0001).EndArray();
  EXPECT_EQ(w.str(), "[300000,0.5,1e+16,1e-05,-0.0001]");
}

TEST(JsonWriter, NonFiniteDoubleIsNull) {
  JsonWriter w;
  w.BeginArray().Double(1.0 / 0.0).EndArray();
  EXPECT_EQ(w.str(), "[null]");
}

}  // namespace swell
