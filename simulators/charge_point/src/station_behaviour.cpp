// Answers to central system -> station CALLs, the way a real station behaves: answer first,
// then act (RemoteStart answers Accepted and only then sends StartTransaction).
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "charge_point_impl.hpp"
#include "payload_fields.hpp"

namespace evp::sim {

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

std::string error_frame(const std::string& id, const CallErrorReply& e) {
  return Json::array({4, id, e.code(), e.description(), e.details().is_object() ? e.details() : Json::object()})
      .dump();
}

// Plain helpers: GCC 12 rejects string-literal ternaries and braced JSON inside coroutines
// ("array used as initializer").
std::string pick(bool cond, const char* yes, const char* no) { return cond ? yes : no; }
Json status_payload(const std::string& status) { return Json{{"status", status}}; }

}  // namespace

using detail::opt_int;
using detail::opt_string;
using detail::req_int;
using detail::req_string;
using detail::Then;

// The answer, decided synchronously (GCC 12 miscompiles brace-initialised JSON inside
// coroutines, and the decision needs no I/O anyway). Throws CallErrorReply.
detail::Decision ChargePoint::Impl::decide(const std::string& action, const Json& payload) {
  detail::Decision d;
  Json& conf = d.conf;
  Then& then = d.then;
  int& connector = d.connector;
  std::int64_t& tx_id = d.tx_id;
  std::string& text = d.text;
  std::optional<Json> hooked;
  if (hook_) hooked = hook_(action, payload);
  const std::string profile = detail::profile_of(action);
  if (hooked) {
    conf = std::move(*hooked);
  } else if (profile.empty() || !profiles_enabled_.contains(profile)) {
    throw CallErrorReply("NotImplemented",
                         "action " + action + " is not implemented by this station (" +
                             (profile.empty() ? std::string("not a central-system call") : profile + " profile off") +
                             ")",
                         {});
  } else if (decide_profiles(action, payload, d)) {
    // Firmware, Local Auth List, Reservation, Smart Charging (station_profiles.cpp)
  } else if (action == "RemoteStartTransaction") {
    text = req_string(payload, "idTag");
    // Free for this tag: no transaction, operative, not reserved for someone else.
    auto usable = [&](int c) {
      auto r = reservations_.find(c);
      return c >= 1 && c <= options_.connectors && !transactions_.contains(c) && !unavailable_.contains(c) &&
             !unavailable_.contains(0) && (r == reservations_.end() || detail::fold(r->second.id_tag) == detail::fold(text));
    };
    auto requested = opt_int(payload, "connectorId");
    if (requested) {
      connector = static_cast<int>(*requested);
    } else {
      for (int c = 1; c <= options_.connectors; ++c)
        if (usable(c)) {
          connector = c;
          break;
        }
    }
    bool ok = usable(connector);
    if (payload.contains("chargingProfile")) {
      // Only a TxProfile, and only from a station that does smart charging (§5.11).
      d.extra = payload["chargingProfile"];
      ok = ok && profiles_enabled_.contains("SmartCharging") && detail::ChargingProfiles::well_formed(d.extra) &&
           d.extra.value("chargingProfilePurpose", "") == "TxProfile";
    }
    conf = {{"status", ok ? "Accepted" : "Rejected"}};
    if (ok) then = Then::RemoteStart;
  } else if (action == "RemoteStopTransaction") {
    tx_id = req_int(payload, "transactionId");
    bool known = false;
    for (auto& [c, t] : transactions_) known = known || t.id == tx_id;
    conf = {{"status", known ? "Accepted" : "Rejected"}};
    if (known) then = Then::RemoteStop;
  } else if (action == "Reset") {
    text = req_string(payload, "type");
    if (text != "Soft" && text != "Hard")
      throw CallErrorReply("PropertyConstraintViolation", "type must be Soft or Hard", {});
    conf = {{"status", "Accepted"}};
    then = Then::Reset;
  } else if (action == "ChangeAvailability") {
    connector = static_cast<int>(req_int(payload, "connectorId"));
    text = req_string(payload, "type");
    if (text != "Operative" && text != "Inoperative")
      throw CallErrorReply("PropertyConstraintViolation", "type must be Operative or Inoperative", {});
    if (connector < 0 || connector > options_.connectors) {
      conf = {{"status", "Rejected"}};
    } else {
      bool busy = false;
      for (auto& [c, t] : transactions_) busy = busy || connector == 0 || c == connector;
      // A station finishes a running transaction before going Inoperative.
      conf = {{"status", busy && text == "Inoperative" ? "Scheduled" : "Accepted"}};
      then = Then::Availability;
    }
  } else if (action == "ChangeConfiguration") {
    const auto key = req_string(payload, "key");
    const auto value = req_string(payload, "value");
    conf = {{"status", config_.change(key, value)}};
    if (key == "HeartbeatInterval" && conf["status"] == "Accepted" && options_.auto_heartbeat && connected_)
      start_heartbeats(config_.get_int("HeartbeatInterval", 300));
  } else if (action == "GetConfiguration") {
    std::vector<std::string> keys;
    if (payload.is_object() && payload.contains("key")) {
      if (!payload["key"].is_array()) throw CallErrorReply("TypeConstraintViolation", "key must be an array", {});
      for (const auto& k : payload["key"]) {
        if (!k.is_string()) throw CallErrorReply("TypeConstraintViolation", "key entries must be strings", {});
        keys.push_back(k.get<std::string>());
      }
    }
    conf = config_.describe(keys);
  } else if (action == "UnlockConnector") {
    connector = static_cast<int>(req_int(payload, "connectorId"));
    const bool ok = connector >= 1 && connector <= options_.connectors;
    conf = {{"status", ok ? "Unlocked" : "NotSupported"}};
    if (ok) then = Then::Unlock;
  } else if (action == "TriggerMessage") {
    text = req_string(payload, "requestedMessage");
    connector = static_cast<int>(opt_int(payload, "connectorId").value_or(-1));
    static const std::set<std::string> kinds{"BootNotification",         "DiagnosticsStatusNotification",
                                             "FirmwareStatusNotification", "Heartbeat",
                                             "MeterValues",              "StatusNotification"};
    if (!kinds.contains(text)) {
      conf = {{"status", "NotImplemented"}};  // a message this station cannot send on request
    } else if (connector > options_.connectors || connector < -1) {
      conf = {{"status", "Rejected"}};
    } else {
      conf = {{"status", "Accepted"}};
      then = Then::Trigger;
    }
  } else if (action == "ClearCache") {
    auth_cache_.clear();  // the Local Authorization List is not the cache: it stays
    conf = {{"status", "Accepted"}};
  } else if (action == "DataTransfer") {
    const auto vendor = req_string(payload, "vendorId");
    if (vendor == options_.vendor) {
      conf = {{"status", "Accepted"}};
      if (payload.contains("data")) conf["data"] = payload["data"];
    } else {
      conf = {{"status", "UnknownVendorId"}};
    }
  } else {
    throw CallErrorReply("NotImplemented", "action " + action + " is not implemented by the simulator", {});
  }
  return d;
}

