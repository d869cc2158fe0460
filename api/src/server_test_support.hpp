#pragma once
// Test support for the HTTP tests: a real api::Server (with a real CentralSystem, Pool and
// push::Service that is never started, so its outbox rows stay put) on 127.0.0.1:0 over a
// fresh TempDatabase, its io_context on a background thread, and a blocking HTTP client.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/server.hpp"
#include "auth/test_tokens.hpp"
#include "db/db.hpp"
#include "db/testing.hpp"
#include "evp/testing/run.hpp"
#include "ocpp/central_system.hpp"
#include "push/crypto.hpp"
#include "push/service.hpp"
#include "charging/charging.hpp"

namespace evp::api::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;

inline const std::string kJwtSecret = "test-jwt-secret-test-jwt-secret-0123456789";
inline const std::string kWebhookSecret = "test-webhook-secret";
inline const std::string kClientA = "a0000000-0000-4000-8000-00000000000a";
inline const std::string kClientB = "b0000000-0000-4000-8000-00000000000b";
inline const std::string kOwner = "c0000000-0000-4000-8000-00000000000c";
inline const std::string kOtherOwner = "d0000000-0000-4000-8000-00000000000d";

struct HttpResult {
  unsigned status = 0;
  std::string body;
  nlohmann::json json;
  http::fields headers;
};

class ApiFixture {
 public:
  explicit ApiFixture(bool allow_insecure_endpoints = true) {
    tdb.exec("INSERT INTO clients (id, email) VALUES ('" + kClientA + "', 'a@example.kg'), ('" + kClientB +
             "', 'b@example.kg');"
             "INSERT INTO owners (id) VALUES ('" +
             kOwner + "'), ('" + kOtherOwner +
             "');"
             "INSERT INTO locations (id, user_id, name, address) VALUES "
             "('11111111-1111-4111-8111-111111111111', '" +
             kOwner +
             "', 'Ала-Тоо', 'Бишкек'),"
             "('22222222-2222-4222-8222-222222222222', '" +
             kOtherOwner +
             "', 'Other', NULL);"
             "INSERT INTO stations (id, location_id, display_name, price_per_kwh) VALUES "
             "('ST-1', '11111111-1111-4111-8111-111111111111', 'Станция 1', 12.50),"
             "('ST-2', '22222222-2222-4222-8222-222222222222', NULL, 10.00);"
             "INSERT INTO connectors (station_id, connector_id, status) VALUES "
             "('ST-1', 0, 'Available'), ('ST-1', 1, 'Available'), ('ST-1', 2, 'Faulted'), ('ST-2', 1, 'Available');");
    config.listen_address = "127.0.0.1";
    config.port = 0;
    config.jwt_secret = kJwtSecret;
    config.payment_webhook_secret = kWebhookSecret;
    config.cors_origins = {"https://app.evpower.kg"};
    config.max_body_bytes = 4096;
    config.allow_insecure_push_endpoints = allow_insecure_endpoints;
    config.remote_start_timeout = std::chrono::seconds(5);

    thread = std::thread([this] { io.run(); });
    on_loop([this]() -> asio::awaitable<void> {
      pool = std::make_unique<db::Pool>(io.get_executor(), db::Config{.url = tdb.url(), .pool_size = 4});
      co_await pool->start();
      push::Config pc;
      auto keys = push::KeyPair::generate();
      pc.vapid_private_key = keys.private_b64url();
      pc.vapid_public_key = keys.public_b64url();
      push = std::make_unique<push::Service>(io.get_executor(), *pool, pc);
      ocpp::Config oc;
      oc.listen_address = "127.0.0.1";
      oc.port = 0;
      charging = std::make_unique<charging::Service>(io.get_executor(), *pool, push.get(), charging_config);
      central = std::make_unique<ocpp::CentralSystem>(io, *pool, *charging, push.get(), oc);
      central->start();
      server = std::make_unique<Server>(io, *pool, *central, *charging, push.get(), config);
      server->start();
    });
    port = server->port();
  }

  ~ApiFixture() {
    try {
      on_loop([this]() -> asio::awaitable<void> {
        co_await server->stop();
        co_await central->stop();
        pool->stop();
      });
    } catch (...) {
    }
    guard.reset();
    io.stop();
    thread.join();
    server.reset();
    central.reset();
    charging.reset();
    push.reset();
    pool.reset();
  }

  /// Runs a coroutine on the server's loop and waits for it (rethrows its exception; a hang
  /// fails with a message: evp::testing::run_on).
  template <typename F>
  void on_loop(F f, evp::testing::CallSite where = {}) {
    evp::testing::run_on(io, f(), evp::testing::kDefaultDeadline, {}, where);
  }

  HttpResult request(http::verb method, const std::string& target, const std::string& body = {},
                     const std::string& token = {}, std::vector<std::pair<std::string, std::string>> headers = {}) {
    asio::io_context cio;
    asio::ip::tcp::socket sock(cio);
    sock.connect({asio::ip::make_address("127.0.0.1"), port});
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    bool has_ct = false;
    for (auto& [k, v] : headers) {
      req.set(k, v);
      has_ct = has_ct || k == "Content-Type";
    }
    if (!body.empty() && !has_ct) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(sock, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(sock, buf, res);
    HttpResult out;
    out.status = res.result_int();
    out.body = res.body();
    out.headers = res.base();
    out.json = nlohmann::json::parse(out.body, nullptr, false);
    return out;
  }

  HttpResult get(const std::string& target, const std::string& token = {}) {
    return request(http::verb::get, target, {}, token);
  }
  HttpResult post(const std::string& target, const nlohmann::json& body, const std::string& token = {}) {
    return request(http::verb::post, target, body.dump(), token);
  }

  static std::string token_for(const std::string& user) { return sign_hs256(kJwtSecret, user_claims(user)); }

  evp::db::testing::TempDatabase tdb;
  Config config;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  std::thread thread;
  std::unique_ptr<db::Pool> pool;
  std::unique_ptr<push::Service> push;
  charging::Config charging_config;
  std::unique_ptr<charging::Service> charging;
  std::unique_ptr<ocpp::CentralSystem> central;
  std::unique_ptr<Server> server;
  std::uint16_t port = 0;
};

/// A browser-like PushSubscription with a real P-256 key.
inline nlohmann::json subscription(const std::string& endpoint) {
  auto k = push::KeyPair::generate();
  return {{"endpoint", endpoint},
          {"expirationTime", nullptr},
          {"keys", {{"p256dh", k.public_b64url()}, {"auth", common::base64url_encode(std::string(16, '\x07'))}}}};
}

}  // namespace evp::api::testing
