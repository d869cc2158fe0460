#pragma once
// Shared set-up for the Service tests: a fresh database, a Pool on a private io_context,
// helpers to run coroutines to completion and to wait for the outbox to settle.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>

#include "db/db.hpp"
#include "db/testing.hpp"
#include "delivery/receiver_fixture.hpp"
#include "evp/testing/run.hpp"
#include "push/service.hpp"

namespace evp::push::testing {

namespace asio = boost::asio;

class ServiceEnv {
 public:
  ServiceEnv() : pool_(std::make_unique<db::Pool>(io_.get_executor(), db::Config{.url = tdb_.url()})) {
    run(pool_->start());
  }
  ~ServiceEnv() {
    pool_->stop();
    io_.poll();
  }

  asio::io_context& io() { return io_; }
  db::Pool& pool() { return *pool_; }
  db::testing::TempDatabase& db() { return tdb_; }

  /// Runs the io_context (and whatever else is on it, e.g. dispatchers) until `a` completes
  /// (evp::testing::run: a hang fails with a message).
  template <class T>
  T run(asio::awaitable<T> a, evp::testing::CallSite where = {}) {
    return evp::testing::run(io_, std::move(a), evp::testing::kDefaultDeadline, {}, where);
  }

  /// Base config against a local receiver (loopback allowed, its certificate trusted).
  static Config config_for(const Receiver& receiver, const KeyPair& key) {
    Config c;
    c.vapid_private_key = key.private_b64url();
    c.vapid_public_key = key.public_b64url();
    c.vapid_subject = "mailto:ops@evpower.kg";
    c.allow_insecure_endpoints = true;
    c.ca_file = receiver.cert();
    c.poll_interval = std::chrono::milliseconds(50);
    c.retry_base_delay = std::chrono::milliseconds(50);
    c.retry_max_delay = std::chrono::milliseconds(500);
    return c;
  }

  void add_subscription(const std::string& user_id, const std::string& user_type, const nlohmann::json& sub) {
    tdb_.exec("INSERT INTO push_subscriptions (user_id, user_type, endpoint, p256dh_key, auth_key) VALUES ('" +
              user_id + "', '" + user_type + "', '" + sub.at("endpoint").get<std::string>() + "', '" +
              sub.at("keys").at("p256dh").get<std::string>() + "', '" + sub.at("keys").at("auth").get<std::string>() +
              "')");
  }

  void enqueue(Service& service, const std::string& user_id, UserType type, const Notification& n) {
    run(pool_->transaction(
        [&](db::Connection& tx) -> asio::awaitable<void> { co_await service.enqueue(tx, user_id, type, n); }));
    service.wake();
  }

  long count(const std::string& where) {
    return std::stol(tdb_.scalar("SELECT count(*) FROM push_outbox WHERE " + where));
  }

  /// Runs the loop until no item is pending or sending. The bound only stops a hung test.
  void settle(std::chrono::seconds bound = std::chrono::seconds(60)) {
    run([this, bound]() -> asio::awaitable<void> {
      auto give_up = std::chrono::steady_clock::now() + bound;
      asio::steady_timer timer(io_);
      while (true) {
        auto r = co_await pool_->query("SELECT count(*) FROM push_outbox WHERE state IN ('pending', 'sending')");
        if (r.get_int(0, 0) == 0) co_return;
        if (std::chrono::steady_clock::now() > give_up) throw std::runtime_error("outbox did not settle");
        timer.expires_after(std::chrono::milliseconds(20));
        co_await timer.async_wait(asio::use_awaitable);
      }
    }());
  }

  /// Runs the loop until `done()` holds (checked every 20 ms); false when `bound` passed
  /// first. The bound only stops a hung test.
  template <class F>
  bool wait(F done, std::chrono::seconds bound = std::chrono::seconds(60)) {
    auto give_up = std::chrono::steady_clock::now() + bound;
    while (!done()) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      idle(std::chrono::milliseconds(20));
    }
    return true;
  }

  /// Runs the loop for a while (to show that nothing happens).
  void idle(std::chrono::milliseconds how_long) {
    run([this, how_long]() -> asio::awaitable<void> {
      asio::steady_timer timer(io_, how_long);
      co_await timer.async_wait(asio::use_awaitable);
    }());
  }

 private:
  db::testing::TempDatabase tdb_;
  asio::io_context io_;
  std::unique_ptr<db::Pool> pool_;
};

inline Notification test_notification(const std::string& title) {
  Notification n;
  n.type = "charging_started";
  n.title = title;
  n.body = "Станция Test, коннектор 1";
  n.data = {{"session_id", "s1"}};
  return n;
}

}  // namespace evp::push::testing
