// BootNotification and Heartbeat.
#include <spdlog/spdlog.h>

#include "handlers/context.hpp"
#include "handlers/live.hpp"

namespace evp::ocpp::handlers {
namespace {

db::Param opt(const auto& v) { return v ? db::param(v->str()) : db::null(); }

constexpr const char* kFields =
    "vendor = $2, model = $3, serial_number = $4, charge_box_serial_number = $5, firmware_version = $6, "
    "iccid = $7, imsi = $8, meter_type = $9, meter_serial_number = $10, last_boot_at = now(), updated_at = now()";

}  // namespace

asio::awaitable<BootNotificationConf> boot_notification(Context& ctx, detail::StationContext& station,
                                                        const BootNotificationReq& req) {
  // One read when the station has a row (the usual case: the handshake found or created
  // it): the registration status, which an operator may have changed since the last boot.
  // The boot's facts are written behind, in batches (boot_facts.hpp).
  auto known = co_await ctx.pool.query("SELECT registration_status FROM stations WHERE id = $1",
                                       args(db::param(station.station_id)));
  std::optional<std::string> registration;
  if (!known.empty()) {
    registration = std::string(known.get(0, 0));
    BootFactsRow row;
    row.station_id = station.station_id;
    row.vendor = req.chargePointVendor.str();
    row.model = req.chargePointModel.str();
    row.serial_number = opt(req.chargePointSerialNumber);
    row.charge_box_serial_number = opt(req.chargeBoxSerialNumber);
    row.firmware_version = opt(req.firmwareVersion);
    row.iccid = opt(req.iccid);
    row.imsi = opt(req.imsi);
    row.meter_type = opt(req.meterType);
    row.meter_serial_number = opt(req.meterSerialNumber);
    row.at = common::now();
    auto executor = co_await asio::this_coro::executor;
    ctx.boots.put(executor, std::move(row));
  } else if (ctx.config.auto_register != AutoRegister::Off) {
    // No row (deleted since the handshake): with auto-registration the station gets one
    // (Accepted or Pending as configured), with its facts, before the answer.
    std::string initial = ctx.config.auto_register == AutoRegister::Pending ? "Pending" : "Accepted";
    db::Params params{db::param(station.station_id),
                      db::param(req.chargePointVendor.str()),
                      db::param(req.chargePointModel.str()),
                      opt(req.chargePointSerialNumber),
                      opt(req.chargeBoxSerialNumber),
                      opt(req.firmwareVersion),
                      opt(req.iccid),
                      opt(req.imsi),
                      opt(req.meterType),
                      opt(req.meterSerialNumber),
                      db::param(initial)};
    const std::string sql = std::string(
                                "INSERT INTO stations (id, vendor, model, serial_number, charge_box_serial_number, "
                                "firmware_version, iccid, imsi, meter_type, meter_serial_number, registration_status, "
                                "last_boot_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now()) "
                                "ON CONFLICT (id) DO UPDATE SET ") +
                            kFields + " RETURNING registration_status";
    auto r = co_await ctx.pool.query(sql, std::move(params));
    if (!r.empty()) registration = std::string(r.get(0, 0));
  }
  // Without auto-registration the transport refuses unknown stations, so a missing row
  // means Rejected.
  BootNotificationConf conf;
  conf.status = registration ? from_string<RegistrationStatus>(*registration).value_or(RegistrationStatus::Rejected)
                             : RegistrationStatus::Rejected;
  conf.currentTime = common::now();
  conf.interval =
      static_cast<int>(conf.status == RegistrationStatus::Accepted ? ctx.config.heartbeat_interval.count()
                                                                   : ctx.options.boot_retry_interval.count());
  station.accepted = conf.status == RegistrationStatus::Accepted;
  station.registered = station.registered || registration.has_value();
  spdlog::info("{}: BootNotification {} {} fw {} -> {}", station.station_id, req.chargePointVendor.str(),
               req.chargePointModel.str(), req.firmwareVersion ? req.firmwareVersion->str() : "-",
               to_string(conf.status));
  live_boot(ctx, station, req, conf);
  co_return conf;
}

asio::awaitable<HeartbeatConf> heartbeat(Context&, detail::StationContext&, const HeartbeatReq&) {
  // No database write: the transport records last-seen in memory and flushes it in batches.
  co_return HeartbeatConf{.currentTime = common::now()};
}

}  // namespace evp::ocpp::handlers
