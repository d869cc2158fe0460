#pragma once
/// The push module's interface for the rest of the system.
///
/// Notifications go through a durable PostgreSQL outbox (`push_outbox`): `enqueue` writes
/// rows inside the caller's transaction, a dispatcher on the event loop delivers them over
/// HTTP/2 and records the outcome. Nothing here ever blocks or fails the caller.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/resolver.hpp"
#include "db/db.hpp"
#include "push/crypto.hpp"
#include "push/notification.hpp"

namespace evp::push {

namespace asio = boost::asio;

struct Config {
  bool enabled = true;            ///< PUSH_NOTIFICATIONS_ENABLED
  std::string vapid_private_key;  ///< VAPID_PRIVATE_KEY (base64url raw or PEM)
  std::string vapid_public_key;   ///< VAPID_PUBLIC_KEY
  std::string vapid_subject = "mailto:noreply@evpower.kg";
  int ttl_seconds = 86400;  ///< PUSH_TTL
  int max_retries = 3;      ///< PUSH_MAX_RETRIES
  std::chrono::milliseconds request_timeout{10000};
  /// Development/testing only: allow http:// endpoints and loopback/private addresses.
  bool allow_insecure_endpoints = false;
  std::string ca_file;                           ///< extra CA bundle (the receiver simulator's cert)
  std::chrono::milliseconds poll_interval{500};  ///< outbox poll when not woken
  std::size_t batch_size = 200;
  /// Backoff for retryable failures: retry_base_delay * 2^(attempt-1) with +-50 % jitter,
  /// capped at retry_max_delay, never earlier than the service's Retry-After.
  std::chrono::milliseconds retry_base_delay{1000};
  std::chrono::milliseconds retry_max_delay{std::chrono::hours(1)};
  /// How long a claimed item belongs to this process without news from it. The dispatcher
  /// renews the lease of its unfinished items every lease/3, so an attempt may take longer;
  /// items of a process that died are claimed by another after the lease runs out, and by
  /// the same instance at once when it starts again (PUSH_LEASE_MS).
  std::chrono::milliseconds lease{std::chrono::seconds(60)};
  /// Names this dispatcher across restarts (PUSH_INSTANCE_NAME; `evpower serve` defaults it
  /// to host name and OCPP port): a restarted instance takes back its own unfinished claims
  /// at once. Two processes sharing a database must not share a name. Empty: no name, and
  /// claims of a dead process wait for their lease.
  std::string instance_name;
  /// Items in flight at most: workers x batch_size (PUSH_WORKERS). Claims are topped up as
  /// sends complete, and each outcome is recorded as it arrives, not per batch.
  int workers = 2;
  /// Outcomes accepted by push services but not yet written at most; while that many wait
  /// for the database, nothing more is sent. A crash can repeat at most about this many
  /// pushes (PUSH_MAX_UNRECORDED).
  std::size_t max_unrecorded = 32;
  /// Database connections the dispatcher opens for itself (PUSH_DB_CONNECTIONS), apart from
  /// the shared pool: claims, outcomes and lease renewals never queue behind the OCPP and
  /// REST traffic for a connection. One claims, up to two write outcomes, one renews.
  std::size_t db_connections = 4;
  /// Requests in flight at most to one push-service origin over HTTP/2 (over HTTP/1.1: one
  /// per connection), and how long a request waits for a slot before it is retried later
  /// (PUSH_ORIGIN_CONCURRENCY, PUSH_ORIGIN_WAIT_MS).
  std::size_t origin_concurrency = 100;
  std::chrono::milliseconds origin_wait{10000};
  /// HTTP/2 keep-alive: PING after this much silence; close after idle_timeout without requests.
  std::chrono::milliseconds ping_interval{std::chrono::seconds(30)};
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(2)};
  /// Push-service host lookups: their own threads and a deadline (PUSH_DNS_THREADS,
  /// PUSH_DNS_TIMEOUT_MS), so a slow DNS answer cannot hold up anything else.
  std::size_t dns_threads = 2;
  std::chrono::milliseconds dns_timeout{5000};
};

