// Reading events/ files back into events (docs/formats.md "Events files").
//
// The JSON columns (event_properties, user_properties, other_fields and the
// JSON-typed known fields) are the lossless record, so they are what is read;
// promoted ep_/up_ columns are copies and are not even fetched. For every
// event collect produces, writing then reading gives back:
//   - the same event_type, ids, times and session;
//   - event_properties and user_properties with the same keys in the same
//     order, each value of the same kind with the same ToText() (a double
//     stays a double: the writer marks doubles with a fraction or exponent);
//     kJson values as the same compact JSON text;
//   - the same fields, but in column order (the known fields in the order of
//     KnownFields(), then other_fields in the order they were sent), not in
//     the order they were sent.
// Strings that were not valid UTF-8 come back with U+FFFD in place of the
// bad bytes (the JSON writer's rule; collect only produces valid UTF-8).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "event/event.h"
#include "lake/storage.h"
#include "parquet/file_reader.h"
#include "util/status.h"

namespace swell::lake {

// Reads a whole events/ file back into events, in file order, and the
// user_number of each into *user_numbers (the same length). Both are
// replaced. A file that is not an events file (a column missing or of
// another type) is InvalidArgument; damaged content (a bad Parquet page,
// JSON that does not parse, a null in a required column) is Corruption.
Status ReadEventFile(std::unique_ptr<parquet::InputSource> source, std::vector<Event>* events,
                     std::vector<uint32_t>* user_numbers);
// The object key of storage, read with ranged reads (StorageInputSource).
Status ReadEventFile(Storage* storage, std::string_view key, std::vector<Event>* events,
                     std::vector<uint32_t>* user_numbers);

// A JSON object's members as properties, in document order, kinds as the
// writer marks them: integers (no fraction or exponent) that fit int64 are
// kInt, other numbers kDouble, objects and arrays kJson with their exact text.
// Corruption if json is not one JSON object.
Status ParsePropertiesJson(std::string_view json, std::vector<Property>* props);
// One JSON value of any kind, as above.
Status ParseJsonValue(std::string_view json, PropertyValue* value);

}  // namespace swell::lake
