#pragma once
// Private state of a ChargePoint. The connection machinery (charge_point.cpp), the typed
// station->CS messages (station_messages.cpp) and the answers to central-system CALLs
// (station_behaviour.cpp) share it.
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <set>

#include "charging_profiles.hpp"
#include "config_store.hpp"
#include "simulators/charge_point.hpp"
#include "transport.hpp"
#include "url.hpp"

namespace evp::sim {

namespace detail {
/// What a station does after answering a central-system CALL.
enum class Then {
  Nothing,
  RemoteStart,
  RemoteStop,
  Reset,
  Availability,
  Unlock,
  Trigger,
  Firmware,     ///< the update's steps at its retrieveDate
  Diagnostics,  ///< the upload's steps
  Reserved,     ///< StatusNotification Reserved, expiry timer
  Unreserved    ///< StatusNotification of the freed connector
};
struct Decision {
  Json conf = Json::object();
  Then then = Then::Nothing;
  int connector = 0;
  std::int64_t tx_id = 0;
  std::string text;  ///< idTag / reset type / requested message / availability type / location
  Json extra;        ///< RemoteStart's chargingProfile; UpdateFirmware's retrieveDate
};

/// An entry of the Local Authorization List or of the authorization cache.
struct AuthEntry {
  std::string id_tag;  ///< as the central system spelled it
  Json info;           ///< idTagInfo
};

struct Reservation {
  std::int64_t id = 0;
  std::string id_tag;
  std::string parent_id_tag;
  std::string expiry;  ///< expiryDate as received
  std::shared_ptr<boost::asio::steady_timer> timer;
};

/// OCPP feature profile of a central-system CALL ("" for an action not sent to stations).
std::string profile_of(const std::string& action);
/// Lower case: idTag is a CiString, compared case-insensitively.
std::string fold(std::string text);
}  // namespace detail

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

class ChargePoint::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::any_io_executor executor, ChargePointOptions options);

  // --- connection (charge_point.cpp)
  asio::awaitable<void> connect();
  asio::awaitable<void> close();
  void shutdown();
  asio::awaitable<Json> call(std::string action, Json payload, std::string message_id);
  asio::awaitable<std::optional<std::string>> send_raw(std::string text, Duration timeout);
  void send_frame(std::string frame);
  void set_silent(bool silent);
  asio::awaitable<bool> wait_for_call(std::string action, std::uint64_t count, Duration timeout);

  // --- station->CS messages (station_messages.cpp)
  asio::awaitable<Json> boot();
  asio::awaitable<Json> status(int connector, std::string status, std::string error_code, std::string info,
                               std::string vendor_error_code);
  asio::awaitable<std::int64_t> start_transaction(int connector, std::string id_tag, std::int64_t meter_start,
                                                  bool remote);
  asio::awaitable<Json> meter_values(int connector, std::optional<std::int64_t> transaction_id, std::int64_t wh,
                                     std::string context = "Sample.Periodic");
  asio::awaitable<Json> authorize(std::string id_tag);
  asio::awaitable<Json> stop_transaction(std::int64_t transaction_id, std::int64_t meter_stop, std::string reason,
                                         std::string id_tag);

  // --- CS->station CALLs (station_behaviour.cpp)
  detail::Decision decide(const std::string& action, const Json& payload);
  /// The answers of the Firmware, Local Auth List, Reservation and Smart Charging profiles
  /// (station_profiles.cpp); false when `action` is none of theirs.
  bool decide_profiles(const std::string& action, const Json& payload, detail::Decision& d);
  asio::awaitable<void> run_firmware_update(std::shared_ptr<Impl> keep, std::string location, Json retrieve_date);
  asio::awaitable<void> run_diagnostics(std::shared_ptr<Impl> keep, std::string location);
  void arm_reservation_expiry(int connector);
  /// The status a connector without a transaction reports: Unavailable, Reserved or Available.
  std::string idle_status(int connector) const;
  /// idTagInfo for `id_tag` from the local list (when enabled), else the cache; nullopt if in neither.
  std::optional<Json> local_auth(const std::string& id_tag) const;
  void remember_auth(const std::string& id_tag, const Json& info);
  std::map<int, detail::RunningTx> running_for_profiles() const;
  asio::awaitable<void> handle_call(std::shared_ptr<Impl> keep, std::string id, std::string action, Json payload);

  // state
  asio::any_io_executor executor_;
  ChargePointOptions options_;
  detail::WsUrl url_;
  std::shared_ptr<detail::Transport> transport_;
  bool connected_ = false;
  bool silent_ = false;
  bool stopping_ = false;
  /// The owner called close() (and not connect() since): a Reset's reconnect in progress
  /// gives up instead of opening a connection nobody will close.
  bool closed_by_owner_ = false;
  std::uint64_t generation_ = 0;  ///< bumped per connection; loops of older ones end
  std::string subprotocol_;
  std::string registration_status_;
  std::string id_prefix_;
  std::uint64_t next_id_ = 1;

  std::deque<std::string> out_;
  bool writing_ = false;

  // One outstanding CALL: waiters park on a timer that unlock() cancels.
  bool call_busy_ = false;
  std::deque<std::shared_ptr<asio::steady_timer>> call_waiters_;
  asio::awaitable<void> lock_calls();
  void unlock_calls();

  struct Pending {
    explicit Pending(asio::any_io_executor ex) : timer(ex) {}
    asio::steady_timer timer;
    std::string id;
    std::string action;
    bool raw = false;
    bool done = false;
    std::optional<Json> result;
    std::optional<CallErrorReply> error;
    std::string raw_reply;
    SteadyClock::time_point sent, received;
  };
  std::shared_ptr<Pending> pending_;

  std::vector<std::shared_ptr<asio::steady_timer>> call_watchers_;

  ChargePointMetrics metrics_;
  std::map<int, Transaction> transactions_;
  std::map<int, std::string> connector_status_;
  std::map<int, std::int64_t> meter_wh_;  ///< energy register per connector
  std::set<int> unavailable_;
  std::map<std::int64_t, std::shared_ptr<asio::steady_timer>> meter_timers_;
  std::shared_ptr<asio::steady_timer> heartbeat_timer_;
  detail::ConfigStore config_;
  std::set<std::string> profiles_enabled_;
  // Local Authorization List and authorization cache, keyed by fold(idTag).
  int local_list_version_ = 0;
  std::map<std::string, detail::AuthEntry> local_list_;
  std::map<std::string, detail::AuthEntry> auth_cache_;
  std::map<int, detail::Reservation> reservations_;  ///< by connector
  detail::ChargingProfiles charging_profiles_;
  std::map<int, detail::SysTime> tx_started_;  ///< by connector
  std::string firmware_status_ = "Idle";
  std::string diagnostics_status_ = "Idle";
  CallHook hook_;
  CallObserver observer_;

 private:
  asio::awaitable<void> read_loop(std::shared_ptr<Impl> keep, std::shared_ptr<detail::Transport> t,
                                  std::uint64_t generation);
  asio::awaitable<void> write_loop(std::shared_ptr<Impl> keep, std::shared_ptr<detail::Transport> t);
  void on_frame(std::string text);
  void on_disconnected();

 public:
  void start_heartbeats(int interval_s);
  void start_meter_loop(std::int64_t transaction_id);
  void stop_meter_loop(std::int64_t transaction_id);
  asio::awaitable<void> reset_and_reconnect(std::shared_ptr<Impl> keep, std::string type);
};

/// "2024-01-01T00:00:00.000Z" now.
std::string now_text();

}  // namespace evp::sim
