// Which stations may connect: the stations table, auto-registration and Basic auth.
#include <spdlog/spdlog.h>

#include "server/handshake.hpp"
#include "server/hub.hpp"

namespace evp::ocpp::detail {

asio::awaitable<Admission> Hub::admit(const std::string& station_id, const std::string& authorization,
                                      std::string remote_address, const std::string& source) {
  Admission out;
  out.context.station_id = station_id;
  out.context.remote_address = std::move(remote_address);
  if (!pool_) co_return out;  // unit tests without a database admit everyone

  auto credentials = parse_basic_auth(authorization);
  db::Param password = credentials ? db::Param(credentials->password) : db::null();
  // A station id or an address that keeps failing is refused before its password costs a
  // bcrypt round in the database; a station that knows its password never gets here.
  if (credentials) {
    if (auto wait = auth_.throttled(station_id, source); wait > 0) {
      out.status = 429;
      out.reason = "too many failed logins, try again later";
      out.retry_after = wait;
      co_return out;
    }
  }
  std::optional<AuthGuard::Permit> permit;
  if (credentials) {
    permit = co_await auth_.enter(std::chrono::duration_cast<std::chrono::milliseconds>(config_.handshake_timeout));
    if (!permit) {
      out.status = 503;
      out.reason = "too many logins at once, try again";
      out.retry_after = 5;
      co_return out;
    }
  }
  try {
    // One round trip; the password is checked by pgcrypto in the database, so the hash
    // never travels and the comparison is not ours to get wrong.
    auto r = co_await pool_->query(
        "SELECT registration_status, password_hash IS NOT NULL,"
        " COALESCE(password_hash = crypt($2, password_hash), false)"
        " FROM stations WHERE id = $1",
        db::params(station_id, password));
    if (r.empty()) {
      if (config_.auto_register == AutoRegister::Off) {
        out.status = 404;
        out.reason = "unknown station";
        co_return out;
      }
      const bool accept = config_.auto_register == AutoRegister::Accept;
      co_await pool_->query(
          "INSERT INTO stations (id, registration_status) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
          db::params(station_id, accept ? "Accepted" : "Pending"));
      spdlog::info("station {}: auto-registered as {}", station_id, accept ? "Accepted" : "Pending");
      out.context.registered = false;
      out.context.accepted = accept;
      co_return out;
    }
    const auto registration = r.get(0, 0);
    if (registration == "Rejected") {
      out.status = 403;
      out.reason = "station registration is Rejected";
      co_return out;
    }
    if (r.get_bool(0, 1)) {
      if (!credentials) {
        out.status = 401;
        out.reason = "Basic credentials required";
        co_return out;
      }
      if (credentials->user != station_id || !r.get_bool(0, 2)) {
        auth_.failed(station_id, source);
        out.status = 401;
        out.reason = "wrong user or password";
        co_return out;
      }
      auth_.succeeded(station_id);
    }
    out.context.registered = true;
    out.context.accepted = registration == "Accepted";
  } catch (const std::exception& e) {
    spdlog::error("station {}: lookup failed: {}", station_id, e.what());
    out.status = 503;
    out.reason = "database unavailable";
  }
  co_return out;
}

}  // namespace evp::ocpp::detail
