#pragma once
/// Read models of the charging module: what drivers, owners and operators are shown. Times
/// are RFC 3339 UTC text as the database renders them; money is exact.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/money.hpp"

namespace evp::charging {

/// A driver's session and its transaction (if the station started it).
struct SessionView {
  std::string session_id, status, station_id, station_name;
  int connector_id = 0;
  std::optional<std::string> limit_kwh, limit_amount;  ///< decimal text as set
  std::optional<std::string> failure_reason;
  std::optional<std::string> station_answer;  ///< to RemoteStartTransaction: Accepted, Rejected, no_answer...
  std::string created_at;
  std::optional<std::string> stop_requested_at, auto_stop_reason;
  common::Money reserved;
  // The transaction, when there is one.
  std::optional<int> transaction_id;
  std::optional<std::string> started_at, stopped_at, stop_reason, end_reason, billing;
  std::int64_t energy_wh = 0;
  common::Money price_per_kwh;
  /// Charged amount of a completed session (0 when not charged), the running cost so far of
  /// an active one.
  common::Money cost;
};

struct SessionPage {
  std::vector<SessionView> items;
  std::int64_t total = 0;
};

struct LedgerEntry {
  std::int64_t id = 0;
  common::Money amount, balance_after;
  std::string kind, reference, created_at;
};

/// A transaction on an owner's station (no driver identity).
struct OwnerTransaction {
  int transaction_id = 0;
  std::string station_id, status, started_at;
  int connector_id = 0;
  std::optional<std::string> stopped_at, stop_reason, end_reason, billing, session_id;
  std::string id_tag;
  std::optional<std::string> client_id;  ///< the driver: the session's, else the tag's
  std::int64_t energy_wh = 0;
  common::Money price_per_kwh;
  /// What the driver was charged (null while active, for unpaid and for suspect sessions).
  std::optional<common::Money> charged;
};

/// What an operator filters transactions by (all optional; `from`/`to` RFC 3339 bounds on
/// the start time, `to` exclusive).
struct TransactionFilter {
  std::optional<std::string> station_id, client_id, status, from, to;
};

struct StationRevenue {
  std::string station_id;
  std::optional<std::string> name;
  std::int64_t sessions = 0, energy_wh = 0;
  common::Money revenue;
  std::int64_t unpaid_sessions = 0;
};
struct Revenue {
  std::int64_t sessions = 0, energy_wh = 0;
  common::Money revenue;
  std::int64_t unpaid_sessions = 0;  ///< sessions nobody paid for (unpaid or suspect)
  std::vector<StationRevenue> stations;
};

/// A driver as operators look them up.
struct ClientSummary {
  std::string id;
  std::optional<std::string> email, name, phone;
  common::Money balance;
  std::string created_at;
};
struct ClientPage {
  std::vector<ClientSummary> items;
  std::int64_t total = 0;  ///< matching the search, all pages
};

struct SessionEvent {
  std::int64_t id = 0;
  std::string station_id, kind, detail_json, created_at;
};

}  // namespace evp::charging
