#include "parquet/thrift/compact_protocol.h"

#include <cstring>
#include <string>

namespace swell::parquet::thrift {

// ---------------------------------------------------------------- writer

void CompactWriter::Varint(uint64_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<char>(v));
}

void CompactWriter::ZigZag(int64_t v) {
  Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void CompactWriter::BeginStruct() { last_field_id_.push_back(0); }

void CompactWriter::EndStruct() {
  out_->push_back(static_cast<char>(CType::kStop));
  last_field_id_.pop_back();
}

void CompactWriter::FieldHeader(int16_t id, CType type) {
  int16_t& last = last_field_id_.back();
  int delta = id - last;
  if (delta > 0 && delta <= 15) {
    out_->push_back(static_cast<char>((delta << 4) | static_cast<int>(type)));
  } else {
    out_->push_back(static_cast<char>(type));
    ZigZag(id);
  }
  last = id;
}

void CompactWriter::FieldBool(int16_t id, bool v) {
  FieldHeader(id, v ? CType::kBoolTrue : CType::kBoolFalse);
}

void CompactWriter::FieldByte(int16_t id, int8_t v) {
  FieldHeader(id, CType::kByte);
  out_->push_back(static_cast<char>(v));
}

void CompactWriter::FieldI16(int16_t id, int16_t v) {
  FieldHeader(id, CType::kI16);
  ZigZag(v);
}

void CompactWriter::FieldI32(int16_t id, int32_t v) {
  FieldHeader(id, CType::kI32);
  ZigZag(v);
}

void CompactWriter::FieldI64(int16_t id, int64_t v) {
  FieldHeader(id, CType::kI64);
  ZigZag(v);
}

void CompactWriter::FieldDouble(int16_t id, double v) {
  FieldHeader(id, CType::kDouble);
  char buf[8];
  std::memcpy(buf, &v, 8);
  out_->append(buf, 8);
}

void CompactWriter::FieldBinary(int16_t id, std::string_view v) {
  FieldHeader(id, CType::kBinary);
  Binary(v);
}

void CompactWriter::FieldListHeader(int16_t id, CType element_type, uint32_t size) {
  FieldHeader(id, CType::kList);
  ListHeader(element_type, size);
}

void CompactWriter::ListHeader(CType element_type, uint32_t size) {
  if (size < 15) {
    out_->push_back(static_cast<char>((size << 4) | static_cast<uint32_t>(element_type)));
  } else {
    out_->push_back(static_cast<char>(0xF0 | static_cast<int>(element_type)));
    Varint(size);
  }
}

void CompactWriter::Bool(bool v) {
  out_->push_back(static_cast<char>(v ? CType::kBoolTrue : CType::kBoolFalse));
}

void CompactWriter::I32(int32_t v) { ZigZag(v); }
void CompactWriter::I64(int64_t v) { ZigZag(v); }

void CompactWriter::Binary(std::string_view v) {
  Varint(v.size());
  out_->append(v.data(), v.size());
}

// ---------------------------------------------------------------- reader

Status CompactReader::Truncated(std::string_view what) const {
  return Status::Corruption("thrift: truncated " + std::string(what) + " at byte " +
                            std::to_string(pos_));
}

Status CompactReader::ReadVarint(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63; shift += 7) {
    if (pos_ >= in_.size()) return Truncated("varint");
    uint64_t byte = static_cast<unsigned char>(in_[pos_++]);
    if (shift == 63 && byte > 1) return Status::Corruption("thrift: varint overflows 64 bits");
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return Status::OK();
    }
  }
  return Status::Corruption("thrift: varint longer than 10 bytes");
}

Status CompactReader::ReadZigZag(int64_t* v) {
  uint64_t u;
  SWELL_RETURN_IF_ERROR(ReadVarint(&u));
  *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return Status::OK();
}

