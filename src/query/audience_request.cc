#include "query/audience_request.h"

#include <simdjson.h>

#include "event/event.h"
#include "query/request_json.h"

namespace swell::query {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

Status Bad(const std::string& field, const std::string& why) { return BadField(field, why); }


Status GetCount(element e, const std::string& field, uint64_t min, uint64_t max, uint64_t* out) {
  int64_t i;
  uint64_t u;
  if (e.get_int64().get(i) == simdjson::SUCCESS) {
    if (i < 0 || static_cast<uint64_t>(i) < min || static_cast<uint64_t>(i) > max)
      return Bad(field, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    *out = static_cast<uint64_t>(i);
    return Status::OK();
  }
  if (e.get_uint64().get(u) == simdjson::SUCCESS)
    return Bad(field, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  return Bad(field, "must be an integer");
}

// config::ValidateAppId's rule, without depending on the config library.
bool IsValidAppId(std::string_view id) {
  if (id.empty() || id.size() > kMaxAudienceAppIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

class Parser {
 public:
  explicit Parser(AudienceRequest* req) : req_(req) {}

  Status Node(element e, const std::string& field, int depth, AudienceNode* out) {
    if (depth > kMaxAudienceDepth) return Bad(field, "the tree is deeper than " + std::to_string(kMaxAudienceDepth));
    object obj;
    if (e.get_object().get(obj) != simdjson::SUCCESS) return Bad(field, "must be an object");
    element op_value;
    if (obj["op"].get(op_value) != simdjson::SUCCESS) return Leaf(obj, field, out);
    std::string op;
    SWELL_RETURN_IF_ERROR(GetString(op_value, field + ".op", &op));
    if (op == "and") out->op = AudienceNode::Op::kAnd;
    else if (op == "or") out->op = AudienceNode::Op::kOr;
    else if (op == "not") out->op = AudienceNode::Op::kNot;
    else return Bad(field + ".op", "must be one of and, or, not");
    bool has_children = false;
    for (auto [key, value] : obj) {
      std::string sub = field + "." + std::string(key);
      if (key == "op") continue;
      if (key != "children") return Bad(sub, "unknown field (an operator has op and children)");
      simdjson::dom::array arr;
      if (value.get_array().get(arr) != simdjson::SUCCESS) return Bad(sub, "must be an array");
      size_t i = 0;
      for (element c : arr) {
        AudienceNode child;
        SWELL_RETURN_IF_ERROR(Node(c, sub + "[" + std::to_string(i++) + "]", depth + 1, &child));
        out->children.push_back(std::move(child));
      }
      has_children = true;
    }
    if (!has_children) return Bad(field + ".children", "is required");
    if (out->op == AudienceNode::Op::kNot) {
      if (out->children.size() != 1) return Bad(field + ".children", "a not has exactly one child");
      req_->has_not = true;
    } else if (out->children.empty()) {
      return Bad(field + ".children", "must not be empty");
    }
    return Status::OK();
  }

 private:
  Status Leaf(object obj, const std::string& field, AudienceNode* out) {
    if (req_->leaves.size() >= kMaxAudienceLeaves)
      return Bad(field, "the tree has more than " + std::to_string(kMaxAudienceLeaves) + " leaves");
    AudienceLeaf leaf;
    leaf.field = field;
    bool has_event = false, has_from = false, has_to = false, has_type = false, has_values = false;
    std::string from_text, to_text;
    Filter filter;
    filter.op = FilterOp::kIs;
    for (auto [key, value] : obj) {
      std::string sub = field + "." + std::string(key);
      if (key == "event") {
        SWELL_RETURN_IF_ERROR(GetString(value, sub, &leaf.event_name));
        if (leaf.event_name.empty()) return Bad(sub, "must not be empty");
        has_event = true;
      } else if (key == "property") {
        SWELL_RETURN_IF_ERROR(GetString(value, sub, &filter.property.name));
        if (filter.property.name.empty()) return Bad(sub, "must not be empty");
        leaf.filter.emplace();
      } else if (key == "type") {
        SWELL_RETURN_IF_ERROR(GetScope(value, sub, &filter.property.user));
        has_type = true;
      } else if (key == "value") {
        if (has_values) return Bad(sub, "give value or values, not both");
        std::string text;
        SWELL_RETURN_IF_ERROR(GetValueText(value, sub, &text));
        filter.values.push_back(std::move(text));
        has_values = true;
      } else if (key == "values") {
        if (has_values) return Bad(sub, "give value or values, not both");
        simdjson::dom::array arr;
        if (value.get_array().get(arr) != simdjson::SUCCESS) return Bad(sub, "must be an array");
        size_t i = 0;
        for (element v : arr) {
          std::string text;
          SWELL_RETURN_IF_ERROR(GetValueText(v, sub + "[" + std::to_string(i++) + "]", &text));
          filter.values.push_back(std::move(text));
        }
        if (filter.values.empty()) return Bad(sub, "must not be empty");
        has_values = true;
      } else if (key == "from") {
        SWELL_RETURN_IF_ERROR(GetString(value, sub, &from_text));
        has_from = true;
      } else if (key == "to") {
        SWELL_RETURN_IF_ERROR(GetString(value, sub, &to_text));
        has_to = true;
      } else if (key == "min_count") {
        uint64_t n;
        SWELL_RETURN_IF_ERROR(GetCount(value, sub, 1, kMaxMinCount, &n));
        leaf.min_count = static_cast<uint32_t>(n);
      } else if (key == "app") {
        SWELL_RETURN_IF_ERROR(GetString(value, sub, &leaf.app));
        if (!IsValidAppId(leaf.app))
          return Bad(sub, "must be an app id: 1 to " + std::to_string(kMaxAudienceAppIdLength) +
                              " characters of letters, digits, '_' and '-'");
      } else if (key == "children") {
        return Bad(field + ".op", "is required with children");
      } else {
        return Bad(sub, "unknown field");
      }
    }
    if (!has_event) return Bad(field + ".event", "is required (or op, for an operator)");
    if (!has_from) return Bad(field + ".from", "is required");
    if (!has_to) return Bad(field + ".to", "is required");
    if (leaf.filter) {
      if (!has_values) return Bad(field + ".value", "is required with property");
      leaf.filter = std::move(filter);
    } else {
      if (has_values) return Bad(field + ".property", "is required with value");
      if (has_type) return Bad(field + ".property", "is required with type");
    }
    SWELL_RETURN_IF_ERROR(ParseFromBound(from_text, &leaf.from).WithContext(field + ".from"));
    SWELL_RETURN_IF_ERROR(ParseToBound(to_text, &leaf.to_exclusive).WithContext(field + ".to"));
    if (leaf.from.utc == leaf.to_exclusive.utc && leaf.to_exclusive.ms <= leaf.from.ms)
      return Bad(field + ".to", "the range ends before it starts");
    out->op = AudienceNode::Op::kLeaf;
    out->leaf = static_cast<int>(req_->leaves.size());
    req_->leaves.push_back(std::move(leaf));
    return Status::OK();
  }

  AudienceRequest* req_;
};

}  // namespace

Status ParseAudienceRequest(std::string_view json, AudienceRequest* out) {
  simdjson::dom::parser parser;
  object obj;
  SWELL_RETURN_IF_ERROR(ParseRequestObject(&parser, json, &obj));
  AudienceRequest req;
  Parser p(&req);
  bool has_tree = false, has_std_devs = false;
  for (auto [key, value] : obj) {
    std::string field(key);
    if (key == "tree") {
      SWELL_RETURN_IF_ERROR(p.Node(value, "tree", 1, &req.root));
      has_tree = true;
    } else if (key == "mode") {
      SWELL_RETURN_IF_ERROR(GetChoice<bool>(value, field, {{"exact", false}, {"estimate", true}}, &req.estimate));
    } else if (key == "std_devs") {
      uint64_t n;
      SWELL_RETURN_IF_ERROR(GetCount(value, field, 1, 3, &n));
      req.std_devs = static_cast<int>(n);
      has_std_devs = true;
    } else if (key == "sample") {
      SWELL_RETURN_IF_ERROR(GetCount(value, field, 0, kMaxAudienceSample, &req.sample));
    } else if (key == "timezone") {
      SWELL_RETURN_IF_ERROR(GetString(value, field, &req.timezone));
    } else {
      return Bad(field, "unknown field");
    }
  }
  if (!has_tree) return Bad("tree", "is required");
  if (has_std_devs && !req.estimate) return Bad("std_devs", "needs mode estimate (an exact count has no bounds to widen)");
  if (req.estimate && req.sample > 0) return Bad("sample", "needs mode exact; an estimate holds hashes, not users");
  *out = std::move(req);
  return Status::OK();
}

}  // namespace swell::query
