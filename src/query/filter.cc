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
  f.negate_ = filter.op == FilterOp::kIsNot;
  for (const std::string& v : filter.values) {
    uint32_t id = f.property_.FindId(v);
    if (id != Interner::kMissing && std::find(f.ids_.begin(), f.ids_.end(), id) == f.ids_.end()) f.ids_.push_back(id);
  }
  return f;
}

}  // namespace swell::query
