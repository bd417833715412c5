// One Event as one line of JSON: the raw tier's record (docs/formats.md
// "Raw tier"). Amplitude's names, so the lines read like an Amplitude export
// and any JSON engine can query them:
//
//   {"event_type":"purchase","user_id":"u-1","device_id":null,"insert_id":null,
//    "time":1714608000000,"session_id":-1,"arrival":1714608000123,
//    "event_properties":{"price":9.99},"user_properties":{},"platform":"iOS"}
//
// The round trip is exact: ParseEventJson(AppendEventJson(e)) == e, property
// kinds included (a double always carries a '.' or an exponent, so 3.0 reads
// back as a double, never as the integer 3), with these exceptions, none of
// which an event accepted by collect can have:
//  - a non-finite double (NaN, +-Inf; JSON has no such numbers) is written
//    as null and reads back as a null property;
//  - invalid UTF-8 in a string is written as U+FFFD (a line must stay JSON);
//  - a kJson value whose text is not a JSON object or array is written as a
//    JSON string and reads back as kString.
#pragma once

#include <string>
#include <string_view>

#include "event/event.h"
#include "util/status.h"

namespace swell::lake {

// Appends e as one JSON object (no newline) to *line. The nine member keys
// come first, always, in the order above, then the top-level fields in their
// order; property lists keep their order and any repeated key.
void AppendEventJson(const Event& e, std::string* line);

// Parses one object written by AppendEventJson (or by anyone using the same
// names). The first occurrence of a member key sets the member; every other
// key, including a later repeat of a member key, is a top-level field, so a
// field named like a member survives the round trip. A missing member keeps
// its default; event_type is required. Anything else (not one JSON object,
// a member of the wrong type, trailing text) is InvalidArgument, and *e is
// then unspecified.
Status ParseEventJson(std::string_view line, Event* e);

}  // namespace swell::lake