Status CompactReader::ReadStructBegin() {
  if (last_field_id_.size() >= static_cast<size_t>(kMaxNestingDepth)) {
    return Status::Corruption("thrift: structs nested deeper than " +
                              std::to_string(kMaxNestingDepth));
  }
  last_field_id_.push_back(0);
  return Status::OK();
}

Status CompactReader::ReadStructEnd() {
  if (last_field_id_.empty()) return Status::Corruption("thrift: struct end without begin");
  last_field_id_.pop_back();
  return Status::OK();
}

Status CompactReader::ReadFieldBegin(FieldHeader* header) {
  if (last_field_id_.empty()) return Status::Corruption("thrift: field outside a struct");
  if (pos_ >= in_.size()) return Truncated("field header");
  uint8_t byte = static_cast<uint8_t>(in_[pos_++]);
  uint8_t type = byte & 0x0f;
  if (type == 0) {
    header->type = CType::kStop;
    header->id = 0;
    return Status::OK();
  }
  if (type > static_cast<uint8_t>(CType::kStruct)) {
    return Status::Corruption("thrift: unknown field type " + std::to_string(type));
  }
  int16_t& last = last_field_id_.back();
  int delta = byte >> 4;
  if (delta != 0) {
    int id = last + delta;
    if (id > INT16_MAX) return Status::Corruption("thrift: field id overflows i16");
    header->id = static_cast<int16_t>(id);
  } else {
    int16_t id;
    SWELL_RETURN_IF_ERROR(ReadI16(&id));
    header->id = id;
  }
  header->type = static_cast<CType>(type);
  last = header->id;
  return Status::OK();
}

Status CompactReader::ReadListBegin(CType* element_type, uint32_t* size) {
  if (pos_ >= in_.size()) return Truncated("list header");
  uint8_t byte = static_cast<uint8_t>(in_[pos_++]);
  uint8_t type = byte & 0x0f;
  if (type == 0 || type > static_cast<uint8_t>(CType::kStruct)) {
    return Status::Corruption("thrift: unknown list element type " + std::to_string(type));
  }
  uint64_t n = byte >> 4;
  if (n == 15) SWELL_RETURN_IF_ERROR(ReadVarint(&n));
  if (n > in_.size() - pos_) {
    return Status::Corruption("thrift: list of " + std::to_string(n) + " elements in " +
                              std::to_string(in_.size() - pos_) + " remaining bytes");
  }
  *element_type = static_cast<CType>(type);
  *size = static_cast<uint32_t>(n);
  return Status::OK();
}

Status CompactReader::ReadBoolElement(bool* v) {
  if (pos_ >= in_.size()) return Truncated("bool");
  *v = static_cast<uint8_t>(in_[pos_++]) == static_cast<uint8_t>(CType::kBoolTrue);
  return Status::OK();
}

Status CompactReader::ReadByte(int8_t* v) {
  if (pos_ >= in_.size()) return Truncated("byte");
  *v = static_cast<int8_t>(in_[pos_++]);
  return Status::OK();
}

Status CompactReader::ReadI16(int16_t* v) {
  int64_t wide;
  SWELL_RETURN_IF_ERROR(ReadZigZag(&wide));
  if (wide < INT16_MIN || wide > INT16_MAX) return Status::Corruption("thrift: i16 out of range");
  *v = static_cast<int16_t>(wide);
  return Status::OK();
}

Status CompactReader::ReadI32(int32_t* v) {
  int64_t wide;
  SWELL_RETURN_IF_ERROR(ReadZigZag(&wide));
  if (wide < INT32_MIN || wide > INT32_MAX) return Status::Corruption("thrift: i32 out of range");
  *v = static_cast<int32_t>(wide);
  return Status::OK();
}

Status CompactReader::ReadI64(int64_t* v) { return ReadZigZag(v); }

Status CompactReader::ReadDouble(double* v) {
  if (in_.size() - pos_ < 8) return Truncated("double");
  std::memcpy(v, in_.data() + pos_, 8);
  pos_ += 8;
  return Status::OK();
}

