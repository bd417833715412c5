#include "event/event_codec.h"

#include <cstring>

#include "util/coding.h"

namespace swell {
namespace {

constexpr uint8_t kBatchVersion = 1;
// A property list longer than this cannot come from a valid payload (the
// request size limit bounds it far lower); refusing it keeps a corrupt count
// from triggering a huge allocation.
constexpr uint64_t kMaxCount = 1u << 24;

void EncodeValue(const PropertyValue& v, std::string* out) {
  out->push_back(static_cast<char>(v.kind));
  switch (v.kind) {
    case PropertyValue::Kind::kNull: break;
    case PropertyValue::Kind::kBool: out->push_back(v.b ? 1 : 0); break;
    case PropertyValue::Kind::kInt: PutVarsint64(out, v.i); break;
    case PropertyValue::Kind::kDouble: {
      uint64_t bits;
      std::memcpy(&bits, &v.d, 8);
      PutFixed64(out, bits);
      break;
    }
    case PropertyValue::Kind::kString:
    case PropertyValue::Kind::kJson: PutLengthPrefixed(out, v.s); break;
  }
}

bool DecodeValue(std::string_view* in, PropertyValue* v) {
  if (in->empty()) return false;
  auto kind = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  if (kind > static_cast<uint8_t>(PropertyValue::Kind::kJson)) return false;
  *v = PropertyValue();
  v->kind = static_cast<PropertyValue::Kind>(kind);
  switch (v->kind) {
    case PropertyValue::Kind::kNull: return true;
    case PropertyValue::Kind::kBool:
      if (in->empty()) return false;
      v->b = (*in)[0] != 0;
      in->remove_prefix(1);
      return true;
    case PropertyValue::Kind::kInt: return GetVarsint64(in, &v->i);
    case PropertyValue::Kind::kDouble: {
      uint64_t bits;
      if (!GetFixed64(in, &bits)) return false;
      std::memcpy(&v->d, &bits, 8);
      return true;
    }
    case PropertyValue::Kind::kString:
    case PropertyValue::Kind::kJson: {
      std::string_view s;
      if (!GetLengthPrefixed(in, &s)) return false;
      v->s.assign(s);
      return true;
    }
  }
  return false;
}

void EncodeProperties(const std::vector<Property>& props, std::string* out) {
  PutVarint64(out, props.size());
  for (const auto& p : props) {
    PutLengthPrefixed(out, p.key);
    EncodeValue(p.value, out);
  }
}

bool DecodeProperties(std::string_view* in, std::vector<Property>* props) {
  uint64_t n;
  if (!GetVarint64(in, &n) || n > kMaxCount || n > in->size()) return false;
  props->clear();
  props->resize(n);
  for (auto& p : *props) {
    std::string_view key;
    if (!GetLengthPrefixed(in, &key)) return false;
    p.key.assign(key);
    if (!DecodeValue(in, &p.value)) return false;
  }
  return true;
}

bool GetString(std::string_view* in, std::string* s) {
  std::string_view v;
  if (!GetLengthPrefixed(in, &v)) return false;
  s->assign(v);
  return true;
}

}  // namespace

void EncodeEvent(const Event& e, std::string* out) {
  PutLengthPrefixed(out, e.event_type);
  PutLengthPrefixed(out, e.user_id);
  PutLengthPrefixed(out, e.device_id);
  PutLengthPrefixed(out, e.insert_id);
  PutVarsint64(out, e.time_ms);
  PutVarsint64(out, e.arrival_ms);
  PutVarsint64(out, e.session_id);
  EncodeProperties(e.fields, out);
  EncodeProperties(e.event_properties, out);
  EncodeProperties(e.user_properties, out);
}

Status DecodeEvent(std::string_view* in, Event* e) {
  if (!GetString(in, &e->event_type) || !GetString(in, &e->user_id) || !GetString(in, &e->device_id) ||
      !GetString(in, &e->insert_id) || !GetVarsint64(in, &e->time_ms) || !GetVarsint64(in, &e->arrival_ms) ||
      !GetVarsint64(in, &e->session_id) || !DecodeProperties(in, &e->fields) ||
      !DecodeProperties(in, &e->event_properties) || !DecodeProperties(in, &e->user_properties)) {
    return Status::Corruption("truncated or malformed event");
  }
  return Status::OK();
}

void EncodeEventBatch(const EventBatch& batch, std::string* out) {
  out->push_back(static_cast<char>(kBatchVersion));
  PutLengthPrefixed(out, batch.app_id);
  PutVarint64(out, batch.events.size());
  for (const auto& e : batch.events) EncodeEvent(e, out);
}

Status DecodeEventBatch(std::string_view in, EventBatch* batch) {
  if (in.empty() || static_cast<uint8_t>(in[0]) != kBatchVersion)
    return Status::Corruption("event batch: unknown version");
  in.remove_prefix(1);
  uint64_t n;
  if (!GetString(&in, &batch->app_id) || !GetVarint64(&in, &n) || n > in.size())
    return Status::Corruption("event batch: malformed header");
  batch->events.clear();
  batch->events.resize(n);
  for (auto& e : batch->events) SWELL_RETURN_IF_ERROR(DecodeEvent(&in, &e).WithContext("event batch"));
  if (!in.empty()) return Status::Corruption("event batch: trailing bytes");
  return Status::OK();
}

}  // namespace swell