asio::awaitable<void> ChargePoint::Impl::handle_call(std::shared_ptr<Impl> keep, std::string id, std::string action,
                                                     Json payload) {
  ++metrics_.calls_received[action];
  metrics_.last_received[action] = payload;
  for (auto& w : call_watchers_) w->cancel();

  detail::Decision d;
  try {
    d = decide(action, payload);
  } catch (const CallErrorReply& e) {
    send_frame(error_frame(id, e));
    co_return;
  }
  if (auto delay = options_.answer_delay.find(action); delay != options_.answer_delay.end()) {
    asio::steady_timer slow(executor_);
    slow.expires_after(delay->second);
    co_await slow.async_wait(tuple_awaitable);
  }
  send_frame(Json::array({3, id, d.conf}).dump());
  const Then then = d.then;
  const int connector = d.connector;
  const std::int64_t tx_id = d.tx_id;
  const std::string text = d.text;

  try {
    switch (then) {
      case Then::Nothing:
        break;
      case Then::RemoteStart: {
        co_await status(connector, "Preparing", "NoError", {}, {});
        const auto meter = meter_wh_[connector];
        const auto tx = co_await start_transaction(connector, text, meter, true);
        if (d.extra.is_object()) {
          Json profile = d.extra;
          profile["transactionId"] = tx;
          charging_profiles_.set(connector, profile, options_.connectors, running_for_profiles(), config_,
                                 std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
        }
        const Json& info = metrics_.last_result["StartTransaction"]["idTagInfo"];
        if (info.value("status", "") != "Accepted") {
          // The central system refused the tag: a station ends the transaction at once.
          co_await stop_transaction(tx, meter, "DeAuthorized", {});
          const std::string after = idle_status(connector);
          co_await status(connector, after, "NoError", {}, {});
          break;
        }
        co_await status(connector, "Charging", "NoError", {}, {});
        if (options_.auto_meter_values) start_meter_loop(tx);
        break;
      }
      case Then::RemoteStop:
      case Then::Unlock: {
        for (auto& [c, t] : transactions_) {
          if ((then == Then::RemoteStop && t.id == tx_id) || (then == Then::Unlock && c == connector)) {
            const auto tx = t.id;
            const int at = c;
            const auto meter = t.meter_now;
            co_await stop_transaction(tx, meter, pick(then == Then::RemoteStop, "Remote", "UnlockCommand"), {});
            const std::string after = idle_status(at);  // Unavailable when a change was Scheduled
            co_await status(at, after, "NoError", {}, {});
            break;
          }
        }
        break;
      }
      case Then::Reset:
        co_await reset_and_reconnect(keep, text);
        break;
      case Then::Availability: {
        // Connector 0 is the whole charge point: it and every connector change.
        for (int c = 0; c <= options_.connectors; ++c) {
          if (connector != 0 && c != connector) continue;
          if (text == "Inoperative")
            unavailable_.insert(c);
          else
            unavailable_.erase(c);
        }
        for (int c = 0; c <= options_.connectors; ++c) {
          if (connector != 0 && c != connector) continue;
          // A connector with a transaction changes when the transaction ends (Scheduled).
          if (transactions_.contains(c)) continue;
          const std::string st = idle_status(c);
          co_await status(c, st, "NoError", {}, {});
        }
        break;
      }
      case Then::Firmware:
        co_await run_firmware_update(keep, text, d.extra);
        break;
      case Then::Diagnostics:
        co_await run_diagnostics(keep, text);
        break;
      case Then::Reserved: {
        arm_reservation_expiry(connector);
        if (tx_id >= 0 && !transactions_.contains(static_cast<int>(tx_id))) {
          const int freed = static_cast<int>(tx_id);
          const std::string st = idle_status(freed);
          co_await status(freed, st, "NoError", {}, {});
        }
        co_await status(connector, "Reserved", "NoError", {}, {});
        break;
      }
      case Then::Unreserved: {
        if (transactions_.contains(connector)) break;
        const std::string st = idle_status(connector);
        co_await status(connector, st, "NoError", {}, {});
        break;
      }
      case Then::Trigger: {
        if (text == "BootNotification") {
          co_await boot();
        } else if (text == "Heartbeat") {
          co_await call("Heartbeat", Json::object(), {});
        } else if (text == "DiagnosticsStatusNotification") {
          // What is in progress now; Idle when nothing is (§4.4, §4.5).
          const Json payload = status_payload(diagnostics_status_.c_str());
          co_await call("DiagnosticsStatusNotification", payload, {});
        } else if (text == "FirmwareStatusNotification") {
          const Json payload = status_payload(firmware_status_.c_str());
          co_await call("FirmwareStatusNotification", payload, {});
        } else {
          const int first = connector >= 0 ? connector : (text == "StatusNotification" ? 0 : 1);
          const int last = connector >= 0 ? connector : options_.connectors;
          for (int c = first; c <= last; ++c) {
            if (text == "StatusNotification") {
              auto it = connector_status_.find(c);
              std::string st = it == connector_status_.end() ? idle_status(c) : it->second;
              co_await status(c, st, "NoError", {}, {});
            } else {
              std::optional<std::int64_t> tx;
              std::int64_t wh = meter_wh_[c];
              if (auto it = transactions_.find(c); it != transactions_.end()) {
                tx = it->second.id;
                wh = std::max(wh, it->second.meter_now);
              }
              co_await meter_values(c, tx, wh, "Trigger");
            }
          }
        }
        break;
      }
    }
  } catch (const std::exception& e) {
    spdlog::warn("[{}] after {}: {}", options_.id, action, e.what());
  }
}

asio::awaitable<void> ChargePoint::Impl::reset_and_reconnect(std::shared_ptr<Impl> keep, std::string type) {
  spdlog::info("[{}] {} reset: stopping transactions and reconnecting", options_.id, type);
  // Give the writer a moment to flush the Reset answer before the socket goes away.
  asio::steady_timer pause(executor_);
  pause.expires_after(std::chrono::milliseconds(100));
  co_await pause.async_wait(tuple_awaitable);
  while (!transactions_.empty()) {
    const auto t = transactions_.begin()->second;
    co_await stop_transaction(t.id, t.meter_now, pick(type == "Hard", "HardReset", "SoftReset"), {});
  }
  co_await close();
  for (int attempt = 1; attempt <= 10 && !connected_ && !closed_by_owner_; ++attempt) {
    pause.expires_after(std::chrono::milliseconds(500));
    co_await pause.async_wait(tuple_awaitable);
    if (closed_by_owner_) break;
    try {
      co_await connect();
    } catch (const std::exception& e) {
      spdlog::warn("[{}] reconnect attempt {}: {}", options_.id, attempt, e.what());
    }
  }
  if (connected_ && closed_by_owner_) co_await close();  // closed while the reconnect was under way
  if (!connected_) co_return;
  co_await boot();
  // Availability, reservations and charging profiles survive a reboot (§5.2, §5.13, §3.13).
  for (int c = 1; c <= options_.connectors; ++c) {
    const std::string st = idle_status(c);
    co_await status(c, st, "NoError", {}, {});
  }
}

}  // namespace evp::sim
