#include "delivery/outbox.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/utf8.hpp"
#include "db/arrays.hpp"
#include "delivery/retry.hpp"
#include "push/crypto.hpp"

namespace evp::push::delivery {

namespace {

// The recipients are chosen here and only here, including the user's per-event opt-outs
// (notification_preferences, migration 004).
constexpr std::string_view kInsertSql =
    "INSERT INTO push_outbox (subscription_id, user_id, user_type, event_type, payload, urgency, topic, ttl, "
    "state, last_error, created_at) "
    "SELECT s.id, s.user_id, s.user_type, $3, $4::jsonb, $5, NULLIF($6, ''), $7::int, $8, NULLIF($9, ''), "
    "clock_timestamp() "
    "FROM push_subscriptions s WHERE s.user_id = $1::uuid AND s.user_type = $2 "
    "AND push_event_enabled(s.user_id, $3)";

// created_at is the row's insert time (clock_timestamp(), not the transaction's start), the
// start of the commit -> request-sent latency (evp_push_commit_to_send_seconds).

// SKIP LOCKED lets concurrent dispatchers take disjoint batches; the lease (locked_until)
// hands the items of a process that died mid-send to the next claim after it expires.
// The claim commits without waiting for its WAL flush (synchronous_commit off for this one
// statement's transaction, set by the InitPlan): a claim lost in a PostgreSQL crash leaves
// its rows pending, so they are sent again - at-least-once, as after any crash - and every
// outcome's commit (synchronous) flushes the claim before it anyway. An fsync per claim
// was a disk wait between an event's commit and its push.
constexpr std::string_view kClaimSql =
    "UPDATE push_outbox o SET state = 'sending', attempts = o.attempts + 1, "
    "       locked_until = now() + $2::bigint * interval '1 millisecond', "
    "       claim_owner = $3, claim_token = $4::uuid "
    "FROM push_subscriptions s "
    "WHERE (SELECT set_config('synchronous_commit', 'off', true)) = 'off' "
    "  AND s.id = o.subscription_id AND o.id IN ("
    "  SELECT id FROM push_outbox "
    "  WHERE (state = 'pending' AND next_attempt_at <= now()) OR (state = 'sending' AND locked_until < now()) "
    "  ORDER BY id FOR UPDATE SKIP LOCKED LIMIT $1::int) "
    "RETURNING o.id, o.subscription_id, s.endpoint, s.p256dh_key, s.auth_key, o.payload, o.urgency, "
    "          coalesce(o.topic, ''), o.ttl, o.attempts, extract(epoch from o.created_at)::bigint, "
    "          (extract(epoch from o.created_at) * 1000000)::bigint";

}  // namespace

// jsonb prints with a space after ':' and ','; the payload was sized at enqueue in its
// compact form. Dropping whitespace outside string literals gives that size back without a
// parse and re-serialisation per message (any JSON text stays valid: whitespace outside
// strings is insignificant). Numbers print as stored, so in a corner case (an exponent that
// jsonb expands) the text can come out longer; then the JSON library compacts it as before.
std::string compact_payload(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size())
        out += text[++i];
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      out += c;
    }
  }
  if (out.size() > evp::push::kMaxPlaintext) return nlohmann::json::parse(text).dump();
  return out;
}

asio::awaitable<std::int64_t> insert_outbox_rows(db::Connection& connection, std::string_view user_id, UserType type,
                                                 const Notification& notification, const std::string& payload, int ttl,
                                                 std::string_view state, std::string_view error) {
  // Parameters are built outside the co_await: GCC 12 miscompiles braced lists there.
  db::Params params{db::param(user_id),
                    db::param(to_string(type)),
                    db::param(notification.type),
                    db::param(payload),
                    db::param(notification.urgency.empty() ? std::string("normal") : notification.urgency),
                    db::param(notification.topic),
                    db::param(ttl),
                    db::param(state),
                    db::param(error)};
  auto result = co_await connection.query(kInsertSql, std::move(params));
  co_return result.affected();
}

asio::awaitable<std::vector<OutboxItem>> claim_outbox_items(db::Pool& pool, std::size_t limit,
                                                            std::chrono::milliseconds lease, const Claimant& claimant) {
  db::Params params{db::param(static_cast<std::int64_t>(limit)), db::param(static_cast<std::int64_t>(lease.count())),
                    db::param(claimant.owner), db::param(claimant.token)};
  auto rows = co_await pool.query(kClaimSql, std::move(params));
  std::vector<OutboxItem> items;
  items.reserve(rows.rows());
  for (int r = 0; r < rows.rows(); ++r) {
    OutboxItem item;
    item.id = rows.get_int(r, 0);
    item.subscription_id.assign(rows.get(r, 1));
    item.endpoint.assign(rows.get(r, 2));
    item.p256dh.assign(rows.get(r, 3));
    item.auth.assign(rows.get(r, 4));
    item.payload.assign(rows.get(r, 5));
    item.urgency.assign(rows.get(r, 6));
    item.topic.assign(rows.get(r, 7));
    item.ttl = static_cast<int>(rows.get_int(r, 8));
    item.attempts = static_cast<int>(rows.get_int(r, 9));
    item.created_unix = rows.get_int(r, 10);
    item.created_us = rows.get_int(r, 11);
    items.push_back(std::move(item));
  }
  // Returned in id order so that one user's notifications go out in the order they happened.
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  co_return items;
}

