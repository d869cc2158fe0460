#pragma once
/// Latency samples with exact percentiles (all samples kept, microsecond resolution),
/// for the fleet benchmark and for other benchmarks that drive the simulator.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace evp::sim {

class LatencyRecorder {
 public:
  void add(std::chrono::nanoseconds latency);
  std::size_t count() const { return samples_.size(); }
  /// p in [0, 100]; nearest-rank. 0 when empty.
  double percentile_ms(double p) const;
  double max_ms() const;
  double mean_ms() const;
  void merge(const LatencyRecorder& other);
  /// "p50 1.23 ms  p90 ...  p99 ...  max ..."
  std::string summary() const;

 private:
  mutable std::vector<std::uint32_t> samples_;  // microseconds, saturating
  mutable bool sorted_ = true;
  void sort() const;
};

}  // namespace evp::sim
