// The console's static files through the real server: the right types and headers, 304 on
// a matching ETag, the front door redirects, and nothing outside the console folder (or
// hidden in it, or behind a symlink) can be reached by any spelling of the path.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "db/testing.hpp"
#include "evp/testing/process.hpp"
#include "evp/testing/server.hpp"
#include "support/raw_socket.hpp"

using namespace evp::itest;
using evp::db::testing::TempDatabase;
using evp::testing::ScratchDir;
using evp::testing::Server;

namespace {

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("console: static files with their types, security headers and no way out of the folder") {
  ScratchDir dir("", "evp-console");
  const std::string root = dir.path() + "/console";
  write(root + "/index.html", "<!doctype html><title>console</title>");
  write(root + "/app.js", "export const x = 1;\n");
  write(root + "/style.css", "body { margin: 0 }\n");
  write(root + "/views/icon.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
  write(root + "/.env", "JWT_SECRET=hidden");
  write(dir.path() + "/secret.txt", "outside the console folder");
  std::filesystem::create_symlink(dir.path() + "/secret.txt", root + "/link.txt");

  TempDatabase db;
  Server server(db.url(), {{"CONSOLE_DIR", root}});
  const auto port = server.rest_port();
  auto get = [&](const std::string& target, const std::map<std::string, std::string>& headers = {}) {
    return http_request(port, "GET", target, headers);
  };

  SUBCASE("types, caching and the security policy") {
    const std::pair<const char*, const char*> files[] = {{"/console/", "text/html; charset=utf-8"},
                                                         {"/console/index.html", "text/html; charset=utf-8"},
                                                         {"/console/app.js", "text/javascript; charset=utf-8"},
                                                         {"/console/style.css", "text/css; charset=utf-8"},
                                                         {"/console/views/icon.svg", "image/svg+xml"}};
    for (const auto& file : files) {  // no structured binding: Clang 15 cannot capture one in INFO
      const char* target = file.first;
      const char* type = file.second;
      INFO(target);
      auto r = get(target);
      CHECK(http_status(r) == 200);
      CHECK(http_header(r, "Content-Type") == type);
      CHECK(http_header(r, "Cache-Control") == "no-cache");
      CHECK(http_header(r, "X-Content-Type-Options") == "nosniff");
      CHECK(http_header(r, "X-Frame-Options") == "DENY");
      const auto csp = http_header(r, "Content-Security-Policy");
      CHECK(csp.find("default-src 'none'") != std::string::npos);
      CHECK(csp.find("script-src 'self'") != std::string::npos);
      CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
      CHECK(csp.find("unsafe-inline") == std::string::npos);
      CHECK_FALSE(http_header(r, "ETag").empty());
    }
    auto js = get("/console/app.js");
    CHECK(http_body(js) == "export const x = 1;\n");
    // Revalidation: the same ETag answers 304 without a body.
    auto again = get("/console/app.js", {{"If-None-Match", http_header(js, "ETag")}});
    CHECK(http_status(again) == 304);
    CHECK(http_body(again).empty());
    CHECK(http_status(get("/console/app.js", {{"If-None-Match", "\"other\""}})) == 200);
  }

  SUBCASE("the front door leads to the console") {
    for (const char* target : {"/", "/console"}) {
      auto r = get(target);
      CHECK(http_status(r) == 302);
      CHECK(http_header(r, "Location") == "/console/");
    }
    // The API is untouched.
    CHECK(http_status(get("/health")) == 200);
  }

  SUBCASE("missing files, hidden files, symlinks and traversal are all 404") {
    for (const char* target :
         {"/console/missing.js", "/console/.env", "/console/link.txt", "/console/../secret.txt",
          "/console/%2e%2e/secret.txt", "/console/..%2fsecret.txt", "/console/views/../../secret.txt",
          "/console/views/..%2F..%2Fsecret.txt", "/console//app.js", "/console/./app.js", "/console/%2e/app.js",
          "/console/views%5c..%5c..%5csecret.txt", "/console/app.js%00.html", "/console/views/"}) {
      INFO(target);
      auto r = get(target);
      CHECK(http_status(r) == 404);
      CHECK(http_body(r).find("outside the console folder") == std::string::npos);
      CHECK(http_body(r).find("JWT_SECRET") == std::string::npos);
      CHECK(http_header(r, "Content-Type") == "application/json");
    }
  }

  SUBCASE("only GET") {
    auto r = http_request(port, "POST", "/console/app.js", {{"Content-Type", "application/json"}}, "{}");
    CHECK(http_status(r) == 405);
    CHECK(http_header(r, "Allow") == "GET");
  }
}

TEST_CASE("console: CONSOLE_DIR=- serves none, and a missing folder says so") {
  TempDatabase db;
  {
    Server server(db.url(), {{"CONSOLE_DIR", "-"}});
    CHECK(http_status(http_request(server.rest_port(), "GET", "/console/")) == 404);
    CHECK(http_status(http_request(server.rest_port(), "GET", "/")) == 404);
  }
  Server server(db.url(), {{"CONSOLE_DIR", "/nonexistent/console"}});
  auto r = http_request(server.rest_port(), "GET", "/console/");
  CHECK(http_status(r) == 404);
  CHECK(http_body(r).find("console_not_installed") != std::string::npos);
  CHECK(server.log().find("the console is not served") != std::string::npos);
}

TEST_CASE("dev-token: a development sign-in that works, and is refused in production") {
  TempDatabase db;
  Server server(db.url());
  const std::string op = "7d3c0000-0000-4000-8000-000000000001";
  REQUIRE(server.cli({"operator", "add", op}).first == 0);
  auto minted = server.cli({"dev-token", "--operator", op});
  REQUIRE(minted.first == 0);
  std::string out = minted.second;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  auto r = http_request(server.rest_port(), "GET", "/api/v1/admin/stations", {{"Authorization", "Bearer " + out}});
  CHECK(http_status(r) == 200);
  // A token for a user who is no operator is still a valid sign-in: 403, not 401.
  auto minted_driver = server.cli({"dev-token", "0b6f0000-0000-4000-8000-000000000002"});
  REQUIRE(minted_driver.first == 0);
  std::string driver = minted_driver.second;
  while (!driver.empty() && driver.back() == '\n') driver.pop_back();
  CHECK(http_status(http_request(server.rest_port(), "GET", "/api/v1/admin/stations",
                                 {{"Authorization", "Bearer " + driver}})) == 403);
  CHECK(server.cli({"dev-token", "--operator", "0b6f0000-0000-4000-8000-000000000002"}).first != 0);
  CHECK(server.cli({"dev-token", "not-a-uuid"}).first != 0);

  // In production the command refuses, whatever the secret.
  auto env = server.env();
  env["EVP_ENV"] = "production";
  const auto refused = evp::testing::run_command({evp::testing::server_binary(), "dev-token", op}, env, server.dir());
  CHECK(refused.first != 0);
  CHECK(refused.second.find("refused in production") != std::string::npos);
}
