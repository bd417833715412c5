#include "query/filter_request.h"

#include <charconv>
#include <cmath>

#include "query/request_json.h"

namespace swell::query {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

namespace {

constexpr size_t kMaxFilterDepth = 8;
constexpr size_t kMaxFilterLeaves = 64;

Status CheckPropertyName(const std::string& name, const std::string& field) {
  if (name.empty()) return BadField(field, "must not be empty");
  return Status::OK();
}

struct OpName {
  const char* name;
  FilterOp op;
};
constexpr OpName kOps[] = {
    {"is", FilterOp::kIs},   {"is_not", FilterOp::kIsNot}, {"contains", FilterOp::kContains},
    {"does_not_contain", FilterOp::kDoesNotContain},      {"gt", FilterOp::kGt},
    {"gte", FilterOp::kGte}, {"lt", FilterOp::kLt},        {"lte", FilterOp::kLte},
    {"set", FilterOp::kSet}, {"not_set", FilterOp::kNotSet}};

bool IsNumeric(FilterOp op) {
  return op == FilterOp::kGt || op == FilterOp::kGte || op == FilterOp::kLt || op == FilterOp::kLte;
}

Status ParseLeaf(object obj, const std::string& field, Filter* f) {
  bool has_property = false, has_op = false;
  element values_elem;
  bool has_values = false;
  for (auto [key, value] : obj) {
    std::string sub = field + "." + std::string(key);
    if (key == "property") {
      SWELL_RETURN_IF_ERROR(GetString(value, sub, &f->property.name));
      SWELL_RETURN_IF_ERROR(CheckPropertyName(f->property.name, sub));
      has_property = true;
    } else if (key == "type") {
      SWELL_RETURN_IF_ERROR(GetScope(value, sub, &f->property.user));
    } else if (key == "op") {
      std::string op;
      SWELL_RETURN_IF_ERROR(GetString(value, sub, &op));
      bool found = false;
      for (const OpName& o : kOps)
        if (op == o.name) f->op = o.op, found = true;
      if (!found)
        return BadField(sub, "must be one of is, is_not, contains, does_not_contain, gt, gte, lt, lte, set, not_set");
      has_op = true;
    } else if (key == "values") {
      values_elem = value;
      has_values = true;
    } else {
      return BadField(sub, "unknown field");
    }
  }
  if (!has_property) return BadField(field + ".property", "is required");
  if (!has_op) return BadField(field + ".op", "is required");
  const std::string vfield = field + ".values";
  if (f->op == FilterOp::kSet || f->op == FilterOp::kNotSet) {
    if (!has_values) return Status::OK();
    array arr;
    if (values_elem.get_array().get(arr) != simdjson::SUCCESS || arr.size() != 0)
      return BadField(vfield, "must be absent or [] for set and not_set");
    return Status::OK();
  }
  if (!has_values) return BadField(vfield, "is required");
  array arr;
  if (values_elem.get_array().get(arr) != simdjson::SUCCESS) return BadField(vfield, "must be an array");
  if (IsNumeric(f->op)) {
    if (arr.size() != 1) return BadField(vfield, "must hold exactly one number for gt, gte, lt and lte");
    element v = arr.at(0).value_unsafe();
    double d = 0;
    if (v.is_int64()) d = static_cast<double>(int64_t(v));
    else if (v.is_uint64()) d = static_cast<double>(uint64_t(v));
    else if (v.is_double()) d = double(v);
    else if (!v.is_string() || !ParseNumberText(std::string_view(v), &d))
      return BadField(vfield + "[0]", "must be a number");
    f->number = d;
    return Status::OK();
  }
  size_t i = 0;
  for (element v : arr) {
    std::string text;
    SWELL_RETURN_IF_ERROR(GetValueText(v, vfield + "[" + std::to_string(i++) + "]", &text));
    f->values.push_back(std::move(text));
  }
  return Status::OK();
}

Status ParseItem(element e, const std::string& field, size_t depth, size_t* leaves, FilterExpr* out);

Status ParseItems(element e, const std::string& field, size_t depth, size_t* leaves, std::vector<FilterExpr>* out) {
  array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS) return BadField(field, "must be an array");
  size_t i = 0;
  for (element item : arr) {
    FilterExpr x;
    SWELL_RETURN_IF_ERROR(ParseItem(item, field + "[" + std::to_string(i++) + "]", depth, leaves, &x));
    out->push_back(std::move(x));
  }
  return Status::OK();
}

Status ParseItem(element e, const std::string& field, size_t depth, size_t* leaves, FilterExpr* out) {
  object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) return BadField(field, "must be an object");
  if (obj.size() == 1) {
    auto [key, value] = *obj.begin();
    if (key == "and" || key == "or") {
      if (depth >= kMaxFilterDepth) return BadField(field, "filters nest too deep (at most 8 levels)");
      out->kind = key == "and" ? FilterExpr::Kind::kAnd : FilterExpr::Kind::kOr;
      const std::string sub = field + "." + std::string(key);
      SWELL_RETURN_IF_ERROR(ParseItems(value, sub, depth + 1, leaves, &out->children));
      // An empty group is a likely mistake, and "and of nothing" (all) vs
      // "or of nothing" (none) would surprise.
      if (out->children.empty()) return BadField(sub, "must not be empty");
      return Status::OK();
    }
  }
  if (++*leaves > kMaxFilterLeaves) return BadField(field, "too many filters (at most 64)");
  out->kind = FilterExpr::Kind::kLeaf;
  return ParseLeaf(obj, field, &out->leaf);
}

}  // namespace

