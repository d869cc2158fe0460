#pragma once
/// The OCPP 1.6J central system: WebSocket server, station sessions, station-status
/// manager and the awaitable call API (central system -> station).
///
/// Everything runs on one io_context thread; call the API from that thread (or post to it).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/time.hpp"
#include "common/trusted_proxies.hpp"
#include "db/db.hpp"
#include "ocpp/live_events.hpp"
#include "ocpp/messages/calls.hpp"

namespace evp::push {
class Service;
}
namespace evp::charging {
class Service;
}

namespace evp::ocpp {

namespace asio = boost::asio;

enum class AutoRegister { Off, Accept, Pending };

struct Config {
  std::string listen_address = "0.0.0.0";
  std::uint16_t port = 8180;            ///< ws://
  /// wss:// (security profile 2) when both files are set.
  std::string tls_cert_file, tls_key_file;
  std::uint16_t tls_port = 8443;
  AutoRegister auto_register = AutoRegister::Off;
  std::chrono::seconds heartbeat_interval{300};   ///< told to stations in BootNotification.conf
  std::chrono::seconds offline_timeout{300};      ///< no message or pong for this long -> offline
  std::chrono::seconds ping_interval{60};         ///< WebSocket ping to idle stations
  std::chrono::seconds call_timeout{30};          ///< default for central-system CALLs
  std::chrono::seconds handshake_timeout{10};
  std::size_t max_frame_bytes = 64 * 1024;
  std::size_t write_queue_limit = 64;             ///< frames; a station that exceeds it is dropped
  std::size_t frame_history = 20;  ///< frames kept per station for operators (OCPP_FRAME_HISTORY; 0 = none)
  std::chrono::milliseconds last_seen_flush{1000};  ///< batch period for last-seen writes
  /// Batch period for connector states that raised no event (OCPP_CONNECTOR_FLUSH_MS).
  std::chrono::milliseconds connector_flush{100};
  /// A station_offline push goes to the owner once per offline episode, and not more often
  /// than this for a station that keeps dropping off (STATION_OFFLINE_NOTIFY_INTERVAL).
  std::chrono::seconds offline_notify_interval{3600};
  // Limits a hostile or broken client meets (0 switches a cap or throttle off).
  std::size_t max_connections = 20000;          ///< open sockets on the OCPP listeners, handshakes included
  std::size_t max_connections_per_address = 0;  ///< off by default: a whole fleet may share one NAT address
  std::uint32_t auth_failures_per_station = 10;   ///< wrong passwords per station id and window
  std::uint32_t auth_failures_per_address = 1000; ///< wrong passwords per source address and window
  std::chrono::milliseconds auth_failure_window{60000};
  std::size_t auth_concurrency = 4;  ///< password checks (bcrypt in PostgreSQL) running at once
  /// Admission control of BootNotification (0 switches a bound off). When the database lags
  /// - a BootNotification being handled for longer than `boot_max_db_wait`, more than
  /// `boot_max_pool_waiting` statements waiting for a pooled connection, or
  /// `boot_max_in_flight` boots already being handled - a BootNotification is answered
  /// Pending with an interval of `boot_pending_interval` to twice that (spread so the
  /// retries do not come back at once), without touching the database; the station's
  /// registration stays what it is.
  std::size_t boot_max_in_flight = 2000;
  std::size_t boot_max_pool_waiting = 0;  ///< off: in a storm the handshakes' fast reads fill the queue
  std::chrono::milliseconds boot_max_db_wait{3000};
  std::chrono::seconds boot_pending_interval{2};
  /// Our reverse proxies / load balancers: their X-Forwarded-For address is the source.
  common::TrustedProxies trusted_proxies;
};

/// A central-system CALL failed: the station answered CALLERROR, timed out, or is offline.
class CallFailed : public std::runtime_error {
 public:
  enum class Reason { NotConnected, Timeout, CallError, InvalidResponse, Closed };
  CallFailed(Reason reason, const std::string& message, std::string error_code = {})
      : std::runtime_error(message), reason_(reason), error_code_(std::move(error_code)) {}
  Reason reason() const { return reason_; }
  const std::string& error_code() const { return error_code_; }  ///< the CALLERROR code, if any

