// The answers of the optional OCPP 1.6 feature profiles, as a real station gives them:
// Firmware Management (UpdateFirmware, GetDiagnostics and the status notifications that
// follow), Local Auth List Management (SendLocalList, GetLocalListVersion), Reservation
// (ReserveNow, CancelReservation) and Smart Charging (Set/ClearChargingProfile,
// GetCompositeSchedule).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>

#include "charge_point_impl.hpp"
#include "common/time.hpp"
#include "payload_fields.hpp"

namespace evp::sim {

namespace {
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

using detail::opt_int;
using detail::opt_string;
using detail::req_int;
using detail::req_string;
using detail::Then;

Json status_payload(const std::string& status) { return Json{{"status", status}}; }
Json with_info(const Json& info) { return Json{{"idTagInfo", info}}; }
Json authorize_req(const std::string& id_tag) { return Json{{"idTag", id_tag}}; }

detail::SysTime sys_now() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

// Transfers the simulated station can make (OCPP 1.6 §5.9: FTP(S) or HTTP(S)).
bool reachable_location(const std::string& location) {
  for (const char* scheme : {"ftp://", "ftps://", "http://", "https://"})
    if (location.rfind(scheme, 0) == 0 && location.size() > std::string(scheme).size()) return true;
  return false;
}

bool expired(const Json& info) {
  if (!info.contains("expiryDate") || !info["expiryDate"].is_string()) return false;
  auto t = common::parse_datetime(info["expiryDate"].get<std::string>());
  return t && *t <= common::now();
}
}  // namespace

namespace detail {

std::string profile_of(const std::string& action) {
  static const std::map<std::string, std::string> profiles{
      {"ChangeAvailability", "Core"},
      {"ChangeConfiguration", "Core"},
      {"ClearCache", "Core"},
      {"DataTransfer", "Core"},
      {"GetConfiguration", "Core"},
      {"RemoteStartTransaction", "Core"},
      {"RemoteStopTransaction", "Core"},
      {"Reset", "Core"},
      {"UnlockConnector", "Core"},
      {"GetDiagnostics", "FirmwareManagement"},
      {"UpdateFirmware", "FirmwareManagement"},
      {"GetLocalListVersion", "LocalAuthListManagement"},
      {"SendLocalList", "LocalAuthListManagement"},
      {"CancelReservation", "Reservation"},
      {"ReserveNow", "Reservation"},
      {"ClearChargingProfile", "SmartCharging"},
      {"GetCompositeSchedule", "SmartCharging"},
      {"SetChargingProfile", "SmartCharging"},
      {"TriggerMessage", "RemoteTrigger"},
  };
  auto it = profiles.find(action);
  return it == profiles.end() ? std::string() : it->second;
}

std::string fold(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace detail

bool ChargePoint::Impl::decide_profiles(const std::string& action, const Json& payload, detail::Decision& d) {
  Json& conf = d.conf;
  if (action == "UpdateFirmware") {
    d.text = req_string(payload, "location");
    d.extra = req_string(payload, "retrieveDate");
    conf = Json::object();
    d.then = Then::Firmware;
  } else if (action == "GetDiagnostics") {
    d.text = req_string(payload, "location");
    std::string stamp = now_text();
    std::erase_if(stamp, [](char c) { return c == '-' || c == ':' || c == '.'; });
    conf = {{"fileName", options_.id + "-" + stamp.substr(0, 15) + ".log"}};
    d.then = Then::Diagnostics;
  } else if (action == "GetLocalListVersion") {
    conf = {{"listVersion", local_list_.empty() ? 0 : local_list_version_}};  // 0: the list is empty
  } else if (action == "SendLocalList") {
    const auto version = req_int(payload, "listVersion");
    const auto type = req_string(payload, "updateType");
    const Json list = payload.value("localAuthorizationList", Json::array());
    std::string status = "Accepted";
    std::set<std::string> seen;
    bool valid = list.is_array() && static_cast<int>(list.size()) <= config_.get_int("SendLocalListMaxLength", 100);
    for (const auto& item : list) {
      valid = valid && item.is_object() && item.contains("idTag") && item["idTag"].is_string() &&
              seen.insert(detail::fold(item["idTag"].get<std::string>())).second;
      // A full list gives every entry's idTagInfo; a differential one removes those without.
      valid = valid && (type != "Full" || item.contains("idTagInfo"));
    }
    if (!config_.get_bool("LocalAuthListEnabled", true)) {
      status = "NotSupported";
    } else if (version <= 0 || !valid) {
      status = "Failed";  // 0 and -1 have their own meaning in GetLocalListVersion
    } else if (type == "Differential" && version <= local_list_version_) {
      status = "VersionMismatch";  // a difference to a list this station does not have
    } else {
      auto next = type == "Full" ? std::map<std::string, detail::AuthEntry>{} : local_list_;
      for (const auto& item : list) {
        const std::string tag = item["idTag"].get<std::string>();
        if (item.contains("idTagInfo"))
          next[detail::fold(tag)] = detail::AuthEntry{tag, item["idTagInfo"]};
        else
          next.erase(detail::fold(tag));
      }
      if (static_cast<int>(next.size()) > config_.get_int("LocalAuthListMaxLength", 100)) {
        status = "Failed";
      } else {
        local_list_ = std::move(next);
        local_list_version_ = static_cast<int>(version);
      }
    }
    conf = {{"status", status}};
  } else if (action == "ReserveNow") {
    const int connector = static_cast<int>(req_int(payload, "connectorId"));
    const auto id = req_int(payload, "reservationId");
    const auto tag = req_string(payload, "idTag");
    const auto expiry = req_string(payload, "expiryDate");
    d.connector = connector;
    // The same reservationId again replaces that reservation (§5.13).
    int replacing = -1;
    for (const auto& [c, r] : reservations_)
      if (r.id == id) replacing = c;
    std::string status;
    const auto at = connector_status_.find(connector);
    const std::string now_status = at == connector_status_.end() ? "Available" : at->second;
    if (connector < 0 || connector > options_.connectors ||
        (connector == 0 && !config_.get_bool("ReserveConnectorZeroSupported", false))) {
      status = "Rejected";
    } else if (!common::parse_datetime(expiry) || *common::parse_datetime(expiry) <= common::now()) {
      status = "Rejected";
    } else if (unavailable_.contains(connector) || unavailable_.contains(0)) {
      status = "Unavailable";
    } else if (now_status == "Faulted") {
      status = "Faulted";
    } else if (transactions_.contains(connector) ||
               (reservations_.contains(connector) && reservations_[connector].id != id)) {
      status = "Occupied";
    } else {
      status = "Accepted";
    }
    if (status == "Accepted") {
      if (replacing >= 0 && replacing != connector) {
        if (reservations_[replacing].timer) reservations_[replacing].timer->cancel();
        reservations_.erase(replacing);
      }
      if (auto old = reservations_.find(connector); old != reservations_.end() && old->second.timer)
        old->second.timer->cancel();
      detail::Reservation r;
      r.id = id;
      r.id_tag = tag;
      r.parent_id_tag = opt_string(payload, "parentIdTag").value_or("");
      r.expiry = expiry;
      reservations_[connector] = std::move(r);
      d.then = Then::Reserved;
      d.tx_id = replacing >= 0 && replacing != connector ? replacing : -1;  // a connector freed by the move
    }
    conf = {{"status", status}};
  } else if (action == "CancelReservation") {
    const auto id = req_int(payload, "reservationId");
    conf = {{"status", "Rejected"}};
    for (auto& [c, r] : reservations_) {
      if (r.id != id) continue;
      if (r.timer) r.timer->cancel();
      d.connector = c;
      reservations_.erase(c);
      conf = {{"status", "Accepted"}};
      d.then = Then::Unreserved;
      break;
    }
  } else if (action == "SetChargingProfile") {
    const int connector = static_cast<int>(req_int(payload, "connectorId"));
    const Json& profile = detail::field(payload, "csChargingProfiles");
    if (!detail::ChargingProfiles::well_formed(profile))
      throw CallErrorReply("FormationViolation", "csChargingProfiles is not a ChargingProfile", {});
    conf = {{"status", charging_profiles_.set(connector, profile, options_.connectors, running_for_profiles(), config_,
                                              sys_now())}};
  } else if (action == "ClearChargingProfile") {
    std::optional<int> connector, stack;
    if (auto c = opt_int(payload, "connectorId")) connector = static_cast<int>(*c);
    if (auto l = opt_int(payload, "stackLevel")) stack = static_cast<int>(*l);
    const auto removed =
        charging_profiles_.clear(opt_int(payload, "id"), connector, opt_string(payload, "chargingProfilePurpose"), stack);
    conf = {{"status", removed > 0 ? "Accepted" : "Unknown"}};
  } else if (action == "GetCompositeSchedule") {
    const int connector = static_cast<int>(req_int(payload, "connectorId"));
    const int duration = static_cast<int>(req_int(payload, "duration"));
    if (connector < 0 || connector > options_.connectors) {
      conf = {{"status", "Rejected"}};
    } else {
      conf = charging_profiles_.composite(connector, duration, opt_string(payload, "chargingRateUnit"),
                                          running_for_profiles(), sys_now());
    }
  } else {
    return false;
  }
  return true;
}

std::map<int, detail::RunningTx> ChargePoint::Impl::running_for_profiles() const {
  std::map<int, detail::RunningTx> out;
  for (const auto& [c, t] : transactions_) {
    auto started = tx_started_.find(c);
    out[c] = detail::RunningTx{t.id, started == tx_started_.end() ? sys_now() : started->second};
  }
  return out;
}

std::string ChargePoint::Impl::idle_status(int connector) const {
  if (unavailable_.contains(connector) || (connector > 0 && unavailable_.contains(0))) return "Unavailable";
  if (reservations_.contains(connector)) return "Reserved";
  return "Available";
}

std::optional<Json> ChargePoint::Impl::local_auth(const std::string& id_tag) const {
  const std::string key = detail::fold(id_tag);
  Json info;
  if (auto it = local_list_.find(key); it != local_list_.end() && config_.get_bool("LocalAuthListEnabled", true)) {
    info = it->second.info;
  } else if (auto c = auth_cache_.find(key);
             c != auth_cache_.end() && config_.get_bool("AuthorizationCacheEnabled", true)) {
    info = c->second.info;
  } else {
    return std::nullopt;
  }
  if (info.value("status", "") == "Accepted" && expired(info)) info["status"] = "Expired";
  return info;
}

void ChargePoint::Impl::remember_auth(const std::string& id_tag, const Json& info) {
  if (!config_.get_bool("AuthorizationCacheEnabled", true) || !info.is_object()) return;
  auth_cache_[detail::fold(id_tag)] = detail::AuthEntry{id_tag, info};
}

asio::awaitable<Json> ChargePoint::Impl::authorize(std::string id_tag) {
  if (!connected_) {
    // Offline (§3.3): the local list, then the cache; an unknown tag is not let in.
    std::optional<Json> info;
    if (config_.get_bool("LocalAuthorizeOffline", true)) info = local_auth(id_tag);
    if (!info) info = status_payload("Invalid");
    Json out = with_info(*info);
    co_return out;
  }
  Json req = authorize_req(id_tag);
  Json conf = co_await call("Authorize", std::move(req), {});
  if (conf.contains("idTagInfo")) remember_auth(id_tag, conf["idTagInfo"]);
  co_return conf;
}

void ChargePoint::Impl::arm_reservation_expiry(int connector) {
  auto it = reservations_.find(connector);
  if (it == reservations_.end()) return;
  auto until = common::parse_datetime(it->second.expiry);
  auto timer = std::make_shared<asio::steady_timer>(executor_);
  it->second.timer = timer;
  const auto left = until ? *until - common::now() : std::chrono::milliseconds(0);
  timer->expires_after(std::max(left, decltype(left)::zero()));
  const auto id = it->second.id;
  asio::co_spawn(
      executor_,
      [](std::shared_ptr<Impl> self, std::shared_ptr<asio::steady_timer> timer, int connector,
         std::int64_t id) -> asio::awaitable<void> {
        auto [ec] = co_await timer->async_wait(tuple_awaitable);
        auto r = self->reservations_.find(connector);
        if (ec || r == self->reservations_.end() || r->second.id != id || self->stopping_) co_return;
        spdlog::info("[{}] reservation {} on connector {} expired", self->options_.id, id, connector);
        self->reservations_.erase(r);
        if (self->transactions_.contains(connector) || !self->connected_) co_return;
        const std::string st = self->idle_status(connector);
        try {
          co_await self->status(connector, st, "NoError", {}, {});
        } catch (const std::exception& e) {
          spdlog::warn("[{}] reservation expiry: {}", self->options_.id, e.what());
        }
      }(shared_from_this(), timer, connector, id),
      asio::detached);
}

asio::awaitable<void> ChargePoint::Impl::run_firmware_update(std::shared_ptr<Impl> keep, std::string location,
                                                             Json retrieve_date) {
  asio::steady_timer wait(executor_);
  // The download starts at retrieveDate (at once when that has passed).
  if (auto at = common::parse_datetime(retrieve_date.get<std::string>()); at && *at > common::now()) {
    wait.expires_after(*at - common::now());
    co_await wait.async_wait(tuple_awaitable);
    if (stopping_) co_return;
  }
  auto step = [&](const char* st) -> asio::awaitable<void> {
    firmware_status_ = st;
    const Json payload = status_payload(st);
    co_await call("FirmwareStatusNotification", payload, {});
  };
  auto pause = [&]() -> asio::awaitable<void> {
    wait.expires_after(options_.firmware_step);
    co_await wait.async_wait(tuple_awaitable);
    if (stopping_) throw std::runtime_error("the station stopped");
  };
  co_await step("Downloading");
  co_await pause();
  if (!reachable_location(location)) {
    co_await step("DownloadFailed");
    firmware_status_ = "Idle";
    co_return;
  }
  co_await step("Downloaded");
  co_await pause();
  co_await step("Installing");
  co_await pause();
  co_await step("Installed");
  firmware_status_ = "Idle";  // nothing in progress any more: a TriggerMessage hears Idle
}

asio::awaitable<void> ChargePoint::Impl::run_diagnostics(std::shared_ptr<Impl> keep, std::string location) {
  asio::steady_timer wait(executor_);
  diagnostics_status_ = "Uploading";
  Json payload = status_payload("Uploading");
  co_await call("DiagnosticsStatusNotification", payload, {});
  wait.expires_after(options_.diagnostics_step);
  co_await wait.async_wait(tuple_awaitable);
  const std::string result = reachable_location(location) ? "Uploaded" : "UploadFailed";
  diagnostics_status_ = "Idle";
  payload = status_payload(result);
  co_await call("DiagnosticsStatusNotification", payload, {});
}

// ---------------------------------------------------------------- public API forwarding

int ChargePoint::local_list_version() const { return impl_->local_list_.empty() ? 0 : impl_->local_list_version_; }
std::map<std::string, Json> ChargePoint::local_list() const {
  std::map<std::string, Json> out;
  for (const auto& [k, e] : impl_->local_list_) out[e.id_tag] = e.info;
  return out;
}
std::map<int, Json> ChargePoint::reservations() const {
  std::map<int, Json> out;
  for (const auto& [c, r] : impl_->reservations_) {
    Json j{{"reservationId", r.id}, {"idTag", r.id_tag}, {"expiryDate", r.expiry}};
    if (!r.parent_id_tag.empty()) j["parentIdTag"] = r.parent_id_tag;
    out[c] = std::move(j);
  }
  return out;
}
std::vector<Json> ChargePoint::charging_profiles() const {
  std::vector<Json> out;
  for (const auto& p : impl_->charging_profiles_.installed())
    out.push_back(Json{{"connectorId", p.connector}, {"csChargingProfiles", p.profile}});
  return out;
}
std::string ChargePoint::connector_status(int connector) const {
  auto it = impl_->connector_status_.find(connector);
  return it == impl_->connector_status_.end() ? std::string() : it->second;
}

}  // namespace evp::sim
