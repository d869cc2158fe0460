// A driver's own sessions: GET /api/v1/charging/status/{session_id} and /history.
#include "charging/charging.hpp"
#include "http/context.hpp"
#include "resources/resources.hpp"
#include "resources/session_view.hpp"

namespace evp::api {

namespace {

using boost::asio::awaitable;

awaitable<Reply> status(Context& ctx) {
  const auto& id = ctx.param("session_id");
  if (!is_uuid(id)) throw ApiError(http::status::bad_request, "invalid_parameter", "session_id must be a UUID");
  auto s = co_await ctx.svc.charging.session(ctx.user.id, id);
  // Someone else's session is "not found" too: its existence is not the caller's business.
  if (!s) throw ApiError(http::status::not_found, "session_not_found", "no such session");
  Reply r;
  r.data = session_json(*s);
  co_return r;
}

awaitable<Reply> history(Context& ctx) {
  auto page = page_of(ctx);
  auto sessions = co_await ctx.svc.charging.history(ctx.user.id, page.limit, page.offset);
  auto items = nlohmann::json::array();
  for (const auto& s : sessions.items) items.push_back(session_json(s));
  Reply r;
  r.data = {{"items", items}, {"total", sessions.total}, {"limit", page.limit}, {"offset", page.offset}};
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
