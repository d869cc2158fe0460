#pragma once
// Every SQL statement on push_outbox, in one place.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "db/db.hpp"
#include "push/notification.hpp"

namespace evp::push::delivery {

namespace asio = boost::asio;

/// One row per subscription of the user. `state` is "pending", or "failed" with `error` when
/// the payload can never be sent (too large) - recorded rather than dropped silently.
/// Returns the number of rows written.
asio::awaitable<std::int64_t> insert_outbox_rows(db::Connection& connection, std::string_view user_id, UserType type,
                                                 const Notification& notification, const std::string& payload, int ttl,
                                                 std::string_view state, std::string_view error);

struct OutboxItem {
  std::int64_t id = 0;
  std::string subscription_id;
  std::string endpoint;
  std::string p256dh;
  std::string auth;
  std::string payload;  // JSON text as stored (jsonb formatting)
  std::string urgency;
  std::string topic;
  int ttl = 0;
  int attempts = 0;  // including this one
  std::int64_t created_unix = 0;
  std::int64_t created_us = 0;  ///< the row's insert time (clock_timestamp()), µs since the epoch
};

/// Who holds a claim: the dispatcher instance (stable across restarts of the same
/// deployment) and this process run of it (a random UUID made at start).
struct Claimant {
  std::string owner;
  std::string token;
};

/// Claims up to `limit` due items (pending and due, or sending with an expired lease) for
/// `claimant` and leases them for `lease`. Safe with any number of concurrent dispatchers.
asio::awaitable<std::vector<OutboxItem>> claim_outbox_items(db::Pool& pool, std::size_t limit,
                                                            std::chrono::milliseconds lease, const Claimant& claimant);

/// Hands back, due at once, every item that an earlier run of the same instance had
/// claimed and not finished (it was killed): they need not wait out their lease. The
/// interrupted attempt is not counted against the item's retries. Returns how many.
asio::awaitable<std::int64_t> reclaim_own_items(db::Pool& pool, const Claimant& claimant);

/// Extends the lease of every item this run has claimed and not recorded yet, so a slow
/// attempt keeps its items however long it takes. Returns how many.
asio::awaitable<std::int64_t> renew_leases(db::Pool& pool, const Claimant& claimant,
                                           std::chrono::milliseconds lease);

/// What happened to one item.
struct ItemResult {
  enum class Kind { Sent, Retry, Failed, Expired, Gone } kind = Kind::Failed;
  std::int64_t id = 0;
  std::string subscription_id;
  std::string endpoint;
  int attempts = 0;  ///< of the claim this outcome belongs to
  int status = 0;
  std::string error;
  std::chrono::milliseconds retry_in{0};
};

/// The most of a push service's error text kept in `last_error` (and in the log).
inline constexpr std::size_t kMaxErrorText = 512;

/// Records outcomes in one statement (one round trip, not one per item). Only rows still claimed by this claim - state 'sending', the claimant's
/// token and the attempt count of the claim - are changed: an outcome that arrives after
/// the item was claimed again elsewhere changes nothing. Error texts are stored sanitised
/// (common::sanitize_text, kMaxErrorText) and delays clamped, so no answer of a push
/// service can make the statement fail. Returns how many outcomes were stale (not applied).
asio::awaitable<std::uint64_t> record_results(db::Connection& connection, const Claimant& claimant,
                                              const std::vector<ItemResult>& results);
asio::awaitable<std::uint64_t> record_results(db::Pool& pool, const Claimant& claimant,
                                              const std::vector<ItemResult>& results);

/// Rows not finished yet (pending or sending).
asio::awaitable<std::uint64_t> outbox_depth(db::Pool& pool);

/// The payload as sent: the stored jsonb text (which has a space after ':' and ',') in the
/// compact form that was sized at enqueue, without a parse per message.
std::string compact_payload(std::string_view jsonb_text);


}  // namespace evp::push::delivery
