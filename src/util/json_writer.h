// A small streaming JSON writer for API responses (parsing uses simdjson).
// Produces compact, valid UTF-8 JSON; invalid UTF-8 in input strings is
// replaced with U+FFFD so a response is always parseable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace swell {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // REQUIRES: inside an object, and the next call writes the value.
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view s);
  JsonWriter& Int(int64_t v);
  JsonWriter& Uint(uint64_t v);
  JsonWriter& Double(double v);  // NaN and infinities are written as null
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // Inserts already-serialized JSON as one value.
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

  // Appends s as a quoted, escaped JSON string.
  static void AppendQuoted(std::string* out, std::string_view s);

 private:
  void BeforeValue();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace swell