Status CompactReader::ReadBinary(std::string_view* v) {
  uint64_t n;
  SWELL_RETURN_IF_ERROR(ReadVarint(&n));
  if (n > in_.size() - pos_) {
    return Status::Corruption("thrift: binary of " + std::to_string(n) + " bytes in " +
                              std::to_string(in_.size() - pos_) + " remaining bytes");
  }
  *v = in_.substr(pos_, n);
  pos_ += n;
  return Status::OK();
}

Status CompactReader::Skip(CType type) {
  return SkipAt(type, static_cast<int>(last_field_id_.size()));
}

Status CompactReader::SkipAt(CType type, int depth) {
  if (depth >= kMaxNestingDepth) {
    return Status::Corruption("thrift: values nested deeper than " +
                              std::to_string(kMaxNestingDepth));
  }
  switch (type) {
    case CType::kBoolTrue:
    case CType::kBoolFalse:
      // A bool field carries its value in the header; a bool element is one
      // byte, and callers skip elements through the list path below.
      return Status::OK();
    case CType::kByte: {
      int8_t v;
      return ReadByte(&v);
    }
    case CType::kI16:
    case CType::kI32:
    case CType::kI64: {
      int64_t v;
      return ReadZigZag(&v);
    }
    case CType::kDouble: {
      double v;
      return ReadDouble(&v);
    }
    case CType::kBinary: {
      std::string_view v;
      return ReadBinary(&v);
    }
    case CType::kList:
    case CType::kSet: {
      CType element;
      uint32_t n;
      SWELL_RETURN_IF_ERROR(ReadListBegin(&element, &n));
      for (uint32_t i = 0; i < n; ++i) {
        if (element == CType::kBoolTrue || element == CType::kBoolFalse) {
          bool b;
          SWELL_RETURN_IF_ERROR(ReadBoolElement(&b));
        } else {
          SWELL_RETURN_IF_ERROR(SkipAt(element, depth + 1));
        }
      }
      return Status::OK();
    }
    case CType::kMap: {
      uint64_t n;
      SWELL_RETURN_IF_ERROR(ReadVarint(&n));
      if (n == 0) return Status::OK();
      if (pos_ >= in_.size()) return Truncated("map header");
      uint8_t kv = static_cast<uint8_t>(in_[pos_++]);
      // Each entry takes at least two bytes.
      if (n > (in_.size() - pos_) / 2) return Status::Corruption("thrift: map larger than input");
      CType key = static_cast<CType>(kv >> 4);
      CType value = static_cast<CType>(kv & 0x0f);
      for (CType t : {key, value}) {
        if (t == CType::kStop || static_cast<uint8_t>(t) > static_cast<uint8_t>(CType::kStruct)) {
          return Status::Corruption("thrift: unknown map element type");
        }
      }
      for (uint64_t i = 0; i < n; ++i) {
        for (CType t : {key, value}) {
          if (t == CType::kBoolTrue || t == CType::kBoolFalse) {
            bool b;
            SWELL_RETURN_IF_ERROR(ReadBoolElement(&b));
          } else {
            SWELL_RETURN_IF_ERROR(SkipAt(t, depth + 1));
          }
        }
      }
      return Status::OK();
    }
    case CType::kStruct: {
      SWELL_RETURN_IF_ERROR(ReadStructBegin());
      for (;;) {
        FieldHeader h;
        SWELL_RETURN_IF_ERROR(ReadFieldBegin(&h));
        if (h.type == CType::kStop) break;
        SWELL_RETURN_IF_ERROR(SkipAt(h.type, depth + 1));
      }
      return ReadStructEnd();
    }
    case CType::kStop:
      break;
  }
  return Status::Corruption("thrift: cannot skip type " +
                            std::to_string(static_cast<int>(type)));
}

}  // namespace swell::parquet::thrift
