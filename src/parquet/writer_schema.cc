#include "parquet/writer_schema.h"

#include <set>

namespace swell::parquet {

Type ColumnDescriptor::physical_type() const {
  switch (type) {
    case ColumnType::kBoolean: return Type::BOOLEAN;
    case ColumnType::kInt32: return Type::INT32;
    case ColumnType::kDouble: return Type::DOUBLE;
    case ColumnType::kString:
    case ColumnType::kBinary: return Type::BYTE_ARRAY;
    case ColumnType::kInt64:
    case ColumnType::kTimestampMillis:
    case ColumnType::kTimestampMicros: return Type::INT64;
  }
  return Type::INT64;
}

SchemaElement ColumnDescriptor::ToSchemaElement() const {
  SchemaElement e;
  e.name = name;
  e.type = physical_type();
  e.repetition_type =
      nullable() ? FieldRepetitionType::OPTIONAL : FieldRepetitionType::REQUIRED;
  LogicalType lt;
  switch (type) {
    case ColumnType::kString:
      lt.kind = LogicalType::Kind::STRING;
      e.logical_type = lt;
      e.converted_type = ConvertedType::UTF8;
      break;
    case ColumnType::kTimestampMillis:
    case ColumnType::kTimestampMicros:
      lt.kind = LogicalType::Kind::TIMESTAMP;
      lt.is_adjusted_to_utc = true;
      lt.unit = type == ColumnType::kTimestampMillis ? TimeUnit::MILLIS : TimeUnit::MICROS;
      e.logical_type = lt;
      e.converted_type = type == ColumnType::kTimestampMillis ? ConvertedType::TIMESTAMP_MILLIS
                                                              : ConvertedType::TIMESTAMP_MICROS;
      break;
    default:
      break;
  }
  return e;
}

Schema& Schema::Add(std::string name, ColumnType type, Repetition repetition) {
  columns_.push_back(ColumnDescriptor{std::move(name), type, repetition});
  return *this;
}

Status Schema::Validate() const {
  if (columns_.empty()) return Status::InvalidArgument("parquet schema has no columns");
  std::set<std::string> seen;
  for (const ColumnDescriptor& c : columns_) {
    if (c.name.empty()) return Status::InvalidArgument("parquet column with an empty name");
    if (!seen.insert(c.name).second) {
      return Status::InvalidArgument("parquet column name repeated: " + c.name);
    }
  }
  return Status::OK();
}

std::vector<SchemaElement> Schema::ToSchemaElements() const {
  std::vector<SchemaElement> out;
  SchemaElement root;
  root.name = "schema";
  root.num_children = static_cast<int32_t>(columns_.size());
  out.push_back(root);
  for (const ColumnDescriptor& c : columns_) out.push_back(c.ToSchemaElement());
  return out;
}

}  // namespace swell::parquet
