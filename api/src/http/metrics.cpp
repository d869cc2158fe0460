#include "http/metrics.hpp"

#include <cstdio>

namespace evp::api {

std::string prom_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string_view Metrics::method_label(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (auto m : kKnown)
    if (m == method) return m;
  return "other";
}

void Metrics::observe(std::string_view method, const std::string& route, unsigned status,
                      std::chrono::nanoseconds took) {
  double s = std::chrono::duration<double>(took).count();
  auto& h = latency_[{std::string(method_label(method)), route}];
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (s <= kBuckets[i]) ++h.buckets[i];
  ++h.count;
  h.sum += s;
  ++responses_[{route, status}];
}

void Metrics::render(std::string& out) const {
  char num[64];
  out += "# HELP evp_http_connections_total HTTP connections accepted by the REST API.\n";
  out += "# TYPE evp_http_connections_total counter\n";
  out += "evp_http_connections_total " + std::to_string(connections_total_) + "\n";
  out += "# HELP evp_http_connections_open HTTP connections currently open.\n";
  out += "# TYPE evp_http_connections_open gauge\n";
  out += "evp_http_connections_open " + std::to_string(connections_open_) + "\n";
  out += "# HELP evp_http_connections_refused_total REST connections refused by a connection cap.\n";
  out += "# TYPE evp_http_connections_refused_total counter\n";
  out += "evp_http_connections_refused_total{cap=\"total\"} " + std::to_string(refused_total_) + "\n";
  out += "evp_http_connections_refused_total{cap=\"address\"} " + std::to_string(refused_address_) + "\n";
  out += "# HELP evp_http_rate_limited_total Requests refused by a per-user rate limit.\n";
  out += "# TYPE evp_http_rate_limited_total counter\n";
  for (const char* name : {"subscribe", "test_push"}) {
    auto it = rate_limited_.find(name);
    out += std::string("evp_http_rate_limited_total{limit=\"") + name + "\"} " +
           std::to_string(it == rate_limited_.end() ? 0 : it->second) + "\n";
  }
  out += "# HELP evp_push_subscription_cap_refusals_total Subscriptions refused by the per-user cap.\n";
  out += "# TYPE evp_push_subscription_cap_refusals_total counter\n";
  out += "evp_push_subscription_cap_refusals_total " + std::to_string(subscription_cap_) + "\n";
  out += "# HELP evp_http_responses_total REST API responses by route and status.\n";
  out += "# TYPE evp_http_responses_total counter\n";
  for (const auto& [key, n] : responses_)
    out += "evp_http_responses_total{route=\"" + prom_label(key.first) + "\",status=\"" + std::to_string(key.second) +
           "\"} " + std::to_string(n) + "\n";
  out += "# HELP evp_http_request_duration_seconds REST API request latency.\n";
  out += "# TYPE evp_http_request_duration_seconds histogram\n";
  for (const auto& [key, h] : latency_) {
    std::string labels = "method=\"" + prom_label(key.first) + "\",route=\"" + prom_label(key.second) + "\"";
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      std::snprintf(num, sizeof num, "%g", kBuckets[i]);
      out += "evp_http_request_duration_seconds_bucket{" + labels + ",le=\"" + num + "\"} " +
             std::to_string(h.buckets[i]) + "\n";
    }
    out += "evp_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    std::snprintf(num, sizeof num, "%.6f", h.sum);
    out += "evp_http_request_duration_seconds_sum{" + labels + "} " + num + "\n";
    out += "evp_http_request_duration_seconds_count{" + labels + "} " + std::to_string(h.count) + "\n";
  }
}

}  // namespace evp::api
