// Which properties an events/ file promotes to typed ep_/up_ columns.
//
// Promoted columns let engines filter and group by the most used properties
// without parsing JSON, so the choice is by use: the keys carried by the
// most events. The choice is a pure function of the events (no clock, no
// hash order), so re-sealing the same events gives the same file schema.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "event/event.h"
#include "lake/events_schema.h"

namespace swell::lake {

// Up to max_columns event- and user-property keys, the most frequent first
// (by the number of events carrying the key; ties by key bytes, then event
// properties before user properties). Each is typed by every non-null value
// seen for it: all booleans -> kBool, all integers -> kInt64, all numbers ->
// kDouble, anything else (strings, JSON, a mix) -> kString; a key seen only
// with null is kString.
//
// Keys are skipped when their column name is not IsPromotableKey, or equals
// (ignoring ASCII case, as DuckDB, Spark and Athena do) a fixed column or a
// more frequent promoted column.
std::vector<PromotedColumn> ChoosePromotedColumns(std::span<const Event> events, size_t max_columns = 16);

// Whether a property key makes a column name every engine takes without
// quoting trouble: 1..64 bytes of ASCII letters, digits, '_', '-', '$' and
// valid non-ASCII UTF-8. Not '.', which engines read as a nested field, nor
// spaces, quotes or control characters.
bool IsPromotableKey(std::string_view key);

}  // namespace swell::lake
