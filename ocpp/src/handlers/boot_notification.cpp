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
  // With auto-registration an unknown station gets a row (Accepted or Pending as configured);
  // without it the transport refuses unknown stations, so a missing row means Rejected.
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
                    opt(req.meterSerialNumber)};
  std::string sql;
  if (ctx.config.auto_register == AutoRegister::Off) {
    sql = std::string("UPDATE stations SET ") + kFields + " WHERE id = $1 RETURNING registration_status";
  } else {
    params.push_back(db::param(initial));
    sql = std::string(
              "INSERT INTO stations (id, vendor, model, serial_number, charge_box_serial_number, firmware_version, "
              "iccid, imsi, meter_type, meter_serial_number, registration_status, last_boot_at) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now()) ON CONFLICT (id) DO UPDATE SET ") +
          kFields + " RETURNING registration_status";
  }
  auto r = co_await ctx.pool.query(sql, std::move(params));
  BootNotificationConf conf;
  conf.status = r.empty() ? RegistrationStatus::Rejected
                          : from_string<RegistrationStatus>(r.get(0, 0)).value_or(RegistrationStatus::Rejected);
  conf.currentTime = common::now();
  conf.interval =
      static_cast<int>(conf.status == RegistrationStatus::Accepted ? ctx.config.heartbeat_interval.count()
                                                                   : ctx.options.boot_retry_interval.count());
  station.accepted = conf.status == RegistrationStatus::Accepted;
  station.registered = station.registered || !r.empty();
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
