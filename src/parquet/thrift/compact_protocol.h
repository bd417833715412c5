// Thrift Compact Protocol, the encoding of every Parquet footer, page header
// and page index. Only what parquet.thrift uses is here: structs, lists,
// binary, bool, byte, i16/i32/i64, double; maps and sets are skipped, never
// produced.
//
// The reader treats its input as hostile: every read is bounds-checked,
// declared sizes are compared with the bytes left (each element takes at
// least one byte, so a list claiming more elements than remaining bytes is
// rejected before anything is allocated), integers must fit their declared
// width, and nesting deeper than a fixed limit is refused.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swell::parquet::thrift {

// Compact protocol type codes, as they appear in field and list headers.
enum class CType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,  // in a field header: a bool field whose value is true
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

// Structs nested deeper than this are refused: parquet.thrift itself never
// nests more than a handful of levels.
inline constexpr int kMaxNestingDepth = 64;

class CompactWriter {
 public:
  // REQUIRES: out outlives the writer. Bytes are appended to *out.
  explicit CompactWriter(std::string* out) : out_(out) {}

  // Every struct, the outermost included, is bracketed by these; EndStruct
  // writes the stop byte.
  void BeginStruct();
  void EndStruct();

  void FieldBool(int16_t id, bool v);
  void FieldByte(int16_t id, int8_t v);
  void FieldI16(int16_t id, int16_t v);
  void FieldI32(int16_t id, int32_t v);
  void FieldI64(int16_t id, int64_t v);
  void FieldDouble(int16_t id, double v);
  void FieldBinary(int16_t id, std::string_view v);
  // Followed by BeginStruct() ... EndStruct() of the nested struct.
  void FieldStructHeader(int16_t id) { FieldHeader(id, CType::kStruct); }
  // Followed by `size` elements written with the bare writers below.
  void FieldListHeader(int16_t id, CType element_type, uint32_t size);

  // Bare values: list elements.
  void ListHeader(CType element_type, uint32_t size);
  void Bool(bool v);
  void I32(int32_t v);
  void I64(int64_t v);
  void Binary(std::string_view v);

 private:
  void FieldHeader(int16_t id, CType type);
  void Varint(uint64_t v);
  void ZigZag(int64_t v);

  std::string* out_;
  std::vector<int16_t> last_field_id_{0};
};

struct FieldHeader {
  CType type = CType::kStop;
  int16_t id = 0;
};

class CompactReader {
 public:
  explicit CompactReader(std::string_view in) : in_(in) {}

  // Bytes not consumed yet.
  std::string_view remaining() const { return in_.substr(pos_); }
  size_t position() const { return pos_; }

  Status ReadStructBegin();
  Status ReadStructEnd();
  // Sets header->type to kStop at the end of the current struct.
  Status ReadFieldBegin(FieldHeader* header);
  // A list (or set) header. *size is at most the number of bytes left.
  Status ReadListBegin(CType* element_type, uint32_t* size);

  // A bool field's value lives in its header's type code.
  static bool FieldBoolValue(const FieldHeader& h) { return h.type == CType::kBoolTrue; }
  // A bool list element: one byte.
  Status ReadBoolElement(bool* v);
  Status ReadByte(int8_t* v);
  Status ReadI16(int16_t* v);
  Status ReadI32(int32_t* v);
  Status ReadI64(int64_t* v);
  Status ReadDouble(double* v);
  // *v points into the input; it is valid as long as the input is.
  Status ReadBinary(std::string_view* v);

  // Skips one value of the given type, whatever it contains (fields of a
  // newer parquet.thrift than this code knows).
  Status Skip(CType type);

 private:
  Status ReadVarint(uint64_t* v);
  Status ReadZigZag(int64_t* v);
  Status SkipAt(CType type, int depth);
  Status Truncated(std::string_view what) const;

  std::string_view in_;
  size_t pos_ = 0;
  std::vector<int16_t> last_field_id_;
};

}  // namespace swell::parquet::thrift
