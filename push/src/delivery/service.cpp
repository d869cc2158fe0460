#include "push/service.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "delivery/dispatcher.hpp"
#include "delivery/outbox.hpp"

namespace evp::push {

namespace {

bool looks_like_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

KeyPair load_vapid_keys(const Config& config) {
  std::string missing;
  if (config.vapid_private_key.empty()) missing = "VAPID_PRIVATE_KEY";
  if (config.vapid_public_key.empty()) missing += missing.empty() ? "VAPID_PUBLIC_KEY" : " and VAPID_PUBLIC_KEY";
  if (!missing.empty())
    throw CryptoError(missing + (missing.find(" and ") != std::string::npos ? " are" : " is") +
                      " not set (generate a pair with `evpower vapid-keygen`)");
  try {
    return KeyPair::from_strings(config.vapid_private_key, config.vapid_public_key);
  } catch (const CryptoError& e) {
    throw CryptoError(std::string("VAPID_PRIVATE_KEY/VAPID_PUBLIC_KEY: ") + e.what());
  }
}

asio::awaitable<void> enqueue_rows(db::Connection& tx, int ttl, Stats& stats, std::string_view user_id, UserType type,
                                   const Notification& notification) {
  if (!looks_like_uuid(user_id)) {
    spdlog::warn("push: not enqueuing {} for invalid user id '{}'", notification.type, user_id);
    co_return;
  }
  auto payload = notification.payload().dump();
  std::string state = "pending", error;
  if (payload.size() > kMaxPlaintext) {
    state = "failed";
    error = "payload is " + std::to_string(payload.size()) + " bytes; at most " + std::to_string(kMaxPlaintext) +
            " fit one 4096-byte aes128gcm record";
    spdlog::error("push: {} for user {} not sent: {}", notification.type, user_id, error);
  }
  auto rows = co_await delivery::insert_outbox_rows(tx, user_id, type, notification, payload, ttl, state, error);
  if (state == "pending")
    stats.enqueued += static_cast<std::uint64_t>(rows);
  else
    stats.failed += static_cast<std::uint64_t>(rows);
}

}  // namespace

struct Service::Impl {
  asio::any_io_executor executor;
  db::Pool& pool;
  Config config;
  std::string public_key;
  std::shared_ptr<delivery::Dispatcher> dispatcher;
  // Counted here too so that stats() works before start() and after stop().
  std::shared_ptr<Stats> enqueue_stats = std::make_shared<Stats>();
};

Service::Service(asio::any_io_executor executor, db::Pool& pool, Config config)
    : impl_(std::make_unique<Impl>(Impl{executor, pool, std::move(config), {}, nullptr})) {
  impl_->public_key = impl_->config.vapid_public_key;
}

Service::~Service() { stop(); }

void Service::start() {
  if (!impl_->config.enabled || impl_->dispatcher) return;
  auto key = load_vapid_keys(impl_->config);
  impl_->public_key = key.public_b64url();
  impl_->dispatcher =
      std::make_shared<delivery::Dispatcher>(impl_->executor, impl_->pool, impl_->config, std::move(key));
  impl_->dispatcher->start();
  spdlog::info("push: dispatcher '{}' started (up to {} items in flight, lease {} ms)", impl_->config.instance_name,
               impl_->config.workers * impl_->config.batch_size, impl_->config.lease.count());
}

void Service::stop() {
  if (impl_ && impl_->dispatcher) impl_->dispatcher->stop();
}

asio::awaitable<void> Service::drain() {
  if (!impl_->dispatcher) co_return;
  auto dispatcher = impl_->dispatcher;
  dispatcher->stop();
  co_await dispatcher->drained();
}

bool Service::enabled() const { return impl_->config.enabled; }

const std::string& Service::vapid_public_key() const { return impl_->public_key; }

asio::awaitable<void> Service::enqueue(db::Connection& tx, std::string_view user_id, UserType type,
                                       const Notification& notification) {
  if (!impl_->config.enabled) co_return;
  co_await enqueue_rows(tx, impl_->config.ttl_seconds, *impl_->enqueue_stats, user_id, type, notification);
}

void Service::wake(std::uint64_t written) {
  impl_->enqueue_stats->enqueued += written;
  if (impl_->dispatcher) impl_->dispatcher->wake();
}

void Service::send_to_client(std::string user_id, Notification notification) {
  spawn_enqueue(std::move(user_id), UserType::Client, std::move(notification));
}

void Service::send_to_owner(std::string user_id, Notification notification) {
  spawn_enqueue(std::move(user_id), UserType::Owner, std::move(notification));
}

void Service::send_notification(std::string user_id, UserType type, std::string title, std::string body,
                                std::string icon, std::string badge, nlohmann::json data, nlohmann::json actions) {
  Notification n;
  n.type = data.is_object() && data.contains("type") && data["type"].is_string() ? data["type"].get<std::string>()
                                                                                 : std::string("notification");
  n.title = std::move(title);
  n.body = std::move(body);
  if (!icon.empty()) n.icon = std::move(icon);
  if (!badge.empty()) n.badge = std::move(badge);
  n.data = data.is_object() ? std::move(data) : nlohmann::json::object();
  n.actions = std::move(actions);
  spawn_enqueue(std::move(user_id), type, std::move(n));
}

void Service::spawn_enqueue(std::string user_id, UserType type, Notification notification) {
  if (!impl_->config.enabled) return;
  // Fire and forget: the caller (an OCPP or REST handler) never waits for or fails on push.
  // Captures no `this`: the Service may be gone when this runs (the Pool must not be).
  asio::co_spawn(
      impl_->executor,
      [&pool = impl_->pool, ttl = impl_->config.ttl_seconds, stats = impl_->enqueue_stats,
       dispatcher = impl_->dispatcher, user_id = std::move(user_id), type,
       notification = std::move(notification)]() -> asio::awaitable<void> {
        try {
          co_await pool.transaction([&](db::Connection& tx) -> asio::awaitable<void> {
            co_await enqueue_rows(tx, ttl, *stats, user_id, type, notification);
          });
          if (dispatcher) dispatcher->wake();
        } catch (const std::exception& e) {
          spdlog::error("push: cannot enqueue {} for {}: {}", notification.type, user_id, e.what());
        }
      },
      asio::detached);
}

void Service::handle_invalid_subscription(std::string endpoint) {
  asio::co_spawn(
      impl_->executor,
      [&pool = impl_->pool, endpoint = std::move(endpoint)]() -> asio::awaitable<void> {
        try {
          db::Params params{db::param(endpoint)};
          co_await pool.query("DELETE FROM push_subscriptions WHERE endpoint = $1", std::move(params));
        } catch (const std::exception& e) {
          spdlog::error("push: cannot delete subscription {}: {}", endpoint, e.what());
        }
      },
      asio::detached);
}

Stats Service::stats() const {
  Stats s = *impl_->enqueue_stats;
  if (impl_->dispatcher) {
    const auto& d = impl_->dispatcher->stats();
    s.sent = d.sent;
    s.failed += d.failed;
    s.retried = d.retried;
    s.expired_subscriptions = d.expired_subscriptions;
    s.outbox_depth = d.outbox_depth;
    s.connections_opened = d.connections_opened;
    s.reclaimed = d.reclaimed;
    s.in_flight = d.in_flight;
    s.record_failures = d.record_failures;
    s.stale_outcomes = d.stale_outcomes;
    s.origin_wait_timeouts = d.origin_wait_timeouts;
    s.commit_to_send = d.commit_to_send;
  }
  return s;
}

asio::awaitable<std::vector<DeliveryCount>> Service::delivery_counts(std::chrono::seconds window) {
  db::Params params{db::param(static_cast<std::int64_t>(window.count()))};
  auto r = co_await impl_->pool.query(
      "SELECT event_type, state, count(*) FROM push_outbox "
      "WHERE created_at > now() - make_interval(secs => $1::bigint) GROUP BY event_type, state "
      "ORDER BY event_type, state",
      std::move(params));
  std::vector<DeliveryCount> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({std::string(r.get(i, 0)), std::string(r.get(i, 1)), r.get_int(i, 2)});
  co_return out;
}

}  // namespace evp::push
