#pragma once
/// Charging sessions and money: the one module that reads and writes OCPP transactions,
/// driver-facing charging sessions, balances and the balance ledger, and raises the
/// notifications of session events (started, completed, error, low balance, payment).
///
/// Callers: the OCPP handlers (what a station reports) and the REST API (what a driver,
/// an owner or the payment provider asks). Neither holds SQL on these tables.
///
/// Rules it enforces (docs/ARCHITECTURE.md, docs/API.md):
///  - a session always ends: a StartTransaction on a connector whose previous transaction is
///    still active closes that one first (superseded); the sweeper closes transactions silent
///    for longer than Config::stale_transaction_after (swept, flagged for review);
///  - energy must be physically possible (connector power x duration) and its cost must fit
///    the money columns, otherwise the session is suspect: not charged, listed for review;
///  - a driver's available balance is the balance minus what running sessions have consumed
///    or reserved; REST starts and the automatic stop both use that figure;
///  - revenue is what drivers were charged: an unpaid session earns the owner nothing.
///
/// Everything runs on the one io_context; the functions are coroutines on it.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "charging/views.hpp"
#include "common/money.hpp"
#include "common/time.hpp"
#include "db/db.hpp"

namespace evp::push {
class Service;
}

namespace evp::charging {

namespace asio = boost::asio;
using common::Money;
using common::TimePoint;

struct Config {
  /// Under this balance after a debit a driver gets low_balance_warning (LOW_BALANCE_THRESHOLD).
  Money low_balance_threshold = Money::tyiyn(5000);
  /// Available balance a driver needs to start from the app (MIN_BALANCE_TO_START); also what
  /// a session without a limit reserves.
  Money min_balance_to_start = Money::tyiyn(1000);
  /// Power of a connector without its own connectors.max_power_w (CHARGING_MAX_POWER_KW).
  std::int64_t default_max_power_w = 400'000;
  /// A transaction with no sign of life (its start, a MeterValues of it, its connector reported
  /// charging by the online station) for this long is closed by the
  /// sweeper (CHARGING_STALE_TRANSACTION_AFTER; 0 = never).
  std::chrono::seconds stale_transaction_after{std::chrono::hours(1)};
  /// A session started from the app that the station has not begun by then fails
  /// (CHARGING_PENDING_TIMEOUT).
  std::chrono::seconds pending_timeout{std::chrono::minutes(3)};
  /// How often the sweeper looks (CHARGING_SWEEP_INTERVAL).
  std::chrono::seconds sweep_interval{std::chrono::minutes(1)};
  /// TTL of the push messages this module writes to the outbox (PUSH_TTL, as push::Config).
  int push_ttl_seconds = 86400;
};

// ---- what a station reports -----------------------------------------------------------

enum class TagStatus { Accepted, Blocked, Expired, Invalid, ConcurrentTx };
const char* to_string(TagStatus status);

/// An id tag as the central system knows it (OCPP IdTagInfo, plus the driver it belongs to).
struct Authorization {
  TagStatus status = TagStatus::Invalid;
  std::optional<TimePoint> expiry;
  std::optional<std::string> parent_id_tag;
  std::optional<std::string> client_id;
};

/// One sampled value as the station sent it (OCPP SampledValue, enums as their wire names).
struct Sample {
  TimePoint timestamp{};
  std::string value;
  std::optional<std::string> context, format, measurand, phase, location, unit;
};

/// Energy.Active.Import.Register readings of a message in Wh, oldest first.
using Readings = std::vector<std::pair<TimePoint, std::int64_t>>;

struct StartRequest {
  std::string station_id;
  int connector_id = 0;
  std::string id_tag;
  std::int64_t meter_start = 0;  ///< Wh
  TimePoint timestamp{};
  std::optional<int> reservation_id;
};
struct StartResult {
  int transaction_id = 0;
  Authorization authorization;
  bool replay = false;             ///< the same StartTransaction again: nothing new happened
  std::vector<int> superseded;     ///< older transactions of the connector closed by this start
};

struct MeterRequest {
  std::string station_id;
  int connector_id = 0;
  std::optional<int> transaction_id;
  std::vector<Sample> samples;
  Readings readings;
};
/// Why the server itself should stop a session now ("limit_kwh", "limit_amount", "balance").
struct StopDue {
  int transaction_id = 0;
  std::string station_id;
  std::string reason;
  std::int64_t energy_wh = 0;
};
struct MeterResult {
  std::optional<StopDue> stop_due;
};

struct StopRequest {
  std::string station_id;
  int transaction_id = 0;
  std::int64_t meter_stop = 0;  ///< Wh
  TimePoint timestamp{};
  std::string reason = "Local";  ///< OCPP Reason
  std::optional<std::string> id_tag;
  std::vector<Sample> transaction_data;
};
struct StopResult {
  std::optional<Authorization> authorization;  ///< of the stop's idTag, when one was sent
  std::string outcome;                         ///< for the log
};

// ---- what a driver asks ----------------------------------------------------------------

/// A request the rules refuse; the REST API turns `kind` into its status code.
class Refused : public std::runtime_error {
 public:
  enum class Kind { NotFound, InsufficientBalance, ConnectorBusy, NotStarted, NotActive, Conflict, Invalid };
  Refused(Kind kind, std::string code, const std::string& message)
      : std::runtime_error(message), kind_(kind), code_(std::move(code)) {}
  Kind kind() const { return kind_; }
  const std::string& code() const { return code_; }  ///< e.g. "insufficient_balance"

