#include "sketch/theta_set_ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

namespace swell {
namespace {

struct Sets {
  std::set<uint64_t> a, b;
};

// Two random sets over a shared universe, so they overlap by about
// overlap * size items.
Sets MakeSets(uint64_t size_a, uint64_t size_b, uint64_t universe, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint64_t> pick(0, universe - 1);
  Sets s;
  while (s.a.size() < size_a) s.a.insert(pick(rng));
  while (s.b.size() < size_b) s.b.insert(pick(rng));
  return s;
}

CompactThetaSketch SketchOf(const std::set<uint64_t>& items, uint8_t lg_k = 12) {
  ThetaSketchOptions o;
  o.lg_k = lg_k;
  ThetaUpdateSketch s;
  EXPECT_TRUE(ThetaUpdateSketch::Make(o, &s).ok());
  for (uint64_t v : items) s.Update(v);
  return s.Compact();
}

// The theta hashes of a set, sorted.
std::vector<uint64_t> HashesOf(const std::set<uint64_t>& items) {
  std::vector<uint64_t> h;
  for (uint64_t v : items) h.push_back(ThetaHashUint64(v, kThetaDefaultSeed));
  std::sort(h.begin(), h.end());
  return h;
}

std::vector<uint64_t> Below(std::vector<uint64_t> v, uint64_t theta) {
  v.erase(std::lower_bound(v.begin(), v.end(), theta), v.end());
  return v;
}

std::vector<uint64_t> Union(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}
std::vector<uint64_t> Intersect(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}
std::vector<uint64_t> Minus(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// Sizes: both exact, one estimating, both estimating.
const uint64_t kCases[][3] = {
    {300, 500, 1000}, {3000, 2000, 6000}, {20000, 3000, 40000}, {60000, 80000, 150000}};

TEST(ThetaSetOpsTest, MatchExactSetsHashForHash) {
  uint64_t seed = 1;
  for (const auto& c : kCases) {
    const Sets s = MakeSets(c[0], c[1], c[2], seed++);
    const CompactThetaSketch sa = SketchOf(s.a), sb = SketchOf(s.b);
    const std::vector<uint64_t> ha = HashesOf(s.a), hb = HashesOf(s.b);
    SCOPED_TRACE("|A|=" + std::to_string(c[0]) + " |B|=" + std::to_string(c[1]));

    ThetaUnion u;
    ASSERT_TRUE(u.Update(sa).ok());
    ASSERT_TRUE(u.Update(sb).ok());
    const CompactThetaSketch ru = u.Result();
    // Every hash of A ∪ B below the result's theta, and nothing else.
    EXPECT_EQ(ru.entries(), Below(Union(ha, hb), ru.theta64()));
    EXPECT_LE(ru.NumRetained(), 4096u);

    ThetaIntersection in;
    EXPECT_FALSE(in.HasResult());
    ASSERT_TRUE(in.Update(sa).ok());
    ASSERT_TRUE(in.Update(sb).ok());
    ASSERT_TRUE(in.HasResult());
    const CompactThetaSketch ri = in.Result();
    EXPECT_EQ(ri.theta64(), std::min(sa.theta64(), sb.theta64()));
    EXPECT_EQ(ri.entries(), Below(Intersect(ha, hb), ri.theta64()));

    CompactThetaSketch rd;
    ASSERT_TRUE(ThetaANotB::Compute(sa, sb, &rd).ok());
    EXPECT_EQ(rd.theta64(), std::min(sa.theta64(), sb.theta64()));
    EXPECT_EQ(rd.entries(), Below(Minus(ha, hb), rd.theta64()));

    // And the estimates against the exact counts.
    std::vector<uint64_t> tmp;
    std::set_union(s.a.begin(), s.a.end(), s.b.begin(), s.b.end(), std::back_inserter(tmp));
    const double exact_union = tmp.size();
    tmp.clear();
    std::set_intersection(s.a.begin(), s.a.end(), s.b.begin(), s.b.end(), std::back_inserter(tmp));
    const double exact_inter = tmp.size();
    tmp.clear();
    std::set_difference(s.a.begin(), s.a.end(), s.b.begin(), s.b.end(), std::back_inserter(tmp));
    const double exact_diff = tmp.size();
    if (!ru.IsEstimationMode()) {
      EXPECT_EQ(ru.Estimate(), exact_union);
      EXPECT_EQ(ri.Estimate(), exact_inter);
      EXPECT_EQ(rd.Estimate(), exact_diff);
    } else {
      EXPECT_NEAR(ru.Estimate() / exact_union, 1.0, 0.06);
      EXPECT_GE(exact_union, ru.LowerBound(3) * 0.98);
      EXPECT_LE(exact_union, ru.UpperBound(3) * 1.02);
      EXPECT_NEAR(ri.Estimate(), exact_inter, 0.15 * exact_inter + 50);
      EXPECT_NEAR(rd.Estimate(), exact_diff, 0.15 * exact_diff + 50);
    }
  }
}

TEST(ThetaSetOpsTest, UnionWithSmallerLgKAndUnorderedInputs) {
  const Sets s = MakeSets(30000, 30000, 45000, 99);
  ThetaSketchOptions o;
  o.lg_k = 9;
  ThetaUnion u;
  ASSERT_TRUE(ThetaUnion::Make(o, &u).ok());
  ThetaUpdateSketch a, b;
  for (uint64_t v : s.a) a.Update(v);
  for (uint64_t v : s.b) b.Update(v);
  ASSERT_TRUE(u.Update(a).ok());  // update sketches go in unordered
  ASSERT_TRUE(u.Update(b.Compact(false)).ok());
  const CompactThetaSketch r = u.Result(false);
  EXPECT_LE(r.NumRetained(), 512u);
  std::vector<uint64_t> got = r.entries();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, Below(Union(HashesOf(s.a), HashesOf(s.b)), r.theta64()));
}

TEST(ThetaSetOpsTest, EmptyInputs) {
  const CompactThetaSketch empty;
  const CompactThetaSketch some = SketchOf({1, 2, 3});
  ThetaUnion u;
  EXPECT_TRUE(u.Result().IsEmpty());
  ASSERT_TRUE(u.Update(empty).ok());
  EXPECT_TRUE(u.Result().IsEmpty());
  ASSERT_TRUE(u.Update(some).ok());
  EXPECT_EQ(u.Result().Estimate(), 3.0);

  ThetaIntersection in;
  ASSERT_TRUE(in.Update(some).ok());
  ASSERT_TRUE(in.Update(empty).ok());
  EXPECT_TRUE(in.Result().IsEmpty());

  CompactThetaSketch r;
  ASSERT_TRUE(ThetaANotB::Compute(some, empty, &r).ok());
  EXPECT_EQ(r.Estimate(), 3.0);
  ASSERT_TRUE(ThetaANotB::Compute(empty, some, &r).ok());
  EXPECT_TRUE(r.IsEmpty());
  ASSERT_TRUE(ThetaANotB::Compute(some, some, &r).ok());
  EXPECT_TRUE(r.IsEmpty());  // exact and nothing left
  EXPECT_EQ(r.Serialize().size(), 8u);
}

TEST(ThetaSetOpsTest, DisjointExactIntersectionIsEmpty) {
  ThetaIntersection in;
  ASSERT_TRUE(in.Update(SketchOf({1, 2, 3})).ok());
  ASSERT_TRUE(in.Update(SketchOf({4, 5})).ok());
  EXPECT_TRUE(in.Result().IsEmpty());
}

TEST(ThetaSetOpsTest, SeedMismatchIsRefused) {
  ThetaSketchOptions o;
  o.seed = 12345;
  ThetaUpdateSketch other;
  ASSERT_TRUE(ThetaUpdateSketch::Make(o, &other).ok());
  other.Update(uint64_t{7});
  const CompactThetaSketch foreign = other.Compact();
  ThetaUnion u;
  EXPECT_TRUE(u.Update(foreign).IsInvalidArgument());
  ThetaIntersection in;
  EXPECT_TRUE(in.Update(foreign).IsInvalidArgument());
  CompactThetaSketch r;
  EXPECT_TRUE(ThetaANotB::Compute(foreign, SketchOf({1}), &r).IsInvalidArgument());
  EXPECT_TRUE(ThetaANotB::Compute(SketchOf({1}), foreign, &r).IsInvalidArgument());
  // With the matching seed everything works.
  ThetaUnion u2;
  ASSERT_TRUE(ThetaUnion::Make(o, &u2).ok());
  EXPECT_TRUE(u2.Update(foreign).ok());
  EXPECT_EQ(u2.Result().Estimate(), 1.0);
}

TEST(ThetaSetOpsTest, ManyWayUnionEqualsSketchOfEverything) {
  // Unioning pieces of a stream keeps the k smallest hashes of the whole:
  // the same entries as one update sketch of the stream, trimmed to k.
  ThetaUnion u;
  ThetaUpdateSketch whole;
  for (int part = 0; part < 10; ++part) {
    ThetaUpdateSketch piece;
    for (uint64_t i = 0; i < 5000; ++i) {
      piece.Update(part * 5000 + i);
      whole.Update(part * 5000 + i);
    }
    ASSERT_TRUE(u.Update(piece.Compact()).ok());
  }
  whole.Trim();
  const CompactThetaSketch r = u.Result();
  EXPECT_EQ(r.entries(), whole.Compact().entries());
  EXPECT_EQ(r.theta64(), whole.theta64());
}

}  // namespace
}  // namespace swell
