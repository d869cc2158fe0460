#include "server/hub.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "ocpp/messages/core.hpp"

namespace evp::ocpp::detail {

namespace {
// Station-supplied action names are counted for /metrics; bound the map so a station
// sending random names cannot grow it.
constexpr std::size_t kMaxActionsCounted = 64;
}  // namespace

Hub::Hub(asio::io_context& io, db::Pool* pool, std::unique_ptr<Dispatcher> dispatcher, StatusManager& status,
         const Config& config)
    : io_(io),
      pool_(pool),
      dispatcher_(std::move(dispatcher)),
      status_(status),
      config_(config),
      auth_(io.get_executor(), config_),
      boots_(config_),
      connections_(config_.max_connections, config_.max_connections_per_address) {}

void Hub::on_open(const std::shared_ptr<Connection>& conn) {
  auto& st = stations_[conn->context.station_id];
  if (st.connection && st.connection != conn) {
    spdlog::info("station {}: new connection from {} replaces the old one", conn->context.station_id,
                 conn->context.remote_address);
    fail_calls(*st.connection, CallFailed::Reason::Closed, "connection replaced");
    st.connection->close(1000, "replaced");
  } else {
    ++connected_;
  }
  st.connection = conn;
  conn->station = &st;
  conn->status = status_.handle(conn->context.station_id);
  ++stats_.connections_total;
  status_.seen(conn->status);
  if (live_ && live_->listening())
    live_->publish("station", {{"station_id", conn->context.station_id}, {"change", "connected"},
                               {"remote_address", conn->context.remote_address}});
}

void Hub::on_close(const std::shared_ptr<Connection>& conn) {
  fail_calls(*conn, CallFailed::Reason::Closed, "connection closed");
  auto it = stations_.find(conn->context.station_id);
  if (it != stations_.end() && it->second.connection == conn) {
    it->second.connection.reset();
    --connected_;
    if (live_ && live_->listening())
      live_->publish("station", {{"station_id", conn->context.station_id}, {"change", "disconnected"}});
  }
}

void Hub::on_pong(const Connection& conn) {
  if (conn.status) status_.seen(conn.status);
}

std::shared_ptr<Connection> Hub::find(const std::string& station_id) const {
  auto it = stations_.find(station_id);
  return it == stations_.end() ? nullptr : it->second.connection;
}

std::vector<std::string> Hub::connected_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, st] : stations_)
    if (st.connection) ids.push_back(id);
  return ids;
}

std::vector<FrameRecord> Hub::recent_frames(const std::string& station_id) const {
  auto it = stations_.find(station_id);
  return it == stations_.end() ? std::vector<FrameRecord>{} : it->second.frames.snapshot();
}

StationState& Hub::station_of(Connection& conn) {
  return conn.station ? *conn.station : stations_[conn.context.station_id];
}

bool Hub::send(Connection& conn, std::string frame) {
  station_of(conn).frames.record(config_.frame_history, false, frame);
  return conn.send(std::move(frame));
}

std::optional<asio::awaitable<void>> Hub::on_frame(const std::shared_ptr<Connection>& conn, std::string_view text) {
  const auto& id = conn->context.station_id;
  spdlog::debug("{} -> {}", id, text);
  auto& station = station_of(*conn);
  station.frames.record(config_.frame_history, true, text);
  ++stats_.messages_in;
  status_.seen(conn->status ? conn->status : status_.handle(id));
  Message message;
  try {
    message = parse_message(text);
  } catch (const FrameError& e) {
    spdlog::warn("station {}: bad frame ({}): {}", id, e.what(), text.substr(0, 200));
    if (e.was_call()) {
      ++stats_.call_errors_sent;
      send(*conn, serialize_error(e.message_id(), e.code(), e.what()));
    }
    return std::nullopt;
  }
  if (auto* call = std::get_if<Call>(&message)) return handle_call(conn, std::move(*call));
  if (auto* result = std::get_if<CallResult>(&message)) {
    handle_answer(*conn, result->message_id, std::move(result->payload), std::nullopt);
  } else {
    auto& err = std::get<CallErrorMessage>(message);
    handle_answer(*conn, err.message_id, std::nullopt,
                  CallFailed(CallFailed::Reason::CallError, err.error_code + ": " + err.description, err.error_code));
  }
  return std::nullopt;
}

