#include "delivery/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "delivery/address_policy.hpp"
#include "delivery/retry.hpp"

namespace evp::push::delivery {

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

ClientOptions client_options(const Config& config) {
  ClientOptions options;
  options.request_timeout = config.request_timeout;
  options.connect_timeout = config.request_timeout;
  options.ca_file = config.ca_file;
  options.allow_insecure = config.allow_insecure_endpoints;
  options.ping_interval = config.ping_interval;
  options.idle_timeout = config.idle_timeout;
  options.dns_threads = config.dns_threads;
  options.dns_timeout = config.dns_timeout;
  return options;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

Dispatcher::Dispatcher(asio::any_io_executor executor, db::Pool& pool, const Config& config, KeyPair key)
    : executor_(executor),
      pool_(pool),
      config_(config),
      key_(std::move(key)),
      vapid_(key_, config.vapid_subject),
      client_(executor, client_options(config)),
      rng_(std::random_device{}()),
      wake_timer_(executor),
      drained_signal_(executor, asio::steady_timer::time_point::max()) {}

void Dispatcher::start() {
  auto self = shared_from_this();
  for (int i = 0; i < std::max(1, config_.workers); ++i) {
    ++running_workers_;
    asio::co_spawn(
        executor_, [self]() { return self->worker(); },
        [self](std::exception_ptr e) {
          if (e) {
            try {
              std::rethrow_exception(e);
            } catch (const std::exception& ex) {
              spdlog::error("push: dispatcher worker ended: {}", ex.what());
            }
          }
          if (--self->running_workers_ == 0) {
            self->client_.close_all();
            self->drained_signal_.cancel();
          }
        });
  }
}

void Dispatcher::stop() {
  stopping_ = true;
  wake_timer_.cancel();
}

void Dispatcher::wake() {
  woken_ = true;
  wake_timer_.cancel();
}

asio::awaitable<void> Dispatcher::drained() {
  auto self = shared_from_this();
  while (running_workers_ > 0) co_await drained_signal_.async_wait(use_tuple);
}

asio::awaitable<void> Dispatcher::worker() {
  while (!stopping_) {
    std::vector<OutboxItem> items;
    bool db_failed = false;
    try {
      items = co_await claim_outbox_items(pool_, config_.batch_size, config_.lease);
    } catch (const std::exception& e) {
      db_failed = true;
      // The database being away must not flood the log at the poll rate.
      auto now = std::chrono::steady_clock::now();
      if (now - last_db_error_log_ > std::chrono::seconds(30)) {
        last_db_error_log_ = now;
        spdlog::warn("push: cannot claim outbox items: {}", e.what());
      }
    }
    if (!items.empty()) {
      auto results = co_await send_batch(items);
      try {
        co_await record_results(pool_, results);
      } catch (const std::exception& e) {
        // The items stay leased and are claimed again when the lease runs out: a push may
        // then arrive twice, which is better than never.
        spdlog::error("push: cannot record {} outcomes: {}", results.size(), e.what());
      }
      continue;
    }
    if (!db_failed && std::chrono::steady_clock::now() - depth_checked_ > std::chrono::seconds(1)) {
      depth_checked_ = std::chrono::steady_clock::now();
      try {
        stats_.outbox_depth = co_await outbox_depth(pool_);
      } catch (const std::exception&) {
      }
    }
    if (stopping_) break;
    if (woken_) {
      woken_ = false;
      continue;
    }
    wake_timer_.expires_after(config_.poll_interval);
    co_await wake_timer_.async_wait(use_tuple);
    woken_ = false;
  }
}

asio::awaitable<std::vector<ItemResult>> Dispatcher::send_batch(const std::vector<OutboxItem>& items) {
  std::vector<ItemResult> results(items.size());
  std::size_t remaining = items.size();
  asio::steady_timer all_done(executor_, asio::steady_timer::time_point::max());
  for (std::size_t i = 0; i < items.size(); ++i) {
    // Each send is its own coroutine so a batch's requests are in flight together (as
    // streams of one HTTP/2 connection per service); this frame waits for all of them.
    asio::co_spawn(
        executor_,
        [&, i]() -> asio::awaitable<void> {
          results[i] = co_await send_one(items[i]);
          if (--remaining == 0) all_done.cancel();
        },
        asio::detached);
  }
  while (remaining > 0) co_await all_done.async_wait(use_tuple);
  stats_.connections_opened = client_.connections_opened();
  co_return results;
}

asio::awaitable<ItemResult> Dispatcher::send_one(const OutboxItem& item) {
  ItemResult result;
  result.id = item.id;
  result.subscription_id = item.subscription_id;
  result.endpoint = item.endpoint;
  try {
    auto now = unix_now();
    if (item.ttl > 0 && now > item.created_unix + item.ttl) {
      result.kind = ItemResult::Kind::Expired;
      result.error = "TTL of " + std::to_string(item.ttl) + " s passed before delivery";
      co_return result;
    }
    auto url = parse_url(item.endpoint);
    if (auto reason = check_url_syntax(url, config_.allow_insecure_endpoints); !reason.empty()) {
      result.kind = ItemResult::Kind::Failed;
      result.error = "endpoint refused: " + reason;
      ++stats_.failed;
      co_return result;
    }
    PushMessage message;
    message.endpoint = item.endpoint;
    message.p256dh = item.p256dh;
    message.auth = item.auth;
    message.payload = compact_payload(item.payload);
    message.urgency = item.urgency;
    message.topic = item.topic;
    message.ttl = item.ttl;
    auto request = build_web_push_request(message, vapid_, now);
    auto response = co_await client_.send(request);
    co_return judge(item, response);
  } catch (const std::exception& e) {
    // Bad stored keys, unparsable payload: sending again cannot help.
    result.kind = ItemResult::Kind::Failed;
    result.error = e.what();
    ++stats_.failed;
    spdlog::warn("push: item {} failed permanently: {}", item.id, e.what());
    co_return result;
  }
}

ItemResult Dispatcher::judge(const OutboxItem& item, const HttpResponse& response) {
  ItemResult result;
  result.id = item.id;
  result.subscription_id = item.subscription_id;
  result.endpoint = item.endpoint;
  result.status = response.status;
  auto origin = parse_url(item.endpoint).value_or(Url{}).connection_key();
  if (response.status == 0 && response.policy) {
    result.kind = ItemResult::Kind::Failed;
    result.error = "endpoint refused: " + response.error;
    ++stats_.failed;
    spdlog::warn("push: item {} to {} refused: {}", item.id, origin, response.error);
    return result;
  }
  switch (classify(response.status)) {
    case Outcome::Delivered:
      result.kind = ItemResult::Kind::Sent;
      ++stats_.sent;
      return result;
    case Outcome::Gone:
      result.kind = ItemResult::Kind::Gone;
      ++stats_.expired_subscriptions;
      spdlog::info("push: subscription {} is gone (HTTP {}), deleting it", item.subscription_id, response.status);
      return result;
    case Outcome::Permanent:
      result.kind = ItemResult::Kind::Failed;
      result.error = "HTTP " + std::to_string(response.status) + ": " + response.body;
      ++stats_.failed;
      spdlog::warn("push: item {} to {} refused with HTTP {}: {}", item.id, origin, response.status, response.body);
      return result;
    case Outcome::Retry:
      break;
  }
  result.error = response.status ? "HTTP " + std::to_string(response.status) + ": " + response.body : response.error;
  if (item.attempts - 1 >= config_.max_retries) {
    result.kind = ItemResult::Kind::Failed;
    result.error = "gave up after " + std::to_string(item.attempts) + " attempts: " + result.error;
    ++stats_.failed;
    spdlog::warn("push: item {} to {}: {}", item.id, origin, result.error);
    return result;
  }
  result.kind = ItemResult::Kind::Retry;
  auto retry_after = parse_retry_after(response.retry_after, std::chrono::system_clock::now());
  result.retry_in = backoff_delay(item.attempts, config_.retry_base_delay, config_.retry_max_delay, retry_after, rng_);
  ++stats_.retried;
  spdlog::debug("push: item {} to {} retried in {} ms: {}", item.id, origin, result.retry_in.count(), result.error);
  return result;
}

}  // namespace evp::push::delivery
