#include "delivery/dispatcher.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "common/utf8.hpp"
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
  options.origin_concurrency = config.origin_concurrency;
  options.origin_wait = config.origin_wait;
  return options;
}

db::Config own_connections(const db::Config& shared, const Config& config) {
  db::Config c = shared;
  c.pool_size = std::max<std::size_t>(1, config.db_connections);
  c.pipeline = false;  // outcomes are writes: pipelined they would lose group commit
  return c;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

std::string random_claim_token() {
  std::random_device device;
  std::uniform_int_distribution<int> byte(0, 255);
  unsigned char b[16];
  for (auto& x : b) x = static_cast<unsigned char>(byte(device));
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 15];
  }
  return out;
}

Dispatcher::Dispatcher(asio::any_io_executor executor, db::Pool& pool, const Config& config, KeyPair key)
    : executor_(executor),
      pool_(executor, own_connections(pool.config(), config)),
      config_(config),
      key_(std::move(key)),
      claimant_{config.instance_name, random_claim_token()},
      vapid_(key_, config.vapid_subject),
      client_(executor, client_options(config)),
      rng_(std::random_device{}()),
      capacity_(std::max<std::size_t>(1, static_cast<std::size_t>(std::max(1, config.workers)) * config.batch_size)),
      wake_timer_(executor),
      slot_signal_(executor, asio::steady_timer::time_point::max()),
      results_signal_(executor, asio::steady_timer::time_point::max()),
      renew_timer_(executor),
      drained_signal_(executor, asio::steady_timer::time_point::max()) {}

void Dispatcher::spawn(const char* name, asio::awaitable<void> (Dispatcher::*body)()) {
  auto self = shared_from_this();
  ++running_;
  asio::co_spawn(
      executor_, [self, body]() { return ((*self).*body)(); },
      [self, name](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            spdlog::error("push: dispatcher {} ended: {}", name, ex.what());
          }
        }
        if (--self->running_ == 0) {
          self->client_.close_all();
          self->pool_.stop();
          self->drained_signal_.cancel();
        }
      });
}

void Dispatcher::start() {
  spawn("claimer", &Dispatcher::claimer);
  spawn("recorder", &Dispatcher::recorder);
  spawn("lease renewer", &Dispatcher::renewer);
}

void Dispatcher::stop() {
  stopping_ = true;
  wake_timer_.cancel();
  slot_signal_.cancel();
  results_signal_.cancel();
  renew_timer_.cancel();
}

void Dispatcher::wake() {
  woken_ = true;
  wake_timer_.cancel();
}

asio::awaitable<void> Dispatcher::drained() {
  auto self = shared_from_this();
  while (running_ > 0) co_await drained_signal_.async_wait(use_tuple);
}