asio::awaitable<std::int64_t> reclaim_own_items(db::Pool& pool, const Claimant& claimant) {
  db::Params params{db::param(claimant.owner), db::param(claimant.token)};
  auto result = co_await pool.query(
      "UPDATE push_outbox SET state = 'pending', next_attempt_at = now(), locked_until = NULL, "
      "       attempts = greatest(attempts - 1, 0) "
      "WHERE state = 'sending' AND claim_owner = $1 AND claim_token IS DISTINCT FROM $2::uuid",
      std::move(params));
  co_return result.affected();
}

asio::awaitable<std::int64_t> renew_leases(db::Pool& pool, const Claimant& claimant, std::chrono::milliseconds lease) {
  db::Params params{db::param(claimant.owner), db::param(claimant.token),
                    db::param(static_cast<std::int64_t>(lease.count()))};
  auto result = co_await pool.query(
      "UPDATE push_outbox SET locked_until = now() + $3::bigint * interval '1 millisecond' WHERE id IN ("
      "  SELECT id FROM push_outbox WHERE state = 'sending' AND claim_owner = $1 AND claim_token = $2::uuid "
      "  FOR UPDATE SKIP LOCKED)",  // a row being recorded right now needs no renewal
      std::move(params));
  co_return result.affected();
}

namespace {
// All outcomes in one statement (one round trip, its own transaction): the rows still held
// by their claim get their new state; subscriptions that took a push are marked used, the
// ones the service called gone are deleted (which cascades to their items). last_used_at
// is kept to the minute and skipped where another writer holds the row: two writers at
// once (the recorder runs up to two) never wait for, or deadlock on, a subscription that
// both of their groups pushed to (an owner's, typically).
constexpr std::string_view kRecordSql =
    "WITH r AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::bigint[], $6::int[]) "
    "           AS r(id, state, status, error, delay_ms, attempts)), "
    "done AS ("
    "  UPDATE push_outbox o SET state = r.state, locked_until = NULL, "
    "    last_status = NULLIF(r.status, 0), last_error = NULLIF(r.error, ''), "
    "    sent_at = CASE WHEN r.state = 'sent' THEN now() ELSE o.sent_at END, "
    "    next_attempt_at = CASE WHEN r.state = 'pending' THEN now() + r.delay_ms * interval '1 millisecond' "
    "                           ELSE o.next_attempt_at END "
    "  FROM r WHERE o.id = r.id AND o.state = 'sending' AND o.claim_token = $7::uuid AND o.attempts = r.attempts "
    "  RETURNING o.subscription_id, r.state), "
    "used AS ("
    "  UPDATE push_subscriptions s SET last_used_at = now() WHERE s.id IN ("
    "    SELECT u.id FROM push_subscriptions u "
    "    WHERE u.id IN (SELECT subscription_id FROM done WHERE state = 'sent') AND u.endpoint <> ALL($8::text[]) "
    "      AND (u.last_used_at IS NULL OR u.last_used_at < now() - interval '1 minute') "
    "    FOR UPDATE SKIP LOCKED)), "
    "gone AS (DELETE FROM push_subscriptions WHERE endpoint = ANY($8::text[])) "
    "SELECT count(*) FROM done";
}  // namespace

asio::awaitable<std::uint64_t> record_results(db::Connection& connection, const Claimant& claimant,
                                              const std::vector<ItemResult>& results) {
  std::vector<std::string> ids, attempts, states, statuses, errors, delays, gone_endpoints;
  for (const auto& r : results) {
    switch (r.kind) {
      case ItemResult::Kind::Gone:
        gone_endpoints.push_back(r.endpoint);  // deleting the subscription cascades to its items
        continue;
      case ItemResult::Kind::Sent:
        states.emplace_back("sent");
        break;
      case ItemResult::Kind::Retry:
        states.emplace_back("pending");
        break;
      case ItemResult::Kind::Failed:
        states.emplace_back("failed");
        break;
      case ItemResult::Kind::Expired:
        states.emplace_back("expired");
        break;
    }
    ids.push_back(std::to_string(r.id));
    attempts.push_back(std::to_string(r.attempts));
    statuses.push_back(std::to_string(std::clamp(r.status, 0, 999)));
    errors.push_back(common::sanitize_text(r.error, kMaxErrorText));
    auto longest = std::chrono::duration_cast<std::chrono::milliseconds>(kMaxRetryAfter);
    delays.push_back(std::to_string(std::clamp(r.retry_in, std::chrono::milliseconds(0), longest).count()));
  }
  if (ids.empty() && gone_endpoints.empty()) co_return 0;
  db::Params params{db::param(db::text_array(ids)),      db::param(db::text_array(states)),
                    db::param(db::text_array(statuses)), db::param(db::text_array(errors)),
                    db::param(db::text_array(delays)),   db::param(db::text_array(attempts)),
                    db::param(claimant.token),           db::param(db::text_array(gone_endpoints))};
  auto done = co_await connection.query(kRecordSql, std::move(params));
  co_return ids.size() - static_cast<std::uint64_t>(std::max<std::int64_t>(0, done.get_int(0, 0)));
}

asio::awaitable<std::uint64_t> record_results(db::Pool& pool, const Claimant& claimant,
                                              const std::vector<ItemResult>& results) {
  auto lease = co_await pool.acquire();
  co_return co_await record_results(*lease, claimant, results);
}

asio::awaitable<std::uint64_t> outbox_depth(db::Pool& pool) {
  auto r = co_await pool.query("SELECT count(*) FROM push_outbox WHERE state IN ('pending', 'sending')");
  co_return static_cast<std::uint64_t>(r.get_int(0, 0));
}

}  // namespace evp::push::delivery
