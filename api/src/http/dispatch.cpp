#include "http/dispatch.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "auth/jwt.hpp"
#include "charging/charging.hpp"
#include "common/utf8.hpp"
#include "db/db.hpp"
#include "http/metrics.hpp"
#include "util/crypto.hpp"

namespace evp::api {

namespace {

nlohmann::json error_json(const std::string& code, const std::string& message) {
  return {{"success", false}, {"error", {{"code", code}, {"message", message}}}};
}

// A client-supplied request id is echoed only when it is short and harmless in logs.
std::string request_id_of(const Request& req) {
  auto given = req["X-Request-Id"];
  bool ok = !given.empty() && given.size() <= 64;
  for (char c : given) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  return ok ? std::string(given) : random_hex(8);
}

bool is_json_content_type(std::string_view ct) {
  auto semi = ct.find(';');
  std::string_view media = ct.substr(0, semi);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  std::string lower(media);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json";
}

std::string allow_header(const std::vector<http::verb>& verbs) {
  std::string out;
  for (auto v : verbs) {
    if (!out.empty()) out += ", ";
    out += std::string(http::to_string(v));
  }
  return out.empty() ? out : out + ", OPTIONS";
}

}  // namespace

Response error_response(const Request* req, http::status status, const std::string& code, const std::string& message,
                        const nlohmann::json& details) {
  Response res{status, req ? req->version() : 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  auto body = error_json(code, message);
  if (!details.is_null()) body["error"]["details"] = details;
  res.body() = body.dump();
  res.keep_alive(req ? req->keep_alive() : false);
  res.prepare_payload();
  return res;
}

bool Dispatcher::origin_allowed(std::string_view origin) const {
  for (const auto& o : svc_.config.cors_origins)
    if (o == "*" || o == origin) return true;
  return false;
}

void Dispatcher::add_cors(const Request& req, Response& res) const {
  auto origin = req[http::field::origin];
  if (origin.empty() || !origin_allowed(origin)) return;
  res.set(http::field::access_control_allow_origin, origin);
  res.set(http::field::vary, "Origin");
  res.set(http::field::access_control_expose_headers, "X-Request-Id");
}

boost::asio::awaitable<void> Dispatcher::authenticate(Context& ctx, Access access) {
  if (access == Access::Public || access == Access::Webhook) co_return;
  auto header = ctx.req[http::field::authorization];
  if (header.empty()) throw ApiError(http::status::unauthorized, "unauthorized", "missing Authorization header");
  if (header.size() < 7 || !(header.substr(0, 7) == "Bearer " || header.substr(0, 7) == "bearer "))
    throw ApiError(http::status::unauthorized, "unauthorized", "Authorization must be 'Bearer <token>'");
  auto result = svc_.jwt.verify(header.substr(7));
  if (!result.ok) throw ApiError(http::status::unauthorized, "unauthorized", result.error);
  ctx.user.id = result.subject;

  auto roles = co_await svc_.pool.query(
      "SELECT EXISTS(SELECT 1 FROM clients WHERE id = $1), EXISTS(SELECT 1 FROM owners WHERE id = $1), "
      "EXISTS(SELECT 1 FROM operators WHERE user_id = $1)",
      db::params(ctx.user.id));
  ctx.user.client = roles.get_bool(0, 0);
  ctx.user.owner = roles.get_bool(0, 1);
  ctx.user.is_operator = roles.get_bool(0, 2);
  // The management API is for operators only; nobody becomes one by signing in.
  if (access == Access::Operator) {
    if (!ctx.user.is_operator)
      throw ApiError(http::status::forbidden, "forbidden", "only operators may use the management API");
    co_return;
  }
  // Anyone who signs in to the PWA is a driver: the client row is created on first use
  // (what a Supabase signup trigger would do), owners are registered by the operator.
  if (!ctx.user.client && !ctx.user.owner && svc_.config.auto_create_clients) {
    // A signed token may still carry odd claims: only a string is an email.
    auto claim = result.claims.find("email");
    std::string email = claim != result.claims.end() && claim->is_string() ? claim->get<std::string>() : "";
    co_await svc_.pool.query("INSERT INTO clients (id, email) VALUES ($1, nullif($2, '')) ON CONFLICT (id) DO NOTHING",
                             db::params(ctx.user.id, email));
    ctx.user.client = true;
  }
  if (access == Access::User && !ctx.user.client && !ctx.user.owner)
    throw ApiError(http::status::forbidden, "forbidden", "user has no client or owner account");
  if (access == Access::Client && !ctx.user.client)
    throw ApiError(http::status::forbidden, "forbidden", "only clients (drivers) may use this endpoint");
  if (access == Access::Owner && !ctx.user.owner)
    throw ApiError(http::status::forbidden, "forbidden", "only station owners may use this endpoint");
}

boost::asio::awaitable<Response> Dispatcher::handle(Request& req, StreamBody* stream) {
  auto started = std::chrono::steady_clock::now();
  std::string request_id = request_id_of(req);
  std::string route_label = "unmatched";
  Response res;
  std::string log_error;

  try {
    Target target = parse_target(req.target());
    if (!target.valid || target.path.empty() || target.path.front() != '/')
      throw ApiError(http::status::bad_request, "invalid_target", "malformed request target");
    // Decoded path and query go into SQL parameters, which PostgreSQL refuses unless they
    // are UTF-8: refuse them here as the client's mistake they are.
    bool utf8 = common::valid_utf8(target.path);
    for (const auto& [k, v] : target.query) utf8 = utf8 && common::valid_utf8(k) && common::valid_utf8(v);
    if (!utf8) throw ApiError(http::status::bad_request, "invalid_target", "request target is not valid UTF-8");

    // The console's files and the front door: "/" leads a browser to the console.
    const bool console_path = target.path == "/console" || target.path.starts_with(StaticFiles::kMount);
    if (console_ && (console_path || (target.path == "/" && req.method() == http::verb::get))) {
      route_label = "/console/*";
      if (req.method() != http::verb::get) {
        res = error_response(&req, http::status::method_not_allowed, "method_not_allowed",
                             std::string(req.method_string()) + " is not allowed here");
        res.set(http::field::allow, "GET");
      } else {
        res = console_->serve(req, target.path == "/" ? "/console" : std::string_view(target.path));
      }
    } else if (auto match = router_.match(req.method(), target.path); req.method() == http::verb::options) {
      if (match.allowed.empty()) throw ApiError(http::status::not_found, "not_found", "no such endpoint");
      auto origin = req[http::field::origin];
      if (!origin.empty() && !origin_allowed(origin))
        throw ApiError(http::status::forbidden, "cors_origin_not_allowed", "origin is not allowed");
      route_label = "OPTIONS";
      res = Response{http::status::no_content, req.version()};
      res.set(http::field::allow, allow_header(match.allowed));
      if (!origin.empty()) {
        res.set(http::field::access_control_allow_methods, allow_header(match.allowed));
        res.set(http::field::access_control_allow_headers, "Authorization, Content-Type, X-Request-Id");
        res.set(http::field::access_control_max_age, "600");
      }
    } else {
      if (!match.route && match.allowed.empty())
        throw ApiError(http::status::not_found, "not_found", "no such endpoint");
      if (!match.route) {
        ApiError e(http::status::method_not_allowed, "method_not_allowed",
                   std::string(req.method_string()) + " is not allowed here");
        res = error_response(&req, e.status(), e.code(), e.what());
        res.set(http::field::allow, allow_header(match.allowed));
      } else {
        route_label = match.route->pattern;
        if (!req.body().empty() && !is_json_content_type(req[http::field::content_type]))
          throw ApiError(http::status::unsupported_media_type, "unsupported_media_type",
                         "request body must be application/json");
        Context ctx(svc_, req, std::move(match.params), std::move(target.query), request_id);
        co_await authenticate(ctx, match.route->access);
        Reply reply = co_await match.route->handler(ctx);
        res = Response{reply.status, req.version()};
        res.set(http::field::content_type, reply.content_type);
        if (reply.stream) {
          if (!stream) throw std::logic_error("a streamed reply where no stream can be written");
          *stream = std::move(reply.stream);
        } else if (reply.raw) {
          res.body() = std::move(*reply.raw);
        } else if (reply.status != http::status::no_content) {
          res.body() = nlohmann::json{{"success", true}, {"data", std::move(reply.data)}}.dump();
        }
        for (auto& [k, v] : reply.headers) res.set(k, v);
      }
    }
  } catch (const ApiError& e) {
    res = error_response(&req, e.status(), e.code(), e.what(), e.details());
    if (e.status() == http::status::unauthorized)
      res.set(http::field::www_authenticate, "Bearer error=\"invalid_token\"");
    if (e.retry_after() > 0) res.set(http::field::retry_after, std::to_string(e.retry_after()));
  } catch (const charging::Refused& e) {
    // What the charging rules refuse (balance, a busy connector, someone else's session...).
    using K = charging::Refused::Kind;
    const auto status = e.kind() == K::NotFound              ? http::status::not_found
                        : e.kind() == K::InsufficientBalance ? http::status::payment_required
                        : e.kind() == K::Invalid             ? http::status::bad_request
                                                             : http::status::conflict;
    res = error_response(&req, status, e.code(), e.what());
  } catch (const db::Error& e) {
    log_error = e.what();
    res = error_response(&req, http::status::service_unavailable, "database_unavailable",
                         "the database is not available, try again");
  } catch (const std::exception& e) {
    log_error = e.what();
    res = error_response(&req, http::status::internal_server_error, "internal_error", "internal server error");
  }

  res.set("X-Request-Id", request_id);
  if (res[http::field::cache_control].empty()) res.set(http::field::cache_control, "no-store");
  add_cors(req, res);
  res.keep_alive(req.keep_alive());
  res.prepare_payload();

  auto took = std::chrono::steady_clock::now() - started;
  svc_.metrics.observe(req.method_string(), route_label, res.result_int(), took);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(took).count();
  if (!log_error.empty())
    spdlog::error("http {} {} {} -> {} ({} us): {}", request_id, req.method_string(), route_label, res.result_int(), us,
                  log_error);
  else
    spdlog::info("http {} {} {} -> {} ({} us)", request_id, req.method_string(), route_label, res.result_int(), us);
  co_return res;
}

}  // namespace evp::api
