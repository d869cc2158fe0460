// The operator console in a real browser: this starts the real server (with its console
// folder), a scratch database with a small network in it and an operator signed in with a
// token from `evpower dev-token`, then runs console_test.mjs (puppeteer-core driving Debian's
// headless Chromium), which starts the charge point simulator itself and checks what an
// operator sees. EVP_CONSOLE_SCREENSHOTS=<folder> keeps the screenshots there (docs/console
// is made so); otherwise they go to the scratch folder.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "evp/testing/process.hpp"
#include "stack.hpp"

using namespace evp::e2e;

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

TEST_CASE("console: sign in, a station comes online live, Reset with its answer, an id tag the station then accepts") {
  const std::string chromium = std::getenv("CHROMIUM") ? std::getenv("CHROMIUM") : "/usr/bin/chromium";
  REQUIRE_MESSAGE(std::filesystem::exists(chromium),
                  "Chromium is missing (" << chromium << "): scripts/test installs Debian's chromium package");
  REQUIRE_MESSAGE(std::filesystem::exists(EVP_BROWSER_TEST_DIR "/node_modules/puppeteer-core"),
                  "puppeteer-core is missing: cd tests/browser && npm ci");

  StackOptions o;
  o.push = false;
  o.log_level = "info";
  Stack s(o);
  INFO(s.logs());

  // A small network, so that the screens show what they are for.
  const auto owner = s.add_owner("Bishkek Charging LLC");
  const auto location = s.add_location(owner, "Ала-Тоо Square");
  s.add_station("CP-CONSOLE", "Ala-Too parking", "12.50", location);
  s.add_station("CP-WAREHOUSE", "Warehouse", "10.00", location);  // never connects
  REQUIRE(s.cli({"idtag", "add", "BLOCKED01"}).first == 0);
  REQUIRE(s.cli({"idtag", "block", "BLOCKED01"}).first == 0);

  const auto driver = s.add_client("Aigul");
  const auto op = random_uuid();
  REQUIRE(s.cli({"operator", "add", op, "--note", "console test"}).first == 0);
  // The token an operator signs in with in development, minted by the CLI as scripts/run does.
  const auto minted = s.cli({"dev-token", "--operator", op});  // no structured binding: Clang 15 and INFO
  REQUIRE_MESSAGE(minted.first == 0, minted.second);
  const std::string token = trimmed(minted.second);
  REQUIRE(std::count(token.begin(), token.end(), '.') == 2);
  // Not an operator: dev-token says so instead of minting a token that would get 403.
  CHECK(s.cli({"dev-token", "--operator", random_uuid()}).first != 0);

  const std::string shots = std::getenv("EVP_CONSOLE_SCREENSHOTS") && *std::getenv("EVP_CONSOLE_SCREENSHOTS")
                                ? std::getenv("EVP_CONSOLE_SCREENSHOTS")
                                : s.dir() + "/screenshots";
  evp::testing::EnvMap env{{"CONSOLE_URL", "http://127.0.0.1:" + std::to_string(s.rest_port()) + "/console/"},
                           {"EVP_TOKEN", token},
                           {"OCPP_URL", s.ocpp_url()},
                           {"EVP_CP_SIM", EVP_CP_SIM_BINARY},
                           {"STATION_ID", "CP-CONSOLE"},
                           {"ID_TAG", "CONSOLE01"},
                           {"SCREENSHOT_DIR", shots},
                           {"CHROMIUM", chromium},
                           {"DRIVER_ID", driver},
                           {"WORK_DIR", s.dir()}};
  evp::testing::ChildProcess node("console-test", {"/usr/bin/env", "node", EVP_BROWSER_TEST_DIR "/console_test.mjs"},
                                  env, s.dir());
  const int status = node.wait(std::chrono::minutes(4));
  const std::string report = node.out();
  std::cout << report;
  INFO("console_test.mjs stdout:\n" << report << "\nstderr:\n" << node.log_tail());
  CHECK(status == 0);
  CHECK(report.find("console browser test passed") != std::string::npos);
}
