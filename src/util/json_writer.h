// A small streaming JSON writer for API responses (parsing uses simdjson).
// Produces compact, valid UTF-8 JSON; invalid UTF-8 in input strings is
// replaced with U+FFFD so a response is always parseable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace swell {

// Appends a finite double in its shortest round-trip digits: fixed notation
// when 1e-4 <= |v| < 1e16 (integral values without a fraction: 300000.0 ->
// "300000"), scientific otherwise ("1e+16", "1.25e-05") — the form SQL
// engines print (DuckDB's CAST(double AS VARCHAR) minus its trailing ".0").
void AppendDouble(std::string* out, double v);

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
  JsonWriter& Double(double v);  // as AppendDouble; NaN and infinities are written as null
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
