// Confidence bounds on the number of distinct items behind a theta sample:
// num_samples hashes kept out of an unknown n, each kept with probability
// theta. This is DataSketches' BinomialBoundsN (Java) / binomial_bounds.hpp
// (C++) algorithm, so Swell's bounds equal theirs number for number:
//   - num_samples > 120: a continuity-corrected Gaussian approximation;
//   - 2..120 with theta < num_samples / 360: the same formula with an
//     "equivalent" number of standard deviations from fixed tables;
//   - otherwise an exact Bayesian-style sum over the binomial tail;
//   - 0 and 1 samples: closed forms.
// The answer is then clamped: num_samples <= lower <= estimate <= upper.
#pragma once

#include <cstdint>

namespace swell {

// REQUIRES: 0 < theta <= 1, 1 <= num_std_devs <= 3.
double BinomialLowerBound(uint64_t num_samples, double theta, int num_std_devs);
double BinomialUpperBound(uint64_t num_samples, double theta, int num_std_devs);

// The tables behind the 2..120 Gaussian branch, exposed for tests: entry
// [3 * k + (num_std_devs - 1)] for k = 1..120 (k = 0 is filler).
extern const double kBinomialLowerEquivTable[363];
extern const double kBinomialUpperEquivTable[363];

}  // namespace swell