Status ParsePropertyRef(element e, const std::string& field, PropertyRef* out) {
  *out = PropertyRef();  // a reused ref must not keep an earlier "type"
  if (e.is_string()) {
    SWELL_RETURN_IF_ERROR(GetString(e, field, &out->name));
    return CheckPropertyName(out->name, field);
  }
  object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) return BadField(field, "must be a string or an object");
  bool has_property = false;
  for (auto [key, value] : obj) {
    std::string sub = field + "." + std::string(key);
    if (key == "property") {
      SWELL_RETURN_IF_ERROR(GetString(value, sub, &out->name));
      SWELL_RETURN_IF_ERROR(CheckPropertyName(out->name, sub));
      has_property = true;
    } else if (key == "type") {
      SWELL_RETURN_IF_ERROR(GetScope(value, sub, &out->user));
    } else {
      return BadField(sub, "unknown field");
    }
  }
  if (!has_property) return BadField(field + ".property", "is required");
  return Status::OK();
}

Status ParseFilterList(element e, const std::string& field, std::vector<FilterExpr>* out) {
  size_t leaves = 0;
  return ParseItems(e, field, 0, &leaves, out);
}

Status ParseEventMatcher(element e, const std::string& field, EventMatcher* out, const ExtraKeyParser& extra) {
  object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) return BadField(field, "must be an object");
  bool has_event = false;
  for (auto [key, value] : obj) {
    std::string sub = field + "." + std::string(key);
    if (key == "event") {
      SWELL_RETURN_IF_ERROR(GetString(value, sub, &out->event));
      if (out->event.empty()) return BadField(sub, "must not be empty");
      has_event = true;
    } else if (key == "filters") {
      SWELL_RETURN_IF_ERROR(ParseFilterList(value, sub, &out->filters));
    } else {
      bool handled = false;
      if (extra) SWELL_RETURN_IF_ERROR(extra(key, value, sub, &handled));
      if (!handled) return BadField(sub, "unknown field");
    }
  }
  if (!has_event) return BadField(field + ".event", "is required");
  return Status::OK();
}

bool ParseNumberText(std::string_view text, double* out) {
  // JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  size_t i = 0, n = text.size();
  auto digits = [&] {
    size_t start = i;
    while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
    return i > start;
  };
  if (i < n && text[i] == '-') ++i;
  if (i < n && text[i] == '0') ++i;
  else if (!digits()) return false;
  if (i < n && text[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    if (!digits()) return false;
  }
  if (i != n) return false;
  double d = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + n, d);
  if (ec != std::errc() || ptr != text.data() + n || !std::isfinite(d)) return false;
  *out = d;
  return true;
}

}  // namespace swell::query
