// Authorize: the id tag's status from the database (see lookup_id_tag for the rules).
#include <spdlog/spdlog.h>

#include "handlers/context.hpp"

namespace evp::ocpp::handlers {

asio::awaitable<AuthorizeConf> authorize(Context& ctx, detail::StationContext& station, const AuthorizeReq& req) {
  auto lease = co_await ctx.pool.acquire();
  TagLookup tag = co_await lookup_id_tag(*lease, req.idTag.str(), /*check_concurrent=*/true);
  spdlog::debug("{}: Authorize {} -> {}", station.station_id, req.idTag.str(), to_string(tag.info.status));
  co_return AuthorizeConf{.idTagInfo = tag.info};
}

}  // namespace evp::ocpp::handlers
