#include "sketch/binomial_bounds.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace swell {

namespace {

// One-sided tail probabilities of a standard normal at 1, 2, 3 sigma.
constexpr double kDeltaOfNumStdDevs[] = {
    0.5,  // unused
    0.1586553191586026479,
    0.0227502618904135701,
    0.0013498126861731796,
};

// Continuity-corrected Gaussian bounds ("classic" bounds in DataSketches).
double ContClassicLower(uint64_t n, double theta, double num_std_devs) {
  const double n_hat = (static_cast<double>(n) - 0.5) / theta;
  const double b = num_std_devs * std::sqrt((1.0 - theta) / theta);
  const double d = 0.5 * b * std::sqrt((b * b) + (4.0 * n_hat));
  const double center = n_hat + (0.5 * (b * b));
  return center - d;
}

double ContClassicUpper(uint64_t n, double theta, double num_std_devs) {
  const double n_hat = (static_cast<double>(n) + 0.5) / theta;
  const double b = num_std_devs * std::sqrt((1.0 - theta) / theta);
  const double d = 0.5 * b * std::sqrt((b * b) + (4.0 * n_hat));
  const double center = n_hat + (0.5 * (b * b));
  return center + d;
}

// The smallest population m whose posterior tail reaches delta, summing the
// negative-binomial terms without logarithms. Only called with n / p < 360,
// where the terms stay in range and the loop is short.
uint64_t SpecialNStar(uint64_t n, double p, double delta) {
  const double q = 1.0 - p;
  double cur_term = std::pow(p, static_cast<double>(n));
  double total = cur_term;
  uint64_t m = n;
  while (total <= delta) {
    cur_term = (cur_term * q * static_cast<double>(m)) / static_cast<double>((m + 1) - n);
    total += cur_term;
    m += 1;
  }
  return m - 1;  // the loop went one past
}

uint64_t SpecialNPrimeB(uint64_t n, double p, double delta) {
  const double q = 1.0 - p;
  const double one_minus_delta = 1.0 - delta;
  double cur_term = std::pow(p, static_cast<double>(n));
  double total = cur_term;
  uint64_t m = n;
  while (total < one_minus_delta) {
    cur_term = (cur_term * q * static_cast<double>(m)) / static_cast<double>((m + 1) - n);
    total += cur_term;
    m += 1;
  }
  return m;
}

double ApproxLower(uint64_t n, double theta, int num_std_devs) {
  if (theta == 1.0) return static_cast<double>(n);
  if (n == 0) return 0.0;
  if (n == 1) {
    const double delta = kDeltaOfNumStdDevs[num_std_devs];
    return std::floor(std::log(1.0 - delta) / std::log(1.0 - theta));
  }
  if (n > 120) {
    return ContClassicLower(n, theta, num_std_devs) - 0.5;  // "fake round down"
  }
  if (theta > (1.0 - 1e-5)) return static_cast<double>(n);
  if (theta < (static_cast<double>(n) / 360.0)) {
    const size_t index = 3 * static_cast<size_t>(n) + static_cast<size_t>(num_std_devs - 1);
    return ContClassicLower(n, theta, kBinomialLowerEquivTable[index]) - 0.5;
  }
  // Here the estimate n / theta is at most 360, so the exact sum is cheap.
  return static_cast<double>(SpecialNStar(n, theta, kDeltaOfNumStdDevs[num_std_devs]));
}

double ApproxUpper(uint64_t n, double theta, int num_std_devs) {
  if (theta == 1.0) return static_cast<double>(n);
  if (n == 0) {
    const double delta = kDeltaOfNumStdDevs[num_std_devs];
    return std::ceil(std::log(delta) / std::log(1.0 - theta));
  }
  if (n > 120) {
    return ContClassicUpper(n, theta, num_std_devs) + 0.5;  // "fake round up"
  }
  if (theta > (1.0 - 1e-5)) return static_cast<double>(n + 1);
  if (theta < (static_cast<double>(n) / 360.0)) {
    const size_t index = 3 * static_cast<size_t>(n) + static_cast<size_t>(num_std_devs - 1);
    return ContClassicUpper(n, theta, kBinomialUpperEquivTable[index]) + 0.5;
  }
  return static_cast<double>(SpecialNPrimeB(n + 1, theta, kDeltaOfNumStdDevs[num_std_devs]));
}

}  // namespace

double BinomialLowerBound(uint64_t num_samples, double theta, int num_std_devs) {
  assert(theta > 0.0 && theta <= 1.0);
  assert(num_std_devs >= 1 && num_std_devs <= 3);
  num_std_devs = std::clamp(num_std_devs, 1, 3);  // release builds: never index past the tables
  const double estimate = static_cast<double>(num_samples) / theta;
  const double lb = ApproxLower(num_samples, theta, num_std_devs);
  return std::min(estimate, std::max(static_cast<double>(num_samples), lb));
}

double BinomialUpperBound(uint64_t num_samples, double theta, int num_std_devs) {
  assert(theta > 0.0 && theta <= 1.0);
  assert(num_std_devs >= 1 && num_std_devs <= 3);
  num_std_devs = std::clamp(num_std_devs, 1, 3);  // release builds: never index past the tables
  const double estimate = static_cast<double>(num_samples) / theta;
  const double ub = ApproxUpper(num_samples, theta, num_std_devs);
  return std::max(estimate, ub);
}

}  // namespace swell
