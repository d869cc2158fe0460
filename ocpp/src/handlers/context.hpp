#pragma once
// Internals shared by the handler files: the state every handler sees, the push outbox
// helper and the per-action entry points the dispatcher table points at.
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/db.hpp"
#include "handlers/handlers.hpp"
#include "ocpp/messages/core.hpp"
#include "ocpp/messages/firmware.hpp"
#include "push/notification.hpp"

namespace evp::ocpp::handlers {

namespace asio = boost::asio;

/// Statement parameters without a braced list: GCC 12 rejects an initializer_list inside a
/// co_await expression ("array used as initializer"), so `query(sql, args(a, b))` it is.
template <class... A>
db::Params args(A&&... a) {
  db::Params p;
  p.reserve(sizeof...(a));
  (p.emplace_back(std::forward<A>(a)), ...);
  return p;
}

struct Context {
  db::Pool& pool;
  push::Service* push;  // null: push disabled
  Config config;
  Options options;
};

/// Writes notifications into the outbox inside a handler's transaction and wakes the push
/// dispatcher once that transaction has committed. Create one per transaction attempt
/// (Pool::transaction may run the body again after a serialization failure).
class Outbox {
 public:
  explicit Outbox(push::Service* push) : push_(push) {}
  /// No-op when push is disabled; otherwise one row per subscription of the user.
  asio::awaitable<void> add(db::Connection& tx, std::string_view user_id, push::UserType type,
                            const push::Notification& notification);
  /// Forget what a failed attempt enqueued (its rows were rolled back).
  void reset() { enqueued_ = false; }
  /// Call after COMMIT.
  void wake() const;
  bool enabled() const;

 private:
  push::Service* push_;
  bool enqueued_ = false;
};

/// Appends a row to station_events (things an operator should see).
asio::awaitable<void> record_event(db::Connection& c, std::string_view station_id, std::string_view kind,
                                   const nlohmann::json& detail);

/// What the central system knows about an id tag.
struct TagLookup {
  IdTagInfo info;
  std::optional<std::string> client_id;
};
/// Authorize semantics: unknown -> Invalid; stored Blocked/Expired/Invalid as is; Accepted but
/// past expiry -> Expired; Accepted with an active transaction other than `own_transaction`
/// -> ConcurrentTx (when `check_concurrent`).
asio::awaitable<TagLookup> lookup_id_tag(db::Connection& c, std::string_view id_tag, bool check_concurrent,
                                         int own_transaction = 0);

/// Stores sampled values in one INSERT (unnest of arrays).
asio::awaitable<void> store_meter_values(db::Connection& c, std::string_view station_id, int connector_id,
                                         std::optional<int> transaction_id, const std::vector<MeterValue>& values);

/// Wh of an Energy.Active.Import.Register reading (Raw, whole-meter, Wh or kWh), else nullopt.
std::optional<std::int64_t> register_wh(const SampledValue& sample);

/// Scales a decimal text by 10^digits, rounding half away from zero ("1.2345", 3 -> 1235).
std::optional<std::int64_t> parse_scaled(std::string_view text, int digits);

/// RFC 3339 text in UTC as SQL selects it: to_char(<col> AT TIME ZONE 'UTC', kUtcFormat).
inline constexpr const char* kUtcFormat = "YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"";

asio::awaitable<BootNotificationConf> boot_notification(Context& ctx, detail::StationContext& station,
                                                        const BootNotificationReq& req);
asio::awaitable<HeartbeatConf> heartbeat(Context& ctx, detail::StationContext& station, const HeartbeatReq& req);
asio::awaitable<StatusNotificationConf> status_notification(Context& ctx, detail::StationContext& station,
                                                            const StatusNotificationReq& req);
asio::awaitable<AuthorizeConf> authorize(Context& ctx, detail::StationContext& station, const AuthorizeReq& req);
asio::awaitable<StartTransactionConf> start_transaction(Context& ctx, detail::StationContext& station,
                                                        const StartTransactionReq& req);
asio::awaitable<MeterValuesConf> meter_values(Context& ctx, detail::StationContext& station, const MeterValuesReq& req);
asio::awaitable<StopTransactionConf> stop_transaction(Context& ctx, detail::StationContext& station,
                                                      const StopTransactionReq& req);
asio::awaitable<DataTransferConf> data_transfer(Context& ctx, detail::StationContext& station,
                                                const DataTransferReq& req);
asio::awaitable<DiagnosticsStatusNotificationConf> diagnostics_status(Context& ctx, detail::StationContext& station,
                                                                      const DiagnosticsStatusNotificationReq& req);
asio::awaitable<FirmwareStatusNotificationConf> firmware_status(Context& ctx, detail::StationContext& station,
                                                                const FirmwareStatusNotificationReq& req);

}  // namespace evp::ocpp::handlers
