#include "config_store.hpp"

#include <doctest/doctest.h>

using evp::sim::detail::ConfigStore;

TEST_CASE("config store: change validates integers and read-only keys") {
  ConfigStore c(2, "Core");
  CHECK(c.get("NumberOfConnectors") == "2");
  CHECK(c.change("HeartbeatInterval", "30") == "Accepted");
  CHECK(c.get_int("HeartbeatInterval", 0) == 30);
  CHECK(c.change("HeartbeatInterval", "abc") == "Rejected");
  CHECK(c.change("HeartbeatInterval", "-5") == "Rejected");
  CHECK(c.get_int("HeartbeatInterval", 0) == 30);
  CHECK(c.change("NumberOfConnectors", "4") == "Rejected");
  CHECK(c.change("NoSuchKey", "1") == "NotSupported");
}

TEST_CASE("config store: describe lists requested and unknown keys") {
  ConfigStore c(1, "Core");
  auto all = c.describe({});
  CHECK(all["configurationKey"].size() >= 10);
  CHECK_FALSE(all.contains("unknownKey"));
  auto some = c.describe({"MeterValueSampleInterval", "Nope"});
  REQUIRE(some["configurationKey"].size() == 1);
  CHECK(some["configurationKey"][0]["key"] == "MeterValueSampleInterval");
  CHECK(some["configurationKey"][0]["readonly"] == false);
  CHECK(some["configurationKey"][0]["value"] == "60");
  CHECK(some["unknownKey"] == nlohmann::json::array({"Nope"}));
}
