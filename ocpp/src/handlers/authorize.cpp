// Authorize: the id tag's status as the charging module knows it.
#include <spdlog/spdlog.h>

#include "handlers/context.hpp"

namespace evp::ocpp::handlers {

asio::awaitable<AuthorizeConf> authorize(Context& ctx, detail::StationContext& station, const AuthorizeReq& req) {
  const charging::Authorization a = co_await ctx.charging.authorize(req.idTag.str());
  spdlog::debug("{}: Authorize {} -> {}", station.station_id, req.idTag.str(), charging::to_string(a.status));
  co_return AuthorizeConf{.idTagInfo = id_tag_info(a)};
}

}  // namespace evp::ocpp::handlers
