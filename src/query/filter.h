// Properties and filters of a request bound to one app's dictionaries: names
// become key refs and value texts become value ids, so that evaluating a row
// compares integers. Binding is per data source (the speed layer's
// AppState, or a lake day loaded into one by PartitionCache); results leave
// a source as text.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "query/filter_request.h"
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

// One leaf filter bound to a source. Not thread-safe: contains and the
// numeric ops memoize their answer per value id, so each thread binds its
// own.
class BoundFilter {
 public:
  static BoundFilter Bind(const Filter& filter, const speed::AppState& app);

  bool Matches(const speed::HourBuffer& buf, size_t row) const {
    const uint32_t v = property_.ValueAt(buf, row);
    switch (op_) {
      case FilterOp::kIs:
      case FilterOp::kIsNot: {
        bool in = false;
        if (v != speed::Interner::kMissing)
          for (uint32_t id : ids_)
            if (id == v) { in = true; break; }
        return (op_ == FilterOp::kIsNot) != in;
      }
      case FilterOp::kSet: return v != speed::Interner::kMissing;
      case FilterOp::kNotSet: return v == speed::Interner::kMissing;
      case FilterOp::kDoesNotContain:
        return v == speed::Interner::kMissing || !TextTest(v);
      default:
        return v != speed::Interner::kMissing && TextTest(v);
    }
  }

  const BoundProperty& property() const { return property_; }
  FilterOp op() const { return op_; }
  bool negated() const { return op_ == FilterOp::kIsNot; }
  // is / is_not: ids of the filter's values that exist in the app (others
  // match nothing).
  const std::vector<uint32_t>& ids() const { return ids_; }

 private:
  // contains / does_not_contain: the text holds one of the values;
  // numeric ops: the text is a number that compares true. Memoized per id.
  bool TextTest(uint32_t id) const;

  BoundProperty property_;
  FilterOp op_ = FilterOp::kIs;
  std::vector<uint32_t> ids_;
  std::vector<std::string> values_;
  double number_ = 0;
  mutable std::unordered_map<uint32_t, bool> memo_;
};

// A filter list (all must match) bound to a source; the same threading rule
// as BoundFilter.
class BoundFilters {
 public:
  static BoundFilters Bind(const std::vector<FilterExpr>& filters, const speed::AppState& app);

  bool Matches(const speed::HourBuffer& buf, size_t row) const {
    for (const Node& n : roots_)
      if (!Eval(n, buf, row)) return false;
    return true;
  }
  bool empty() const { return roots_.empty(); }

 private:
  struct Node {
    FilterExpr::Kind kind = FilterExpr::Kind::kLeaf;
    size_t leaf = 0;  // index into leaves_
    std::vector<Node> children;
  };
  Node BindNode(const FilterExpr& e, const speed::AppState& app);
  bool Eval(const Node& n, const speed::HourBuffer& buf, size_t row) const {
    switch (n.kind) {
      case FilterExpr::Kind::kLeaf: return leaves_[n.leaf].Matches(buf, row);
      case FilterExpr::Kind::kAnd:
        for (const Node& c : n.children)
          if (!Eval(c, buf, row)) return false;
        return true;
      case FilterExpr::Kind::kOr:
        for (const Node& c : n.children)
          if (Eval(c, buf, row)) return true;
        return false;
    }
    return false;
  }

  std::vector<BoundFilter> leaves_;
  std::vector<Node> roots_;
};

}  // namespace swell::query