/// A latency histogram with fixed buckets (seconds, cumulative as Prometheus counts them).
struct LatencyHistogram {
  static constexpr std::array<double, 17> kBuckets{0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05,
                                                   0.075, 0.1,    0.25,  0.5,    1.0,  2.5,   5.0,  10.0};
  std::array<std::uint64_t, kBuckets.size()> buckets{};  ///< observations <= kBuckets[i]
  std::uint64_t count = 0;
  double sum = 0;  ///< seconds
  double max = 0;  ///< the largest observation, seconds
  void observe(double seconds) {
    if (seconds < 0) seconds = 0;  // clocks of PostgreSQL and this process disagree by a hair
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
      if (seconds <= kBuckets[i]) ++buckets[i];
    ++count;
    sum += seconds;
    if (seconds > max) max = seconds;
  }
};

struct Stats {
  std::uint64_t enqueued = 0, sent = 0, failed = 0, retried = 0, expired_subscriptions = 0;
  std::uint64_t outbox_depth = 0;        ///< last seen pending rows
  std::uint64_t connections_opened = 0;  ///< to push services, since start
  std::uint64_t reclaimed = 0;           ///< items of an earlier run taken back at start
  std::uint64_t in_flight = 0;           ///< items claimed and not recorded yet
  std::uint64_t record_failures = 0;     ///< outcome writes that failed (retried)
  std::uint64_t stale_outcomes = 0;      ///< outcomes not recorded: the claim had moved on
  std::uint64_t origin_wait_timeouts = 0;  ///< requests that found no free slot in time
  /// From an outbox row's insert (clock_timestamp() in its transaction, so the rest of that
  /// transaction and its commit are included) to its push request being handed to the
  /// connection; first attempts only (a retry waits out its backoff on purpose).
  LatencyHistogram commit_to_send;
};

/// How many notifications of one event type are in one outbox state.
struct DeliveryCount {
  std::string event_type, state;  ///< state: pending, sending, sent, failed, expired
  std::int64_t count = 0;
};

/// Checks a subscription endpoint before it is stored (and the dispatcher checks the
/// addresses again when it connects). Returns "" when acceptable, otherwise the reason:
/// not https, unresolvable, or resolving to a loopback, private (RFC 1918), link-local,
/// CGNAT, unique-local, multicast, unspecified or otherwise non-public address.
/// `allow_insecure` (development/testing) accepts http:// and any address. The host is
/// looked up on `resolver` (bounded by its deadline; see common/resolver.hpp).
asio::awaitable<std::string> check_endpoint(common::Resolver& resolver, std::string_view url, bool allow_insecure);

class Service {
 public:
  Service(asio::any_io_executor executor, db::Pool& pool, Config config);
  ~Service();

  /// Starts the outbox dispatcher (no-op when disabled). Throws CryptoError/ConfigError for bad keys.
  void start();
  /// Stops claiming; batches in flight finish and their outcomes are recorded.
  void stop();
  /// Stops (if not yet) and completes once in-flight batches are recorded and the
  /// connections are closed. Run the io_context until then before destroying the Pool.
  asio::awaitable<void> drain();
  bool enabled() const;
  const std::string& vapid_public_key() const;

  /// Writes one outbox row per subscription of the user, in the caller's transaction.
  /// Delivery starts once that transaction commits. No-op when disabled. A payload larger
  /// than kMaxPlaintext is recorded as 'failed' with the reason (never truncated). A
  /// database error propagates (the caller's transaction is broken anyway); an invalid
  /// user id is logged and ignored.
  asio::awaitable<void> enqueue(db::Connection& tx, std::string_view user_id, UserType type,
                                const Notification& notification);
  /// Wakes the dispatcher now (call after committing a transaction that enqueued).
  /// `written`: rows that transaction put in the outbox by other means than enqueue() (the
  /// charging module's database functions), counted in Stats::enqueued.
  void wake(std::uint64_t written = 0);

  /// The original plan's names: each returns at once and enqueues in its own transaction.
  void send_notification(std::string user_id, UserType type, std::string title, std::string body, std::string icon,
                         std::string badge, nlohmann::json data, nlohmann::json actions);
  void send_to_client(std::string user_id, Notification notification);
  void send_to_owner(std::string user_id, Notification notification);
  /// Deletes every subscription with this endpoint (the service said 404/410).
  void handle_invalid_subscription(std::string endpoint);

  Stats stats() const;
  /// Outbox rows created within `window`, counted by event type and state (for operators).
  asio::awaitable<std::vector<DeliveryCount>> delivery_counts(std::chrono::seconds window);

 private:
  void spawn_enqueue(std::string user_id, UserType type, Notification notification);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evp::push
