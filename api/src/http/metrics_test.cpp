#include "http/metrics.hpp"

#include <doctest/doctest.h>

using evp::api::Metrics;

TEST_CASE("metrics: made-up methods share one label") {
  Metrics m;
  for (int i = 0; i < 100; ++i) m.observe("PROBE" + std::to_string(i), "unmatched", 405, std::chrono::milliseconds(1));
  m.observe("GET", "/health", 200, std::chrono::milliseconds(1));
  std::string out;
  m.render(out);
  CHECK(out.find("PROBE") == std::string::npos);
  CHECK(out.find("method=\"other\",route=\"unmatched\"") != std::string::npos);
  CHECK(Metrics::method_label("DELETE") == "DELETE");
  CHECK(Metrics::method_label("delete") == "other");
}