 private:
  Kind kind_;
  std::string code_;
};

/// An id tag as the operator manages it.
struct IdTagRecord {
  std::string id_tag;
  TagStatus status = TagStatus::Accepted;  ///< as stored (never ConcurrentTx)
  std::optional<std::string> client_id;
  std::optional<std::string> expiry;  ///< RFC 3339, UTC
  std::optional<std::string> parent_id_tag;
  std::string created_at;
};

/// Adds or changes an id tag. Fields left empty keep their value (none for a new tag).
struct IdTagUpdate {
  std::string id_tag;  ///< OCPP IdToken: 1 to 20 characters, compared case-insensitively
  TagStatus status = TagStatus::Accepted;
  std::optional<std::string> client_id;      ///< a client's user id
  std::optional<std::string> expiry;         ///< RFC 3339
  std::optional<std::string> parent_id_tag;  ///< 1 to 20 characters
  bool create = true;                        ///< false: change an existing tag only
};

struct SessionLimits {
  std::optional<std::int64_t> energy_wh = std::nullopt;
  std::optional<Money> amount = std::nullopt;
};

/// A session the app opened, waiting for the station (status 'pending').
struct PendingSession {
  std::string session_id;
  std::string id_tag;  ///< the driver's id tag to send in RemoteStartTransaction
  Money reserved;      ///< held from the available balance until the session ends
};

/// What RemoteStartTransaction came to.
enum class RemoteAnswer { Accepted, Rejected, NoAnswer, Failed };

/// A running session the driver may stop.
struct StopTarget {
  std::string station_id;
  int transaction_id = 0;
};

/// A payment credited (or replayed) by the webhook.
struct Credit {
  bool credited = false;  ///< false: a replay of an earlier delivery, nothing moved
  Money new_balance;
};

/// An operator's credit (positive) or debit (negative) of a driver's balance.
struct Adjustment {
  std::string id;  ///< the caller's idempotency key (1 to 64 characters)
  std::string client_id;
  Money amount;
  std::string reason;  ///< 1 to 500 characters, kept with the adjustment
  std::string operator_id;
};

class Service {
 public:
  /// `push` may be null (push disabled: no notifications are written). Both must outlive it.
  Service(asio::any_io_executor executor, db::Pool& pool, push::Service* push, Config config);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// Starts the sweeper (stale transactions, pending sessions that never started).
  void start();
  /// Stops the sweeper and waits for a sweep in progress.
  asio::awaitable<void> stop();
  /// One sweep now; returns the number of transactions closed and sessions failed.
  asio::awaitable<int> sweep();
  const Config& config() const;

  // Station side ---------------------------------------------------------------------------
  /// Authorize: unknown -> Invalid; Blocked/Expired/Invalid as stored; Accepted but past its
  /// expiry -> Expired; Accepted while the tag has another active transaction -> ConcurrentTx.
  asio::awaitable<Authorization> authorize(const std::string& id_tag);
  asio::awaitable<StartResult> start_transaction(const StartRequest& request);
  asio::awaitable<MeterResult> meter_values(const MeterRequest& request);
  asio::awaitable<StopResult> stop_transaction(const StopRequest& request);
  /// Inside the caller's database transaction: charging_error to the drivers of the
  /// sessions running on the connector (0 = the whole station). Returns whether anything was
  /// enqueued (then call wake_push() after COMMIT).
  asio::awaitable<bool> connector_fault(db::Connection& tx, const std::string& station_id, int connector_id,
                                        const std::string& error_code, const std::string& vendor_error_code);
  void wake_push() const;
  /// The station answered ReserveNow with Accepted: the reservation holds until `expiry`
  /// (the same id on the station replaces an earlier one) and the StartTransaction that names
  /// it uses it. Connector 0: any connector of the station.
  asio::awaitable<void> reservation_accepted(const std::string& station_id, int reservation_id, int connector_id,
                                             const std::string& id_tag, const std::optional<std::string>& parent_id_tag,
                                             TimePoint expiry);
  /// The station answered CancelReservation with Accepted.
  asio::awaitable<void> reservation_cancelled(const std::string& station_id, int reservation_id);

