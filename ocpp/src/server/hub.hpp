#pragma once
// The transport-independent heart of the central system: the registry of connected
// stations, the RPC layer (framing errors, replay cache, dispatch to handlers, matching
// answers to central-system CALLs), the call API and the counters.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/connection_limit.hpp"
#include "ocpp/central_system.hpp"
#include "ocpp/live_events.hpp"
#include "server/auth_guard.hpp"
#include "server/boot_admission.hpp"
#include "server/connection.hpp"
#include "server/dispatcher.hpp"
#include "server/frame_ring.hpp"
#include "server/replay_cache.hpp"
#include "server/status_manager.hpp"

namespace evp::ocpp::detail {

/// The outcome of checking a handshake against the stations table.
struct Admission {
  int status = 0;  ///< 0 = accepted, else the HTTP status to refuse with
  std::string reason;
  std::int64_t retry_after = 0;  ///< seconds, sent as Retry-After when > 0
  StationContext context;
};

/// What the Hub keeps per station id, connected or not (never removed: connections hold
/// a pointer to theirs).
struct StationState {
  std::shared_ptr<Connection> connection;
  ReplayCache replay;
  FrameRing frames;
};

class Hub {
 public:
  Hub(asio::io_context& io, db::Pool* pool, std::unique_ptr<Dispatcher> dispatcher, StatusManager& status,
      const Config& config);

  const Config& config() const { return config_; }
  asio::io_context& io() { return io_; }

  /// Looks the station up (auto-registering it when configured) and checks its password,
  /// throttled per station id and per `source` (the client address, behind a trusted
  /// proxy the forwarded one). `remote_address` (peer address:port) is for the logs.
  asio::awaitable<Admission> admit(const std::string& station_id, const std::string& authorization,
                                   std::string remote_address, const std::string& source);
  /// The caps on open OCPP sockets (the listener takes a slot per accepted socket).
  common::ConnectionLimiter& connection_limiter() { return connections_; }

  /// A connection finished its WebSocket handshake: it replaces an older one of the same station.
  void on_open(const std::shared_ptr<Connection>& conn);
  /// The connection is gone: fail its CALLs, forget it unless already replaced.
  void on_close(const std::shared_ptr<Connection>& conn);
  /// One text frame from the station, read at once (`text` need not outlive the call). A
  /// CALL comes back as the work that answers it: the caller awaits it before reading the
  /// next frame (messages of one station are processed in order). Answers to our CALLs and
  /// frames answered with a CALLERROR are done on return (nullopt): no coroutine per frame
  /// for them.
  std::optional<asio::awaitable<void>> on_frame(const std::shared_ptr<Connection>& conn, std::string_view text);
  /// A pong (or other control frame) counts as a sign of life.
  void on_pong(const Connection& conn);
  void on_frame_sent() { ++stats_.messages_out; }
  /// Where connections opening and closing are told (null: nowhere).
  void set_live(LiveEvents* live) { live_ = live; }

  asio::awaitable<nlohmann::json> call(const std::string& station_id, const std::string& action, nlohmann::json payload,
                                       std::chrono::milliseconds timeout);

  /// Closes every connection with 1001 and waits (bounded) for them to finish.
  asio::awaitable<void> close_all();

  std::shared_ptr<Connection> find(const std::string& station_id) const;
  std::size_t connected_count() const { return connected_; }
  std::vector<std::string> connected_ids() const;
  std::vector<FrameRecord> recent_frames(const std::string& station_id) const;
  CentralSystem::Stats stats() const;
  std::vector<std::pair<std::string, std::uint64_t>> messages_by_action() const;

 private:
  StationState& station_of(Connection& conn);
  /// Keeps `frame` in the station's ring and sends it.
  bool send(Connection& conn, std::string frame);
  asio::awaitable<void> handle_call(std::shared_ptr<Connection> conn, Call call);
  void handle_answer(Connection& conn, const std::string& message_id, std::optional<nlohmann::json> result,
                     std::optional<CallFailed> failure);
  void fail_calls(Connection& conn, CallFailed::Reason reason, const std::string& why);
  void count_action(const std::string& action);
  /// The BootNotification.conf Pending of admission control, or nullopt to handle the boot.
  std::optional<std::string> hold_boot(const Call& call, const std::string& station_id);

  asio::io_context& io_;
  db::Pool* pool_;
  std::unique_ptr<Dispatcher> dispatcher_;
  StatusManager& status_;
  Config config_;
  AuthGuard auth_;
  BootAdmission boots_;
  common::ConnectionLimiter connections_;
  std::unordered_map<std::string, StationState> stations_;
  std::size_t connected_ = 0;
  std::uint64_t next_call_id_ = 1;
  CentralSystem::Stats stats_;
  std::map<std::string, std::uint64_t, std::less<>> by_action_;
  LiveEvents* live_ = nullptr;
};

}  // namespace evp::ocpp::detail
