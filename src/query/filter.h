// Properties and filters of a request bound to one app's dictionaries: names
// become key refs and value texts become value ids, so that evaluating a row
// compares integers. Binding is per data source (the speed layer's
// AppState, or a lake day loaded into one by PartitionCache); results leave
// a source as text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "query/query_request.h"
#include "speed/app_state.h"
#include "speed/hour_buffer.h"
#include "speed/interner.h"

namespace swell::query {

class BoundProperty {
 public:
  enum class Kind { kEventType, kUserId, kDeviceId, kKey, kAbsent };

  static BoundProperty Bind(const PropertyRef& ref, const speed::AppState& app);

  // The id of the row's value (an event-name id for event_type, a value id
  // otherwise), or Interner::kMissing when the row lacks the property.
  uint32_t ValueAt(const speed::HourBuffer& buf, size_t row) const {
    switch (kind_) {
      case Kind::kEventType: return buf.name(row);
      case Kind::kUserId: return buf.user_id(row);
      case Kind::kDeviceId: return buf.device_id(row);
      case Kind::kKey: return buf.Value(row, key_ref_);
      case Kind::kAbsent: return speed::Interner::kMissing;
    }
    return speed::Interner::kMissing;
  }
  // The id of a value text in this property's id space, or kMissing.
  uint32_t FindId(std::string_view text) const;
  // The text of an id from ValueAt. REQUIRES: id != kMissing.
  std::string_view Text(uint32_t id) const;

  Kind kind() const { return kind_; }
  uint32_t key_ref() const { return key_ref_; }

 private:
  Kind kind_ = Kind::kAbsent;
  uint32_t key_ref_ = 0;
  const speed::AppState* app_ = nullptr;
};

class BoundFilter {
 public:
  static BoundFilter Bind(const Filter& filter, const speed::AppState& app);

  bool Matches(const speed::HourBuffer& buf, size_t row) const {
    uint32_t v = property_.ValueAt(buf, row);
    bool in = false;
    if (v != speed::Interner::kMissing)
      for (uint32_t id : ids_)
        if (id == v) { in = true; break; }
    return negate_ ? !in : in;
  }

  const BoundProperty& property() const { return property_; }
  bool negated() const { return negate_; }
  // Ids of the filter's values that exist in the app (others match nothing).
  const std::vector<uint32_t>& ids() const { return ids_; }

 private:
  BoundProperty property_;
  bool negate_ = false;
  std::vector<uint32_t> ids_;
};

}  // namespace swell::query