asio::awaitable<void> Dispatcher::claimer() {
  // First take back what an earlier run of this instance left claimed: it was killed
  // between claiming and recording, and those items need not wait for their lease.
  for (int attempt = 0; !stopping_ && !claimant_.owner.empty(); ++attempt) {
    std::string failure;
    try {
      auto reclaimed = co_await reclaim_own_items(pool_, claimant_);
      stats_.reclaimed += static_cast<std::uint64_t>(reclaimed);
      if (reclaimed > 0)
        spdlog::info("push: took back {} item(s) an earlier run of '{}' had claimed", reclaimed, claimant_.owner);
      break;
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (attempt % 30 == 0) spdlog::warn("push: cannot take back earlier claims yet: {}", failure);
    wake_timer_.expires_after(std::chrono::seconds(1));
    co_await wake_timer_.async_wait(use_tuple);
  }
  while (!stopping_) {
    // Sent but not yet durable is what a crash turns into duplicates: no more sends while
    // that many outcomes wait for the database (it is also pointless to send faster than
    // the outcomes can be written).
    // A request in flight may already have been accepted, so it counts as unrecorded too:
    // otherwise a crash repeats everything in flight on top of PUSH_MAX_UNRECORDED.
    const std::size_t unrecorded = in_flight_ + results_.size() + outcomes_writing_;
    if (in_flight_ >= capacity_ || unrecorded >= config_.max_unrecorded) {
      co_await slot_signal_.async_wait(use_tuple);
      continue;
    }
    const std::size_t want =
        std::min({config_.batch_size, capacity_ - in_flight_, config_.max_unrecorded - unrecorded});
    std::vector<OutboxItem> items;
    bool db_failed = false;
    try {
      items = co_await claim_outbox_items(pool_, want, config_.lease, claimant_);
    } catch (const std::exception& e) {
      db_failed = true;
      // The database being away must not flood the log at the poll rate.
      auto now = std::chrono::steady_clock::now();
      if (now - last_db_error_log_ > std::chrono::seconds(30)) {
        last_db_error_log_ = now;
        spdlog::warn("push: cannot claim outbox items: {}", e.what());
      }
    }
    for (auto& item : items) {
      ++in_flight_;
      // Each send is its own coroutine, so the items are in flight together (as streams
      // of one HTTP/2 connection per service) and each outcome is recorded on its own.
      auto self = shared_from_this();
      asio::co_spawn(
          executor_, [self, item = std::move(item)]() mutable { return self->deliver(std::move(item)); },
          asio::detached);
    }
    update_in_flight();
    if (!items.empty() && items.size() == want) continue;  // probably more due
    if (!db_failed) check_depth();
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

void Dispatcher::check_depth() {
  const auto now = std::chrono::steady_clock::now();
  if (depth_checking_ || now - depth_checked_ < std::chrono::seconds(1)) return;
  depth_checked_ = now;
  depth_checking_ = true;
  // A count over the outbox is no reason for a woken claimer to wait: it runs beside it.
  auto self = shared_from_this();
  asio::co_spawn(
      executor_,
      [self]() -> asio::awaitable<void> {
        try {
          self->stats_.outbox_depth = co_await outbox_depth(self->pool_);
        } catch (const std::exception&) {
        }
        self->depth_checking_ = false;
      },
      asio::detached);
}

asio::awaitable<void> Dispatcher::deliver(OutboxItem item) {
  ItemResult result;
  try {
    result = co_await send_one(item);
  } catch (const std::exception& e) {
    result.kind = ItemResult::Kind::Retry;  // cannot happen (send_one catches); be safe
    result.id = item.id;
    result.attempts = item.attempts;
    result.error = e.what();
  }
  results_.push_back(std::move(result));
  --in_flight_;
  update_in_flight();
  stats_.connections_opened = client_.connections_opened();
  results_signal_.cancel();
  slot_signal_.cancel();
}

asio::awaitable<std::vector<ItemResult>> Dispatcher::record(std::vector<ItemResult> batch) {
  // On the dispatcher's own connections: an outcome never queues behind the OCPP and REST
  // traffic for a connection (that wait, under a storm of transactions, was most of the
  // time between a push being accepted and its outcome being durable - the window in
  // which a crash makes a duplicate - and, through PUSH_MAX_UNRECORDED, held up new sends).
  std::string failure;
  try {
    stats_.stale_outcomes += co_await record_results(pool_, claimant_, batch);
    co_return std::vector<ItemResult>{};
  } catch (const std::exception& e) {
    failure = e.what();
  }
  ++stats_.record_failures;
  spdlog::warn("push: cannot record {} outcome(s) together, trying one by one: {}", batch.size(), failure);
  // One outcome that the statement cannot take must not hold up the others.
  std::vector<ItemResult> left;
  for (auto& result : batch) {
    std::vector<ItemResult> one{result};
    bool ok = false;
    try {
      stats_.stale_outcomes += co_await record_results(pool_, claimant_, one);
      ok = true;
    } catch (const std::exception&) {
    }
    if (!ok) {
      ++stats_.record_failures;
      left.push_back(std::move(result));
    }
  }
  co_return left;
}

asio::awaitable<void> Dispatcher::write(std::vector<ItemResult> batch) {
  const std::size_t size = batch.size();
  outcomes_writing_ += size;
  auto left = co_await record(std::move(batch));
  outcomes_writing_ -= size;
  if (left.empty()) {
    failed_rounds_ = 0;
  } else {
    // The database is away. The items stay claimed by this run (their lease renewed while
    // it can be); try again shortly. When stopping, give up after a few tries: the next
    // start of this instance takes the items back (a push may then arrive twice).
    ++failed_rounds_;
    asio::steady_timer pause(executor_, std::chrono::seconds(1));
    co_await pause.async_wait(use_tuple);
    if (stopping_ && failed_rounds_ >= 3 && in_flight_ == 0) {
      spdlog::error("push: {} outcome(s) not recorded at shutdown; they are sent again after restart", left.size());
    } else {
      results_.insert(results_.begin(), std::make_move_iterator(left.begin()), std::make_move_iterator(left.end()));
    }
  }
  --writes_in_flight_;
  update_in_flight();
  results_signal_.cancel();
  slot_signal_.cancel();  // room to send again
}

asio::awaitable<void> Dispatcher::recorder() {
  // Whatever arrived while the statements in flight run goes in the next one (group
  // commit): one round trip per outcome when idle, few when busy, none waits for a whole
  // batch. Two statements at most are in flight, so an outcome waits for at most one.
  constexpr int kMaxWrites = 2;
  while (true) {
    if (results_.empty() || writes_in_flight_ >= kMaxWrites) {
      if (results_.empty() && writes_in_flight_ == 0 && finished()) break;
      co_await results_signal_.async_wait(use_tuple);
      continue;
    }
    auto batch = std::move(results_);
    results_.clear();
    ++writes_in_flight_;
    auto self = shared_from_this();
    asio::co_spawn(
        executor_, [self, batch = std::move(batch)]() mutable { return self->write(std::move(batch)); },
        asio::detached);
  }
  recorder_done_ = true;
  renew_timer_.cancel();
}

asio::awaitable<void> Dispatcher::renewer() {
  const auto every = std::max<std::chrono::milliseconds>(config_.lease / 3, std::chrono::milliseconds(10));
  while (!recorder_done_) {
    renew_timer_.expires_after(every);
    co_await renew_timer_.async_wait(use_tuple);
    if (recorder_done_ || (in_flight_ == 0 && results_.empty())) continue;
    try {
      co_await renew_leases(pool_, claimant_, config_.lease);
    } catch (const std::exception& e) {
      spdlog::warn("push: cannot renew outbox leases: {}", e.what());
    }
  }
}

asio::awaitable<ItemResult> Dispatcher::send_one(const OutboxItem& item) {
  ItemResult result;
  result.id = item.id;
  result.attempts = item.attempts;
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
    if (item.attempts == 1 && item.created_us > 0) {
      // Called inside client_.send, while this coroutine (and so the dispatcher) is alive.
      request.on_submit = [this, created_us = item.created_us, observed = false]() mutable {
        if (observed) return;  // sent again at once on a new connection: counted once
        observed = true;
        const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        stats_.commit_to_send.observe(static_cast<double>(now_us - created_us) / 1e6);
      };
    }
    auto response = co_await client_.send(request);
    // The service's words go into the log and the database: made safe and bounded here.
    response.body = common::sanitize_text(response.body, kMaxErrorText);
    response.error = common::sanitize_text(response.error, kMaxErrorText);
    if (response.origin_busy) ++stats_.origin_wait_timeouts;
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
  result.attempts = item.attempts;
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
