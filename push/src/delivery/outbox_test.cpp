#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "delivery/outbox.hpp"

using evp::push::delivery::compact_payload;

TEST_CASE("compact_payload gives the compact form of jsonb text without touching strings") {
  // What PostgreSQL prints for a jsonb payload: a space after ':' and ','.
  std::string jsonb =
      R"({"body": "12.35 кВт⋅ч за 165.05 сом", "data": {"type": "x", "note": "a, b: \"c\" \\ d", "n": [1, 2.5]}})";
  std::string compact = compact_payload(jsonb);
  CHECK(compact ==
        R"({"body":"12.35 кВт⋅ч за 165.05 сом","data":{"type":"x","note":"a, b: \"c\" \\ d","n":[1,2.5]}})");
  CHECK(nlohmann::json::parse(compact) == nlohmann::json::parse(jsonb));
  CHECK(compact.size() == nlohmann::json::parse(jsonb).dump().size());
  CHECK(compact_payload("{}") == "{}");
  CHECK(compact_payload(" [ \"\\\\\" , \"\\\"\" ] ") == R"(["\\","\""])");
}
