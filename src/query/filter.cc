#include "query/filter.h"

#include <algorithm>

namespace swell::query {

using speed::Interner;

BoundProperty BoundProperty::Bind(const PropertyRef& ref, const speed::AppState& app) {
  BoundProperty p;
  p.app_ = &app;
  if (!ref.user && ref.name == "event_type") {
    p.kind_ = Kind::kEventType;
  } else if (!ref.user && ref.name == "user_id") {
    p.kind_ = Kind::kUserId;
  } else if (!ref.user && ref.name == "device_id") {
    p.kind_ = Kind::kDeviceId;
  } else {
    p.key_ref_ = app.FindKeyRef(ref.name, ref.user);
    p.kind_ = p.key_ref_ == Interner::kMissing ? Kind::kAbsent : Kind::kKey;
  }
  return p;
}

uint32_t BoundProperty::FindId(std::string_view text) const {
  switch (kind_) {
    case Kind::kEventType: return app_->names().Find(text);
    case Kind::kAbsent: return Interner::kMissing;
    default: return app_->values().Find(text);
  }
}

std::string_view BoundProperty::Text(uint32_t id) const {
  return kind_ == Kind::kEventType ? app_->names().Get(id) : app_->values().Get(id);
}

BoundFilter BoundFilter::Bind(const Filter& filter, const speed::AppState& app) {
  BoundFilter f;
  f.property_ = BoundProperty::Bind(filter.property, app);
  f.op_ = filter.op;
  f.number_ = filter.number;
  if (filter.op == FilterOp::kIs || filter.op == FilterOp::kIsNot) {
    for (const std::string& v : filter.values) {
      uint32_t id = f.property_.FindId(v);
      if (id != Interner::kMissing && std::find(f.ids_.begin(), f.ids_.end(), id) == f.ids_.end())
        f.ids_.push_back(id);
    }
  } else {
    f.values_ = filter.values;
  }
  return f;
}

bool BoundFilter::TextTest(uint32_t id) const {
  auto it = memo_.find(id);
  if (it != memo_.end()) return it->second;
  const std::string_view text = property_.Text(id);
  bool result = false;
  switch (op_) {
    case FilterOp::kContains:
    case FilterOp::kDoesNotContain:
      for (const std::string& v : values_)
        if (text.find(v) != std::string_view::npos) { result = true; break; }
      break;
    case FilterOp::kGt:
    case FilterOp::kGte:
    case FilterOp::kLt:
    case FilterOp::kLte: {
      double d = 0;
      if (!ParseNumberText(text, &d)) break;
      result = op_ == FilterOp::kGt ? d > number_ : op_ == FilterOp::kGte ? d >= number_
             : op_ == FilterOp::kLt ? d < number_ : d <= number_;
      break;
    }
    default: break;
  }
  memo_.emplace(id, result);
  return result;
}

BoundFilters BoundFilters::Bind(const std::vector<FilterExpr>& filters, const speed::AppState& app) {
  BoundFilters b;
  for (const FilterExpr& e : filters) b.roots_.push_back(b.BindNode(e, app));
  return b;
}

BoundFilters::Node BoundFilters::BindNode(const FilterExpr& e, const speed::AppState& app) {
  Node n;
  n.kind = e.kind;
  if (e.kind == FilterExpr::Kind::kLeaf) {
    n.leaf = leaves_.size();
    leaves_.push_back(BoundFilter::Bind(e.leaf, app));
  } else {
    for (const FilterExpr& c : e.children) n.children.push_back(BindNode(c, app));
  }
  return n;
}

}  // namespace swell::query
