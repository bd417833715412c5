#include "sketch/theta_update_sketch.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>

namespace swell {
namespace {

ThetaUpdateSketch MakeSketch(uint8_t lg_k, ThetaResizeFactor rf = ThetaResizeFactor::kX8,
                             float p = 1.0f) {
  ThetaSketchOptions o;
  o.lg_k = lg_k;
  o.resize_factor = rf;
  o.p = p;
  ThetaUpdateSketch s;
  Status st = ThetaUpdateSketch::Make(o, &s);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return s;
}

TEST(ThetaUpdateSketchTest, NewSketchIsEmpty) {
  ThetaUpdateSketch s;
  EXPECT_TRUE(s.IsEmpty());
  EXPECT_FALSE(s.IsEstimationMode());
  EXPECT_EQ(s.Estimate(), 0.0);
  EXPECT_EQ(s.LowerBound(1), 0.0);
  EXPECT_EQ(s.UpperBound(3), 0.0);
  EXPECT_EQ(s.lg_k(), 12);
  EXPECT_EQ(s.seed(), kThetaDefaultSeed);
  EXPECT_TRUE(s.Compact().IsEmpty());
}

TEST(ThetaUpdateSketchTest, OptionsAreValidated) {
  ThetaUpdateSketch s;
  ThetaSketchOptions o;
  for (int lg_k : {0, 3, 27, 255}) {
    o.lg_k = static_cast<uint8_t>(lg_k);
    EXPECT_TRUE(ThetaUpdateSketch::Make(o, &s).IsInvalidArgument()) << lg_k;
  }
  for (int lg_k : {4, 5, 12, 26}) {
    o.lg_k = static_cast<uint8_t>(lg_k);
    EXPECT_TRUE(ThetaUpdateSketch::Make(o, &s).ok()) << lg_k;
  }
  o.lg_k = 12;
  for (float p : {0.0f, -0.5f, 1.5f, std::nanf("")}) {
    o.p = p;
    EXPECT_TRUE(ThetaUpdateSketch::Make(o, &s).IsInvalidArgument()) << p;
  }
}

TEST(ThetaUpdateSketchTest, ExactBelowK) {
  for (uint64_t n : {1, 2, 10, 100, 1000, 4096}) {
    ThetaUpdateSketch s;
    for (uint64_t i = 0; i < n; ++i) {
      s.Update(i * 7919 + 13);
      s.Update(i * 7919 + 13);  // duplicates change nothing
    }
    EXPECT_FALSE(s.IsEstimationMode()) << n;
    EXPECT_EQ(s.Estimate(), static_cast<double>(n));
    EXPECT_EQ(s.LowerBound(2), static_cast<double>(n));
    EXPECT_EQ(s.UpperBound(2), static_cast<double>(n));
    const CompactThetaSketch c = s.Compact();
    EXPECT_EQ(c.Estimate(), static_cast<double>(n));
    EXPECT_EQ(c.NumRetained(), n);
  }
}

TEST(ThetaUpdateSketchTest, StringsAndEmptyString) {
  ThetaUpdateSketch s;
  s.Update(std::string_view(""));  // ignored, as DataSketches does
  EXPECT_TRUE(s.IsEmpty());
  s.Update(std::string_view("a"));
  s.Update(std::string("a"));
  s.Update(std::string_view("b"));
  EXPECT_EQ(s.Estimate(), 2.0);
  EXPECT_FALSE(s.IsEmpty());
}

TEST(ThetaUpdateSketchTest, ResizeFactorNeverChangesTheSample) {
  const CompactThetaSketch ref = [] {
    ThetaUpdateSketch s = MakeSketch(10, ThetaResizeFactor::kX1);
    for (uint64_t i = 0; i < 50000; ++i) s.Update(i);
    return s.Compact();
  }();
  for (auto rf : {ThetaResizeFactor::kX2, ThetaResizeFactor::kX4, ThetaResizeFactor::kX8}) {
    ThetaUpdateSketch s = MakeSketch(10, rf);
    for (uint64_t i = 0; i < 50000; ++i) s.Update(i);
    EXPECT_EQ(s.theta64(), ref.theta64());
    EXPECT_EQ(s.Compact().entries(), ref.entries());
  }
}

TEST(ThetaUpdateSketchTest, RetainedStaysBetweenKAndRebuildPoint) {
  for (uint8_t lg_k : {4, 5, 8, 12}) {
    ThetaUpdateSketch s = MakeSketch(lg_k);
    const uint32_t k = 1u << lg_k;
    for (uint64_t i = 0; i < 40 * k; ++i) {
      s.Update(i);
      if (s.IsEstimationMode()) {
        ASSERT_GE(s.NumRetained(), k);
        ASSERT_LE(s.NumRetained(), static_cast<uint32_t>(std::floor(15.0 / 16.0 * 2 * k)));
      }
    }
    EXPECT_TRUE(s.IsEstimationMode());
    s.Trim();
    EXPECT_EQ(s.NumRetained(), k);
    const CompactThetaSketch c = s.Compact();
    for (uint64_t h : c.entries()) EXPECT_LT(h, s.theta64());
  }
}

TEST(ThetaUpdateSketchTest, SamplingProbability) {
  ThetaUpdateSketch s = MakeSketch(12, ThetaResizeFactor::kX8, 0.5f);
  EXPECT_TRUE(s.IsEmpty());
  EXPECT_NEAR(s.Theta(), 0.5, 1e-9);
  // Never updated: compacts to the plain empty sketch (theta 1).
  EXPECT_TRUE(s.Compact().IsEmpty());
  EXPECT_EQ(s.Compact().theta64(), kThetaMax);
  for (uint64_t i = 0; i < 2000; ++i) s.Update(i);
  EXPECT_TRUE(s.IsEstimationMode());
  EXPECT_LE(s.LowerBound(3), 2000.0);
  EXPECT_GE(s.UpperBound(3), 2000.0);

  // A single item that falls above theta leaves a non-empty sketch with no
  // entries: "some items, none sampled".
  ThetaUpdateSketch tiny = MakeSketch(12, ThetaResizeFactor::kX8, 1e-6f);
  tiny.Update(uint64_t{1});
  EXPECT_FALSE(tiny.IsEmpty());
  EXPECT_EQ(tiny.NumRetained(), 0u);
  EXPECT_EQ(tiny.Estimate(), 0.0);
  EXPECT_FALSE(tiny.Compact().IsEmpty());
}

struct Coverage {
  int within[4] = {0, 0, 0, 0};
  double sum_rel = 0;
  double sum_rel2 = 0;
  int trials = 0;
};

Coverage MeasureCoverage(uint8_t lg_k, uint64_t n, int trials) {
  Coverage c;
  std::mt19937_64 rng(20251125 + lg_k * 1000 + n);
  for (int t = 0; t < trials; ++t) {
    ThetaUpdateSketch s = MakeSketch(lg_k);
    // Random 64-bit values are distinct with overwhelming probability.
    for (uint64_t i = 0; i < n; ++i) s.Update(rng());
    const CompactThetaSketch cs = s.Compact();
    const double est = cs.Estimate();
    const double rel = est / static_cast<double>(n) - 1.0;
    c.sum_rel += rel;
    c.sum_rel2 += rel * rel;
    for (int sd = 1; sd <= 3; ++sd) {
      if (cs.LowerBound(sd) <= n && static_cast<double>(n) <= cs.UpperBound(sd)) ++c.within[sd];
    }
    ++c.trials;
  }
  std::printf("  lg_k=%d n=%llu trials=%d: mean rel err %+.4f, rms rel err %.4f, "
              "true count within 1/2/3 sd: %.1f%% / %.1f%% / %.1f%%\n",
              lg_k, static_cast<unsigned long long>(n), c.trials, c.sum_rel / c.trials,
              std::sqrt(c.sum_rel2 / c.trials), 100.0 * c.within[1] / c.trials,
              100.0 * c.within[2] / c.trials, 100.0 * c.within[3] / c.trials);
  return c;
}

// Two-sided normal coverage is 68.3% / 95.4% / 99.7%; the asserted rates are
// generous so the test is not flaky, the printed rates are the measurement.
void ExpectCoverage(const Coverage& c) {
  EXPECT_GE(c.within[1], 0.55 * c.trials);
  EXPECT_GE(c.within[2], 0.90 * c.trials);
  EXPECT_GE(c.within[3], 0.97 * c.trials);
}

TEST(ThetaUpdateSketchTest, AccuracyGaussianBranch) {
  // k = 4096, 4342-ish samples: the n > 120 Gaussian bounds.
  const Coverage c = MeasureCoverage(12, 50000, 200);
  ExpectCoverage(c);
  const double rms = std::sqrt(c.sum_rel2 / c.trials);
  EXPECT_LT(rms, 2.5 / std::sqrt(4096.0));  // RSE is about 1 / sqrt(k)
  EXPECT_LT(std::fabs(c.sum_rel / c.trials), 0.01);
}

TEST(ThetaUpdateSketchTest, AccuracyEquivalentTableBranch) {
  // k = 16 with 1000 items: 16..30 samples at theta < samples / 360.
  ExpectCoverage(MeasureCoverage(4, 1000, 400));
}

TEST(ThetaUpdateSketchTest, AccuracyExactSumBranch) {
  // k = 32 with 100 items: theta >= samples / 360, the exact binomial sum.
  ExpectCoverage(MeasureCoverage(5, 100, 400));
}

}  // namespace
}  // namespace swell
