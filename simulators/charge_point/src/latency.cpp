#include "simulators/latency.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

namespace evp::sim {

void LatencyRecorder::add(std::chrono::nanoseconds latency) {
  const auto us = std::max<std::int64_t>(0, latency.count() / 1000);
  samples_.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(us, std::numeric_limits<std::uint32_t>::max())));
  sorted_ = false;
}

void LatencyRecorder::sort() const {
  if (!sorted_) {
    std::sort(samples_.begin(), samples_.end());
    sorted_ = true;
  }
}

double LatencyRecorder::percentile_ms(double p) const {
  if (samples_.empty()) return 0;
  sort();
  // Nearest rank: the smallest sample with at least p% of samples at or below it.
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(samples_.size())));
  rank = std::clamp<std::size_t>(rank, 1, samples_.size());
  return samples_[rank - 1] / 1000.0;
}

double LatencyRecorder::max_ms() const {
  if (samples_.empty()) return 0;
  sort();
  return samples_.back() / 1000.0;
}

double LatencyRecorder::mean_ms() const {
  if (samples_.empty()) return 0;
  const double sum = std::accumulate(samples_.begin(), samples_.end(), 0.0);
  return sum / static_cast<double>(samples_.size()) / 1000.0;
}

void LatencyRecorder::merge(const LatencyRecorder& other) {
  samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
  sorted_ = false;
}

std::string LatencyRecorder::summary() const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms  max %8.2f ms", percentile_ms(50),
                percentile_ms(90), percentile_ms(99), max_ms());
  return buf;
}

}  // namespace evp::sim
