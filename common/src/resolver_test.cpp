#include "common/resolver.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include "evp/testing/run.hpp"

using evp::common::Resolver;

namespace {
Resolver::Answer resolve(Resolver::Options options, const std::string& host) {
  boost::asio::io_context io;
  Resolver resolver(io.get_executor(), options);
  return evp::testing::run_until_idle(io, resolver.resolve(host, "443"));
}
}  // namespace

TEST_CASE("Resolver answers on the caller's loop") {
  auto a = resolve({}, "127.0.0.1");
  REQUIRE_FALSE(a.error);
  CHECK(a.results.begin()->endpoint().address().to_string() == "127.0.0.1");
  CHECK(a.results.begin()->endpoint().port() == 443);
}

TEST_CASE("Resolver refuses at once when its queue is full") {
  auto a = resolve({.threads = 1, .max_queued = 0}, "127.0.0.1");
  CHECK(a.error == boost::asio::error::no_buffer_space);
}
