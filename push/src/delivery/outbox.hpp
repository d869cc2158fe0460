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
};

/// Claims up to `limit` due items (pending and due, or sending with an expired lease) and
/// leases them for `lease`. Safe with any number of concurrent dispatchers.
asio::awaitable<std::vector<OutboxItem>> claim_outbox_items(db::Pool& pool, std::size_t limit,
                                                            std::chrono::milliseconds lease);

/// What happened to one item.
struct ItemResult {
  enum class Kind { Sent, Retry, Failed, Expired, Gone } kind = Kind::Failed;
  std::int64_t id = 0;
  std::string subscription_id;
  std::string endpoint;
  int status = 0;
  std::string error;
  std::chrono::milliseconds retry_in{0};
};

/// Records a batch of outcomes in one transaction (a handful of set-based statements, not
/// one round trip per item). Only rows still leased as 'sending' are changed.
asio::awaitable<void> record_results(db::Pool& pool, const std::vector<ItemResult>& results);

/// Rows not finished yet (pending or sending).
asio::awaitable<std::uint64_t> outbox_depth(db::Pool& pool);

/// The payload as sent: the stored jsonb text (which has a space after ':' and ',') in the
/// compact form that was sized at enqueue, without a parse per message.
std::string compact_payload(std::string_view jsonb_text);


}  // namespace evp::push::delivery
