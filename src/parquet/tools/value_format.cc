#include "parquet/tools/value_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace swell::parquet {
namespace {

std::string Int128ToString(__int128 v) {
  if (v == 0) return "0";
  bool negative = v < 0;
  unsigned __int128 u = negative ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string s;
  while (u > 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (negative) s.push_back('-');
  return std::string(s.rbegin(), s.rend());
}

std::string Hex(const std::string& bytes, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string s;
  for (unsigned char c : bytes) {
    s.push_back(digits[c >> 4]);
    s.push_back(digits[c & 15]);
  }
  return s;
}

std::string WithScale(__int128 unscaled, int scale) {
  if (scale <= 0) return Int128ToString(unscaled);
  bool negative = unscaled < 0;
  std::string digits = Int128ToString(negative ? -unscaled : unscaled);
  if (static_cast<int>(digits.size()) <= scale) {
    digits.insert(0, scale + 1 - digits.size(), '0');
  }
  digits.insert(digits.size() - scale, ".");
  return negative ? "-" + digits : digits;
}

// A big-endian two's complement integer of up to 16 bytes.
bool BigEndianToInt128(const std::string& bytes, __int128* v) {
  if (bytes.empty() || bytes.size() > 16) return false;
  unsigned __int128 u = (static_cast<unsigned char>(bytes[0]) & 0x80) ? ~static_cast<unsigned __int128>(0) : 0;
  for (unsigned char c : bytes) u = (u << 8) | c;
  *v = static_cast<__int128>(u);
  return true;
}

__int128 UnitToNanos(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::MILLIS: return 1000000;
    case TimeUnit::MICROS: return 1000;
    case TimeUnit::NANOS: return 1;
  }
  return 1;
}

}  // namespace

std::string FormatDouble(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return "0e0";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string s(buf, end);
  size_t e = s.find('e');
  std::string mantissa = s.substr(0, e);
  int exponent = std::stoi(s.substr(e + 1));
  std::string sign;
  if (mantissa[0] == '-') {
    sign = "-";
    mantissa.erase(0, 1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  exponent -= static_cast<int>(digits.size()) - 1;
  while (digits.size() > 1 && digits.back() == '0') {
    digits.pop_back();
    ++exponent;
  }
  return sign + digits + "e" + std::to_string(exponent);
}

std::string QuoteString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
  return out;
}

std::string FormatValue(const LeafColumn& column, const ColumnVector& v, size_t row) {
  if (v.IsNull(row)) return "NULL";
  const auto& lt = column.logical_type;
  auto kind = lt ? lt->kind : LogicalType::Kind::OTHER;
  if (const auto* b = std::get_if<std::vector<bool>>(&v.values)) return (*b)[row] ? "true" : "false";
  if (const auto* f = std::get_if<std::vector<float>>(&v.values)) return FormatDouble((*f)[row]);
  if (const auto* d = std::get_if<std::vector<double>>(&v.values)) return FormatDouble((*d)[row]);
  __int128 integer = 0;
  if (const auto* i32 = std::get_if<std::vector<int32_t>>(&v.values)) {
    bool is_unsigned = kind == LogicalType::Kind::INTEGER && !lt->is_signed;
    integer = is_unsigned ? static_cast<__int128>(static_cast<uint32_t>((*i32)[row])) : (*i32)[row];
  } else if (const auto* i64 = std::get_if<std::vector<int64_t>>(&v.values)) {
    bool is_unsigned = kind == LogicalType::Kind::INTEGER && !lt->is_signed;
    integer = is_unsigned ? static_cast<__int128>(static_cast<uint64_t>((*i64)[row])) : (*i64)[row];
  } else {
    const std::string& bytes = std::get<std::vector<std::string>>(v.values)[row];
    switch (kind) {
      case LogicalType::Kind::STRING:
      case LogicalType::Kind::ENUM:
      case LogicalType::Kind::JSON:
        return QuoteString(bytes);
      case LogicalType::Kind::DECIMAL: {
        __int128 unscaled;
        if (BigEndianToInt128(bytes, &unscaled)) return WithScale(unscaled, lt->scale);
        return "x" + Hex(bytes, true);
      }
      case LogicalType::Kind::UUID:
        if (bytes.size() == 16) {
          std::string h = Hex(bytes, false);
          return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
                 h.substr(16, 4) + "-" + h.substr(20);
        }
        return "x" + Hex(bytes, true);
      default:
        return "x" + Hex(bytes, true);
    }
  }
  switch (kind) {
    case LogicalType::Kind::DECIMAL:
      return WithScale(integer, lt->scale);
    case LogicalType::Kind::TIMESTAMP:
    case LogicalType::Kind::TIME:
      return Int128ToString(integer * UnitToNanos(lt->unit));
    default:
      return Int128ToString(integer);
  }
}

std::string DescribeColumn(const LeafColumn& c) {
  std::string s = c.name + "\t" + ToString(c.physical_type);
  if (c.physical_type == Type::FIXED_LEN_BYTE_ARRAY) s += "(" + std::to_string(c.type_length) + ")";
  s += "\t";
  if (!c.logical_type) {
    s += "-";
  } else {
    const LogicalType& t = *c.logical_type;
    static const char* kUnits[] = {"?", "MILLIS", "MICROS", "NANOS"};
    switch (t.kind) {
      case LogicalType::Kind::STRING: s += "STRING"; break;
      case LogicalType::Kind::ENUM: s += "ENUM"; break;
      case LogicalType::Kind::JSON: s += "JSON"; break;
      case LogicalType::Kind::BSON: s += "BSON"; break;
      case LogicalType::Kind::UUID: s += "UUID"; break;
      case LogicalType::Kind::DATE: s += "DATE"; break;
      case LogicalType::Kind::FLOAT16: s += "FLOAT16"; break;
      case LogicalType::Kind::LIST: s += "LIST"; break;
      case LogicalType::Kind::MAP: s += "MAP"; break;
      case LogicalType::Kind::UNKNOWN: s += "NULL"; break;
      case LogicalType::Kind::DECIMAL:
        s += "DECIMAL(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
        break;
      case LogicalType::Kind::TIME:
      case LogicalType::Kind::TIMESTAMP:
        s += t.kind == LogicalType::Kind::TIME ? "TIME(" : "TIMESTAMP(";
        s += kUnits[static_cast<int>(t.unit) & 3];
        s += t.is_adjusted_to_utc ? ",UTC)" : ")";
        break;
      case LogicalType::Kind::INTEGER:
        s += std::string(t.is_signed ? "INT(" : "UINT(") + std::to_string(t.bit_width) + ")";
        break;
      default:
        s += "OTHER(" + std::to_string(t.other_field_id) + ")";
    }
  }
  s += c.max_definition_level > 0 ? "\toptional" : "\trequired";
  if (!c.unsupported.empty()) s += "\tunsupported: " + c.unsupported;
  return s;
}

}  // namespace swell::parquet
