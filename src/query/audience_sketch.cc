#include "query/audience_sketch.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "lake/sets_file.h"
#include "sketch/theta_set_ops.h"
#include "util/json_writer.h"

namespace swell::query {

CompactThetaSketch SketchOfUsers(const Roaring& users, const speed::UserDictionary& dict) {
  const uint32_t size = dict.size();
  std::vector<uint64_t> hashes;
  hashes.reserve(std::min<uint64_t>(users.cardinality(), size));
  for (uint32_t user : users) {
    if (user >= size) break;  // ascending: the rest are out of range too
    if (const uint64_t h = dict.ItemHash(user)) hashes.push_back(h);
  }
  const bool any_item = !hashes.empty();
  return lake::SetsSketchOfHashes(std::move(hashes), any_item);
}

void AddHashCounts(const std::unordered_map<uint32_t, uint32_t>& counts, const speed::UserDictionary& dict,
                   std::unordered_map<uint64_t, uint32_t>* by_hash) {
  const uint32_t size = dict.size();
  for (const auto& [user, n] : counts) {
    if (user >= size) continue;
    const uint64_t h = dict.ItemHash(user);
    if (h == 0) continue;
    uint32_t& sum = (*by_hash)[h];
    sum = n > std::numeric_limits<uint32_t>::max() - sum ? std::numeric_limits<uint32_t>::max() : sum + n;
  }
}

CompactThetaSketch SketchOfHashCounts(const std::unordered_map<uint64_t, uint32_t>& by_hash, uint32_t min_count) {
  std::vector<uint64_t> hashes;
  for (const auto& [h, n] : by_hash)
    if (n >= min_count && h != 0) hashes.push_back(h);
  const bool any_item = !hashes.empty();
  return lake::SetsSketchOfHashes(std::move(hashes), any_item);
}

namespace {

Status Evaluate(const AudienceNode& node, const std::vector<CompactThetaSketch>& leaves,
                const CompactThetaSketch* universe, CompactThetaSketch* out) {
  switch (node.op) {
    case AudienceNode::Op::kLeaf:
      if (node.leaf < 0 || static_cast<size_t>(node.leaf) >= leaves.size())
        return Status::InvalidArgument("audience sketch: leaf " + std::to_string(node.leaf) + " of " +
                                       std::to_string(leaves.size()));
      *out = leaves[static_cast<size_t>(node.leaf)];
      return Status::OK();
    case AudienceNode::Op::kNot: {
      if (node.children.size() != 1) return Status::InvalidArgument("audience sketch: a not has one child");
      if (universe == nullptr) return Status::InvalidArgument("audience sketch: a not needs the universe sketch");
      CompactThetaSketch child;
      SWELL_RETURN_IF_ERROR(Evaluate(node.children[0], leaves, universe, &child));
      return ThetaANotB::Compute(*universe, child, out);
    }
    case AudienceNode::Op::kAnd: {
      if (node.children.empty()) return Status::InvalidArgument("audience sketch: an and without children");
      ThetaIntersection inter;
      for (const AudienceNode& c : node.children) {
        CompactThetaSketch child;
        SWELL_RETURN_IF_ERROR(Evaluate(c, leaves, universe, &child));
        SWELL_RETURN_IF_ERROR(inter.Update(child));
      }
      *out = inter.Result();
      return Status::OK();
    }
    case AudienceNode::Op::kOr: {
      if (node.children.empty()) return Status::InvalidArgument("audience sketch: an or without children");
      ThetaUnion u;
      for (const AudienceNode& c : node.children) {
        CompactThetaSketch child;
        SWELL_RETURN_IF_ERROR(Evaluate(c, leaves, universe, &child));
        SWELL_RETURN_IF_ERROR(u.Update(child));
      }
      *out = u.Result();
      return Status::OK();
    }
  }
  return Status::InvalidArgument("audience sketch: unknown operator");
}

}  // namespace

Status EvaluateAudienceSketch(const AudienceNode& root, const std::vector<CompactThetaSketch>& leaf_sketches,
                              const CompactThetaSketch* universe, CompactThetaSketch* out) {
  CompactThetaSketch result;
  SWELL_RETURN_IF_ERROR(Evaluate(root, leaf_sketches, universe, &result));
  *out = std::move(result);
  return Status::OK();
}

std::string RenderAudienceEstimate(const CompactThetaSketch& result, int std_devs) {
  std_devs = std::clamp(std_devs, 1, 3);
  const double estimate = result.Estimate();
  const uint64_t count = static_cast<uint64_t>(std::llround(estimate));
  uint64_t lower = static_cast<uint64_t>(std::max(0.0, std::floor(result.LowerBound(std_devs))));
  uint64_t upper = static_cast<uint64_t>(std::ceil(result.UpperBound(std_devs)));
  lower = std::min(lower, count);
  upper = std::max(upper, count);
  JsonWriter w;
  w.BeginObject().Key("count").Uint(count).Key("lower_bound").Uint(lower).Key("upper_bound").Uint(upper);
  w.Key("mode").String("estimate");
  w.EndObject();
  return w.Take();
}

}  // namespace swell::query
