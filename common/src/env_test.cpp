#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "common/env.hpp"

using namespace evp::common;

TEST_CASE("Env reads files, overrides, and names bad variables") {
  auto path = std::string("/tmp/evp_env_test_") + std::to_string(::getpid()) + ".env";
  {
    std::ofstream f(path);
    f << "# comment\nexport EVP_T_A=\"hello world\"\nEVP_T_N = 42\nEVP_T_B=yes\nEVP_T_BAD=12x\n";
  }
  Env env;
  env.load_file(path);
  std::remove(path.c_str());
  CHECK(env.str("EVP_T_A", "") == "hello world");
  CHECK(env.integer("EVP_T_N", 0, 0, 100) == 42);
  CHECK(env.boolean("EVP_T_B", false));
  CHECK(env.str("EVP_T_MISSING", "dflt") == "dflt");
  env.set("EVP_T_N", "7");
  CHECK(env.integer("EVP_T_N", 0, 0, 100) == 7);
  try {
    env.integer("EVP_T_BAD", 0, 0, 100);
    FAIL("expected ConfigError");
  } catch (const ConfigError& e) {
    CHECK(e.variable() == "EVP_T_BAD");
  }
  CHECK_THROWS_AS(env.integer("EVP_T_N", 0, 10, 100), ConfigError);
  CHECK_THROWS_AS(env.required("EVP_T_MISSING"), ConfigError);
  CHECK_THROWS_AS(env.load_file("/nonexistent/evp.env"), ConfigError);
}
