#include "http/router.hpp"

#include <doctest/doctest.h>

#include "http/context.hpp"

using namespace evp::api;
using boost::beast::http::verb;

namespace {
boost::asio::awaitable<Reply> h1(Context&) { co_return Reply{}; }
boost::asio::awaitable<Reply> h2(Context&) { co_return Reply{}; }
}  // namespace

TEST_CASE("router: literal and parameter segments, 404 vs 405") {
  Router r;
  r.add({{verb::get, "/api/v1/stations", Access::User, h1},
         {verb::get, "/api/v1/stations/{id}", Access::User, h2},
         {verb::get, "/api/v1/stations/mine", Access::Owner, h1},
         {verb::post, "/api/v1/charging/start", Access::Client, h1}});

  auto m = r.match(verb::get, "/api/v1/stations/ST-1");
  REQUIRE(m.route);
  CHECK(m.route->pattern == "/api/v1/stations/{id}");
  CHECK(m.params.at("id") == "ST-1");

  m = r.match(verb::get, "/api/v1/stations/mine");  // literal wins over {id}
  REQUIRE(m.route);
  CHECK(m.route->access == Access::Owner);

  CHECK(r.match(verb::get, "/api/v1/stations/").route);  // trailing slash is the same path

  m = r.match(verb::get, "/api/v1/charging/start");
  CHECK(m.route == nullptr);
  REQUIRE(m.allowed.size() == 1);
  CHECK(m.allowed[0] == verb::post);

  m = r.match(verb::get, "/api/v1/nothing");
  CHECK(m.route == nullptr);
  CHECK(m.allowed.empty());
  CHECK_FALSE(r.match(verb::get, "/api/v1/stations/a/b").route);
}

TEST_CASE("parse_target decodes the path and query") {
  auto t = parse_target("/api/v1/stations/ST%201?limit=5&from=2024-01-01T00%3A00%3A00Z&x=a+b&flag");
  CHECK(t.valid);
  CHECK(t.path == "/api/v1/stations/ST 1");
  CHECK(t.query.at("limit") == "5");
  CHECK(t.query.at("from") == "2024-01-01T00:00:00Z");
  CHECK(t.query.at("x") == "a b");
  CHECK(t.query.at("flag") == "");
  CHECK_FALSE(parse_target("/a%zz").valid);
  CHECK_FALSE(parse_target("/a%2").valid);
}
