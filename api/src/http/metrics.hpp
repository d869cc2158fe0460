#pragma once
// Request counters and latency histograms of the REST API, rendered with the other
// modules' statistics as Prometheus text by GET /metrics.
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace evp::api {

class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                   0.1,   0.25,   0.5,   1.0,  2.5,   10.0};

  /// `route` is the pattern ("/api/v1/charging/status/{session_id}") or a fixed word
  /// ("unmatched"), and a method outside the standard ones is counted as "other", so a
  /// client cannot add series by making up methods or paths.
  void observe(std::string_view method, const std::string& route, unsigned status, std::chrono::nanoseconds took);
  void connection_opened() { ++connections_total_, ++connections_open_; }
  void connection_closed() { --connections_open_; }
  /// A connection refused at accept by the total (`total`) or the per-address cap.
  void connection_refused(bool total) { ++(total ? refused_total_ : refused_address_); }
  /// A request refused by a per-user rate limit; `name` is one of a fixed set.
  void rate_limited(const char* name) { ++rate_limited_[name]; }
  /// A subscription refused by the per-user cap.
  void subscription_cap_reached() { ++subscription_cap_; }
  /// The label a method is counted under.
  static std::string_view method_label(std::string_view method);
  /// Appends this module's series to `out`.
  void render(std::string& out) const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  std::map<std::pair<std::string, std::string>, Histogram> latency_;     // (method, route)
  std::map<std::pair<std::string, unsigned>, std::uint64_t> responses_;  // (route, status)
  std::uint64_t connections_total_ = 0;
  std::int64_t connections_open_ = 0;
  std::uint64_t refused_total_ = 0, refused_address_ = 0, subscription_cap_ = 0;
  std::map<std::string, std::uint64_t> rate_limited_;
};

/// Escapes a Prometheus label value.
std::string prom_label(std::string_view v);

}  // namespace evp::api