 private:
  Reason reason_;
  std::string error_code_;
};

/// Events other modules subscribe to (the composition root wires them).
struct Events {
  /// Station went offline (no message or pong for offline_timeout) / came back.
  std::function<void(const std::string& station_id, common::TimePoint last_seen)> station_offline;
  std::function<void(const std::string& station_id)> station_online;
};

/// A frame a station sent (`incoming`) or was sent, as kept for operators.
struct FrameRecord {
  common::TimePoint at{};
  bool incoming = false;
  std::string text;                ///< at most 1 KiB of it
  std::size_t truncated_from = 0;  ///< the frame's full size when it was cut, else 0
};

struct StationInfo {
  std::string station_id;
  bool connected = false;
  bool online = false;
  common::TimePoint last_seen{};
};

class CentralSystem {
 public:
  /// `push` may be null (push module absent or disabled). Sessions and money are the
  /// `charging` module's; when its rules say a session must stop (a limit, the driver's
  /// available balance) the central system sends the RemoteStopTransaction itself.
  CentralSystem(asio::io_context& io, db::Pool& pool, charging::Service& charging, push::Service* push, Config config,
                Events events = {});
  ~CentralSystem();

  /// Binds the listeners (throws on failure) and starts accepting; returns at once.
  void start();
  /// Closes listeners and every station connection (WebSocket close 1001), flushes last-seen.
  asio::awaitable<void> stop();
  /// Ports actually bound (useful with port 0 in tests).
  std::uint16_t port() const;
  std::uint16_t tls_port() const;

  /// Sends a central-system CALL to a connected station and returns its typed answer:
  /// `XConf conf = co_await cs.call(station_id, XReq{...});` for every message of the six
  /// OCPP 1.6 profiles (see ocpp/messages/calls.hpp). At most one outstanding CALL per
  /// station; others queue in order; `timeout` (default Config::call_timeout) counts from
  /// this call, waiting in the queue included. Throws CallFailed: NotConnected, Timeout,
  /// CallError (the station's CALLERROR, error_code() its code; or a request that is not
  /// valid, error_code() saying why), InvalidResponse (an answer that is not a valid Conf),
  /// Closed (the connection ended or was replaced).
  template <CentralCall Req>
  asio::awaitable<ConfOf_t<Req>> call(const std::string& station_id, Req request,
                                      std::optional<std::chrono::seconds> timeout = {}) {
    // Named locals, not temporaries inside co_await (GCC 12).
    nlohmann::json payload = request;
    std::string action(Req::action);
    nlohmann::json answer = co_await call_json(station_id, std::move(action), std::move(payload), timeout);
    co_return answer.template get<ConfOf_t<Req>>();  // call_json validated it against the Conf schema
  }

  /// The untyped form behind call<Req>: `payload` is validated as the action's Req and the
  /// answer as its Conf. For tools that relay frames; application code uses call<Req>.
  asio::awaitable<nlohmann::json> call_json(const std::string& station_id, std::string action, nlohmann::json payload,
                                            std::optional<std::chrono::seconds> timeout = {});

  /// The last Config::frame_history frames the station sent and received (this process's
  /// memory only; kept across reconnects), oldest first.
  std::vector<FrameRecord> recent_frames(const std::string& station_id) const;

  /// What happens as it happens (connections, boots, connector states, transactions), for
  /// operators watching live; see ocpp/live_events.hpp.
  LiveEvents& live();

  bool is_connected(const std::string& station_id) const;
  bool is_online(const std::string& station_id) const;
  std::size_t connected_count() const;
  std::vector<StationInfo> stations() const;

  struct Stats {
    std::uint64_t messages_in = 0, messages_out = 0, call_errors_sent = 0, connections_total = 0;
    std::size_t connected = 0, online = 0;
    std::uint64_t replays = 0;  ///< repeated CALLs answered from the replay cache
    /// Connections refused at accept: the total cap / the per-address cap.
    std::uint64_t refused_total_cap = 0, refused_address_cap = 0;
    /// Wrong station passwords; handshakes refused by the per-station / per-address
    /// throttle; handshakes that waited too long for a password check.
    std::uint64_t auth_failures = 0, auth_throttled_station = 0, auth_throttled_address = 0, auth_queue_timeouts = 0;
    /// BootNotifications answered Pending by admission control (the database lagged).
    std::uint64_t boots_pending_admission = 0;
  };
  Stats stats() const;
  /// Messages received per action (for /metrics).
  std::vector<std::pair<std::string, std::uint64_t>> messages_by_action() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evp::ocpp
