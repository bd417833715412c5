#include "query/audience_sketch.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "lake/sets_file.h"
#include "query/query_test_util.h"
#include "sketch/theta_set_ops.h"
#include "sketch/theta_update_sketch.h"

namespace swell::query {
namespace {

using Op = AudienceNode::Op;

std::string IdOf(uint32_t i) { return (i % 3 == 2 ? "dev-" : "user-") + std::to_string(i); }
std::string KeyOf(uint32_t i) { return (i % 3 == 2 ? "d:" : "u:") + IdOf(i); }
Event EventOf(uint32_t i) {
  return i % 3 == 2 ? testing::E("x", "", testing::kDay1, {}, {}, IdOf(i)) : testing::E("x", IdOf(i), testing::kDay1);
}

// A dictionary of n users "u:user-<i>" numbered i (every third one a device
// "d:dev-<i>" instead, as an event without a user id makes).
std::unique_ptr<speed::UserDictionary> MakeDict(uint32_t n) {
  std::unique_ptr<speed::UserDictionary> dict;
  EXPECT_TRUE(speed::UserDictionary::Open("", &dict).ok());
  for (uint32_t i = 0; i < n; ++i) EXPECT_EQ(dict->GetOrAdd(KeyOf(i)), i);
  return dict;
}

// The users i in [from, to) with i % mod == rem.
Roaring Range(uint32_t from, uint32_t to, uint32_t mod = 1, uint32_t rem = 0) {
  Roaring r;
  for (uint32_t i = from; i < to; ++i)
    if (i % mod == rem) r.add(i);
  return r;
}

AudienceNode Leaf(int i) {
  AudienceNode n;
  n.op = Op::kLeaf;
  n.leaf = i;
  return n;
}
AudienceNode Node(Op op, std::vector<AudienceNode> children) {
  AudienceNode n;
  n.op = op;
  n.children = std::move(children);
  return n;
}

struct Rendered {
  uint64_t count = 0, lower = 0, upper = 0;
  std::string mode;
};
Rendered Parse(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  Rendered r;
  r.count = doc["count"].get_uint64();
  r.lower = doc["lower_bound"].get_uint64();
  r.upper = doc["upper_bound"].get_uint64();
  r.mode = std::string(std::string_view(doc["mode"]));
  return r;
}

// A theta update sketch of the ids, trimmed to k and compacted: what a
// DataSketches user would build from the same ids.
CompactThetaSketch UpdateSketchOf(const Roaring& users, uint64_t seed = 9001) {
  ThetaSketchOptions o;
  o.seed = seed;
  ThetaUpdateSketch s;
  EXPECT_TRUE(ThetaUpdateSketch::Make(o, &s).ok());
  for (uint32_t i : users) s.Update(std::string_view(IdOf(i)));
  s.Trim();
  return s.Compact();
}

TEST(AudienceSketchTest, ItemHashesAreTheSetsFilesHashes) {
  auto dict = MakeDict(3000);
  for (uint32_t i : {0u, 1u, 2u, 5u, 2999u}) {
    EXPECT_EQ(dict->ItemHash(i), lake::SetsSketchItemHash(EventOf(i))) << i;
    EXPECT_EQ(dict->ItemHash(i), ThetaHashBytes(IdOf(i).data(), IdOf(i).size(), 9001)) << i;
  }
}

TEST(AudienceSketchTest, SketchOfUsersIsTheSetsRowSketch) {
  // 6000 users: past k, so the sketch estimates.
  const uint32_t n = 6000;
  auto dict = MakeDict(n);
  std::vector<Event> events;
  std::vector<uint32_t> numbers;
  for (uint32_t i = 0; i < n; ++i) {
    events.push_back(EventOf(i));
    numbers.push_back(i);
  }
  std::vector<lake::SetsRow> rows = lake::BuildSetsRows(events, numbers);
  ASSERT_FALSE(rows.empty());
  ASSERT_TRUE(rows[0].sketch.has_value());
  const CompactThetaSketch mine = SketchOfUsers(Range(0, n), *dict);
  EXPECT_TRUE(mine.IsEstimationMode());
  EXPECT_EQ(mine.NumRetained(), 4096u);
  EXPECT_EQ(mine.Serialize(), rows[0].sketch->Serialize());
  EXPECT_EQ(mine.Serialize(), UpdateSketchOf(Range(0, n)).Serialize());
  // Below k: exact, every hash.
  const CompactThetaSketch small = SketchOfUsers(Range(0, 4000), *dict);
  EXPECT_FALSE(small.IsEstimationMode());
  EXPECT_EQ(small.NumRetained(), 4000u);
  EXPECT_EQ(small.Serialize(), UpdateSketchOf(Range(0, 4000)).Serialize());
}

TEST(AudienceSketchTest, SketchOfUsersSkipsUnknownNumbersAndUsersWithoutItems) {
  std::unique_ptr<speed::UserDictionary> dict;
  ASSERT_TRUE(speed::UserDictionary::Open("", &dict).ok());
  dict->GetOrAdd("u:a");
  dict->GetOrAdd("d:");  // no item
  dict->GetOrAdd("u:b");
  Roaring users;
  users.addMany(5, std::vector<uint32_t>{0, 1, 2, 7, 1000000}.data());
  CompactThetaSketch s = SketchOfUsers(users, *dict);
  EXPECT_FALSE(s.IsEmpty());
  EXPECT_EQ(s.NumRetained(), 2u);
  EXPECT_EQ(s.Estimate(), 2.0);
  // Nobody with an item: an empty sketch, as a DataSketches sketch that was
  // never updated.
  Roaring none;
  none.add(1);
  none.add(9);
  EXPECT_TRUE(SketchOfUsers(none, *dict).IsEmpty());
  EXPECT_TRUE(SketchOfUsers(Roaring(), *dict).IsEmpty());
}

class AudienceTreeTest : public ::testing::Test {
 protected:
  static constexpr uint32_t kUsers = 250'000;
  static void SetUpTestSuite() {
    dict_ = MakeDict(kUsers).release();
    // Known sets of 50k-200k users.
    sets_ = new std::vector<Roaring>{
        Range(0, 150'000),              // A: 150k
        Range(50'000, 250'000, 1),      // B: 200k
        Range(0, 250'000, 5, 1),        // C: 50k
        Range(100'000, 200'000, 2, 0),  // D: 50k
    };
    for (const Roaring& r : *sets_) leaf_sketches_.push_back(SketchOfUsers(r, *dict_));
    universe_set_ = Range(0, kUsers);
    universe_ = SketchOfUsers(universe_set_, *dict_);
  }
  static void TearDownTestSuite() {
    delete dict_;
    delete sets_;
  }

  // The exact audience of a tree over sets_.
  static Roaring Exact(const AudienceNode& n) {
    switch (n.op) {
      case Op::kLeaf: return (*sets_)[static_cast<size_t>(n.leaf)];
      case Op::kNot: return universe_set_ - Exact(n.children[0]);
      case Op::kAnd: {
        Roaring acc = Exact(n.children[0]);
        for (size_t i = 1; i < n.children.size(); ++i) acc &= Exact(n.children[i]);
        return acc;
      }
      case Op::kOr: {
        Roaring acc;
        for (const AudienceNode& c : n.children) acc |= Exact(c);
        return acc;
      }
    }
    return Roaring();
  }

  static speed::UserDictionary* dict_;
  static std::vector<Roaring>* sets_;
  static std::vector<CompactThetaSketch> leaf_sketches_;
  static Roaring universe_set_;
  static CompactThetaSketch universe_;
};
speed::UserDictionary* AudienceTreeTest::dict_ = nullptr;
std::vector<Roaring>* AudienceTreeTest::sets_ = nullptr;
std::vector<CompactThetaSketch> AudienceTreeTest::leaf_sketches_;
Roaring AudienceTreeTest::universe_set_;
CompactThetaSketch AudienceTreeTest::universe_;

TEST_F(AudienceTreeTest, EstimatesFallWithinTheirBounds) {
  const std::vector<AudienceNode> trees = {
      Leaf(0),
      Node(Op::kAnd, {Leaf(0), Leaf(1)}),                                    // 100k
      Node(Op::kOr, {Leaf(2), Leaf(3)}),                                     // ~90k
      Node(Op::kAnd, {Leaf(1), Node(Op::kNot, {Leaf(0)})}),                  // 100k
      Node(Op::kOr, {Node(Op::kAnd, {Leaf(0), Leaf(2)}), Leaf(3)}),          // 75k
      Node(Op::kNot, {Node(Op::kOr, {Leaf(0), Leaf(2)})}),                   // 80k
      Node(Op::kAnd, {Leaf(0), Leaf(1), Node(Op::kNot, {Leaf(3)})}),         // 75k
      Node(Op::kAnd, {Node(Op::kOr, {Leaf(0), Leaf(3)}), Leaf(2)}),          // 35k
  };
  for (size_t t = 0; t < trees.size(); ++t) {
    SCOPED_TRACE("tree " + std::to_string(t));
    const double exact = static_cast<double>(Exact(trees[t]).cardinality());
    CompactThetaSketch result;
    ASSERT_TRUE(EvaluateAudienceSketch(trees[t], leaf_sketches_, &universe_, &result).ok());
    EXPECT_TRUE(result.IsEstimationMode());
    EXPECT_FALSE(result.IsEmpty());
    EXPECT_LE(result.LowerBound(3), exact);
    EXPECT_GE(result.UpperBound(3), exact);
    // About 1.6% relative error at k = 4096 for one sketch; a result cut
    // from a larger set has fewer hashes and a larger error (here at most
    // about 3.5%, from 35k of 175k).
    EXPECT_NEAR(result.Estimate(), exact, 0.15 * exact);
    const Rendered r = Parse(RenderAudienceEstimate(result, 3));
    EXPECT_EQ(r.mode, "estimate");
    EXPECT_EQ(r.count, static_cast<uint64_t>(std::llround(result.Estimate())));
    EXPECT_LE(static_cast<double>(r.lower), exact);
    EXPECT_GE(static_cast<double>(r.upper), exact);
  }
}

TEST_F(AudienceTreeTest, AnIntersectionKeepsTheSmallestTheta) {
  // A and B estimate, each with its own theta; their intersection's theta is
  // the smaller, so it estimates too though its inputs each hold k hashes.
  CompactThetaSketch result;
  ASSERT_TRUE(EvaluateAudienceSketch(Node(Op::kAnd, {Leaf(0), Leaf(1)}), leaf_sketches_, nullptr, &result).ok());
  EXPECT_EQ(result.theta64(), std::min(leaf_sketches_[0].theta64(), leaf_sketches_[1].theta64()));
  EXPECT_LT(result.NumRetained(), 4096u);
  // Disjoint estimating sets: no common hash, but not "empty": the
  // estimate is 0 and the upper bound is not.
  Roaring lo = Range(0, 100'000), hi = Range(100'000, 200'000);
  std::vector<CompactThetaSketch> leaves = {SketchOfUsers(lo, *dict_), SketchOfUsers(hi, *dict_)};
  ASSERT_TRUE(EvaluateAudienceSketch(Node(Op::kAnd, {Leaf(0), Leaf(1)}), leaves, nullptr, &result).ok());
  EXPECT_FALSE(result.IsEmpty());
  EXPECT_EQ(result.NumRetained(), 0u);
  EXPECT_EQ(result.Estimate(), 0.0);
  const Rendered r = Parse(RenderAudienceEstimate(result, 2));
  EXPECT_EQ(r.count, 0u);
  EXPECT_EQ(r.lower, 0u);
  EXPECT_GT(r.upper, 0u);
}

TEST_F(AudienceTreeTest, ExactBelowK) {
  // Sets of fewer than 4096 items: exact sketches, exact trees.
  std::vector<Roaring> small = {Range(0, 3000), Range(1000, 4000), Range(0, 4000, 7, 3)};
  std::vector<CompactThetaSketch> leaves;
  for (const Roaring& r : small) leaves.push_back(SketchOfUsers(r, *dict_));
  Roaring universe_set = Range(0, 4090);
  CompactThetaSketch universe = SketchOfUsers(universe_set, *dict_);
  struct Case {
    AudienceNode tree;
    uint64_t exact;
  };
  const std::vector<Case> cases = {
      {Node(Op::kAnd, {Leaf(0), Leaf(1)}), (small[0] & small[1]).cardinality()},
      {Node(Op::kOr, {Leaf(0), Leaf(1), Leaf(2)}), (small[0] | small[1] | small[2]).cardinality()},
      {Node(Op::kNot, {Leaf(0)}), (universe_set - small[0]).cardinality()},
      {Node(Op::kAnd, {Leaf(2), Node(Op::kNot, {Leaf(1)})}), (small[2] - small[1]).cardinality()},
  };
  for (const Case& c : cases) {
    CompactThetaSketch result;
    ASSERT_TRUE(EvaluateAudienceSketch(c.tree, leaves, &universe, &result).ok());
    EXPECT_FALSE(result.IsEstimationMode());
    EXPECT_EQ(result.NumRetained(), c.exact);
    const std::string n = std::to_string(c.exact);
    for (int sd = 1; sd <= 3; ++sd)
      EXPECT_EQ(RenderAudienceEstimate(result, sd),
                R"({"count":)" + n + R"(,"lower_bound":)" + n + R"(,"upper_bound":)" + n + R"(,"mode":"estimate"})");
  }
}

TEST_F(AudienceTreeTest, EmptyLeaf) {
  std::vector<CompactThetaSketch> leaves = {leaf_sketches_[0], CompactThetaSketch()};
  CompactThetaSketch result;
  // and with an empty set: empty (not merely 0 hashes below a theta).
  ASSERT_TRUE(EvaluateAudienceSketch(Node(Op::kAnd, {Leaf(0), Leaf(1)}), leaves, nullptr, &result).ok());
  EXPECT_TRUE(result.IsEmpty());
  EXPECT_EQ(RenderAudienceEstimate(result, 2), R"({"count":0,"lower_bound":0,"upper_bound":0,"mode":"estimate"})");
  ASSERT_TRUE(EvaluateAudienceSketch(Node(Op::kAnd, {Leaf(1), Leaf(0)}), leaves, nullptr, &result).ok());
  EXPECT_TRUE(result.IsEmpty());
  // or with an empty set: the other child.
  ASSERT_TRUE(EvaluateAudienceSketch(Node(Op::kOr, {Leaf(1), Leaf(0)}), leaves, nullptr, &result).ok());
  EXPECT_EQ(result.Serialize(), leaves[0].Serialize());
  // not of an empty set: the universe.
  ASSERT_TRUE(EvaluateAudienceSketch(Node(Op::kNot, {Leaf(1)}), leaves, &universe_, &result).ok());
  EXPECT_EQ(result.Serialize(), universe_.Serialize());
  // An empty universe: every not is empty.
  CompactThetaSketch empty;
  ASSERT_TRUE(EvaluateAudienceSketch(Node(Op::kNot, {Leaf(0)}), leaves, &empty, &result).ok());
  EXPECT_TRUE(result.IsEmpty());
  // A lone empty leaf.
  ASSERT_TRUE(EvaluateAudienceSketch(Leaf(1), leaves, nullptr, &result).ok());
  EXPECT_TRUE(result.IsEmpty());
  EXPECT_EQ(Parse(RenderAudienceEstimate(result, 1)).count, 0u);
}

TEST_F(AudienceTreeTest, NotWithTheUniverse) {
  // not A over the universe: 100k of 250k.
  CompactThetaSketch result;
  const AudienceNode tree = Node(Op::kNot, {Leaf(0)});
  ASSERT_TRUE(EvaluateAudienceSketch(tree, leaf_sketches_, &universe_, &result).ok());
  const double exact = 100'000;
  EXPECT_LE(result.LowerBound(3), exact);
  EXPECT_GE(result.UpperBound(3), exact);
  // Without a universe a not is refused; trees without one need none.
  Status st = EvaluateAudienceSketch(tree, leaf_sketches_, nullptr, &result);
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_NE(st.message().find("universe"), std::string::npos);
  st = EvaluateAudienceSketch(Node(Op::kOr, {Leaf(0), Node(Op::kAnd, {Leaf(1), tree})}), leaf_sketches_, nullptr,
                              &result);
  EXPECT_TRUE(st.IsInvalidArgument());
  // Malformed trees.
  EXPECT_TRUE(EvaluateAudienceSketch(Leaf(4), leaf_sketches_, nullptr, &result).IsInvalidArgument());
  EXPECT_TRUE(EvaluateAudienceSketch(Leaf(-1), leaf_sketches_, nullptr, &result).IsInvalidArgument());
  EXPECT_TRUE(EvaluateAudienceSketch(Node(Op::kOr, {}), leaf_sketches_, nullptr, &result).IsInvalidArgument());
  EXPECT_TRUE(EvaluateAudienceSketch(Node(Op::kNot, {Leaf(0), Leaf(1)}), leaf_sketches_, &universe_, &result)
                  .IsInvalidArgument());
}

TEST_F(AudienceTreeTest, SeedsMustMatch) {
  // The same ids with another seed hash differently and do not mix.
  const CompactThetaSketch other = UpdateSketchOf(Range(0, 5000), 7);
  EXPECT_NE(other.seed_hash(), leaf_sketches_[0].seed_hash());
  std::vector<CompactThetaSketch> leaves = {leaf_sketches_[0], other};
  CompactThetaSketch result;
  EXPECT_TRUE(EvaluateAudienceSketch(Node(Op::kOr, {Leaf(0), Leaf(1)}), leaves, nullptr, &result).IsInvalidArgument());
  EXPECT_TRUE(EvaluateAudienceSketch(Node(Op::kAnd, {Leaf(0), Leaf(1)}), leaves, nullptr, &result).IsInvalidArgument());
  EXPECT_TRUE(EvaluateAudienceSketch(Node(Op::kNot, {Leaf(1)}), leaves, &universe_, &result).IsInvalidArgument());
  // Seed 9001 built elsewhere (a DataSketches update sketch of the ids) mixes.
  leaves[1] = UpdateSketchOf(Range(0, 5000));
  ASSERT_TRUE(EvaluateAudienceSketch(Node(Op::kAnd, {Leaf(0), Leaf(1)}), leaves, nullptr, &result).ok());
  EXPECT_LE(result.LowerBound(3), 5000);
  EXPECT_GE(result.UpperBound(3), 5000);
}

TEST_F(AudienceTreeTest, BoundsAreMonotone) {
  std::vector<CompactThetaSketch> results;
  for (const AudienceNode& tree : {Leaf(0), Leaf(2), Node(Op::kAnd, {Leaf(0), Leaf(3)}),
                                   Node(Op::kAnd, {Leaf(2), Leaf(3), Node(Op::kNot, {Leaf(0)})})}) {
    CompactThetaSketch r;
    ASSERT_TRUE(EvaluateAudienceSketch(tree, leaf_sketches_, &universe_, &r).ok());
    results.push_back(r);
  }
  // Few hashes left (the small-sample branches of the bounds).
  results.push_back(CompactThetaSketch(false, true, leaf_sketches_[0].seed_hash(), uint64_t{1} << 50,
                                       std::vector<uint64_t>{5, 77, 1234}));
  results.push_back(CompactThetaSketch(false, true, leaf_sketches_[0].seed_hash(), uint64_t{1} << 50, {}));
  for (const CompactThetaSketch& s : results) {
    Rendered prev;
    for (int sd = 1; sd <= 3; ++sd) {
      const Rendered r = Parse(RenderAudienceEstimate(s, sd));
      EXPECT_LE(r.lower, r.count);
      EXPECT_LE(r.count, r.upper);
      EXPECT_EQ(r.count, static_cast<uint64_t>(std::llround(s.Estimate())));
      EXPECT_EQ(r.lower, static_cast<uint64_t>(std::floor(s.LowerBound(sd))));
      EXPECT_EQ(r.upper, static_cast<uint64_t>(std::ceil(s.UpperBound(sd))));
      if (sd > 1) {
        EXPECT_LE(r.lower, prev.lower);  // wider with more standard deviations
        EXPECT_GE(r.upper, prev.upper);
      }
      prev = r;
    }
  }
}

TEST(AudienceSketchTest, HashCountsAddAcrossApps) {
  // Two apps number the same people differently.
  std::unique_ptr<speed::UserDictionary> a, b;
  ASSERT_TRUE(speed::UserDictionary::Open("", &a).ok());
  ASSERT_TRUE(speed::UserDictionary::Open("", &b).ok());
  a->GetOrAdd("u:ann");   // 0
  a->GetOrAdd("u:bo");    // 1
  a->GetOrAdd("d:");      // 2: no item
  b->GetOrAdd("u:cy");    // 0
  b->GetOrAdd("u:ann");   // 1
  b->GetOrAdd("d:bo");    // 2: the same item as a's u:bo
  std::unordered_map<uint64_t, uint32_t> by_hash;
  AddHashCounts({{0, 2}, {1, 1}, {2, 9}, {77, 5}}, *a, &by_hash);
  AddHashCounts({{0, 1}, {1, 1}, {2, 1}}, *b, &by_hash);
  EXPECT_EQ(by_hash.size(), 3u);
  EXPECT_EQ(by_hash[a->ItemHash(0)], 3u);  // ann: 2 + 1
  EXPECT_EQ(by_hash[a->ItemHash(1)], 2u);  // bo: 1 + 1
  EXPECT_EQ(by_hash[b->ItemHash(0)], 1u);  // cy
  CompactThetaSketch s = SketchOfHashCounts(by_hash, 2);
  EXPECT_EQ(s.NumRetained(), 2u);
  Roaring ann_bo;
  ann_bo.add(0);
  ann_bo.add(1);
  EXPECT_EQ(s.Serialize(), SketchOfUsers(ann_bo, *a).Serialize());
  EXPECT_EQ(SketchOfHashCounts(by_hash, 1).NumRetained(), 3u);
  EXPECT_TRUE(SketchOfHashCounts(by_hash, 4).IsEmpty());
  EXPECT_TRUE(SketchOfHashCounts({}, 1).IsEmpty());
  // Saturating sums.
  AddHashCounts({{0, 0xFFFFFFF0u}}, *a, &by_hash);
  AddHashCounts({{0, 0xFFFFFFF0u}}, *a, &by_hash);
  EXPECT_EQ(by_hash[a->ItemHash(0)], 0xFFFFFFFFu);
}

TEST(AudienceSketchTest, HashCountsPastK) {
  // 20k users, user i with i % 4 + 1 events: min_count 3 keeps half.
  auto dict = MakeDict(20'000);
  std::unordered_map<uint32_t, uint32_t> counts;
  Roaring keep;
  for (uint32_t i = 0; i < 20'000; ++i) {
    counts[i] = i % 4 + 1;
    if (i % 4 + 1 >= 3) keep.add(i);
  }
  std::unordered_map<uint64_t, uint32_t> by_hash;
  AddHashCounts(counts, *dict, &by_hash);
  CompactThetaSketch s = SketchOfHashCounts(by_hash, 3);
  EXPECT_TRUE(s.IsEstimationMode());
  EXPECT_EQ(s.Serialize(), SketchOfUsers(keep, *dict).Serialize());
  EXPECT_LE(s.LowerBound(3), 10'000);
  EXPECT_GE(s.UpperBound(3), 10'000);
}

}  // namespace
}  // namespace swell::query