  // Driver side ----------------------------------------------------------------------------
  /// The driver's own id tag for app-started sessions (created on first use).
  asio::awaitable<std::string> driver_id_tag(const std::string& client_id);
  /// Opens a pending session on the connector, holding part of the available balance.
  /// Throws Refused: InsufficientBalance, ConnectorBusy.
  asio::awaitable<PendingSession> open_session(const std::string& client_id, const std::string& station_id,
                                               int connector_id, const SessionLimits& limits);
  /// Records the station's answer to RemoteStartTransaction. Accepted and NoAnswer keep the
  /// session pending (until StartTransaction, or Config::pending_timeout); Rejected and
  /// Failed end it. Returns the session's status afterwards.
  asio::awaitable<std::string> remote_start_result(const std::string& session_id, RemoteAnswer answer,
                                                   const std::string& detail);
  /// The transaction behind one of the driver's sessions. Throws Refused: NotFound,
  /// NotStarted, NotActive.
  asio::awaitable<StopTarget> stop_target(const std::string& client_id, const std::string& session_id);
  asio::awaitable<void> stop_requested(const std::string& session_id);
  /// Marks an automatic stop as under way (false: somebody asked already), or undoes that
  /// after the station refused.
  asio::awaitable<bool> claim_auto_stop(int transaction_id, const std::string& reason);
  asio::awaitable<void> release_auto_stop(int transaction_id);

  asio::awaitable<std::optional<SessionView>> session(const std::string& client_id, const std::string& session_id);
  asio::awaitable<SessionPage> history(const std::string& client_id, std::int64_t limit, std::int64_t offset);
  asio::awaitable<std::optional<Money>> balance(const std::string& client_id);
  /// The balance minus what the driver's running sessions consumed or reserved.
  asio::awaitable<std::optional<Money>> available_balance(const std::string& client_id);
  asio::awaitable<std::vector<LedgerEntry>> ledger(const std::string& client_id, std::int64_t limit,
                                                   std::int64_t offset);
  /// Credits a payment once per payment id; a replay with the same user and amount answers
  /// the first result. Throws Refused: NotFound (no such client), Conflict (id reused).
  asio::awaitable<Credit> credit_payment(const std::string& payment_id, const std::string& client_id, Money amount,
                                         const std::string& currency, const std::string& raw);

  // Owner and operator side ----------------------------------------------------------------
  /// Applies an adjustment once per id: the balance moves and a ledger row (kind
  /// 'adjustment') records it, in one transaction. The same id again answers the first
  /// result and moves nothing. Throws Refused: Invalid (zero or out-of-range amount, a bad
  /// id or reason), NotFound (no such client), Conflict (the id was used for another
  /// client or amount).
  asio::awaitable<Credit> adjust_balance(const Adjustment& adjustment);
  asio::awaitable<std::vector<OwnerTransaction>> owner_transactions(const std::string& owner_id,
                                                                    const std::optional<std::string>& station_id,
                                                                    std::int64_t limit, std::int64_t offset);
  /// Every transaction matching `filter`, newest first (operators). Throws Refused: Invalid
  /// (a bound that is not a time).
  asio::awaitable<std::vector<OwnerTransaction>> transactions(const TransactionFilter& filter, std::int64_t limit,
                                                              std::int64_t offset);
  /// One transaction of a station as operators see it (nullopt: the station has no such one).
  asio::awaitable<std::optional<OwnerTransaction>> transaction(const std::string& station_id, int transaction_id);
  /// Revenue = what drivers were charged; `from`/`to` are RFC 3339 bounds on the stop time.
  asio::awaitable<Revenue> owner_revenue(const std::string& owner_id, const std::optional<std::string>& from,
                                         const std::optional<std::string>& to);
  /// Adds or changes an id tag (the next Authorize sees it). Throws Refused: Invalid (a tag
  /// or parent that is not an IdToken, ConcurrentTx as a stored status, an expiry that is
  /// not a time), NotFound (no such client; no such tag when !update.create).
  asio::awaitable<IdTagRecord> save_id_tag(const IdTagUpdate& update);
  /// Drivers whose id is `q`, or whose email, phone or name contains it (case-insensitive);
  /// all without `q`. Newest first.
  asio::awaitable<ClientPage> clients(const std::optional<std::string>& q, std::int64_t limit, std::int64_t offset);
  asio::awaitable<std::optional<ClientSummary>> client(const std::string& client_id);
  /// The driver's id tags (cards and the app's virtual tag), in tag order.
  asio::awaitable<std::vector<IdTagRecord>> id_tags_of(const std::string& client_id);
  /// Id tags in tag order.
  asio::awaitable<std::vector<IdTagRecord>> id_tags(std::int64_t limit, std::int64_t offset);
  /// Session events for review (superseded, swept, suspect, unpaid, late stops, unknown
  /// stops, meter going backwards), newest first.
  asio::awaitable<std::vector<SessionEvent>> events(const std::optional<std::string>& kind, std::int64_t limit);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evp::charging