asio::awaitable<void> Hub::handle_call(std::shared_ptr<Connection> conn, Call call) {
  const std::string& station_id = conn->context.station_id;  // conn is held by this frame
  // Same id, same action, same payload: a repeat. A reused id with anything else is new.
  const auto digest = ReplayCache::digest(call.action, call.payload);
  auto& station = station_of(*conn);
  auto found = station.replay.find(call.message_id, digest);
  if (auto* answer = std::get_if<std::string>(&found)) {
    spdlog::info("station {}: repeated {} {} answered from the replay cache", station_id, call.action,
                 call.message_id);
    ++stats_.replays;
    send(*conn, *answer);
    co_return;
  }
  if (auto* pending = std::get_if<std::shared_ptr<ReplayCache::Pending>>(&found)) {
    ++stats_.replays;
    auto answer = co_await ReplayCache::wait(*pending);
    send(*conn, std::move(answer));
    co_return;
  }
  auto pending = station.replay.begin(call.message_id, digest, conn->executor());
  count_action(call.action);

  std::string answer;
  bool keep = true;
  // While the boot is handled it counts towards admission control (released however the
  // handler ends, the coroutine destroyed at shutdown included).
  struct BootTicket {
    BootAdmission* admission = nullptr;
    std::uint64_t ticket = 0;
    ~BootTicket() {
      if (admission) admission->end(ticket);
    }
  } boot_ticket;
  try {
    if (!dispatcher_) throw CallError(ErrorCode::NotImplemented, "no handlers installed");
    std::optional<std::string> held;
    if (call.action == "BootNotification") {
      held = hold_boot(call, station_id);
      if (!held) {
        boot_ticket.admission = &boots_;
        boot_ticket.ticket = boots_.begin();
      }
    }
    if (held) {
      // Not kept in the replay cache: the station's retry is a new question.
      keep = false;
      answer = std::move(*held);
    } else {
      auto payload = co_await dispatcher_->handle(conn->context, call);
      answer = serialize(CallResult{call.message_id, std::move(payload)});
    }
  } catch (const CallError& e) {
    ++stats_.call_errors_sent;
    // InternalError says "this time it did not work": the station's retry must run again.
    keep = e.code() != ErrorCode::InternalError;
    answer = serialize_error(call.message_id, e.code(), e.description(), e.details());
  } catch (const std::exception& e) {
    // A handler bug or a database failure must not end the session: the station gets
    // InternalError and may retry.
    spdlog::error("station {}: {} failed: {}", station_id, call.action, e.what());
    ++stats_.call_errors_sent;
    keep = false;
    answer = serialize_error(call.message_id, ErrorCode::InternalError, "internal error");
  }
  // Map nodes are stable: `station` is still the entry, however stations_ grew meanwhile.
  station.replay.complete(pending, answer, keep);
  send(*conn, std::move(answer));
}

std::optional<std::string> Hub::hold_boot(const Call& call, const std::string& station_id) {
  std::optional<db::PoolStats> pool;
  if (pool_) pool = pool_->stats();
  auto interval = boots_.hold(pool ? &*pool : nullptr);
  if (!interval) return std::nullopt;
  // Thousands of these in a storm: the first and then every 1000th is logged.
  if (boots_.held() % 1000 == 1)
    spdlog::warn("station {}: BootNotification answered Pending for {} s: the database lags ({} boots in flight, "
                 "the oldest for {} ms; {} statements waiting for a connection; {} held so far)",
                 station_id, interval->count(), boots_.in_flight(), boots_.oldest_ms(), pool ? pool->waiting : 0,
                 boots_.held());
  BootNotificationConf conf;
  conf.status = RegistrationStatus::Pending;
  conf.currentTime = common::now();
  conf.interval = static_cast<int>(interval->count());
  nlohmann::json payload = conf;
  return serialize(CallResult{call.message_id, std::move(payload)});
}

void Hub::count_action(const std::string& action) {
  auto it = by_action_.find(action);
  if (it != by_action_.end()) {
    ++it->second;
  } else if (by_action_.size() < kMaxActionsCounted) {
    by_action_.emplace(action, 1);
  }
}

CentralSystem::Stats Hub::stats() const {
  auto s = stats_;
  s.connected = connected_;
  s.online = status_.online_count();
  s.refused_total_cap = connections_.refused_total_cap();
  s.refused_address_cap = connections_.refused_address_cap();
  const auto a = auth_.stats();
  s.auth_failures = a.failures;
  s.auth_throttled_station = a.throttled_station;
  s.auth_throttled_address = a.throttled_address;
  s.auth_queue_timeouts = a.queue_timeouts;
  s.boots_pending_admission = boots_.held();
  return s;
}

std::vector<std::pair<std::string, std::uint64_t>> Hub::messages_by_action() const {
  return {by_action_.begin(), by_action_.end()};
}

asio::awaitable<void> Hub::close_all() {
  for (auto& [id, st] : stations_)
    if (st.connection) st.connection->close(1001, "going away");
  // Bounded wait for the closing handshakes (each has its own timeout as well).
  asio::steady_timer wait(io_);
  for (int i = 0; i < 200 && connected_ > 0; ++i) {
    wait.expires_after(std::chrono::milliseconds(10));
    co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  // No CALL is handled any more: what the handlers hold behind goes to the database now.
  try {
    co_await dispatcher_->stop();
  } catch (const std::exception& e) {
    spdlog::warn("ocpp: connector states not written at shutdown: {}", e.what());
  }
}

}  // namespace evp::ocpp::detail
