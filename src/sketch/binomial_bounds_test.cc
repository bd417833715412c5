#include "sketch/binomial_bounds.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

namespace swell {
namespace {

constexpr double kDelta[] = {0.5, 0.1586553191586026479, 0.0227502618904135701,
                             0.0013498126861731796};

double PoissonCdf(int k, double lambda) {  // P(X <= k)
  double term = std::exp(-lambda);
  double sum = term;
  for (int i = 1; i <= k; ++i) {
    term *= lambda / i;
    sum += term;
  }
  return sum;
}

// The root of an increasing f in [lo, hi].
double Bisect(const std::function<double(double)>& f, double lo, double hi) {
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (f(mid) > 0) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return 0.5 * (lo + hi);
}

// Each table entry s is the number of standard deviations that makes the
// continuity-corrected Gaussian bound equal the exact Poisson confidence
// limit (the small-theta limit of the binomial). Re-deriving every entry
// catches a mistyped digit in the transcription; the published values fit
// this definition to 3.4e-6 (lower) and 1.5e-8 (upper) relative.
TEST(BinomialBoundsTest, EquivalentTablesMatchTheirDefinition) {
  for (int k = 1; k <= 120; ++k) {
    for (int sd = 1; sd <= 3; ++sd) {
      SCOPED_TRACE("k=" + std::to_string(k) + " sd=" + std::to_string(sd));
      const double d = kDelta[sd];
      const double s_lo = kBinomialLowerEquivTable[3 * k + sd - 1];
      const double lam_lo = Bisect([&](double l) { return (1.0 - PoissonCdf(k - 1, l)) - d; }, 0, 1000);
      const double x_lo = k - 0.5;
      const double fit_lo = x_lo + s_lo * s_lo / 2 - s_lo / 2 * std::sqrt(s_lo * s_lo + 4 * x_lo);
      EXPECT_NEAR(fit_lo / lam_lo, 1.0, 1e-5);

      const double s_up = kBinomialUpperEquivTable[3 * k + sd - 1];
      const double lam_up = Bisect([&](double l) { return d - PoissonCdf(k, l); }, 0, 1000);
      const double x_up = k + 0.5;
      const double fit_up = x_up + s_up * s_up / 2 + s_up / 2 * std::sqrt(s_up * s_up + 4 * x_up);
      EXPECT_NEAR(fit_up / lam_up, 1.0, 1e-7);
    }
  }
}

TEST(BinomialBoundsTest, ThetaOneIsExact) {
  for (uint64_t n : {0, 1, 2, 100, 5000}) {
    for (int sd = 1; sd <= 3; ++sd) {
      EXPECT_EQ(BinomialLowerBound(n, 1.0, sd), static_cast<double>(n));
      EXPECT_EQ(BinomialUpperBound(n, 1.0, sd), static_cast<double>(n));
    }
  }
}

TEST(BinomialBoundsTest, ClosedFormsForZeroAndOneSample) {
  const double theta = 0.01;
  EXPECT_EQ(BinomialLowerBound(0, theta, 2), 0.0);
  EXPECT_EQ(BinomialUpperBound(0, theta, 2), std::ceil(std::log(kDelta[2]) / std::log(1 - theta)));
  EXPECT_EQ(BinomialLowerBound(1, theta, 1),
            std::max(1.0, std::floor(std::log(1 - kDelta[1]) / std::log(1 - theta))));
}

TEST(BinomialBoundsTest, OrderedAroundTheEstimateInEveryBranch) {
  // n > 120 (Gaussian), 2..120 with small theta (tables), 2..120 with larger
  // theta (exact sum), 0 and 1 (closed forms).
  for (uint64_t n : {0, 1, 2, 3, 5, 10, 30, 60, 119, 120, 121, 500, 4342, 100000}) {
    for (double theta : {1e-6, 1e-4, 0.001, 0.01, 0.05, 0.1, 0.3, 0.5, 0.9, 0.99, 0.999999}) {
      const double est = n / theta;
      double prev_lo = est;
      double prev_up = est;
      for (int sd = 1; sd <= 3; ++sd) {
        SCOPED_TRACE("n=" + std::to_string(n) + " theta=" + std::to_string(theta) +
                     " sd=" + std::to_string(sd));
        const double lo = BinomialLowerBound(n, theta, sd);
        const double up = BinomialUpperBound(n, theta, sd);
        EXPECT_GE(lo, static_cast<double>(n));
        EXPECT_LE(lo, prev_lo);
        EXPECT_GE(up, prev_up);
        EXPECT_TRUE(std::isfinite(lo) && std::isfinite(up));
        prev_lo = lo;
        prev_up = up;
      }
    }
  }
}

TEST(BinomialBoundsTest, ReadmeReferenceSketch) {
  // 4342 samples at theta 0.531700444213199 (DataSketches' own numbers).
  const double theta = 0.531700444213199;
  EXPECT_NEAR(BinomialLowerBound(4342, theta, 2), 7996.956955317471, 1e-6);
  EXPECT_NEAR(BinomialUpperBound(4342, theta, 2), 8339.090301078124, 1e-6);
}

}  // namespace
}  // namespace swell
