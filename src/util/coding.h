// Little-endian fixed-width and varint encodings shared by the on-disk formats
// (write-ahead log records, user dictionary). See docs/formats.md.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace swell {

void PutFixed32(std::string* dst, uint32_t v);
void PutFixed64(std::string* dst, uint64_t v);
void PutVarint32(std::string* dst, uint32_t v);
void PutVarint64(std::string* dst, uint64_t v);
// Zig-zag signed varint.
void PutVarsint64(std::string* dst, int64_t v);
// Varint length followed by the bytes.
void PutLengthPrefixed(std::string* dst, std::string_view s);

inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;  // the project targets little-endian machines only
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Readers consume from the front of *in and return false on truncation or
// overlong encodings, leaving *in unspecified.
bool GetFixed32(std::string_view* in, uint32_t* v);
bool GetFixed64(std::string_view* in, uint64_t* v);
bool GetVarint32(std::string_view* in, uint32_t* v);
bool GetVarint64(std::string_view* in, uint64_t* v);
bool GetVarsint64(std::string_view* in, int64_t* v);
bool GetLengthPrefixed(std::string_view* in, std::string_view* s);

}  // namespace swell
