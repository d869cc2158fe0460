// A driver's own sessions: GET /api/v1/charging/status/{session_id} and /history.
#include "db/db.hpp"
#include "http/context.hpp"
#include "resources/resources.hpp"
#include "resources/session_view.hpp"

namespace evp::api {

namespace {

using boost::asio::awaitable;

awaitable<Reply> status(Context& ctx) {
  const auto& id = ctx.param("session_id");
  if (!is_uuid(id)) throw ApiError(http::status::bad_request, "invalid_parameter", "session_id must be a UUID");
  auto res = co_await ctx.svc.pool.query(std::string(kSessionSelect) + "WHERE s.id = $1 AND s.client_id = $2",
                                         db::params(id, ctx.user.id));
  // Someone else's session is "not found" too: its existence is not the caller's business.
  if (res.empty()) throw ApiError(http::status::not_found, "session_not_found", "no such session");
  Reply r;
  r.data = session_json(res, 0);
  co_return r;
}

awaitable<Reply> history(Context& ctx) {
  auto page = page_of(ctx);
  auto res = co_await ctx.svc.pool.query(
      std::string(kSessionSelect) + "WHERE s.client_id = $1 ORDER BY s.created_at DESC, s.id LIMIT $2 OFFSET $3",
      db::params(ctx.user.id, page.limit, page.offset));
  auto total = co_await ctx.svc.pool.query("SELECT count(*) FROM charging_sessions WHERE client_id = $1",
                                           db::params(ctx.user.id));
  auto items = nlohmann::json::array();
  for (int i = 0; i < res.rows(); ++i) items.push_back(session_json(res, i));
  Reply r;
  r.data = {{"items", items}, {"total", total.get_int(0, 0)}, {"limit", page.limit}, {"offset", page.offset}};
  co_return r;
}

}  // namespace

std::vector<Route> session_routes() {
  return {
      {http::verb::get, "/api/v1/charging/status/{session_id}", Access::Client, status},
      {http::verb::get, "/api/v1/charging/history", Access::Client, history},
  };
}

}  // namespace evp::api
