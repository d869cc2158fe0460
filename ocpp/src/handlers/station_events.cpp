// The station_events helper of the handlers and the conversions to the charging module.
#include "handlers/context.hpp"

namespace evp::ocpp::handlers {

asio::awaitable<void> record_event(db::Connection& c, std::string_view station_id, std::string_view kind,
                                   const nlohmann::json& detail) {
  db::Params params1 = args(db::param(station_id), db::param(kind), db::param(detail.dump()));
  co_await c.query("INSERT INTO station_events (station_id, kind, detail) VALUES ($1, $2, $3::jsonb)",
                   std::move(params1));
}

IdTagInfo id_tag_info(const charging::Authorization& a) {
  IdTagInfo info;
  switch (a.status) {
    case charging::TagStatus::Accepted: info.status = AuthorizationStatus::Accepted; break;
    case charging::TagStatus::Blocked: info.status = AuthorizationStatus::Blocked; break;
    case charging::TagStatus::Expired: info.status = AuthorizationStatus::Expired; break;
    case charging::TagStatus::Invalid: info.status = AuthorizationStatus::Invalid; break;
    case charging::TagStatus::ConcurrentTx: info.status = AuthorizationStatus::ConcurrentTx; break;
  }
  info.expiryDate = a.expiry;
  if (a.parent_id_tag) info.parentIdTag = CiString<20>(*a.parent_id_tag);
  return info;
}

}  // namespace evp::ocpp::handlers
